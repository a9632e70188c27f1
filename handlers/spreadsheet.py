"""Cells of the spreadsheets we write (XLSX and CSV): what a person typed stays text.

Staff open every export and report in Excel or LibreOffice. A cell that starts with
`=`, `+`, `-` or `@` (or a tab or carriage return, which some programs strip first) is
read there as a formula: a name or note such as `=HYPERLINK("http://…","Bấm")` would
become a live link, and a CSV cell can even run commands (CSV injection, OWASP). So every
text cell of every file goes through this module:

* XLSX: `xlsx_text` makes a string cell (never a formula cell), and for the risky
  leading characters sets the cell's "quote prefix" style, so Excel keeps it text even
  when somebody edits the cell later.
* CSV: `csv_text` puts an apostrophe in front of the risky leading characters, the
  usual defence (Excel hides the apostrophe).
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell

# A spreadsheet reads a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Control characters that XML 1.0 (hence XLSX) cannot hold; openpyxl raises on them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Excel refuses to open a file with a longer cell.
EXCEL_MAX_CELL_CHARS = 32_767


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def csv_text(text: str) -> str:
    """`text` for a CSV cell: an apostrophe in front when a spreadsheet would evaluate it."""
    return "'" + text if looks_like_formula(text) else text


def xml_safe(text: str) -> str:
    """Drop the control characters XML cannot hold, and cut at Excel's cell limit."""
    if _ILLEGAL_XML.search(text):
        text = _ILLEGAL_XML.sub("", text)
    return text[:EXCEL_MAX_CELL_CHARS]


def xlsx_text(sheet: Any, text: str) -> Cell:
    """A string cell holding exactly `text` (made XML-safe), never a formula.

    Works for write-only and ordinary worksheets alike (`sheet.append` takes cells).
    """
    cell = WriteOnlyCell(sheet, None)
    cell.value = xml_safe(text)
    cell.data_type = "s"  # set after the value: openpyxl guesses "f" for a leading "="
    if looks_like_formula(cell.value):
        cell.quotePrefix = True
    return cell
