"""Read the official list of licensed recruiters from the file staff download.

The Department of Overseas Labour (Cục Quản lý lao động ngoài nước) publishes the list
of enterprises licensed to send workers abroad; staff import it with
``python -m bot recruiters import FILE``. :func:`parse_registry` reads it as CSV or XLSX
and is all or nothing: a list with one bad row could silently tell a worker that a
revoked company is fine, so every problem is reported (with its row number) and nothing
is returned until the file is clean. Matching names against the list is
``faq/recruiters.py``; this module only reads the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from faq.normalize import fold
from faq.recruiters import Recruiter, Status, licence_key

__all__ = ["RegistryError", "parse_registry"]

_TOKEN_RE = re.compile(r"[a-z0-9]+")
_DIGITS_RE = re.compile(r"[0-9]+")


class RegistryError(ValueError):
    """Raised by :func:`parse_registry`; ``problems`` lists every issue found."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        lines = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} registry problem(s):\n{lines}")


_FIELDS = (
    "name", "short_name", "licence_number", "licence_date", "address", "status",
    "status_date", "source", "list_date",
)  # fmt: skip
_REQUIRED = ("name", "licence_number", "status", "source", "list_date")
# Header spellings after _header_key (folded, punctuation as spaces).
_HEADER_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        alias: name
        for name, aliases in {
            "name": ("ten doanh nghiep", "ten cong ty", "ten dn", "ten", "doanh nghiep",
                     "ten doanh nghiep dich vu", "ten doanh nghiep tieng viet", "name",
                     "company", "company name", "enterprise", "enterprise name"),
            "short_name": ("ten viet tat", "viet tat", "ten tat", "ten giao dich viet tat",
                           "short name", "abbreviation", "abbr"),
            "licence_number": ("so giay phep", "giay phep so", "so gp", "giay phep",
                               "so giay phep hoat dong", "so hieu giay phep", "licence number",
                               "license number", "licence", "license", "licence no",
                               "license no", "licence num", "license num"),
            "licence_date": ("ngay cap", "ngay cap giay phep", "ngay cap gp", "licence date",
                             "license date", "issue date", "date issued", "issued"),
            "address": ("dia chi", "dia chi tru so chinh", "tru so chinh", "tru so",
                        "dia chi tru so", "address", "head office", "head office address"),
            "status": ("tinh trang", "trang thai", "tinh trang hoat dong",
                       "tinh trang giay phep", "trang thai giay phep", "status"),
            "status_date": ("ngay", "ngay thay doi", "ngay thay doi tinh trang",
                            "ngay dinh chi thu hoi", "ngay dinh chi", "ngay thu hoi",
                            "ngay hieu luc", "ngay tinh trang", "status date"),
            "source": ("nguon", "nguon du lieu", "nguon tin", "source", "url", "link"),
            "list_date": ("ngay danh sach", "ngay cap nhat", "cap nhat ngay", "ngay cong bo",
                          "danh sach ngay", "list date", "as of", "updated"),
        }.items()
        for alias in aliases
    }
)  # fmt: skip
_STATUS_VALUES: Mapping[str, Status] = MappingProxyType(
    {
        **dict.fromkeys(
            ("active", "dang hoat dong", "hoat dong", "con hieu luc", "hieu luc",
             "duoc cap phep", "cap moi"), "active"),
        **dict.fromkeys(
            ("suspended", "dinh chi", "tam dinh chi", "bi dinh chi", "bi tam dinh chi",
             "dinh chi hoat dong", "tam dinh chi hoat dong", "dang bi dinh chi"), "suspended"),
        **dict.fromkeys(
            ("revoked", "thu hoi", "bi thu hoi", "da thu hoi", "thu hoi giay phep",
             "bi thu hoi giay phep", "da bi thu hoi"), "revoked"),
    }
)  # fmt: skip
_DATE_RE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_ISO_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]+)?")
# The official list may start with a title block above the header.
_HEADER_SEARCH_ROWS = 15


def parse_registry(
    path: Path, *, source: str | None = None, list_date: dt.date | None = None
) -> list[Recruiter]:
    """Read the official list from CSV (UTF-8, comma or semicolon) or XLSX (first sheet).

    ``source`` and ``list_date`` fill those columns when the file has none
    (the ministry's own spreadsheet does not carry them). Raises
    :class:`RegistryError` listing every problem; never returns part of a list.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _read_xlsx(path)
    else:
        raise RegistryError(
            [f"{path.name}: unknown format {suffix or '(none)'!r}; use .csv or .xlsx"]
        )
    return _parse_rows(path.name, rows, source, list_date)


def _read_csv(path: Path) -> list[tuple[int, list[Any]]]:
    """Return (row number, cells) pairs; row numbers count records from 1."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise RegistryError([f"{path.name}: cannot read file: {exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise RegistryError([f"{path.name}: not UTF-8 text (byte {exc.start})"]) from exc
    # The delimiter is the one under which a header row is recognised (with
    # the most known columns): counting characters is fooled by addresses
    # full of commas in a semicolon file. Ties go to the most frequent one.
    best: list[tuple[int, list[Any]]] = []
    best_columns = -1
    head = "\n".join(text.splitlines()[:_HEADER_SEARCH_ROWS])
    for delimiter in sorted((",", ";", "\t"), key=head.count, reverse=True):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows: list[tuple[int, list[Any]]] = list(enumerate(reader, start=1))
        header = _find_header([(n, c) for n, c in rows if any(x.strip() for x in c)])
        columns = len(header[1]) if header else 0
        if columns > best_columns:
            best, best_columns = rows, columns
    return best


def _read_xlsx(path: Path) -> list[tuple[int, list[Any]]]:
    """Return (row number, cells) of the first sheet, numbered as Excel shows them."""
    from openpyxl import load_workbook  # imported here: only staff uploads need it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise RegistryError([f"{path.name}: not a readable XLSX file: {exc}"]) from exc
    try:
        if not workbook.worksheets:
            raise RegistryError([f"{path.name}: the workbook has no sheet"])
        sheet = workbook.worksheets[0]
        return [
            (number, list(row))
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()


def _header_key(text: str) -> str:
    """Fold a header and drop punctuation and bracketed notes ("(số/ký hiệu)")."""
    folded = fold(text)
    return " ".join(_TOKEN_RE.findall(folded))


def _header_field(cell: Any) -> str | None:
    text = _cell_text(cell)
    if not text:
        return None
    for candidate in (text, re.sub(r"\(.*?\)", " ", text)):
        found = _HEADER_ALIASES.get(_header_key(candidate))
        if found:
            return found
    return None


def _cell_text(cell: Any) -> str:
    """A cell as clean text (NFC, whitespace collapsed); dates keep ISO form."""
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = unicodedata.normalize("NFC", str(cell))
    return " ".join(text.split())


def _find_header(
    rows: Sequence[tuple[int, list[Any]]],
) -> tuple[int, dict[str, int], list[str]] | None:
    """Locate the header row: the first of the top rows naming a name and a licence column.

    Returns (index into rows, field -> column, problems with the header).
    """
    for index, (_, cells) in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        fields = [_header_field(cell) for cell in cells]
        if "name" in fields and "licence_number" in fields:
            columns: dict[str, int] = {}
            problems: list[str] = []
            for column, name in enumerate(fields):
                if name is None:
                    continue  # "STT", "Ghi chú", phone numbers...: not needed
                if name in columns:
                    problems.append(
                        f"row {rows[index][0]}: columns {columns[name] + 1} and {column + 1} "
                        f"both look like {name!r}"
                    )
                else:
                    columns[name] = column
            return index, columns, problems
    return None


def _parse_rows(
    file_name: str,
    rows: list[tuple[int, list[Any]]],
    default_source: str | None,
    default_list_date: dt.date | None,
) -> list[Recruiter]:
    rows = [(n, cells) for n, cells in rows if any(_cell_text(c) for c in cells)]
    if not rows:
        raise RegistryError([f"{file_name}: empty file"])
    header = _find_header(rows)
    if header is None:
        first = [f for f in (_header_field(c) for c in rows[0][1]) if f]
        missing = [f for f in _REQUIRED if f not in first]
        raise RegistryError(
            [f"{file_name}: missing required column(s): {', '.join(missing)} "
             f"(no header row with a company name and a licence number column found)"]
        )  # fmt: skip
    header_index, columns, problems = header
    defaults = {"source": default_source, "list_date": default_list_date}
    missing = [f for f in _REQUIRED if f not in columns and defaults.get(f) is None]
    if missing:
        problems.append(f"{file_name}: missing required column(s): {', '.join(missing)}")
        raise RegistryError(problems)
    data = rows[header_index + 1 :]
    if not data:
        raise RegistryError([*problems, f"{file_name}: empty file (a header but no rows)"])
    recruiters: list[Recruiter] = []
    seen: dict[str, int] = {}
    for number, cells in data:
        values = {
            name: _cell_text(cells[col]) if col < len(cells) else ""
            for name, col in columns.items()
        }
        raw = {name: cells[col] if col < len(cells) else None for name, col in columns.items()}
        recruiter, row_problems = _parse_row(number, values, raw, default_source, default_list_date)
        problems.extend(row_problems)
        if recruiter is None:
            continue
        key = licence_key(recruiter.licence_number)
        if key in seen:
            problems.append(
                f"row {number}: duplicate licence number {recruiter.licence_number!r} "
                f"(already in row {seen[key]})"
            )
        else:
            seen[key] = number
        recruiters.append(recruiter)
    if problems:
        raise RegistryError(problems)
    return recruiters


def _parse_row(
    number: int,
    values: Mapping[str, str],
    raw: Mapping[str, Any],
    default_source: str | None,
    default_list_date: dt.date | None,
) -> tuple[Recruiter | None, list[str]]:
    problems: list[str] = []
    name = values.get("name", "")
    licence = values.get("licence_number", "")
    if not name:
        problems.append(f"row {number}: missing company name")
    if not licence:
        problems.append(f"row {number}: missing licence number")
    elif not _DIGITS_RE.search(fold(licence)):
        problems.append(f"row {number}: licence number {licence!r} has no digits")
    status_text = values.get("status", "")
    status = _STATUS_VALUES.get(_header_key(status_text))
    if status is None:
        shown = repr(status_text) if status_text else "(empty)"
        problems.append(
            f"row {number}: unknown status {shown}; use active/đang hoạt động, "
            "suspended/đình chỉ or revoked/thu hồi"
        )
    dates: dict[str, dt.date | None] = {}
    for column in ("licence_date", "status_date", "list_date"):
        parsed, problem = _parse_date(raw.get(column), values.get(column, ""))
        if problem:
            problems.append(f"row {number}: bad {column.replace('_', ' ')} {problem}")
        dates[column] = parsed
    list_date = dates["list_date"] or default_list_date
    if list_date is None and "list_date" in values and not values["list_date"]:
        problems.append(f"row {number}: missing list date")
    source = values.get("source", "") or default_source or ""
    if not source:
        problems.append(f"row {number}: missing source")
    if problems or status is None or list_date is None:
        return None, problems
    return (
        Recruiter(
            name=name,
            short_name=values.get("short_name", ""),
            licence_number=licence,
            licence_date=dates["licence_date"],
            address=values.get("address", ""),
            status=status,
            status_date=dates["status_date"],
            source=source,
            list_date=list_date,
        ),
        [],
    )


def _parse_date(raw: Any, text: str) -> tuple[dt.date | None, str]:
    """Parse dd/mm/yyyy (also with - or .), ISO dates and XLSX date cells."""
    if isinstance(raw, dt.datetime):
        return raw.date(), ""
    if isinstance(raw, dt.date):
        return raw, ""
    if not text:
        return None, ""
    parts: tuple[str, str, str] | None = None
    if match := _ISO_RE.fullmatch(text):
        parts = (match[3], match[2], match[1])
    elif match := _DATE_RE.fullmatch(text):
        parts = (match[1], match[2], match[3])
    if parts is None:
        return None, f"{text!r} (use dd/mm/yyyy or yyyy-mm-dd)"
    try:
        return dt.date(int(parts[2]), int(parts[1]), int(parts[0])), ""
    except ValueError:
        return None, f"{text!r} (no such date)"
