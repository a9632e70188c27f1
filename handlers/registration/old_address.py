"""Old addresses (before 1 July 2025), as most ID cards still print them, mapped to today.

Since 1 July 2025 there are no districts and most communes were merged (Nghị quyết
202/2025/QH15 for provinces, the Standing Committee's resolutions for communes). A worker
may type an old commune ("Phố Lu", "phường Cốc Lếu"), an old commune with its district
("xã Y Tý huyện Bát Xát", "Y Tý, Bát Xát, Lào Cai"), an old district alone, or the whole
line of the card ("Thôn Phìn Hồ, xã Y Tý, huyện Bát Xát, tỉnh Lào Cai").

The `vietnamadminunits` package (MIT) supplies the old units (its 63-province table and
address parser) and its 2025 conversion table from each old commune to the new one, or
to the several new ones it was split between. All of it is data in the package: nothing
here touches the network. The package's `convert_address` geocodes an address over the
internet (ArcGIS) when a split commune comes with a street; it is never called: the
parser runs with `keep_street=False` and the conversion table is read directly, and a
split commune becomes a question to the worker instead of a guess.

The current communes themselves are those of `places.py` (vietnam-provinces); a new
commune of the conversion table is found there by name within its province.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from handlers.registration import places
from handlers.registration.places import (
    PlaceMatch,
    _Entry,
    _Index,
    _key,
    _make_index,
    _search,
)

__all__ = ["OldPlace", "by_code", "lookup", "ready", "suggest"]

# An old unit is only believed when its name is in what the worker typed, as whole
# words: the package's parser finds keywords anywhere in the squashed text ("vinh" in
# "vinhyen"), which is right for addresses in a spreadsheet, not for a chat answer.
_COMMUNE_WORDS = ("xa", "phuong", "thi tran", "tt", "p", "x")
_DISTRICT_WORDS = ("huyen", "quan", "thi xa", "thanh pho", "tx", "tp", "h", "q")
_VILLAGE_RE = re.compile(
    r"^(thon|ban|to|xom|ap|khu|khoi|lang|buon|soc|to dan pho|tdp|khu pho|doi)\b"
)
_SUGGEST_CUTOFF = 85.0
# Tone marks on the old or new vowel ("Hoà"/"Hòa", "Thuỷ"/"Thủy"): one spelling for comparing.
_TONE_PLACEMENT = str.maketrans(
    {"ò": "o", "ó": "o", "ỏ": "o", "õ": "o", "ọ": "o", "ù": "u", "ú": "u", "ủ": "u", "ũ": "u",
     "ụ": "u", "à": "a", "á": "a", "ả": "a", "ã": "a", "ạ": "a", "è": "e", "é": "e", "ẻ": "e",
     "ẽ": "e", "ẹ": "e", "ỳ": "y", "ý": "y", "ỷ": "y", "ỹ": "y", "ỵ": "y"}
)  # fmt: skip


@dataclass(frozen=True)
class OldPlace:
    """An old commune (or only a district) from what the worker typed, and today's commune(s).

    `current` holds one commune when the old one became (part of) exactly one, several
    when it was split, or, for a district alone, every commune its old communes became.
    """

    code: int  # the old unit's GSO code (commune, or district when `district_only`)
    label: str  # official old names: "Thị trấn Phố Lu, huyện Bảo Thắng, tỉnh Lào Cai"
    name: str  # "Thị trấn Phố Lu" (or "Huyện Bảo Thắng")
    district: str
    current: tuple[PlaceMatch, ...]
    district_only: bool = False
    village: str | None = None  # "Thôn Phìn Hồ", when the typed line began with one


@dataclass(frozen=True)
class _OldWard:
    code: int
    name: str
    district: str
    district_code: int
    province: str
    old_key: str  # the conversion table's key: "<province>_<district>_<commune>"
    new_province_code: int


async def ready() -> None:
    """Load the package and its tables in a thread the first time (about 1.5 s of CPU),
    so the event loop keeps answering everyone else meanwhile."""
    if _tables.cache_info().currsize == 0:
        await asyncio.to_thread(_tables)
        await asyncio.to_thread(_package)


@cache
def _package() -> Any:
    """The package's parser, imported on first use (it loads ~4 MB of data)."""
    import vietnamadminunits

    return vietnamadminunits


def _query(sql: str) -> list[dict[str, Any]]:
    from vietnamadminunits.database import query

    return list(query(sql))


def _lower_type(name: str) -> str:
    return name[:1].lower() + name[1:]


@cache
def _tables() -> tuple[
    tuple[_OldWard, ...],
    dict[str, list[tuple[str, str]]],
    dict[str, int],
    dict[tuple[str, str], str],
]:
    """Old communes, old key → new (province key, commune key)s, and the new units' names."""
    from vietnamadminunits.converter import converter_2025 as converter

    new_units = _query("SELECT DISTINCT provinceKey, provinceCode, wardKey, ward FROM admin_units")
    province_code = {r["provinceKey"]: int(r["provinceCode"]) for r in new_units}
    new_name = {(r["provinceKey"], r["wardKey"]): r["ward"] for r in new_units}
    old_to_new_province = {
        old: new for new, olds in converter.DICT_PROVINCE.items() for old in olds
    }
    becomes: dict[str, list[tuple[str, str]]] = {}
    for new_province, wards in converter.DICT_PROVINCE_WARD_NO_DIVIDED.items():
        for new_ward, old_keys in wards.items():
            for old_key in old_keys:
                becomes.setdefault(old_key, []).append((new_province, new_ward))
    for new_province, splits in converter.DICT_PROVINCE_WARD_DIVIDED.items():
        for old_key, parts in splits.items():
            for part in parts:
                becomes.setdefault(old_key, []).append((new_province, part["newWardKey"]))
    rows = _query(
        "SELECT provinceKey, districtKey, wardKey, province, district, ward, districtCode, "
        "wardCode FROM admin_units_legacy WHERE wardKey IS NOT NULL"
    )
    wards = tuple(
        _OldWard(
            int(r["wardCode"]),
            r["ward"],
            r["district"],
            int(r["districtCode"]),
            r["province"],
            f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}",
            province_code[old_to_new_province[r["provinceKey"]]],
        )
        for r in rows
        if r["provinceKey"] in old_to_new_province
    )
    return wards, becomes, province_code, new_name


@cache
def _wards_by_code() -> dict[int, _OldWard]:
    return {w.code: w for w in _tables()[0]}


@cache
def _wards_by_key() -> dict[str, _OldWard]:
    return {w.old_key: w for w in _tables()[0]}


@cache
def _index(province_code: int | None) -> tuple[_Index, tuple[_OldWard, ...]]:
    """A search index of the old communes now in one current province (or all)."""
    wards = tuple(
        w for w in _tables()[0] if province_code is None or w.new_province_code == province_code
    )
    entries = []
    for i, ward in enumerate(wards):
        full = _key(ward.name)
        short, _ = places._strip_prefix(full, _COMMUNE_WORDS)
        kind = "xa" if full.startswith("xa ") else "phuong" if full.startswith("phuong ") else ""
        entries.append(
            _Entry(i, ward.name, ward.new_province_code, ward.district, kind, short, full)
        )
    return _make_index(tuple(entries)), wards


def _same_name(a: str, b: str) -> bool:
    def plain(name: str) -> str:
        return unicodedata.normalize("NFC", name).lower().translate(_TONE_PLACEMENT)

    return plain(a) == plain(b)


@cache
def _current(new_province: str, new_ward: str) -> PlaceMatch | None:
    """The current commune (places.py) that the conversion table names."""
    _, _, province_code, new_name = _tables()
    name = new_name.get((new_province, new_ward))
    if name is None or new_province not in province_code:
        return None
    found = [m for m in places.find_communes(name, province_code[new_province], 5) if m.exact]
    if len(found) > 1:  # "Xã Ba Tơ" and "Xã Ba Tô" fold alike: the accents decide
        found = [m for m in found if _same_name(m.name.split(" ", 1)[-1], name.split(" ", 1)[-1])]
    return found[0] if len(found) == 1 else None


def _new_communes(old_key: str) -> tuple[PlaceMatch, ...]:
    seen: dict[int, PlaceMatch] = {}
    for new_province, new_ward in _tables()[1].get(old_key, []):
        match = _current(new_province, new_ward)
        if match is not None:
            seen.setdefault(match.code, match)
    return tuple(seen.values())


def _place(ward: _OldWard, village: str | None = None) -> OldPlace | None:
    current = _new_communes(ward.old_key)
    if not current:
        return None
    label = f"{ward.name}, {_lower_type(ward.district)}, {_lower_type(ward.province)}"
    return OldPlace(ward.code, label, ward.name, ward.district, current, village=village)


def _district(district_code: int, village: str | None = None) -> OldPlace | None:
    wards = [w for w in _tables()[0] if w.district_code == district_code]
    if not wards:
        return None
    current: dict[int, PlaceMatch] = {}
    for ward in wards:
        for match in _new_communes(ward.old_key):
            current.setdefault(match.code, match)
    first = wards[0]
    label = f"{first.district}, {_lower_type(first.province)}"
    ordered = tuple(sorted(current.values(), key=lambda m: _key(m.name)))
    return OldPlace(district_code, label, first.district, first.district, ordered, True, village)


def by_code(code: int) -> OldPlace | None:
    """The old commune with this GSO code (a pressed button carries it)."""
    ward = _wards_by_code().get(code)
    return _place(ward) if ward is not None else None


def _mentions(typed: str, name: str, type_words: tuple[str, ...]) -> bool:
    """Whether the official name (without its type word) is in the typed text, as words."""
    short, _ = places._strip_prefix(_key(name), type_words)
    return f" {short} " in f" {typed} " or f" {short.replace(' ', '')} " in f" {typed} "


def _village(typed_line: str, street: str | None) -> str | None:
    if not street or not _VILLAGE_RE.match(_key(street)):
        return None
    first = typed_line.split(",", 1)[0].strip()
    return first if _key(first) == _key(street) else street


def lookup(text: str, province_code: int | None) -> OldPlace | None:
    """The old commune the worker typed, or an old district alone, mapped to today.

    The package's parser reads lines with a district or a province ("xã Y Tý huyện Bát
    Xát", "Y Tý, Bát Xát, Lào Cai", a whole ID-card line); an old commune named alone
    ("Phố Lu", "phường Cốc Lếu") is looked up among the old communes now in the worker's
    current province. None when nothing old is recognised with certainty.
    """
    if not text.strip() or len(text) > 200:
        return None
    typed = _key(text)
    parse = _package().parse_address
    attempts = [text]
    if province_code is not None:
        attempts += [f"{text}, {name}" for name in _old_provinces(province_code)]
    district_only: OldPlace | None = None
    for attempt in attempts:
        unit = parse(attempt, mode="LEGACY", keep_street=True, level=3)
        village = _village(text, unit.street)
        if unit.ward_key and unit.district_key:
            ward = _wards_by_key().get(f"{unit.province_key}_{unit.district_key}_{unit.ward_key}")
            if ward is not None and _mentions(typed, ward.name, _COMMUNE_WORDS):
                return _place(ward, village)
        if (
            district_only is None
            and unit.district_key
            and unit.district_code
            and _mentions(typed, unit.district, _DISTRICT_WORDS)
            and re.search(r"\b(huyen|quan|thi xa|thanh pho|tp|tx)\b", typed)
        ):
            district_only = _district(int(unit.district_code), village)
    exact = [m for m in _search(_index(province_code)[0], _short(typed), 3) if m.exact]
    wards = _index(province_code)[1]
    if len(exact) == 1:
        return _place(wards[exact[0].code])
    return district_only


def _short(typed: str) -> str:
    short, _ = places._strip_prefix(typed, _COMMUNE_WORDS)
    return short


@cache
def _old_provinces(province_code: int) -> tuple[str, ...]:
    """The old provinces that now make up this current province ("Lào Cai", "Yên Bái")."""
    return tuple(sorted({w.province for w in _tables()[0] if w.new_province_code == province_code}))


def suggest(text: str, province_code: int | None, limit: int = 3) -> list[OldPlace]:
    """Old communes now in this province whose names are close to the typed one (typos,
    or a name shared by communes of several old districts)."""
    if not text.strip() or len(text) > 200:
        return []
    index, wards = _index(province_code)
    found = []
    for match in _search(index, _short(_key(text)), limit):
        if match.score >= _SUGGEST_CUTOFF:
            place = _place(wards[match.code])
            if place is not None:
                found.append(place)
    return found
