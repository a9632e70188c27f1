"""Every spreadsheet the project writes keeps what people typed as text: no formula in the
registration export, the /xuat files or the periodic report, whatever the first character."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from db.clock import utcnow
from db.models import Referrer
from handlers.registration.export import SHEET_NAME, to_csv, to_xlsx
from handlers.spreadsheet import FORMULA_PREFIXES, csv_text, xlsx_text
from tests.dashboard_kit import add_account, add_registration, base, client, login, running
from tests.dashboard_kit import sessions as db_sessions
from tests.test_registration_export import COL, make_registration

PAYLOADS = [
    '=HYPERLINK("http://evil.example","Bấm")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        return "".join(archive.read(n).decode() for n in names)


def _read_back(typed: str) -> str:
    """XML reads a carriage return back as a line feed."""
    return typed.replace("\r", "\n")


@pytest.mark.parametrize("typed", PAYLOADS)
def test_a_risky_cell_is_text_with_a_quote_prefix_in_xlsx_and_an_apostrophe_in_csv(
    typed: str,
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([xlsx_text(sheet, typed), xlsx_text(sheet, "Số 5 - bản Pho")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert "<f>" not in _sheet_xml(buffer.getvalue())
    risky, plain = load_workbook(io.BytesIO(buffer.getvalue())).active["A1":"B1"][0]
    assert risky.value == _read_back(typed) and risky.data_type == "s" and risky.quotePrefix
    assert plain.value == "Số 5 - bản Pho" and not plain.quotePrefix
    assert csv_text(typed) == "'" + typed
    assert csv_text("Số 5 - bản Pho") == "Số 5 - bản Pho"
    assert typed.startswith(FORMULA_PREFIXES)


def test_the_registration_export_marks_every_risky_cell_as_text() -> None:
    rows = [make_registration(full_name=typed, note=typed) for typed in PAYLOADS]
    data = to_xlsx(rows, {}, "t")
    assert "<f>" not in _sheet_xml(data)
    sheet = load_workbook(io.BytesIO(data))[SHEET_NAME]
    for row, typed in enumerate(PAYLOADS, start=2):
        for column in ("Họ và tên", "Ghi chú"):
            cell = sheet.cell(row=row, column=COL[column] + 1)
            assert cell.value == _read_back(typed)
            assert cell.data_type == "s" and cell.quotePrefix, (column, typed)
    lines = list(csv.reader(io.StringIO(to_csv(rows, {}).decode("utf-8-sig"), newline="")))
    assert [line[COL["Ghi chú"]] for line in lines[1:]] == ["'" + t for t in PAYLOADS]


async def test_the_report_workbook_writes_people_typed_names_as_text(
    database_url: str, tmp_path: Path
) -> None:
    """F5: a referrer named `=HYPERLINK(…)` (created by staff in the chat) and odd commune
    names come out of report.xlsx as the text typed, never as a formula."""
    async with running(database_url, tmp_path) as server:
        await add_account(server, "canbo1")
        async with db_sessions(server).begin() as db:
            referrer = Referrer(code="HHEEBAM", name=PAYLOADS[0])
            db.add(referrer)
            await db.flush()
            referrer_id = referrer.id
        for typed in PAYLOADS[1:4]:
            await add_registration(server, referrer_id=referrer_id, commune_name=typed)
        year = utcnow().year
        async with client() as http:
            assert (await login(http, server, "canbo1")).status == 302
            async with http.get(
                f"{base(server)}/staff/report.xlsx?from={date(year, 1, 1)}&to={date(year, 12, 31)}"
            ) as response:
                assert response.status == 200
                data = await response.read()
    assert not re.search(r"<f[ >]", _sheet_xml(data))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    cells = {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    for typed in PAYLOADS[:4]:
        assert typed in cells, (typed, sorted(cells))
        assert cells[typed].data_type == "s" and cells[typed].quotePrefix
