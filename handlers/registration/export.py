"""Export registrations for the centre's staff as an Excel workbook or a CSV file.

Staff follow registrations up in Excel (sorting by commune, filtering by market,
printing call lists), so the export is built for Excel first:

* Headers are Vietnamese, the first row is frozen and filtered, columns are wide
  enough to read without resizing.
* Phone numbers and registration codes are text: as numbers Excel would drop the
  leading 0 of "0912345678" and nobody could call the worker back.
* Times are stored as naive UTC; staff think in Vietnam time (UTC+7, no daylight
  saving since 1975), so a fixed offset is used rather than a time zone database
  that Windows installs may lack.
* Text typed by workers is never evaluated as a formula (`handlers.spreadsheet`): in
  XLSX the cell type is forced to text, in CSV a leading apostrophe defuses = + - @.
* Anonymised registrations keep their statistical columns (place, market, status)
  but their personal columns are empty, as the deletion promise requires.

Everything here is pure: rows in, bytes out. Loading the rows, checking the
staff member's rights and auditing the export belong to the caller.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from db.models import Registration
from handlers.registration import form
from handlers.registration.statuses import STATUS_LABELS
from handlers.spreadsheet import csv_text, looks_like_formula, xlsx_text

if TYPE_CHECKING:  # a private module: imported for type hints only
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

__all__ = [
    "CSV_ENCODING",
    "EXPORT_COLUMNS",
    "PERSONAL_HEADERS",
    "SHEET_NAME",
    "VIETNAM_TZ",
    "CellValue",
    "Getter",
    "export_rows",
    "to_csv",
    "to_xlsx",
    "vietnam_time",
]

CellValue = str | int | date | datetime | None
Getter = Callable[[Registration, Mapping[int, str]], CellValue]

# Vietnam has kept UTC+7 without daylight saving since 1975.
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
# "utf-8-sig" writes the BOM that makes Excel on Windows read the file as UTF-8
# instead of the ANSI code page (which turns "Nguyễn" into mojibake).
CSV_ENCODING = "utf-8-sig"
# ASCII only and well under Excel's 31-character limit for sheet names.
SHEET_NAME = "Dang ky"

DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"
_XLSX_DATE_FORMAT = "dd/mm/yyyy"
_XLSX_DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
_XLSX_TEXT_FORMAT = "@"

# Control characters that XML 1.0 (hence XLSX) cannot hold; openpyxl raises on them.
_ILLEGAL_XML_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def vietnam_time(moment: datetime | None) -> datetime | None:
    """Naive UTC (as stored) → naive Vietnam wall-clock time, for display.

    The result is naive because Excel has no time zones: it shows what it gets.
    An aware datetime is converted from its own zone, so callers cannot get it wrong.
    """
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM_TZ).replace(tzinfo=None)


def _attr(name: str) -> Getter:
    """Getter of a plain text column; empty strings become empty cells."""

    def get(registration: Registration, referrers: Mapping[int, str]) -> CellValue:
        return getattr(registration, name) or None

    return get


def _personal(getter: Getter) -> Getter:
    """Wrap a getter so it yields nothing for an anonymised registration.

    The check lives in the getter itself, so any caller of EXPORT_COLUMNS (not
    only to_xlsx and to_csv) gets the anonymisation for free.
    """

    def get(registration: Registration, referrers: Mapping[int, str]) -> CellValue:
        if registration.anonymised_at is not None:
            return None
        return getter(registration, referrers)

    return get


def _created(registration: Registration, referrers: Mapping[int, str]) -> CellValue:
    return vietnam_time(registration.created_at)


def _status(registration: Registration, referrers: Mapping[int, str]) -> CellValue:
    # An unknown code is shown as is rather than hidden: staff must see it to fix it.
    status = registration.status
    return STATUS_LABELS.get(status, status) if status else None


def _referrer(registration: Registration, referrers: Mapping[int, str]) -> CellValue:
    if registration.referrer_id is None:
        return None
    return referrers.get(registration.referrer_id)


def _answer(field: form.Field) -> Getter:
    def get(registration: Registration, referrers: Mapping[int, str]) -> CellValue:
        return field.export_value(registration)

    return get


def _extra(field: form.Field, value: Callable[[Any], form.CellValue]) -> Getter:
    def get(registration: Registration, referrers: Mapping[int, str]) -> CellValue:
        answer = field.answer(registration)
        return None if answer is None else value(answer)

    return get


def _checks(registration: Registration, referrers: Mapping[int, str]) -> CellValue:
    return "; ".join(form.flags(registration)) or None


# One column per field of the form (declared once in form.py), then the extras.
_COLUMNS: tuple[tuple[str, Getter, bool], ...] = (
    ("Mã hồ sơ", _attr("code"), False),
    ("Ngày đăng ký", _created, False),
    ("Trạng thái", _status, False),
    *(
        column
        for field in form.FIELDS
        for column in (
            (field.label, _answer(field), field.personal),
            *((header, _extra(field, value), personal) for header, value, personal in field.extra),
        )
    ),
    ("Người giới thiệu", _referrer, False),
    ("Cần kiểm tra", _checks, False),
)
# Columns emptied for anonymised rows: what identifies a person, or is sensitive
# (ethnicity, free text). Commune, market and status stay for statistics.
PERSONAL_HEADERS: frozenset[str] = frozenset(header for header, _, personal in _COLUMNS if personal)
# (header, getter) pairs in display order; personal getters are wrapped from the one
# list above, so a column cannot be marked personal and still leak.
EXPORT_COLUMNS: tuple[tuple[str, Getter], ...] = tuple(
    (header, _personal(getter) if header in PERSONAL_HEADERS else getter)
    for header, getter, _ in _COLUMNS
)


def export_rows(
    registrations: Sequence[Registration], referrers: Mapping[int, str]
) -> list[list[CellValue]]:
    """The typed cell values of every registration, in EXPORT_COLUMNS order.

    Shared by both formats so the CSV and the workbook can never disagree.
    """
    getters = [getter for _, getter in EXPORT_COLUMNS]
    return [[get(registration, referrers) for get in getters] for registration in registrations]


# --- CSV --------------------------------------------------------------------------------
def _csv_text(value: CellValue) -> str:
    """Format one value as CSV text, defusing anything a spreadsheet would evaluate."""
    if value is None:
        return ""
    if isinstance(value, datetime):  # before date: a datetime is also a date
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    return csv_text(str(value))


def to_csv(registrations: Sequence[Registration], referrers: Mapping[int, str]) -> bytes:
    """The registrations as CSV bytes for Excel: UTF-8 with BOM, commas, CRLF lines.

    CRLF is the csv module's default and what RFC 4180 specifies; every quoted
    field may hold newlines (notes), which csv.reader reads back intact.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([header for header, _ in EXPORT_COLUMNS])
    for row in export_rows(registrations, referrers):
        writer.writerow([_csv_text(value) for value in row])
    return buffer.getvalue().encode(CSV_ENCODING)


# --- XLSX -------------------------------------------------------------------------------
_CellFactory: TypeAlias = "Callable[[WriteOnlyWorksheet, CellValue], CellValue | Cell]"


def to_xlsx(
    registrations: Sequence[Registration], referrers: Mapping[int, str], title: str
) -> bytes:
    """The registrations as an Excel workbook (bytes of a .xlsx file).

    ``title`` (e.g. "Danh sách đăng ký tháng 5/2025") becomes the document title
    and the printed page header rather than the sheet name, because it is usually
    longer than Excel's 31-character sheet-name limit and a title row above the
    headers would break sorting and filtering.

    Write-only mode streams the rows: it is the faster of openpyxl's two modes
    and needs far less memory, at the price of setting widths, panes and page
    layout before the first row. Nearly all the time goes into openpyxl's XML
    writing (faster when lxml is installed, which openpyxl then uses by itself).
    """
    rows = export_rows(registrations, referrers)
    workbook = Workbook(write_only=True)
    workbook.properties.title = _xml_safe(title)
    workbook.properties.creator = "Trợ lý Trung tâm Dịch vụ việc làm"
    sheet = workbook.create_sheet(SHEET_NAME)

    for index, ((header, _), width) in enumerate(
        zip(EXPORT_COLUMNS, _column_widths(rows), strict=True), start=1
    ):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = width
        if header in _TEXT_HEADERS:
            # Cells the staff add later in this column stay text too.
            dimension.number_format = _XLSX_TEXT_FORMAT
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(EXPORT_COLUMNS))}{len(rows) + 1}"
    # Printed call lists: landscape, one page wide, header row repeated on each page.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = "1:1"
    # "&" starts a code in page headers; Excel rejects headers over 255 characters.
    sheet.oddHeader.center.text = _xml_safe(title)[:_HEADER_MAX_CHARS].replace("&", "&&")

    sheet.append(_header_cells(sheet))
    factories = [_cell_factory(header) for header, _ in EXPORT_COLUMNS]
    for row in rows:
        sheet.append([make(sheet, value) for make, value in zip(factories, row, strict=True)])

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Column formats by header; every other column holds plain text.
_DATETIME_HEADERS = frozenset({"Ngày đăng ký"})
_DATE_HEADERS = frozenset({"Ngày sinh"})
_TEXT_HEADERS = frozenset({"Mã hồ sơ", "Số điện thoại"})
_MIN_WIDTH = 8
_MAX_WIDTH = 50
# Excel refuses to open a file with a longer cell.
_EXCEL_MAX_CELL_CHARS = 32_767
_HEADER_MAX_CHARS = 120


def _column_widths(rows: list[list[CellValue]]) -> list[float]:
    """Width per column: fits the header and the content, within sane bounds.

    Bounded so that one long note does not push every other column off screen.
    """
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(EXPORT_COLUMNS)
    widths: list[float] = []
    for (header, _), column in zip(EXPORT_COLUMNS, columns, strict=True):
        if header in _DATETIME_HEADERS:
            longest = len("dd/mm/yyyy hh:mm")
        elif header in _DATE_HEADERS:
            longest = len("dd/mm/yyyy")
        else:
            longest = max(map(len, map(str, filter(None, column))), default=0)
        widths.append(float(min(_MAX_WIDTH, max(_MIN_WIDTH, len(header), longest) + 2)))
    return widths


def _header_cells(sheet: WriteOnlyWorksheet) -> list[Cell]:
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    alignment = Alignment(vertical="center")
    cells = []
    for header, _ in EXPORT_COLUMNS:
        cell = WriteOnlyCell(sheet, header)
        cell.font = bold
        cell.fill = fill
        cell.alignment = alignment
        cells.append(cell)
    return cells


def _xml_safe(text: str) -> str:
    """Drop the control characters XML cannot hold (openpyxl would raise on them)."""
    if _ILLEGAL_XML_RE.search(text):
        text = _ILLEGAL_XML_RE.sub("", text)
    return text[:_EXCEL_MAX_CELL_CHARS]


def _cell_factory(header: str) -> _CellFactory:
    if header in _DATETIME_HEADERS or header in _DATE_HEADERS:
        return _dated_cell
    if header in _TEXT_HEADERS:
        return _text_cell
    return _plain_cell


def _plain_cell(sheet: WriteOnlyWorksheet, value: CellValue) -> CellValue | Cell:
    """The value itself where openpyxl's default is right (most cells: it is faster)."""
    if not isinstance(value, str):
        return value
    value = _xml_safe(value)
    if looks_like_formula(value):
        # openpyxl would write a string starting with "=" as a formula: a note like
        # "=HYPERLINK(...)" must stay the text the worker typed.
        return xlsx_text(sheet, value)
    return value


def _text_cell(sheet: WriteOnlyWorksheet, value: CellValue) -> CellValue | Cell:
    """A string cell with the Text format, so even a retyped phone keeps its leading 0."""
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, _xml_safe(str(value)))
    cell.data_type = "s"
    cell.number_format = _XLSX_TEXT_FORMAT
    return cell


def _dated_cell(sheet: WriteOnlyWorksheet, value: CellValue) -> CellValue | Cell:
    """A real date (sortable, filterable by month) shown the Vietnamese way."""
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = _XLSX_DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, cast(Any, value))  # openpyxl writes dates; its stubs miss it
        cell.number_format = _XLSX_DATE_FORMAT
        return cell
    return _plain_cell(sheet, value)  # a bare year of birth, or nothing
