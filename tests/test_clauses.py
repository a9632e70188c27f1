"""Tests of faq.clauses: a message cut into clauses, and which of them ask something."""

from __future__ import annotations

import pytest

from faq.clauses import MAX_CLAUSES, asks, split_clauses


def texts(message: str) -> list[str]:
    return [clause.text for clause in split_clauses(message)]


def test_sentences_and_commas_make_clauses() -> None:
    message = "Em đã nộp 60 triệu. Hợp đồng chưa ký, giờ em không đi nữa. Có lấy lại được không?"
    assert texts(message) == [
        "Em đã nộp 60 triệu",
        "Hợp đồng chưa ký",
        "giờ em không đi nữa",
        "Có lấy lại được không",
    ]


def test_numbers_are_not_cut() -> None:
    assert texts("đóng 5.000 USD và 1,5 tháng lương") == ["đóng 5.000 USD và 1,5 tháng lương"]


def test_question_openers_start_a_clause_without_punctuation() -> None:
    message = "nó có hình xăm nhỏ với lại cho cô hỏi đi nhật mất bao nhiêu tiền"
    assert texts(message) == [
        "nó có hình xăm nhỏ",
        "với lại",
        "cho cô hỏi đi nhật mất bao nhiêu tiền",
    ]


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("có lấy lại được tiền không", True),
        ("di han het bn tien", True),
        ("lam ho chieu o dau a", True),
        ("đi được chưa ad", True),
        ("cho em hoi ve ky quy", True),
        ("thủ tục vay thế nào", True),
        ("EPS là gì", True),
        ("nhà em ở Bát Xát", False),
        ("em đã nộp 60 triệu", False),
        ("hợp đồng chưa ký", False),
    ],
)
def test_asks(clause: str, expected: bool) -> None:
    assert asks(clause) is expected


def test_empty_and_symbol_pieces_are_dropped() -> None:
    assert texts("...!!! 😀 ,, ?") == []
    assert texts("") == []


def test_a_very_long_message_is_read_from_its_start() -> None:
    clauses = split_clauses(", ".join(f"câu {n}" for n in range(100)))
    assert len(clauses) == MAX_CLAUSES
    assert clauses[0].text == "câu 0"
