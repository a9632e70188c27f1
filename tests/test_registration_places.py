"""Current provinces and communes (two-tier units since 1 July 2025) and legacy addresses."""

from __future__ import annotations

import time

import pytest
from vietnam_provinces import Province, Ward

from handlers.registration import places
from handlers.registration.places import PlaceMatch

LAO_CAI = 15


def _bare(name: str) -> str:
    """Name without its type word: Bắc Ninh is a "Tỉnh" in the 2025 data and a
    "Thành phố" in vietnam-provinces 2026.x, and the tests must pass with both."""
    return name.removeprefix("Tỉnh ").removeprefix("Thành phố ")


def _best(matches: list[PlaceMatch]) -> PlaceMatch:
    assert matches, "no match"
    return matches[0]


def test_the_package_has_the_2025_two_tier_list() -> None:
    assert len(list(Province.iter_all())) == 34
    assert len(list(Ward.iter_all())) > 3000


@pytest.mark.parametrize(
    "typed",
    ["lao cai", "Lào Cai", "LAO CAI", "tinh lao cai", "Tỉnh Lào Cai", "tỉnh lào cai", "laocai",
     "T. Lào Cai"],
)  # fmt: skip
def test_lao_cai_exact(typed: str) -> None:
    match = _best(places.find_provinces(typed))
    assert (match.code, match.name, match.exact) == (LAO_CAI, "Tỉnh Lào Cai", True)
    assert match.score == 100
    assert match.province_code == LAO_CAI and match.province_name == "Tỉnh Lào Cai"


@pytest.mark.parametrize("typed", ["lao kai", "lào cay", "lao caj", "loa cai"])
def test_province_typos(typed: str) -> None:
    match = _best(places.find_provinces(typed))
    assert match.code == LAO_CAI and not match.exact


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("ha noi", "Thành phố Hà Nội"),
        ("tp ha noi", "Thành phố Hà Nội"),
        ("thanh pho ha noi", "Thành phố Hà Nội"),
        ("hn", "Thành phố Hà Nội"),
        ("tp hcm", "Thành phố Hồ Chí Minh"),
        ("TP.HCM", "Thành phố Hồ Chí Minh"),
        ("sai gon", "Thành phố Hồ Chí Minh"),
        ("ho chi minh", "Thành phố Hồ Chí Minh"),
        ("hue", "Thành phố Huế"),
        ("da nang", "Thành phố Đà Nẵng"),
        ("dak lak", "Tỉnh Đắk Lắk"),
        ("tuyen quang", "Tỉnh Tuyên Quang"),
        ("dien bien", "Tỉnh Điện Biên"),
        ("lai chau", "Tỉnh Lai Châu"),
        ("son la", "Tỉnh Sơn La"),
        ("thai nguyen", "Tỉnh Thái Nguyên"),
        ("phu tho", "Tỉnh Phú Thọ"),
        ("bac ninh", "Tỉnh Bắc Ninh"),
    ],
)
def test_other_provinces(typed: str, name: str) -> None:
    assert _bare(_best(places.find_provinces(typed)).name) == _bare(name)


def test_every_province_finds_itself() -> None:
    for province in Province.iter_all():
        match = _best(places.find_provinces(province.name))
        assert match.code == int(province.code) and match.exact


@pytest.mark.parametrize("typed", ["", "   ", "xyz qwerty", "😀", "a" * 5000])
def test_no_province(typed: str) -> None:
    assert places.find_provinces(typed) == []


def test_old_province_is_not_a_current_one() -> None:
    assert places.find_provinces("yen bai") == []


def test_limit() -> None:
    assert len(places.find_provinces("an", limit=1)) <= 1
    assert places.find_provinces("lao cai", limit=0) == []


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("bat xat", "Xã Bát Xát"),
        ("Bát Xát", "Xã Bát Xát"),
        ("xa bat xat", "Xã Bát Xát"),
        ("xã Bát Xát", "Xã Bát Xát"),
        ("x. bat xat", "Xã Bát Xát"),
        ("x.bat xat", "Xã Bát Xát"),
        ("batxat", "Xã Bát Xát"),
        ("phuong cam duong", "Phường Cam Đường"),
        ("p. cam duong", "Phường Cam Đường"),
        ("P.Cam Đường", "Phường Cam Đường"),
        ("cam duong", "Phường Cam Đường"),
        ("phường lào cai", "Phường Lào Cai"),
        ("sa pa", "Phường Sa Pa"),
        ("y ty", "Xã Y Tý"),
        ("bac ha", "Xã Bắc Hà"),
        ("muong khuong", "Xã Mường Khương"),
        ("si ma cai", "Xã Si Ma Cai"),
        ("nghia lo", "Phường Nghĩa Lộ"),
        ("van ban", "Xã Văn Bàn"),
    ],
)
def test_lao_cai_communes(typed: str, name: str) -> None:
    match = _best(places.find_communes(typed, LAO_CAI))
    assert match.name == name and match.exact
    assert match.province_code == LAO_CAI and match.province_name == "Tỉnh Lào Cai"


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("bat sat", "Xã Bát Xát"),
        ("bat xatt", "Xã Bát Xát"),
        ("kam duong", "Phường Cam Đường"),
        ("cam duog", "Phường Cam Đường"),
        ("muong khuog", "Xã Mường Khương"),
        ("xa pa", "Phường Sa Pa"),
        ("si ma kai", "Xã Si Ma Cai"),
    ],
)
def test_commune_typos(typed: str, name: str) -> None:
    match = _best(places.find_communes(typed, LAO_CAI))
    assert match.name == name and not match.exact


def test_commune_without_province() -> None:
    match = _best(places.find_communes("bat xat", None))
    assert (match.name, match.province_code, match.exact) == ("Xã Bát Xát", LAO_CAI, True)
    for typed in ("bat xat, lao cai", "xa bat xat tinh lao cai", "Bát Xát Lào Cai"):
        matches = places.find_communes(typed, None)
        assert _best(matches).name == "Xã Bát Xát" and _best(matches).exact
        assert all(m.province_code == LAO_CAI for m in matches)


def test_commune_names_shared_by_provinces_come_back_from_each() -> None:
    matches = places.find_communes("tan phu", None, limit=10)
    assert len({m.province_code for m in matches if m.exact}) > 1


def test_commune_limits_and_empty_inputs() -> None:
    assert len(places.find_communes("ba", LAO_CAI, limit=2)) <= 2
    assert places.find_communes("", LAO_CAI) == []
    assert places.find_communes("qqqqqq zzzz", LAO_CAI) == []
    assert places.find_communes("bat xat", 999) == []
    assert places.find_communes("b" * 5000, None) == []


def test_commune_of_another_province_is_not_offered() -> None:
    assert all(m.name != "Xã Bát Xát" for m in places.find_communes("bat xat", 1))


def test_lookups_are_fast() -> None:
    places.find_communes("warm up", None)
    queries = ["bat xat", "phuong cam duong", "lao kai", "tan phu", "xa y ty", "nghia lo"]
    start = time.perf_counter()
    for _ in range(20):
        for query in queries:
            places.find_communes(query, None)
            places.find_communes(query, LAO_CAI)
            places.find_provinces(query)
    per_lookup = (time.perf_counter() - start) / (20 * len(queries) * 3)
    assert per_lookup < 0.005


def test_default_province() -> None:
    assert places.default_province("Lào Cai") == places.find_provinces("Lào Cai")[0]
    assert places.default_province("Lao Cai").code == LAO_CAI  # type: ignore[union-attr]
    assert places.default_province("Hà Nội").code == 1  # type: ignore[union-attr]
    assert places.default_province("Yên Bái") is None
    assert places.default_province("") is None


# --- legacy ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "legacy", "current"),
    [
        ("yen bai", "Tỉnh Yên Bái", "Tỉnh Lào Cai"),
        ("Yên Bái", "Tỉnh Yên Bái", "Tỉnh Lào Cai"),
        ("tinh yen bai", "Tỉnh Yên Bái", "Tỉnh Lào Cai"),
        ("yen bay", "Tỉnh Yên Bái", "Tỉnh Lào Cai"),
        ("ha giang", "Tỉnh Hà Giang", "Tỉnh Tuyên Quang"),
        ("bac kan", "Tỉnh Bắc Kạn", "Tỉnh Thái Nguyên"),
        ("bac can", "Tỉnh Bắc Kạn", "Tỉnh Thái Nguyên"),
        ("hoa binh", "Tỉnh Hòa Bình", "Tỉnh Phú Thọ"),
        ("vinh phuc", "Tỉnh Vĩnh Phúc", "Tỉnh Phú Thọ"),
        ("bac giang", "Tỉnh Bắc Giang", "Tỉnh Bắc Ninh"),
        ("hai duong", "Tỉnh Hải Dương", "Thành phố Hải Phòng"),
        ("thai binh", "Tỉnh Thái Bình", "Tỉnh Hưng Yên"),
        ("nam dinh", "Tỉnh Nam Định", "Tỉnh Ninh Bình"),
        ("quang binh", "Tỉnh Quảng Bình", "Tỉnh Quảng Trị"),
        ("quang nam", "Tỉnh Quảng Nam", "Thành phố Đà Nẵng"),
        ("kon tum", "Tỉnh Kon Tum", "Tỉnh Quảng Ngãi"),
        ("binh duong", "Tỉnh Bình Dương", "Thành phố Hồ Chí Minh"),
        ("vung tau", "Tỉnh Bà Rịa - Vũng Tàu", "Thành phố Hồ Chí Minh"),
        ("thua thien hue", "Thành phố Huế", "Thành phố Huế"),
        ("dak nong", "Tỉnh Đắk Nông", "Tỉnh Lâm Đồng"),
        ("tien giang", "Tỉnh Tiền Giang", "Tỉnh Đồng Tháp"),
        ("bac lieu", "Tỉnh Bạc Liêu", "Tỉnh Cà Mau"),
        ("lao cai", "Tỉnh Lào Cai", "Tỉnh Lào Cai"),
        ("cao bang", "Tỉnh Cao Bằng", "Tỉnh Cao Bằng"),
    ],
)
def test_old_provinces_map_to_current(typed: str, legacy: str, current: str) -> None:
    match = places.find_legacy(typed)[0]
    assert (match.legacy_name, _bare(match.current.name)) == (legacy, _bare(current))
    assert match.current.code == match.current.province_code
    assert "01/07/2025" in match.note


def test_legacy_table_covers_63_provinces_into_34() -> None:
    rows = places._LEGACY_PROVINCES
    assert len(rows) == 63 and len({r[0] for r in rows}) == 63
    current = {int(p.code) for p in Province.iter_all()}
    assert {r[2] for r in rows} == current


def test_merger_note_names_the_partner() -> None:
    note = places.find_legacy("yen bai")[0].note
    assert "tỉnh Yên Bái" in note and "tỉnh Lào Cai" in note and "202/2025/QH15" in note
    assert "giữ nguyên" in places.find_legacy("cao bang")[0].note
