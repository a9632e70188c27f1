"""Match what a worker types against the official list of licensed recruiters.

Scammers who send people abroad without a licence are the main danger for
the centre's users, so the bot lets a worker check a company name or licence
number against the list of enterprises licensed to send workers abroad kept
by the Department of Overseas Labour (Cục Quản lý lao động ngoài nước).

Two halves, both pure (no database, no network):

* :func:`parse_registry` reads the list as CSV or XLSX. It is all or nothing:
  a list with one bad row could silently tell a worker that a revoked
  company is fine, so every problem is reported (with its row number) and
  nothing is returned until the file is clean.
* :class:`RegistryIndex` answers a lookup. Workers type "cty", "CP",
  "TNHH", "XKLĐ", no diacritics, half a name, an abbreviation or a licence
  number. Legal-form and generic business words are stripped on both sides
  so that only the distinctive part of the name is compared; the comparison
  is done syllable by syllable (Vietnamese names are short syllables, and a
  made-up name that shares a syllable with a licensed one must not match)
  with rapidfuzz edit distances, plus a whole-string ratio for words typed
  together ("tanminhson").

Telling a worker that an unlicensed recruiter is licensed is the worst
possible error, so :func:`decide` only says "found" for an exact or nearly
complete match that is clearly ahead of the rest; typos and partial names
give "choose" (the worker confirms by pressing a button).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from faq.normalize import fold

__all__ = [
    "CHOOSE_MIN_SCORE",
    "CHOOSE_WINDOW",
    "FOUND_MARGIN",
    "FOUND_MIN_SCORE",
    "Recruiter",
    "RecruiterMatch",
    "RegistryError",
    "RegistryIndex",
    "Status",
    "choices",
    "decide",
    "licence_key",
    "name_parts",
    "parse_registry",
]

Status = Literal["active", "suspended", "revoked"]
Decision = Literal["found", "choose", "none"]

# --- decision thresholds (scores are 0..100) ---------------------------------
# "found" needs an exact or nearly complete name (>= 2/3 of the distinctive
# syllables typed exactly, nothing extra) clearly ahead of the runner-up.
FOUND_MIN_SCORE = 90.0
FOUND_MARGIN = 10.0
# Below this nothing is offered: the bot says the name is not on the list.
# Two-syllable name with one typo: ~80 if the syllable has 5+ letters, ~76
# with 4 ("long"/"hong"/"song" are different names, not typos); a made-up
# name sharing one syllable with a licensed one: 45-70.
CHOOSE_MIN_SCORE = 78.0
# Buttons for candidates far below the best one are noise.
CHOOSE_WINDOW = 15.0
# Matches below this are not returned by lookup at all.
LOOKUP_FLOOR = 50.0

# --- scoring ----------------------------------------------------------------
# Share of the name score that depends on how much of the registered name
# the query covers; the rest depends on how much of the query is matched, so
# extra syllables in the query (a made-up "Hoàng Long Phát" against a licensed
# "Hoàng Long") cost far more than missing ones (a partial name).
NAME_COVERAGE_WEIGHT = 0.25
# A syllable with edits counts 1 - EDIT_PENALTY * edits / length.
EDIT_PENALTY = 1.6
# Syllables typed in another order: "Hòa Mai" is not "Mai Hòa"; a swap
# therefore gives "choose" at best.
ORDER_FACTOR = 0.88
# Whole-string similarity (spaces removed) is scaled down: it cannot tell
# "Minh Phú" from "Minh Phúc", so alone it never reaches "found".
STRING_FACTOR = 0.85
STRING_MIN_LEN = 4
# An abbreviation that equals the initials of a name ("TMS" for "Tân Minh
# Sơn") is offered as a choice only: random initials collide too easily.
INITIALS_SCORE = 85.0
INITIALS_LEN = (2, 5)
MAX_QUERY_CHARS = 200

_TOKEN_RE = re.compile(r"[a-z0-9]+")
_DIGITS_RE = re.compile(r"[0-9]+")
# Licence numbers split letters from digits: "MAU001" is "MAU" + "001".
_LICENCE_TOKEN_RE = re.compile(r"[a-z]+|[0-9]+")

# Abbreviations of legal forms and generic words, expanded before stripping.
_ABBREVIATIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "cty": ("cong", "ty"), "congty": ("cong", "ty"), "cti": ("cong", "ty"),
        "ctcp": ("cong", "ty", "co", "phan"), "cp": ("co", "phan"), "cophan": ("co", "phan"),
        "xkld": ("xuat", "khau", "lao", "dong"), "xkl": ("xuat", "khau", "lao", "dong"),
        "xk": ("xuat", "khau"), "ld": ("lao", "dong"), "xnk": ("xuat", "nhap", "khau"),
        "tm": ("thuong", "mai"), "dv": ("dich", "vu"),
        "tmdv": ("thuong", "mai", "dich", "vu"), "dvtm": ("dich", "vu", "thuong", "mai"),
        "vn": ("viet", "nam"), "vietnam": ("viet", "nam"), "nl": ("nhan", "luc"),
        "ko": ("khong",), "k": ("khong",), "kg": ("khong",), "hk": ("khong",),
    }
)  # fmt: skip


def _phrases(*items: str) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(item.split()) for item in items)


# Always removed: legal forms, connectors and the sample-data marker.
_LEGAL_FORMS = _phrases(
    "cong ty", "tong cong ty", "co phan", "tnhh", "trach nhiem huu han", "mtv",
    "mot thanh vien", "hai thanh vien", "hai thanh vien tro len", "2tv", "tap doan",
    "chi nhanh", "doanh nghiep", "jsc", "joint stock company", "joint stock", "company",
    "co ltd", "ltd", "limited", "corp", "corporation", "inc", "llc", "group", "va", "and",
    "du lieu mau",
)  # fmt: skip
# Removed unless nothing else is left ("Công ty CP Đầu tư Quốc tế Việt Nam"
# keeps all of them). "mau" is in every sample row, so it says nothing.
_GENERIC = _phrases(
    "xuat khau lao dong", "xuat nhap khau", "xuat khau", "lao dong", "cung ung nhan luc",
    "cung ung lao dong", "cung ung", "nguon nhan luc", "nhan luc", "thuong mai", "dich vu",
    "dau tu", "phat trien", "quoc te", "viet nam", "hop tac", "ky thuat", "cong nghe",
    "xay dung", "san xuat", "giao duc", "dao tao", "tu van", "du hoc", "du lich", "van tai",
    "ngoai nuoc", "ngoai ngu", "viec lam", "manpower", "hr", "human resources",
    "human resource", "international", "intl", "trading", "service", "services",
    "investment", "development", "labour", "labor", "export", "training", "education",
    "holding", "holdings", "mau",
)  # fmt: skip
# Chat words a worker adds around the name; removed from queries only.
_QUERY_FILLER = _phrases(
    "cho em hoi", "cho minh hoi", "cho toi hoi", "cho hoi", "em hoi", "ad oi", "admin",
    "co uy tin khong", "uy tin", "co phai lua dao khong", "lua dao", "co giay phep khong",
    "giay phep", "kiem tra", "tra cuu", "check", "co that khong", "that khong", "ten la",
    "nay", "khong", "oi", "nhe", "nha", "vay",
)  # fmt: skip
# Politeness particles ("ạ") at the end of a query: matched if the name has
# them ("Đông Á"), otherwise ignored.
_SOFT_TAIL: frozenset[str] = frozenset({"a", "ah"})
# Words around a licence number: "GP", "số", the issuing ministry.
_LICENCE_WORDS: frozenset[str] = frozenset(
    {"so", "giay", "phep", "gp", "gphd", "gpxk", "gphdxk", "ldtbxh", "bldtbxh", "ld", "tbxh",
     "bnv", "nv", "dolab", "qlldnn", "cuc", "no", "number", "licence", "license"}
)  # fmt: skip


def _by_head(phrases: Iterable[tuple[str, ...]]) -> Mapping[str, tuple[tuple[str, ...], ...]]:
    heads: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for phrase in phrases:
        heads[phrase[0]].append(phrase)
    return MappingProxyType({h: tuple(sorted(p, key=len, reverse=True)) for h, p in heads.items()})


_LEGAL_BY_HEAD = _by_head(_LEGAL_FORMS)
_GENERIC_BY_HEAD = _by_head(_GENERIC)
_FILLER_BY_HEAD = _by_head(_QUERY_FILLER)


# --- data --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recruiter:
    """One row of the official list of licensed recruiters."""

    name: str
    short_name: str
    licence_number: str
    licence_date: dt.date | None
    address: str
    status: Status
    status_date: dt.date | None
    source: str
    list_date: dt.date


@dataclass(frozen=True, slots=True)
class RecruiterMatch:
    """A candidate for a lookup; ``exact`` means licence or full name matched as typed."""

    recruiter: Recruiter
    score: float
    exact: bool


class RegistryError(ValueError):
    """Raised by :func:`parse_registry`; ``problems`` lists every issue found."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        lines = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} registry problem(s):\n{lines}")


# --- parsing -----------------------------------------------------------------

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


# --- name and licence normalisation --------------------------------------------


def licence_key(text: str) -> str:
    """Canonical licence number: "123/LĐTBXH-GP", "123 LDTBXH GP", "GP số 123" -> "123".

    Letters around the number that are not licence words ("MAU" in
    "MAU-001/GP") are kept; leading zeros are dropped.
    """
    parts = []
    for token in _LICENCE_TOKEN_RE.findall(fold(text)):
        if token.isdigit():
            parts.append(str(int(token)))
        elif token not in _LICENCE_WORDS:
            parts.append(token)
    return "".join(parts)


def _licence_number(text: str) -> str:
    """The first number of a licence ("123" for "123/LĐTBXH-GP"), leading zeros dropped."""
    match = _DIGITS_RE.search(fold(text))
    return str(int(match[0])) if match else ""


def _expand(text: str) -> list[str]:
    tokens: list[str] = []
    for token in _TOKEN_RE.findall(fold(text)[:MAX_QUERY_CHARS]):
        tokens.extend(_ABBREVIATIONS.get(token, (token,)))
    return tokens


def _strip(
    tokens: Sequence[str], by_head: Mapping[str, tuple[tuple[str, ...], ...]]
) -> tuple[list[str], list[str]]:
    """Split tokens into (kept, removed) by the longest phrases of ``by_head``."""
    kept: list[str] = []
    removed: list[str] = []
    i = 0
    while i < len(tokens):
        for phrase in by_head.get(tokens[i], ()):
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                removed.extend(phrase)
                i += len(phrase)
                break
        else:
            kept.append(tokens[i])
            i += 1
    return kept, removed


def name_parts(text: str, *, query: bool = False) -> tuple[tuple[str, ...], frozenset[str]]:
    """Return (distinctive syllables, generic syllables) of a company name or query.

    Legal forms go always; generic business words go unless they are all
    that is left, in which case they *are* the distinctive part. Queries also
    lose chat filler and a leading "ct" ("ct Hoàng Long").
    """
    tokens = _expand(text)
    if query:
        tokens, _ = _strip(tokens, _FILLER_BY_HEAD)
        if tokens[:1] == ["ct"]:
            tokens = tokens[1:]
    tokens, _ = _strip(tokens, _LEGAL_BY_HEAD)
    core, generic = _strip(tokens, _GENERIC_BY_HEAD)
    if not core:
        core = [t for t in tokens if t != "mau"] or tokens
    if query and core and all(len(t) == 1 for t in core) and len(core) > 1:
        core = ["".join(core)]  # "T.M.S" typed with dots -> "tms"
    return tuple(core), frozenset(generic)


def _allowed_edits(length: int) -> int:
    """Edits tolerated in a syllable: none up to 3 letters ("an" vs "anh" differ)."""
    return 0 if length <= 3 else 1 if length <= 7 else 2


def _name_score(weights: Sequence[Mapping[str, float]], names: Sequence[str], soft: bool) -> float:
    """Score 0..100 of one registered name for typed syllables (their similar-syllable maps).

    Mostly the share of the query found in the name (extra typed syllables
    are the sign of another company), partly the share of the name typed
    (partial names are fine), scaled down when the order differs ("Thăng
    Long" is not "Long Thắng").
    """
    matched_query = 0.0
    counted = len(weights)
    positions: list[int] = []
    for k, similar in enumerate(weights):
        best, where = 0.0, -1
        for position, name in enumerate(names):
            weight = similar.get(name, 0.0)
            if weight > best:
                best, where = weight, position
        if where >= 0:
            positions.append(where)
        elif soft and k == len(weights) - 1:
            counted -= 1  # a trailing "ạ" typed for politeness
        matched_query += best
    matched_name = sum(max(similar.get(name, 0.0) for similar in weights) for name in names)
    query_cover = matched_query / counted
    name_cover = min(1.0, matched_name / len(names))
    score = 100.0 * query_cover * (1 - NAME_COVERAGE_WEIGHT + NAME_COVERAGE_WEIGHT * name_cover)
    if any(b <= a for a, b in itertools.pairwise(positions)):
        score *= ORDER_FACTOR
    return score


# --- index ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    recruiter: Recruiter
    core: tuple[str, ...]
    short_core: tuple[str, ...]
    generic: frozenset[str]
    initials: str


@dataclass(frozen=True, slots=True)
class RegistryIndex:
    """Immutable lookup structures over one registry; build with :meth:`build`."""

    entries: tuple[_Entry, ...]
    by_token: Mapping[str, tuple[int, ...]]
    vocab: tuple[str, ...]
    by_licence: Mapping[str, tuple[int, ...]]
    by_number: Mapping[str, tuple[int, ...]]
    by_initials: Mapping[str, tuple[int, ...]]
    compacts: tuple[str, ...] = field(repr=False)
    compact_owner: tuple[int, ...] = field(repr=False)

    @classmethod
    def build(cls, recruiters: Iterable[Recruiter]) -> RegistryIndex:
        """Precompute the distinctive syllables, initials and licence keys of every row."""
        entries: list[_Entry] = []
        by_token: dict[str, set[int]] = defaultdict(set)
        by_licence: dict[str, list[int]] = defaultdict(list)
        by_number: dict[str, list[int]] = defaultdict(list)
        by_initials: dict[str, list[int]] = defaultdict(list)
        compacts: list[str] = []
        owners: list[int] = []
        for i, recruiter in enumerate(recruiters):
            core, generic = name_parts(recruiter.name)
            short_core = name_parts(recruiter.short_name)[0] if recruiter.short_name else ()
            initials = "".join(t[0] for t in core) if len(core) > 1 else ""
            entries.append(_Entry(recruiter, core, short_core, generic, initials))
            for token in (*core, *short_core):
                by_token[token].add(i)
            by_licence[licence_key(recruiter.licence_number)].append(i)
            by_number[_licence_number(recruiter.licence_number)].append(i)
            if INITIALS_LEN[0] <= len(initials) <= INITIALS_LEN[1]:
                by_initials[initials].append(i)
            for key in {"".join(core), "".join(short_core)} - {""}:
                compacts.append(key)
                owners.append(i)

        def freeze(d: Mapping[str, Iterable[int]]) -> Mapping[str, tuple[int, ...]]:
            return MappingProxyType({k: tuple(sorted(v)) for k, v in d.items()})

        return cls(
            entries=tuple(entries),
            by_token=freeze(by_token),
            vocab=tuple(sorted(by_token)),
            by_licence=freeze(by_licence),
            by_number=freeze(by_number),
            by_initials=freeze(by_initials),
            compacts=tuple(compacts),
            compact_owner=tuple(owners),
        )

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, text: str, limit: int = 5) -> list[RecruiterMatch]:
        """Best candidates for what the worker typed, best first (score 0..100)."""
        found: dict[int, tuple[float, bool]] = {}

        def offer(i: int, score: float, exact: bool) -> None:
            old = found.get(i)
            if old is None or (score, exact) > old:
                found[i] = (score, exact)

        for i in self._licence_hits(text):
            offer(i, 100.0, True)
        core, generic = name_parts(text, query=True)
        if core:
            for i, score, exact in self._token_hits(core):
                offer(i, score, exact)
            for i, score, exact in self._string_hits("".join(core)):
                offer(i, score, exact)
            if len(core) == 1 and INITIALS_LEN[0] <= len(core[0]) <= INITIALS_LEN[1]:
                for i in self.by_initials.get(core[0], ()):
                    offer(i, INITIALS_SCORE, False)
        ranked = sorted(
            (item for item in found.items() if item[1][0] >= LOOKUP_FLOOR),
            key=lambda item: (
                -item[1][0],
                -len(generic & self.entries[item[0]].generic),  # "nhân lực" typed: tie-break
                self.entries[item[0]].recruiter.name,
            ),
        )
        return [
            RecruiterMatch(self.entries[i].recruiter, round(score, 1), exact)
            for i, (score, exact) in ranked[:limit]
        ]

    def _licence_hits(self, text: str) -> tuple[int, ...]:
        """Rows with this licence: the exact key, or the number when only a number was typed."""
        if not _DIGITS_RE.search(fold(text)):
            return ()
        hits = self.by_licence.get(licence_key(text), ())
        if hits:
            return hits
        words = [t for t in _LICENCE_TOKEN_RE.findall(fold(text)) if not t.isdigit()]
        if all(w in _LICENCE_WORDS for w in words):
            return self.by_number.get(_licence_number(text), ())
        return ()

    def _similar_tokens(self, token: str) -> dict[str, float]:
        """Registry syllables close to one typed syllable, with their weight (1 = same)."""
        similar = {token: 1.0} if token in self.by_token else {}
        budget = _allowed_edits(len(token) + 1)
        if budget:
            for other, edits, _ in process.extract(
                token, self.vocab, scorer=Levenshtein.distance, score_cutoff=budget, limit=None
            ):
                longest = max(len(token), len(other))
                if 0 < edits <= _allowed_edits(longest):
                    similar[other] = 1.0 - EDIT_PENALTY * edits / longest
        return similar

    def _token_hits(self, core: Sequence[str]) -> Iterable[tuple[int, float, bool]]:
        """Score the rows sharing (nearly) equal syllables with the query.

        A first pass only adds up, per row, the best weight of each typed
        syllable; rows that cannot reach :data:`LOOKUP_FLOOR` are dropped
        before the full score (coverage of the name, word order) is computed.
        """
        soft = len(core) > 1 and core[-1] in _SOFT_TAIL
        weights = [self._similar_tokens(token) for token in core]
        totals: dict[int, float] = defaultdict(float)
        for similar in weights:
            best: dict[int, float] = {}
            for token, weight in similar.items():
                for i in self.by_token[token]:
                    if weight > best.get(i, 0.0):
                        best[i] = weight
            for i, weight in best.items():
                totals[i] += weight
        needed = LOOKUP_FLOOR / 100.0 * (len(core) - soft)
        for i, total in totals.items():
            if total < needed:
                continue
            entry = self.entries[i]
            best_score = 0.0
            exact = False
            for names in (entry.core, entry.short_core):
                if names:
                    exact = exact or tuple(names) in (tuple(core), tuple(core[: len(core) - soft]))
                    best_score = max(best_score, _name_score(weights, names, soft))
            yield i, (100.0 if exact else best_score), exact

    def _string_hits(self, compact: str) -> Iterable[tuple[int, float, bool]]:
        """Whole-name similarity with spaces removed: "tanminhson", "vina co"."""
        if len(compact) < STRING_MIN_LEN:
            return
        cutoff = LOOKUP_FLOOR / STRING_FACTOR
        for _, ratio, k in process.extract(
            compact, self.compacts, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
        ):
            exact = ratio >= 100.0
            yield self.compact_owner[k], (100.0 if exact else ratio * STRING_FACTOR), exact


# --- decision -------------------------------------------------------------------


def decide(matches: Sequence[RecruiterMatch]) -> Decision:
    """Found: one clear hit; choose: several close (or a likely typo); none: nothing close."""
    if not matches or matches[0].score < CHOOSE_MIN_SCORE:
        return "none"
    best = matches[0].score
    runner_up = matches[1].score if len(matches) > 1 else 0.0
    if best >= FOUND_MIN_SCORE and best - runner_up >= FOUND_MARGIN:
        return "found"
    return "choose"


def choices(matches: Sequence[RecruiterMatch]) -> list[RecruiterMatch]:
    """The matches worth a button: good enough and not far below the best."""
    if not matches:
        return []
    floor = max(CHOOSE_MIN_SCORE, matches[0].score - CHOOSE_WINDOW)
    return [m for m in matches if m.score >= floor]
