"""Tests of faq.company_names: legal forms, sector words found by frequency, syllables."""

from __future__ import annotations

import pytest

from faq.company_names import (
    derive_stop_phrases,
    is_syllable,
    legal_compatible,
    split_name,
    tokens,
    without_legal_forms,
)


def test_tokens_fold_expand_and_drop_bracketed_notes() -> None:
    assert tokens("CTCP XKLĐ Sông Hồng (DỮ LIỆU MẪU)") == (
        "cong ty co phan xuat khau lao dong song hong".split()
    )
    assert tokens("Cty TNHH TM & DV Bình An") == "cong ty tnhh thuong mai dich vu binh an".split()


@pytest.mark.parametrize(
    ("name", "legal", "words"),
    [
        ("Công ty Cổ phần Sông Hồng", {"cp"}, ("song", "hong")),
        ("Sông Hồng JSC", {"cp"}, ("song", "hong")),
        ("Công ty TNHH MTV Sông Hồng", {"tnhh", "mtv"}, ("song", "hong")),
        ("Công ty TNHH Một thành viên Sông Hồng", {"tnhh", "mtv"}, ("song", "hong")),
        ("Sông Hồng Co., Ltd", {"tnhh"}, ("song", "hong")),
        ("Tổng công ty Sông Hồng", {"tct"}, ("song", "hong")),
        ("cty song hong", set(), ("song", "hong")),
        ("Công ty TNHH Thành Công", {"tnhh"}, ("thanh", "cong")),  # "công" is a name here
    ],
)
def test_legal_forms_become_classes(name: str, legal: set[str], words: tuple[str, ...]) -> None:
    parts = split_name(name, frozenset())
    assert parts.legal == legal and parts.words == words


def test_legal_compatibility() -> None:
    assert legal_compatible(frozenset(), frozenset({"cp"}))
    assert legal_compatible(frozenset({"tnhh"}), frozenset({"tnhh", "mtv"}))
    assert not legal_compatible(frozenset({"cp"}), frozenset({"tnhh"}))
    assert not legal_compatible(frozenset({"mtv"}), frozenset({"tnhh"}))
    assert not legal_compatible(frozenset({"tct"}), frozenset({"cp"}))


def test_without_legal_forms() -> None:
    assert without_legal_forms("co phan song hong".split()) == ["song", "hong"]
    assert without_legal_forms("trung thanh".split()) == ["trung", "thanh"]


@pytest.mark.parametrize("word", ["a", "song", "hong", "nghieng", "nguyen", "thuy", "khuya", "qua"])
def test_syllables(word: str) -> None:
    assert is_syllable(word)


@pytest.mark.parametrize("word", ["hongg", "sn", "thuyr", "ngn", "viphuco", "group", "tms"])
def test_not_syllables(word: str) -> None:
    assert not is_syllable(word)


def _names(*distinctive: str, sector: str = "Nhân lực Quốc tế") -> list[str]:
    return [f"Công ty Cổ phần {sector} {d}" for d in distinctive]


def test_sector_phrases_are_the_shared_ones() -> None:
    names = [
        *_names("Sông Hồng", "Tây Bắc", "Hà Thành", "Đại Dương"),
        *_names("Kim Liên", "Lạc Hồng", "Bảo Minh", sector="Xuất khẩu Lao động"),
        *_names("Sao Việt", "Việt Phúc", sector="Thương mại"),
        "Công ty TNHH Hoàng Long",
        "Công ty TNHH Hoàng Long Phát",
        "Công ty TNHH Thương mại Hoàng Long Việt",
    ]
    stops = derive_stop_phrases(names)
    assert ("nhan", "luc") in stops and ("quoc", "te") in stops
    assert ("xuat", "khau", "lao", "dong") in stops
    assert ("hoang", "long") not in stops  # some company's whole name
    assert ("viet",) not in stops and ("hong",) not in stops
    assert split_name(names[0], stops).distinctive == ("song", "hong")


def test_a_name_of_sector_words_only_keeps_them() -> None:
    names = [*_names("Sông Hồng", "Tây Bắc", "Hà Thành"), "Công ty CP Nhân lực Quốc tế"]
    stops = derive_stop_phrases(names)
    assert split_name("Công ty CP Nhân lực Quốc tế", stops).distinctive == (
        "nhan", "luc", "quoc", "te",
    )  # fmt: skip


def test_a_marker_in_every_name_is_a_stop_word() -> None:
    """ "Mẫu" stands next to a different word in every sample name: it is no name."""
    names = [f"Công ty TNHH Mẫu {d}" for d in ("Sông Hồng", "Tây Bắc", "Hà Thành", "Lạc Hồng")]
    stops = derive_stop_phrases(names)
    assert ("mau",) in stops
    assert split_name(names[0], stops).distinctive == ("song", "hong")


def test_no_names_no_stop_phrases() -> None:
    assert derive_stop_phrases([]) == frozenset()
