"""Tests of faq.matcher on the small sample content in tests/data/faq_sample."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

import pytest

from faq.content import load_content
from faq.matcher import (
    ANSWER_MIN_SCORE,
    SUGGEST_MIN_SCORE,
    FaqIndex,
    Lookup,
)

SAMPLE_DIR = Path(__file__).parent / "data" / "faq_sample"
TODAY = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex.build(load_content(SAMPLE_DIR, today=TODAY))


def top_id(lookup: Lookup) -> str | None:
    return lookup.matches[0].entry.id if lookup.matches else None


def test_thresholds_are_ordered() -> None:
    assert 0 < SUGGEST_MIN_SCORE < ANSWER_MIN_SCORE <= 100


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đi Hàn Quốc theo EPS cần điều kiện gì?", "eps_conditions"),
        ("di han quoc can dieu kien gi", "eps_conditions"),
        ("đi hàn quốc cần những điều kiện gì vậy ạ", "eps_conditions"),
        ("vay von co can the chap khong", "loan_collateral"),
        ("trung tam lam viec gio nao", "centre_hours"),
    ],
)
def test_confident_hit_without_diacritics(index: FaqIndex, text: str, expected: str) -> None:
    found = index.lookup(text)
    assert found.kind == "answer", found
    assert top_id(found) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("di hq het bn tien", "eps_cost"),
        ("cho em hoi di han mat bn tien a", "eps_cost"),
        ("ad oi dk gi de di hq", "eps_conditions"),
        ("vay nhcsxh di xkld dc bn", "loan_amount"),
        ("vay co can tai san bao dam ko", "loan_collateral"),
        ("thi tieng hq o dau", "eps_topik"),
        ("thi eps-topic o dau a", "eps_topik"),
    ],
)
def test_abbreviation_hit(index: FaqIndex, text: str, expected: str) -> None:
    found = index.lookup(text)
    assert found.kind in {"answer", "suggest"}, found
    assert top_id(found) == expected


def test_entity_word_beats_filler(index: FaqIndex) -> None:
    # "han quoc" and money words decide, not the shared "di ... bao nhieu".
    found = index.lookup("di han quoc het bn tien")
    assert top_id(found) == "eps_cost"
    assert found.kind == "answer"


def test_suggest_when_unsure(index: FaqIndex) -> None:
    found = index.lookup("han quoc")
    assert found.kind == "suggest", found
    ids = [m.entry.id for m in found.matches]
    assert 2 <= len(ids) <= 3
    assert set(ids) <= {"eps_conditions", "eps_cost", "eps_topik"}


def test_matches_are_sorted_and_distinct(index: FaqIndex) -> None:
    found = index.lookup("di han quoc", limit=3)
    scores = [m.score for m in found.matches]
    assert scores == sorted(scores, reverse=True)
    assert len({m.entry.id for m in found.matches}) == len(found.matches)
    for match in found.matches:
        assert match.question in match.entry.questions


def test_limit_is_respected(index: FaqIndex) -> None:
    assert len(index.lookup("han quoc", limit=1).matches) <= 1


def test_match_reports_the_question_that_matched(index: FaqIndex) -> None:
    found = index.lookup("chi phi di han quoc eps la bao nhieu")
    assert found.matches[0].question == "chi phi di han quoc eps la bao nhieu"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀😀😀",
        "🙏",
        "?!",
        "alo",
        "chao ad",
        "xin chào",
        "hi",
        "ok",
        "cảm ơn ạ",
        "ad oi cho em hoi",
        "a",
        "di",
        "thoi tiet hom nay dep qua",
        "mua ban xe may cu",
    ],
)
def test_none_for_greetings_and_unrelated(index: FaqIndex, text: str) -> None:
    assert index.lookup(text) == Lookup("none")


def test_long_input_returns_quickly(index: FaqIndex) -> None:
    text = ("cho em hỏi đi hàn quốc hết bao nhiêu tiền ạ 😀 " * 120)[:5000]
    start = time.perf_counter()
    found = index.lookup(text)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.05
    assert top_id(found) == "eps_cost"


def test_random_long_garbage_is_fast(index: FaqIndex) -> None:
    text = "".join(chr(0x41 + (i * 7919) % 2000) for i in range(5000))
    start = time.perf_counter()
    index.lookup(text)
    assert time.perf_counter() - start < 0.05


def test_lookup_is_fast(index: FaqIndex) -> None:
    questions = ["di hq het bn tien", "vay co can the chap ko", "thi tieng han o dau"] * 50
    start = time.perf_counter()
    for question in questions:
        index.lookup(question)
    assert (time.perf_counter() - start) / len(questions) < 0.005


def test_rebuild_picks_up_new_entries(tmp_path: Path) -> None:
    for path in SAMPLE_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path)
    old = FaqIndex.build(load_content(tmp_path, today=TODAY))
    assert top_id(old.lookup("di dai loan het bao nhieu tien")) != "taiwan_cost"
    (tmp_path / "taiwan.yaml").write_text(
        """\
topic: taiwan
title: "Đài Loan"
order: 30
entries:
  - id: taiwan_cost
    questions: ["Đi Đài Loan hết bao nhiêu tiền?", "chi phi di dai loan"]
    answer: "Chi phí đi Đài Loan khoảng 4.000 USD."
    sources: ["Thông báo của Cục"]
    reviewed: 2025-11-23
""",
        encoding="utf-8",
    )
    new = FaqIndex.build(load_content(tmp_path, today=TODAY))
    found = new.lookup("di dai loan het bn tien")
    assert found.kind == "answer"
    assert top_id(found) == "taiwan_cost"
    # the old index is untouched and still serves
    assert "taiwan_cost" not in {m.entry.id for m in old.lookup("di dai loan").matches}


def test_empty_knowledge_base() -> None:
    from faq.content import KnowledgeBase

    index = FaqIndex.build(KnowledgeBase(()))
    assert index.lookup("di han quoc het bao nhieu tien") == Lookup("none")
