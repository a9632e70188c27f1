"""Ethnic groups: the official 54, other names, typing without diacritics, province buttons."""

from __future__ import annotations

import pytest

from faq.normalize import fold
from handlers.registration import ethnicity
from handlers.registration.ethnicity import COMMON_BY_PROVINCE, ETHNIC_GROUPS, find_ethnicity


def _top(text: str) -> str | None:
    found = find_ethnicity(text)
    return found[0][0] if found else None


def test_there_are_54_distinct_groups_in_official_order() -> None:
    assert len(ETHNIC_GROUPS) == 54
    assert len({fold(name) for name in ETHNIC_GROUPS}) == 54
    assert ETHNIC_GROUPS[:9] == (
        "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Mông", "Dao",
    )  # fmt: skip
    assert ETHNIC_GROUPS[-3:] == ("Rơ Măm", "Brâu", "Ơ Đu")


def test_other_names_never_shadow_an_official_name() -> None:
    for name in ETHNIC_GROUPS:
        assert find_ethnicity(name)[0] == (name, 100.0)
        assert find_ethnicity(fold(name))[0] == (name, 100.0)


@pytest.mark.parametrize(
    ("typed", "official"),
    [
        ("kinh", "Kinh"),
        ("Việt", "Kinh"),
        ("tay", "Tày"),
        ("thai", "Thái"),
        ("Thái đen", "Thái"),
        ("muong", "Mường"),
        ("khmer", "Khmer"),
        ("khơ-me", "Khmer"),
        ("nung", "Nùng"),
        ("mong", "Mông"),
        ("Mông", "Mông"),
        ("H'Mông", "Mông"),
        ("h mong", "Mông"),
        ("hmong", "Mông"),
        ("HMông", "Mông"),
        ("meo", "Mông"),
        ("Mèo", "Mông"),
        ("mong hoa", "Mông"),
        ("dao", "Dao"),
        ("giao", "Dao"),
        ("dao do", "Dao"),
        ("Dao đỏ", "Dao"),
        ("giay", "Giáy"),
        ("Giáy", "Giáy"),
        ("nhang", "Giáy"),
        ("ha nhi", "Hà Nhì"),
        ("hanhi", "Hà Nhì"),
        ("phu la", "Phù Lá"),
        ("xa pho", "Phù Lá"),
        ("Xá Phó", "Phù Lá"),
        ("la chi", "La Chí"),
        ("bo y", "Bố Y"),
        ("san chay", "Sán Chay"),
        ("cao lan", "Sán Chay"),
        ("san diu", "Sán Dìu"),
        ("gia rai", "Gia Rai"),
        ("jrai", "Gia Rai"),
        ("ê-đê", "Ê Đê"),
        ("ede", "Ê Đê"),
        ("ba na", "Ba Na"),
        ("bahnar", "Ba Na"),
        ("mnong", "Mnông"),
        ("M'Nông", "Mnông"),
        ("k'ho", "Cơ Ho"),
        ("kho mu", "Khơ Mú"),
        ("van kieu", "Bru Vân Kiều"),
        ("Bru - Vân Kiều", "Bru Vân Kiều"),
        ("lu", "Lự"),
        ("lao", "Lào"),
        ("la hu", "La Hủ"),
        ("lo lo", "Lô Lô"),
        ("pa then", "Pà Thẻn"),
        ("pu peo", "Pu Péo"),
        ("o du", "Ơ Đu"),
        ("brau", "Brâu"),
        ("ro mam", "Rơ Măm"),
        ("dân tộc Mông", "Mông"),
        ("dan toc tay", "Tày"),
        ("người Dao", "Dao"),
        ("  THÁI  ", "Thái"),
    ],
)
def test_typed_names(typed: str, official: str) -> None:
    found = find_ethnicity(typed)
    assert found[0] == (official, 100.0)


@pytest.mark.parametrize(
    ("typed", "official"),
    [
        ("kihn", "Kinh"),
        ("moong", "Mông"),
        ("giayy", "Giáy"),
        ("ha nhii", "Hà Nhì"),
        ("phu laa", "Phù Lá"),
        ("tayy", "Tày"),
        ("nungg", "Nùng"),
        ("san chai", "Sán Chay"),
    ],
)
def test_typos_still_find_the_group(typed: str, official: str) -> None:
    names = [name for name, _ in find_ethnicity(typed)]
    assert official in names
    assert all(score < 100 for _, score in find_ethnicity(typed))


@pytest.mark.parametrize("typed", ["", "   ", "xyz", "12345", "😀", "a" * 5000, "dân tộc"])
def test_nothing_found(typed: str) -> None:
    assert find_ethnicity(typed) == []


def test_results_are_official_names_best_first_and_limited() -> None:
    found = find_ethnicity("mong", limit=3)
    assert len(found) <= 3
    assert all(name in ETHNIC_GROUPS for name, _ in found)
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    assert len({name for name, _ in found}) == len(found)
    assert find_ethnicity("mong", limit=1) == [("Mông", 100.0)]
    assert find_ethnicity("mong", limit=0) == []


def test_pejorative_names_are_read_but_never_stored() -> None:
    for typed in ("meo", "mèo", "mẹo", "man"):
        name = _top(typed)
        assert name in ("Mông", "Dao")
        assert fold(name) not in ("meo", "man")


def test_common_by_province() -> None:
    lao_cai = COMMON_BY_PROVINCE["Lào Cai"]
    for group in ("Kinh", "Mông", "Dao", "Tày", "Giáy", "Nùng", "Hà Nhì", "Thái"):
        assert group in lao_cai
    for province, groups in COMMON_BY_PROVINCE.items():
        assert groups, province
        assert len(set(groups)) == len(groups), province
        assert all(g in ETHNIC_GROUPS for g in groups), province


def test_common_by_province_is_read_only() -> None:
    with pytest.raises(TypeError):
        ethnicity.COMMON_BY_PROVINCE["Hà Nội"] = ("Kinh",)  # type: ignore[index]
