"""`python -m bot faq misses --export FILE`: the questions the FAQ could not answer, for
staff to review in Excel (CSV or XLSX, chosen by the file's suffix).

One row per miss, newest first: when (Vietnam time), the worker's words with phone and
ID numbers masked (as in the logs), the entry the matcher found closest and its score,
the channel, what the matcher did (suggest or none) and what staff made of it. No user
id and no chat id leave the database. Every text cell goes through
`handlers.spreadsheet`, so a question that starts with "=" stays text.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from bot.logs import mask_pii
from db import faq_misses
from db.clock import utcnow
from db.engine import session_factory
from db.migrate import open_database
from db.models import FaqMiss
from handlers.registration.export import CSV_ENCODING, vietnam_time
from handlers.spreadsheet import csv_text, xlsx_text
from settings import Settings

HEADERS = ("Thời điểm", "Câu hỏi", "Mục gần nhất", "Điểm", "Kênh", "Trợ lý đã", "Cán bộ đã xử lý")
WIDTHS = (17, 70, 24, 7, 10, 10, 24)
KINDS = {"suggest": "gợi ý", "none": "không trả lời"}
Row = tuple[datetime | None, str, str, float | None, str, str, str]


def rows(misses: Sequence[FaqMiss]) -> list[Row]:
    return [
        (
            vietnam_time(miss.created_at),
            mask_pii(miss.text),
            miss.best_entry_id or "",
            round(miss.score, 1) if miss.score is not None else None,
            miss.channel,
            KINDS.get(miss.kind, miss.kind),
            miss.handled_as or "",
        )
        for miss in misses
    ]


def to_csv(table: Sequence[Row]) -> bytes:
    """UTF-8 with BOM (Excel reads the diacritics), CRLF lines."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for moment, *texts in table:
        shown = f"{moment:%d/%m/%Y %H:%M}" if moment else ""
        writer.writerow([shown, *(_csv_cell(value) for value in texts)])
    return buffer.getvalue().encode(CSV_ENCODING)


def _csv_cell(value: str | float | None) -> str | float:
    if isinstance(value, str):
        return csv_text(value)
    return "" if value is None else value


def to_xlsx(table: Sequence[Row]) -> bytes:
    workbook = Workbook(write_only=True)
    workbook.properties.title = "Câu hỏi trợ lý chưa trả lời được"
    sheet = workbook.create_sheet("Cau hoi")
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{len(table) + 1}"
    sheet.append([xlsx_text(sheet, header) for header in HEADERS])
    for moment, *values in table:
        when = WriteOnlyCell(sheet, moment)
        when.number_format = "dd/mm/yyyy hh:mm"
        cells: list[object] = [when]
        for value in values:
            cells.append(xlsx_text(sheet, value) if isinstance(value, str) else value)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(table: Sequence[Row], suffix: str) -> bytes:
    return to_xlsx(table) if suffix.lower() == ".xlsx" else to_csv(table)


def export(settings: Settings, path: Path, days: int) -> int:
    """The CLI command; returns the exit status."""
    if path.suffix.lower() not in (".csv", ".xlsx"):
        print("The file must end in .csv or .xlsx.")
        return 2
    if days < 1:
        print("--days must be at least 1.")
        return 2
    table = asyncio.run(load(settings, days))
    try:
        path.write_bytes(render(table, path.suffix))
    except OSError as error:
        print(f"Cannot write {path}: {error.strerror or error}")
        return 1
    print(f"{len(table)} question(s) of the last {days} days written to {path}")
    return 0


async def load(settings: Settings, days: int) -> list[Row]:
    engine = await open_database(settings)
    try:
        async with session_factory(engine)() as session:
            return rows(await faq_misses.since(session, utcnow() - timedelta(days=days)))
    finally:
        await engine.dispose()
