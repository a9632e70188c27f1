"""Provinces and communes of Vietnam as typed by users, matched to official units.

Since 1 July 2025 Vietnam has two administrative levels: 34 provinces and
centrally-run cities (Nghị quyết 202/2025/QH15), and communes / wards /
special zones below them; districts are gone. The current list comes from the
``vietnam-provinces`` package (never a hand-made list). Users type names
without diacritics, with or without a type word ("tinh", "tp", "xa", "p."),
and with typos, so matching is on folded names with rapidfuzz, plus a rough
phonetic key for the spelling confusions common in the north (s/x, ch/tr,
d/gi/r, c/k, i/y).

Many ID cards still show the old three-level address (e.g. "huyện Bát Xát,
tỉnh Yên Bái"). :func:`find_legacy` maps the 63 old provinces to the 34
current ones from the table in Nghị quyết 202/2025/QH15, kept here as a
constant (63 rows, law text, cross-checked against the conversion table of
vietnam-provinces 2026.x). Old communes and districts are mapped by
`old_address.py`, from the `vietnamadminunits` package's 2025 conversion data
(vietnam-provinces ships its own only from 2026.1, which needs Python 3.12).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from rapidfuzz import fuzz, process
from vietnam_provinces import Province, VietNamDivisionType, Ward

from faq.normalize import fold

__all__ = [
    "LegacyMatch",
    "PlaceMatch",
    "commune_by_code",
    "default_province",
    "find_communes",
    "find_legacy",
    "find_provinces",
    "province_by_code",
]

MERGER_DATE = "01/07/2025"
MERGER_LAW = "Nghị quyết 202/2025/QH15"


@dataclass(frozen=True)
class PlaceMatch:
    """A current administrative unit matched to what the user typed.

    ``name`` is official, with diacritics and type ("Xã Bát Xát",
    "Tỉnh Lào Cai"); for a province ``code == province_code``. ``score`` is
    0-100; ``exact`` means the typed name equals the official one once folded
    (the bot may then skip the "did you mean" question).
    """

    code: int
    name: str
    province_code: int
    province_name: str
    score: float
    exact: bool


@dataclass(frozen=True)
class LegacyMatch:
    """An old (pre-1 July 2025) unit and the current unit it now belongs to."""

    current: PlaceMatch
    legacy_name: str
    note: str


# --- normalisation ---------------------------------------------------------------------
_NON_WORD_RE = re.compile(r"[^a-z0-9 ]+")
_WS_RE = re.compile(r"\s+")
_PROVINCE_PREFIXES = ("thanh pho", "tinh", "tp", "t p", "t")
_COMMUNE_PREFIXES: Mapping[str, str] = MappingProxyType(
    {
        "dac khu": "dac khu", "dk": "dac khu",
        "phuong": "phuong", "p": "phuong", "f": "phuong",
        "xa": "xa", "x": "xa",
        "thi tran": "thi tran", "tt": "thi tran",
    }
)  # fmt: skip
_SCORE_CUTOFF = 70.0


def _clean_name(name: str) -> str:
    """Official names as shown: NFC, straight apostrophe, ASCII hyphen, single spaces."""
    name = unicodedata.normalize("NFC", name).replace("’", "'").replace("–", "-")
    return _WS_RE.sub(" ", name).strip()


def _key(text: str) -> str:
    """Folded, punctuation-free form: "P. Cam Đường" -> "p cam duong", "H'Leo" -> "hleo"."""
    folded = fold(unicodedata.normalize("NFKC", text)).replace("'", "").replace("’", "")
    return _WS_RE.sub(" ", _NON_WORD_RE.sub(" ", folded)).strip()


def _strip_prefix(key: str, prefixes: tuple[str, ...] | Mapping[str, str]) -> tuple[str, str]:
    """Remove one leading type word; return (rest, the prefix found or "")."""
    for prefix in sorted(prefixes, key=len, reverse=True):
        if key.startswith(prefix + " ") and len(key) > len(prefix) + 1:
            return key[len(prefix) + 1 :], prefix
    return key, ""


_SOUND_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"\bngh", "ng"), (r"\bgh", "g"), (r"\bph", "f"), (r"\btr", "ch"), (r"\bgi", "d"),
        (r"\br", "d"), (r"\bk(?!h)", "c"), (r"\bq", "c"), (r"\bx", "s"),
        (r"(?<=[^aeiou ])y\b", "i"),
    )
)  # fmt: skip


def _sound(key: str) -> str:
    """A rough phonetic key so that "lao kai" meets "lao cai" and "xa pa" meets "sa pa"."""
    for pattern, replacement in _SOUND_RULES:
        key = pattern.sub(replacement, key)
    return key


# --- the current units -----------------------------------------------------------------
@dataclass(frozen=True)
class _Entry:
    code: int
    name: str
    province_code: int
    province_name: str
    kind: str  # "tinh", "thanh pho", "xa", "phuong", "dac khu"
    key: str  # folded name without the type word
    full_key: str  # folded name with the type word


def _province_name(province: Province) -> str:
    name = _clean_name(province.name)
    if fold(name).startswith(("tinh ", "thanh pho ")):
        return name
    if province.division_type == VietNamDivisionType.TINH:
        return f"Tỉnh {name}"
    return f"Thành phố {name}"


def _kind(division_type: Any) -> str:
    return fold(str(getattr(division_type, "value", division_type))).replace(" trung uong", "")


@dataclass(frozen=True)
class _Index:
    entries: tuple[_Entry, ...]
    keys: tuple[str, ...]
    nospace: tuple[str, ...]
    sounds: tuple[str, ...]


def _make_index(entries: tuple[_Entry, ...]) -> _Index:
    return _Index(
        entries,
        tuple(e.key for e in entries),
        tuple(e.key.replace(" ", "") for e in entries),
        tuple(_sound(e.key) for e in entries),
    )


# Short forms people type for the biggest cities; folded, type word removed.
_PROVINCE_ALIASES: Mapping[str, int] = MappingProxyType(
    {"hcm": 79, "tphcm": 79, "sai gon": 79, "saigon": 79, "sg": 79, "hn": 1, "hp": 31}
)


@cache
def _provinces() -> _Index:
    entries = []
    for province in Province.iter_all():
        name = _province_name(province)
        key, _ = _strip_prefix(_key(name), _PROVINCE_PREFIXES)
        entries.append(
            _Entry(int(province.code), name, int(province.code), name,
                   _kind(province.division_type), key, _key(name))
        )  # fmt: skip
    return _make_index(tuple(sorted(entries, key=lambda e: e.code)))


@cache
def _province_by_code() -> Mapping[int, _Entry]:
    return MappingProxyType({e.code: e for e in _provinces().entries})


@cache
def _communes(province_code: int | None) -> _Index:
    """All communes (``None``) or those of one province; built once per key."""
    if province_code is not None:
        return _make_index(tuple(e for e in _communes(None).entries
                                 if e.province_code == province_code))  # fmt: skip
    provinces = _province_by_code()
    entries = []
    for ward in Ward.iter_all():
        name = _clean_name(ward.name)
        key, _ = _strip_prefix(_key(name), _COMMUNE_PREFIXES)
        province = provinces[int(ward.province_code)]
        entries.append(
            _Entry(int(ward.code), name, province.code, province.name,
                   _kind(ward.division_type), key, _key(name))
        )  # fmt: skip
    return _make_index(tuple(sorted(entries, key=lambda e: (e.province_code, e.key, e.code))))


def _search(index: _Index, query: str, limit: int, kind: str = "") -> list[PlaceMatch]:
    """Score every entry by plain, space-free and phonetic similarity; best first."""
    if not query or limit <= 0:
        return []
    scores: dict[int, float] = {}
    for choices, q, weight in (
        (index.keys, query, 1.0),
        (index.nospace, query.replace(" ", ""), 1.0),
        (index.sounds, _sound(query), 0.95),
    ):
        for _, score, i in process.extract(
            q, choices, scorer=fuzz.ratio, limit=None, score_cutoff=_SCORE_CUTOFF
        ):
            scores[i] = max(scores.get(i, 0.0), score * weight)
    matches = []
    for i, score in scores.items():
        entry = index.entries[i]
        exact = entry.key == query or entry.key.replace(" ", "") == query.replace(" ", "")
        if kind and entry.kind != kind:
            score, exact = score - 3, False
        if score >= _SCORE_CUTOFF:
            matches.append((round(score, 1), exact, entry))
    matches.sort(key=lambda m: (-m[0], not m[1], m[2].province_code, m[2].code))
    return [
        PlaceMatch(e.code, e.name, e.province_code, e.province_name, s, exact)
        for s, exact, e in matches[:limit]
    ]


def find_provinces(text: str, limit: int = 3) -> list[PlaceMatch]:
    """Current provinces matching ``text`` ("lao cai", "Tỉnh Lào Cai", "tp hcm", "lao kai")."""
    if len(text) > 200:
        return []
    key, _ = _strip_prefix(_key(text), _PROVINCE_PREFIXES)
    if key in _PROVINCE_ALIASES:
        entry = _province_by_code()[_PROVINCE_ALIASES[key]]
        return [PlaceMatch(entry.code, entry.name, entry.code, entry.name, 100.0, True)]
    return _search(_provinces(), key, limit)


def _split_province_suffix(key: str) -> tuple[str, int | None]:
    """ "bat xat lao cai" -> ("bat xat", 15): a trailing current province name."""
    for entry in _provinces().entries:
        for suffix in (entry.full_key, entry.key):
            if key.endswith(" " + suffix) and len(key) > len(suffix) + 1:
                rest = key[: -len(suffix) - 1].strip()
                for word in ("tinh", "thanh pho", "tp"):
                    rest = rest.removesuffix(" " + word)
                return rest, entry.code
    return key, None


def find_communes(text: str, province_code: int | None, limit: int = 5) -> list[PlaceMatch]:
    """Current communes / wards / special zones matching ``text``.

    With ``province_code`` only that province is searched (the normal case:
    the bot asks the province first). Without it, a trailing province in the
    text ("bat xat, lao cai") narrows the search; otherwise all 3,300 units
    are searched and same-named communes of several provinces may come back.
    """
    if len(text) > 200:
        return []
    key = _key(text)
    if province_code is None:
        key, province_code = _split_province_suffix(key)
    if province_code is not None and province_code not in _province_by_code():
        return []
    index = _communes(province_code)
    stripped, prefix = _strip_prefix(key, _COMMUNE_PREFIXES)
    matches = _search(index, stripped, limit, _COMMUNE_PREFIXES.get(prefix, ""))
    if prefix and not any(m.exact for m in matches):
        # "xa pa" may be "Sa Pa" typed with x, not "xã Pa...": also try it whole.
        whole = _search(index, key, limit)
        best: dict[int, PlaceMatch] = {m.code: m for m in whole}
        for m in matches:
            if m.code not in best or best[m.code].score < m.score:
                best[m.code] = m
        matches = sorted(best.values(), key=lambda m: (-m.score, not m.exact, m.code))[:limit]
    return matches


def default_province(setting_name: str) -> PlaceMatch | None:
    """Resolve the PROVINCE setting ("Lào Cai") to the current province, or None."""
    matches = find_provinces(setting_name, limit=1)
    if matches and matches[0].score >= 90:
        return matches[0]
    return None


# --- legacy units ----------------------------------------------------------------------
# The 63 provinces before 1 July 2025: (old code, old official name, current
# province code). Source: Nghị quyết 202/2025/QH15 về việc sắp xếp đơn vị
# hành chính cấp tỉnh (12/6/2025), Điều 1. Old codes are the GSO codes, used
# to look old communes up in the package's legacy data when it is present.
_LEGACY_PROVINCES: tuple[tuple[int, str, int], ...] = (
    (1, "Thành phố Hà Nội", 1), (2, "Tỉnh Hà Giang", 8), (4, "Tỉnh Cao Bằng", 4),
    (6, "Tỉnh Bắc Kạn", 19), (8, "Tỉnh Tuyên Quang", 8), (10, "Tỉnh Lào Cai", 15),
    (11, "Tỉnh Điện Biên", 11), (12, "Tỉnh Lai Châu", 12), (14, "Tỉnh Sơn La", 14),
    (15, "Tỉnh Yên Bái", 15), (17, "Tỉnh Hòa Bình", 25), (19, "Tỉnh Thái Nguyên", 19),
    (20, "Tỉnh Lạng Sơn", 20), (22, "Tỉnh Quảng Ninh", 22), (24, "Tỉnh Bắc Giang", 24),
    (25, "Tỉnh Phú Thọ", 25), (26, "Tỉnh Vĩnh Phúc", 25), (27, "Tỉnh Bắc Ninh", 24),
    (30, "Tỉnh Hải Dương", 31), (31, "Thành phố Hải Phòng", 31), (33, "Tỉnh Hưng Yên", 33),
    (34, "Tỉnh Thái Bình", 33), (35, "Tỉnh Hà Nam", 37), (36, "Tỉnh Nam Định", 37),
    (37, "Tỉnh Ninh Bình", 37), (38, "Tỉnh Thanh Hóa", 38), (40, "Tỉnh Nghệ An", 40),
    (42, "Tỉnh Hà Tĩnh", 42), (44, "Tỉnh Quảng Bình", 44), (45, "Tỉnh Quảng Trị", 44),
    (46, "Thành phố Huế", 46), (48, "Thành phố Đà Nẵng", 48), (49, "Tỉnh Quảng Nam", 48),
    (51, "Tỉnh Quảng Ngãi", 51), (52, "Tỉnh Bình Định", 52), (54, "Tỉnh Phú Yên", 66),
    (56, "Tỉnh Khánh Hòa", 56), (58, "Tỉnh Ninh Thuận", 56), (60, "Tỉnh Bình Thuận", 68),
    (62, "Tỉnh Kon Tum", 51), (64, "Tỉnh Gia Lai", 52), (66, "Tỉnh Đắk Lắk", 66),
    (67, "Tỉnh Đắk Nông", 68), (68, "Tỉnh Lâm Đồng", 68), (70, "Tỉnh Bình Phước", 75),
    (72, "Tỉnh Tây Ninh", 80), (74, "Tỉnh Bình Dương", 79), (75, "Tỉnh Đồng Nai", 75),
    (77, "Tỉnh Bà Rịa - Vũng Tàu", 79), (79, "Thành phố Hồ Chí Minh", 79),
    (80, "Tỉnh Long An", 80), (82, "Tỉnh Tiền Giang", 82), (83, "Tỉnh Bến Tre", 86),
    (84, "Tỉnh Trà Vinh", 86), (86, "Tỉnh Vĩnh Long", 86), (87, "Tỉnh Đồng Tháp", 82),
    (89, "Tỉnh An Giang", 91), (91, "Tỉnh Kiên Giang", 91), (92, "Thành phố Cần Thơ", 92),
    (93, "Tỉnh Hậu Giang", 92), (94, "Tỉnh Sóc Trăng", 92), (95, "Tỉnh Bạc Liêu", 96),
    (96, "Tỉnh Cà Mau", 96),
)  # fmt: skip

# Other names still printed on older cards, folded -> old code.
_LEGACY_ALIASES: Mapping[str, int] = MappingProxyType(
    {"thua thien hue": 46, "tt hue": 46, "brvt": 77, "vung tau": 77, "ba ria": 77,
     "hcm": 79, "tphcm": 79, "sai gon": 79}
)  # fmt: skip


@dataclass(frozen=True)
class _Legacy:
    old_code: int
    name: str
    new_code: int


@cache
def _legacy_index() -> tuple[_Index, tuple[_Legacy, ...]]:
    rows = [_Legacy(old, name, new) for old, name, new in _LEGACY_PROVINCES]
    entries = []
    for i, row in enumerate(rows):
        key, _ = _strip_prefix(_key(row.name), _PROVINCE_PREFIXES)
        entries.append(_Entry(i, row.name, row.new_code, "", "", key, _key(row.name)))
    by_code = {r.old_code: i for i, r in enumerate(rows)}
    for alias, old_code in _LEGACY_ALIASES.items():
        i = by_code[old_code]
        entries.append(_Entry(i, rows[i].name, rows[i].new_code, "", "", alias, alias))
    return _make_index(tuple(entries)), tuple(rows)


def _merger_note(row: _Legacy) -> str:
    current = _province_by_code()[row.new_code].name
    rows = _legacy_index()[1]
    partners = [r.name for r in rows if r.new_code == row.new_code and r != row]
    if not partners:
        return f"{row.name} giữ nguyên sau sắp xếp ngày {MERGER_DATE}."
    together = ", ".join(_lower_type(p) for p in partners)
    return (
        f"Từ {MERGER_DATE}, {_lower_type(row.name)} cùng {together} hợp thành "
        f"{_lower_type(current)} ({MERGER_LAW})."
    )


def _lower_type(name: str) -> str:
    """ "Tỉnh Yên Bái" -> "tỉnh Yên Bái" for use inside a sentence."""
    return name[:1].lower() + name[1:]


def _current(code: int, score: float, exact: bool) -> PlaceMatch:
    entry = _province_by_code()[code]
    return PlaceMatch(entry.code, entry.name, entry.code, entry.name, score, exact)


def find_legacy(text: str, limit: int = 3) -> list[LegacyMatch]:
    """Old (pre-1 July 2025) provinces matching ``text``, each with its current province.

    "yen bai" -> Tỉnh Lào Cai; "ha giang" -> Tỉnh Tuyên Quang; "bac kan" ->
    Tỉnh Thái Nguyên. Unchanged provinces map to themselves.
    """
    if len(text) > 200:
        return []
    index, rows = _legacy_index()
    key, _ = _strip_prefix(_key(text), _PROVINCE_PREFIXES)
    seen: set[int] = set()
    result = []
    for match in _search(index, key, limit * 3):
        row = rows[match.code]
        if row.old_code in seen:
            continue
        seen.add(row.old_code)
        current = _current(row.new_code, match.score, match.exact)
        result.append(LegacyMatch(current, row.name, _merger_note(row)))
    return result[:limit]


@cache
def _commune_by_code() -> Mapping[int, _Entry]:
    return MappingProxyType({e.code: e for e in _communes(None).entries})


def _commune_match(code: int, score: float, exact: bool) -> PlaceMatch:
    entry = _commune_by_code()[code]
    return PlaceMatch(entry.code, entry.name, entry.province_code, entry.province_name,
                      score, exact)  # fmt: skip


def province_by_code(code: int) -> PlaceMatch | None:
    """The current province with this code (a pressed button carries the code)."""
    return _current(code, 100.0, True) if code in _province_by_code() else None


def commune_by_code(code: int) -> PlaceMatch | None:
    """The current commune/ward with this code (a pressed button carries the code)."""
    return _commune_match(code, 100.0, True) if code in _commune_by_code() else None


def province_names() -> list[str]:
    """Names of the 34 provinces and cities, as registrations store them (pick lists)."""
    return [e.name for e in _provinces().entries]


def commune_names(province_code: int) -> list[str]:
    """Names of one province's communes and wards, sorted (pick lists)."""
    return sorted((e.name for e in _communes(province_code).entries), key=fold)
