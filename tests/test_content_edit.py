"""Content edits from the dashboard: one line added, the rest of the file untouched, the
content valid after every edit, nothing half-written; personal numbers kept out."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
import yaml

from bot.faq_commands import check
from faq.content import check_content, load_content
from faq.content_edit import EditRefused, add_question, drafts, start_draft
from faq.personal_data import found, remove
from tests.conftest import FIXTURE_FAQ

ENTRY = """\
topic: demo
title: "Demo"
order: 1
# a comment the editor wrote
entries:
  - id: first   # trailing comment
    questions:
      - "Câu hỏi một?"
      # a comment inside the list
      - 'cau hoi mot viet khong dau'
      - >-
        a folded
        question
    answer: |-
      Trả lời một.
    sources: ["Nguồn"]
    reviewed: 2025-01-01

  - id: flow
    questions: ["Câu hỏi hai?", "cau hai"]
    answer: "Trả lời hai."
    sources: ["Nguồn"]
    reviewed: 2025-01-01
  - id: last
    questions:
    - "Câu hỏi ba?"
    answer: Ba.
    sources: [x]
    reviewed: 2025-01-01"""


@pytest.fixture
def content(tmp_path: Path) -> Path:
    directory = tmp_path / "content"
    directory.mkdir()
    (directory / "demo.yaml").write_text(ENTRY, encoding="utf-8")
    assert check_content(directory) == []
    return directory


def questions(directory: Path, entry_id: str) -> tuple[str, ...]:
    return load_content(directory).entries[entry_id].questions


@pytest.mark.parametrize(
    ("entry_id", "line"),
    [
        ("first", '      - "làm sao hỏi cách khác"'),
        ("flow", '    questions: ["Câu hỏi hai?", "cau hai", "làm sao hỏi cách khác"]'),
        ("last", '    - "làm sao hỏi cách khác"'),
    ],
)
def test_one_question_is_added_and_every_other_line_stays(
    content: Path, entry_id: str, line: str
) -> None:
    placed = add_question(content, entry_id, "  làm sao   hỏi cách khác ")
    assert placed.added and placed.path == content / "demo.yaml"
    after = (content / "demo.yaml").read_text(encoding="utf-8").splitlines()
    before = ENTRY.splitlines()
    assert [x for x in after if x not in before] == [line]
    assert len(after) == len(before) + (entry_id != "flow")
    assert questions(content, entry_id)[-1] == "làm sao hỏi cách khác"
    assert check_content(content) == []


def test_quotes_and_backslashes_stay_what_staff_typed(content: Path) -> None:
    text = 'công ty nói "phí giữ chỗ" \\ có đúng: không #1'
    add_question(content, "first", text)
    assert questions(content, "first")[-1] == text


def test_a_question_of_another_entry_or_an_unknown_entry_is_refused(content: Path) -> None:
    with pytest.raises(EditRefused, match="«flow»"):
        add_question(content, "first", "CAU HAI")
    with pytest.raises(EditRefused, match="Không có mục"):
        add_question(content, "nope", "câu mới")
    with pytest.raises(EditRefused, match="200"):
        add_question(content, "first", "x" * 201)
    assert (content / "demo.yaml").read_text(encoding="utf-8") == ENTRY
    assert not list(content.glob(".*"))  # no temporary file left behind


def test_an_edit_that_would_break_the_content_is_not_written(content: Path) -> None:
    other = content / "other.yaml"
    other.write_text(ENTRY.replace("topic: demo", "topic: other").replace("id: last", "id: y"))
    # The directory already has a problem (duplicate ids): no edit makes it worse or hides it.
    with pytest.raises(EditRefused, match="không hợp lệ"):
        add_question(content, "last", "một câu mới")
    assert (content / "demo.yaml").read_text(encoding="utf-8") == ENTRY


def test_two_editors_at_once_both_land(content: Path) -> None:
    errors: list[BaseException] = []

    def add(n: int) -> None:
        try:
            add_question(content, "first", f"câu hỏi số {n} của người sửa")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    added = [q for q in questions(content, "first") if q.startswith("câu hỏi số")]
    assert sorted(added) == sorted(f"câu hỏi số {n} của người sửa" for n in range(6))


def test_drafts_are_kept_apart_and_numbered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_FAQ, content)
    one = start_draft(content, "korea", "đi Hàn diện thuyền viên thế nào", "by web:a")
    two = start_draft(content, "korea", "E-7 có phải lừa không", "by web:b")
    three = start_draft(content, "loans", "vay lần hai được không", "by web:a")
    assert [d.id for d in (one, two, three)] == ["new_1", "new_2", "new_3"]
    assert [(d.id, d.topic, d.question) for d in drafts(content)] == [
        ("new_1", "korea", "đi Hàn diện thuyền viên thế nào"),
        ("new_2", "korea", "E-7 có phải lừa không"),
        ("new_3", "loans", "vay lần hai được không"),
    ]
    data = yaml.safe_load((content / "drafts" / "korea.yaml").read_text(encoding="utf-8"))
    assert data["topic"] == "korea" and data["entries"][1]["answer"] == ""
    assert check_content(content) == []  # drafts are not content
    assert check(content) == 0
    assert "3 draft(s) in" in capsys.readouterr().out
    with pytest.raises(EditRefused, match="chủ đề"):
        start_draft(content, "nope", "câu khác", "")
    with pytest.raises(EditRefused, match="eps_cost"):
        start_draft(content, "korea", "Di han mat bao nhieu tien?", "")


@pytest.mark.parametrize(
    ("text", "kinds", "cleaned"),
    [
        ("em sdt 0912 345 678, có đi được không", ["số điện thoại"], "em sdt, có đi được không"),
        ("gọi +84 912.345.678 nhé", ["số điện thoại"], "gọi nhé"),
        ("cccd 001099012345 hết hạn", ["số giấy tờ hoặc số tài khoản"], "cccd hết hạn"),
        ("hộ chiếu C1234567 bị giữ", ["số giấy tờ hoặc số tài khoản"], "hộ chiếu bị giữ"),
        ("mail em a.b@gmail.com", ["email"], "mail em"),
        ("công ty đòi 150.000.000 đồng", [], "công ty đòi 150.000.000 đồng"),
        ("đi Hàn năm 2026 mất 60 triệu", [], "đi Hàn năm 2026 mất 60 triệu"),
    ],
)
def test_personal_numbers_are_found_and_removed(text: str, kinds: list[str], cleaned: str) -> None:
    assert [k for k in found(text) if k in kinds] == kinds and bool(found(text)) == bool(kinds)
    assert remove(text) == cleaned
    assert found(remove(text)) == []
