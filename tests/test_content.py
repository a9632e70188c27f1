"""Tests of faq.content: loading the sample files and reporting broken content."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from faq.content import (
    DEFAULT_CONTENT_DIR,
    ContentError,
    Entry,
    KnowledgeBase,
    check_content,
    load_content,
    parse_content,
    render_answer,
)

SAMPLE_DIR = Path(__file__).parent / "data" / "faq_sample"
TODAY = dt.date(2026, 1, 1)
CENTRE = {
    "centre_name": "Trung tâm DVVL",
    "centre_phone": "0123 456 789",
    "centre_address": "1 Trần Phú",
    "centre_hours": "7h30-17h",
    "province": "tỉnh X",
}

GOOD_ENTRY = """\
  - id: {id}
    questions: ["{question}"]
    answer: "{answer}"
    sources: ["Luật 69/2020/QH14"]
    reviewed: 2025-01-01
"""


def write_topic(directory: Path, name: str, body: str, header: str | None = None) -> Path:
    """Write one topic file with a valid header unless one is given."""
    header = header or f'topic: {name}\ntitle: "{name}"\norder: 1\nentries:\n'
    path = directory / f"{name}.yaml"
    path.write_text(header + body, encoding="utf-8")
    return path


def entry(id_: str = "a_one", question: str = "Câu hỏi?", answer: str = "Trả lời.") -> str:
    return GOOD_ENTRY.format(id=id_, question=question, answer=answer)


def test_sample_content_is_valid() -> None:
    assert check_content(SAMPLE_DIR, today=TODAY) == []


def test_load_sample_content() -> None:
    kb = load_content(SAMPLE_DIR, today=TODAY)
    assert [t.id for t in kb.topics] == ["korea", "loans"]
    assert kb.topic("loans").title == "Vay vốn"
    entry_ = kb.entries["eps_cost"]
    assert entry_.topic == "korea"
    assert entry_.questions[0] == "Đi Hàn Quốc theo EPS hết bao nhiêu tiền?"
    assert isinstance(entry_.questions, tuple)
    assert entry_.reviewed == dt.date(2025, 11, 23)
    assert kb.entries["eps_conditions"].related == ("eps_cost",)
    assert entry_.related == ()
    assert len(kb.entries) == 6


def test_topics_are_sorted_by_order() -> None:
    kb = load_content(SAMPLE_DIR, today=TODAY)
    reversed_kb = KnowledgeBase(reversed(kb.topics))
    assert [t.id for t in reversed_kb.topics] == ["korea", "loans"]


def test_unknown_topic_raises_key_error() -> None:
    kb = load_content(SAMPLE_DIR, today=TODAY)
    with pytest.raises(KeyError):
        kb.topic("nope")


def test_objects_are_immutable() -> None:
    kb = load_content(SAMPLE_DIR, today=TODAY)
    with pytest.raises(AttributeError):
        kb.entries["eps_cost"].answer = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        kb.entries["x"] = kb.entries["eps_cost"]  # type: ignore[index]


def test_render_answer_fills_placeholders() -> None:
    kb = load_content(SAMPLE_DIR, today=TODAY)
    text = render_answer(kb.entries["eps_topik"], CENTRE)
    assert "1 Trần Phú, tỉnh X" in text
    assert "{" not in text


def test_render_answer_missing_value_raises() -> None:
    kb = load_content(SAMPLE_DIR, today=TODAY)
    with pytest.raises(KeyError):
        render_answer(kb.entries["centre_hours"], {"centre_name": "TT"})


def test_render_answer_leaves_other_braces() -> None:
    item = Entry("x", "t", ("q",), "a {b} {province}", ("s",), TODAY)
    assert render_answer(item, CENTRE) == "a {b} tỉnh X"


def test_real_content_loads_when_present() -> None:
    if not any(DEFAULT_CONTENT_DIR.glob("*.yaml")):
        pytest.skip("no real content yet")
    kb, _problems = parse_content(DEFAULT_CONTENT_DIR)
    assert kb.entries


def test_yaml_error_names_the_file(tmp_path: Path) -> None:
    write_topic(tmp_path, "ok", entry())
    (tmp_path / "broken.yaml").write_text("topic: [unclosed\n", encoding="utf-8")
    problems = check_content(tmp_path, today=TODAY)
    assert len(problems) == 1
    assert problems[0].startswith("broken.yaml: YAML error")


def test_load_content_raises_with_every_problem(tmp_path: Path) -> None:
    body = entry("Bad-Id") + entry("b_two", answer="{phone}")
    write_topic(tmp_path, "t", body)
    with pytest.raises(ContentError) as info:
        load_content(tmp_path, today=TODAY)
    assert len(info.value.problems) == 2
    assert "Bad-Id" in str(info.value)
    assert "{phone}" in str(info.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (entry().replace('    sources: ["Luật 69/2020/QH14"]\n', ""), "missing 'sources'"),
        (entry().replace('["Luật 69/2020/QH14"]', "[]"), "'sources' must be"),
        (entry().replace('["Luật 69/2020/QH14"]', '[""]'), "'sources' must be"),
        (entry().replace("    reviewed: 2025-01-01\n", ""), "missing 'reviewed'"),
        (entry().replace("2025-01-01", "hôm qua"), "not a YYYY-MM-DD date"),
        (entry().replace("2025-01-01", "2099-01-01"), "in the future"),
        (entry().replace("2025-01-01", "12"), "must be a YYYY-MM-DD date"),
        (entry(answer="x" * 801), "max 800"),
        (entry(answer="Gọi {centre_fax}"), "unknown placeholder(s) {centre_fax}"),
        (entry("x" * 33), "id must match"),
        (entry("UPPER"), "id must match"),
        (entry().replace('["Câu hỏi?"]', "[]"), "'questions' must be"),
        (entry().replace('["Câu hỏi?"]', '"Câu hỏi?"'), "'questions' must be"),
        (entry().replace('answer: "Trả lời."', "answer: 12"), "'answer' must be"),
        (entry() + "    related: [nowhere]\n", "related id 'nowhere' does not exist"),
        (entry() + "    related: [a_one]\n", "lists itself as related"),
        (entry() + "    related: nowhere\n", "'related' must be a list"),
        (entry() + "    tags: [x]\n", "unknown key 'tags'"),
        ("  - just a string\n", "must be a mapping"),
        (entry() + entry(), "duplicate entry id 'a_one'"),
        (entry() + entry("b_two", question="CÂU HỎI?"), "duplicates one of entry 'a_one'"),
    ],
)
def test_entry_problems(tmp_path: Path, body: str, expected: str) -> None:
    write_topic(tmp_path, "t", body)
    problems = check_content(tmp_path, today=TODAY)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("t.yaml") or "entry" in p for p in problems)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("topic: Bad Topic\ntitle: x\norder: 1\nentries:\n", "'topic' must match"),
        ("topic: t\ntitle: ''\norder: 1\nentries:\n", "'title' must be"),
        (f"topic: t\ntitle: {'x' * 41}\norder: 1\nentries:\n", "max 40"),
        ("topic: t\ntitle: x\norder: first\nentries:\n", "'order' must be an integer"),
        ("topic: t\ntitle: x\norder: 1\ncolour: red\nentries:\n", "unknown key 'colour'"),
    ],
)
def test_topic_problems(tmp_path: Path, header: str, expected: str) -> None:
    write_topic(tmp_path, "t", entry(), header=header)
    problems = check_content(tmp_path, today=TODAY)
    assert any(expected in p for p in problems), problems


def test_file_level_problems(tmp_path: Path) -> None:
    (tmp_path / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    write_topic(tmp_path, "empty", "", header="topic: empty\ntitle: x\norder: 1\nentries: []\n")
    problems = check_content(tmp_path, today=TODAY)
    assert any(p.startswith("list.yaml: top level must be a mapping") for p in problems)
    assert any(p.startswith("empty.yaml: 'entries' must be a non-empty list") for p in problems)


def test_duplicates_across_files(tmp_path: Path) -> None:
    write_topic(tmp_path, "one", entry("same", question="Đi Nhật?"))
    write_topic(tmp_path, "two", entry("same", question="di nhat?"))
    problems = check_content(tmp_path, today=TODAY)
    assert any("duplicate entry id 'same' (topics one, two)" in p for p in problems)
    assert any("duplicates one of entry 'same'" in p for p in problems)


def test_duplicate_topic_ids(tmp_path: Path) -> None:
    write_topic(tmp_path, "one", entry("a_one"), header="topic: t\ntitle: x\norder: 1\nentries:\n")
    write_topic(
        tmp_path,
        "two",
        entry("b_two", question="Khác?"),
        header="topic: t\ntitle: y\norder: 2\nentries:\n",
    )
    assert "duplicate topic id 't'" in check_content(tmp_path, today=TODAY)


def test_missing_or_empty_directory(tmp_path: Path) -> None:
    assert "no *.yaml content files" in check_content(tmp_path)[0]
    assert "does not exist" in check_content(tmp_path / "nope")[0]


def test_reviewed_today_is_accepted(tmp_path: Path) -> None:
    write_topic(tmp_path, "t", entry().replace("2025-01-01", TODAY.isoformat()))
    assert check_content(tmp_path, today=TODAY) == []


def test_quoted_iso_date_is_accepted(tmp_path: Path) -> None:
    write_topic(tmp_path, "t", entry().replace("2025-01-01", '"2025-01-01"'))
    kb = load_content(tmp_path, today=TODAY)
    assert kb.entries["a_one"].reviewed == dt.date(2025, 1, 1)


def test_parse_content_keeps_valid_entries(tmp_path: Path) -> None:
    shutil.copy(SAMPLE_DIR / "korea.yaml", tmp_path)
    write_topic(tmp_path, "t", entry("zz_ok", question="Khác?") + entry("BAD", question="x"))
    kb, problems = parse_content(tmp_path, today=TODAY)
    assert "zz_ok" in kb.entries and "eps_cost" in kb.entries
    assert "BAD" not in kb.entries
    assert len(problems) == 1
