"""Tests of faq.lexicon: the staff-editable synonym groups the matcher reads messages with."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq.lexicon import DEFAULT_LEXICON, check_lexicon, load_lexicon, parse_lexicon
from faq.normalize import tokens


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lexicon.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_lexicon_is_valid() -> None:
    assert check_lexicon(DEFAULT_LEXICON) == []


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        # the groups issue 16 names, typed as workers type them
        ("cọc", "ký quỹ"),
        ("dat coc", "ký quỹ"),
        ("tiền đảm bảo", "ký quỹ"),
        ("tien bao dam hop dong", "ký quỹ"),
        ("không đi nữa", "rút hồ sơ"),
        ("doi y", "rút hồ sơ"),
        ("huỷ", "rút hồ sơ"),
        ("tron", "bỏ trốn"),
        ("ở lại", "bỏ trốn"),
        ("cu tru bat hop phap", "bỏ trốn"),
        ("bay", "xuất cảnh"),
        ("sổ đỏ", "tài sản bảo đảm"),
        ("the chap", "tài sản bảo đảm"),
        ("osin", "giúp việc gia đình"),
        ("giup viec", "giúp việc gia đình"),
        ("ctv", "cộng tác viên"),
    ],
)
def test_the_shipped_lexicon_has_the_domain_synonyms(typed: str, meant: str) -> None:
    lexicon = load_lexicon()
    assert lexicon.canonical(tokens(typed))[0] == lexicon.canonical(tokens(meant))[0]


def test_a_concept_is_one_token_and_carries_its_tags() -> None:
    lexicon = load_lexicon()
    words, tags = lexicon.canonical(tokens("đi hq làm tts"))
    assert words == ["di", "han_quoc", "lam", "thuc_tap_sinh"]
    assert tags == {"market:kr"}
    assert lexicon.canonical(tokens("em trốn ra ngoài làm"))[1] == {"stage:ran_away"}


def test_schemes_are_tags_like_markets() -> None:
    lexicon = load_lexicon()
    assert lexicon.canonical(tokens("đi mùa vụ hàn quốc"))[1] == {"scheme:seasonal", "market:kr"}
    assert lexicon.concept_tags["eps"] == {"market:kr"}


def test_a_concept_made_of_another_keeps_it() -> None:
    """ "chờ xuất cảnh" still meets "xuất cảnh" (and "bay")."""
    lexicon = load_lexicon()
    waiting, tags = lexicon.canonical(tokens("chờ bay"))
    assert "xuat_canh" in waiting and tags == {"stage:waiting"}
    assert lexicon.canonical(tokens("bao giờ được bay"))[0][-1] == "xuat_canh"


def test_keep_protects_phrases_that_hold_a_variant() -> None:
    lexicon = load_lexicon()
    assert lexicon.canonical(tokens("vé máy bay"))[0] == ["ve", "may", "bay"]
    assert lexicon.canonical(tokens("bây giờ"))[0] == ["bay", "gio"]


def test_every_problem_is_reported_with_its_group(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
groups:
  - canonical: "ký quỹ"
    variants: ["cọc", "đặt cọc"]
  - canonical: "tiền cọc"
    variants: ["cọc"]
  - canonical: "hàn quốc"
    market: korea
    variants: ["xứ kim chi"]
  - canonical: "về sớm"
    stage: home
    variants: ["về trước hạn"]
  - canonical: "mùa vụ"
    scheme: harvest
    variants: ["thời vụ"]
  - canonical: "rỗng"
    variants: []
  - canonical: ""
    variants: ["a"]
  - canonical: "câu"
    variants: ["một hai ba bốn năm sáu bảy tám chín mười mười một"]
    colour: red
""",
    )
    problems = check_lexicon(path)
    text = "\n".join(problems)
    assert "'cọc'" in text and "already in group 'ký quỹ'" in text
    assert "market must be one of" in text
    assert "stage must be one of" in text
    assert "scheme must be one of" in text
    assert "'variants' must be a non-empty list" in text
    assert "canonical: must be a non-empty text" in text
    assert "longer than 10 words" in text
    assert "unknown key 'colour'" in text
    with pytest.raises(ValueError, match="lexicon problem"):
        load_lexicon(path)


def test_a_broken_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    assert "YAML error" in check_lexicon(_write(tmp_path, "groups: [unclosed"))[0]
    assert "top level" in check_lexicon(_write(tmp_path, "- a\n- b\n"))[0]
    assert "cannot read" in check_lexicon(tmp_path / "missing.yaml")[0]


def test_valid_groups_still_load_next_to_a_bad_one(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
groups:
  - canonical: "ký quỹ"
    variants: ["cọc"]
  - canonical: 12
    variants: ["x"]
""",
    )
    lexicon, problems = parse_lexicon(path)
    assert len(problems) == 1
    assert lexicon.canonical(tokens("cọc"))[0] == ["ky_quy"]
