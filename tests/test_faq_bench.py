"""The FAQ benchmark runs end to end on a tiny budget (the figures come from a full run)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bench import faq as bench
from bench.faq_sets import Case, copies, folds, scaled, without_questions
from faq.content import load_content
from tests.conftest import FIXTURE_FAQ


def test_quick_run_prints_every_set_for_every_method(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [
        {"q": "di han quoc het bn tien", "must": [["han quoc"], ["usd"]]},
        {"q": "vay co can the chap ko", "must": [["tai san bao dam"]]},
    ]
    (tmp_path / "faq-dev.jsonl").write_text("\n".join(json.dumps(c) for c in cases))
    real = [{**c, "kind": kind} for c in cases for kind in ("real", "derived")]
    (tmp_path / "faq-real-dev.jsonl").write_text("\n".join(json.dumps(c) for c in real))
    start = time.perf_counter()
    assert bench.main(["--quick", "--content", str(FIXTURE_FAQ), "--eval-dir", str(tmp_path)]) == 0
    assert time.perf_counter() - start < 10
    out = capsys.readouterr().out
    for title in ("faq-dev", "real-dev: real", "real-dev: derived", "own-dev", "own-held"):
        assert f"\n{title}\n" in out
    assert "leave-one-out" in out
    assert out.count("ours (faq.matcher)") == out.count("bm25s") == out.count("previous matcher")


def test_evaluation_questions_are_taken_out_of_the_content() -> None:
    kb = load_content(FIXTURE_FAQ)
    asked = ["Đi Hàn Quốc theo EPS cần điều kiện gì?", "vay co can tai san bao dam khong"]
    assert copies(kb, asked)
    clean = without_questions(kb, asked)
    assert copies(clean, asked) == []
    assert set(clean.entries) == set(kb.entries)  # no entry disappears


def test_near_copies_of_evaluation_questions_are_taken_out_too() -> None:
    """One word apart or an abbreviation expanded is still a copy; --exact-copies keeps it."""
    kb = load_content(FIXTURE_FAQ)
    variant = next(v for e in kb.entries.values() for v in e.questions if len(v.split()) >= 5)
    words = variant.rstrip("?").split()
    asked = [" ".join([*words[:-1], "nhé"])]  # the last word changed
    assert copies(kb, asked) and not copies(kb, asked, near=False)
    clean = without_questions(kb, asked)
    assert copies(clean, asked) == []
    assert copies(without_questions(kb, asked, near=False), asked, near=False) == []


def test_leave_one_out_never_asks_a_question_its_index_holds() -> None:
    kb = load_content(FIXTURE_FAQ)
    asked = 0
    for fold, cases in folds(kb, 3):
        held = {q for entry in fold.entries.values() for q in entry.questions}
        assert all(case.question not in held for case in cases)
        assert all(fold.entries[case.ids[0]].questions for case in cases)
        asked += len(cases)
    multi = [e for e in kb.entries.values() if len(e.questions) > 1]
    assert asked == sum(len(e.questions) for e in multi)


def test_the_scaled_content_keeps_the_real_entries() -> None:
    kb = load_content(FIXTURE_FAQ)
    big = scaled(kb, 10)
    assert len(big.entries) == 10 * len(kb.entries)
    assert all(big.entries[entry_id] == entry for entry_id, entry in kb.entries.items())
    assert Case("x", ids=("eps_cost",)).passes(big.entries["eps_cost"])
