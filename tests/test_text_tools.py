"""Splitting long replies, masking personal data in logs, per-user locks."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.locks import KeyedLocks
from bot.logs import MaskingFormatter, mask_pii
from bot.splitting import split_text


def test_short_text_is_one_part() -> None:
    assert split_text("Xin chào", 4096) == ["Xin chào"]
    assert split_text("", 10) == []


def test_long_text_splits_at_paragraphs_and_keeps_every_word() -> None:
    paragraph = "Người lao động cần hộ chiếu. " * 60
    text = "\n\n".join([paragraph.strip()] * 5)
    parts = split_text(text, 4096)
    assert len(parts) >= 2 and all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == text.split()
    assert all(p.endswith(".") for p in parts)


def test_word_longer_than_the_limit_is_cut() -> None:
    parts = split_text("x" * 10_000, 4096)
    assert [len(p) for p in parts] == [4096, 4096, 1808]


@pytest.mark.parametrize("limit", [2000, 4096])
def test_sentences_without_breaks(limit: int) -> None:
    text = "Câu này ngắn thôi. " * 700
    parts = split_text(text, limit)
    assert all(len(p) <= limit for p in parts)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("số 0912345678 ạ", "số *******678 ạ"),
        ("gọi +84 912 345 678", "gọi ********678"),
        ("0912.345.678", "*******678"),
        ("CCCD 001099012345", "CCCD *********345"),
        ("năm 2026, 15 người", "năm 2026, 15 người"),
    ],
)
def test_phone_and_id_numbers_are_masked(raw: str, masked: str) -> None:
    assert mask_pii(raw) == masked


def test_the_masking_formatter_rewrites_log_records() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "user %s", ("0987654321",), None)
    assert MaskingFormatter("%(message)s").format(record) == "user *******321"


async def test_keyed_locks_serialise_one_key_and_forget_idle_keys() -> None:
    locks = KeyedLocks()
    order: list[str] = []

    async def work(key: str, label: str, pause: float) -> None:
        async with locks.hold(key):
            order.append(f"{label}+")
            await asyncio.sleep(pause)
            order.append(f"{label}-")

    await asyncio.gather(work("a", "a1", 0.05), work("a", "a2", 0), work("b", "b1", 0))
    assert order.index("a1-") < order.index("a2+")
    assert order.index("b1+") < order.index("a1-")  # other keys do not wait
    assert len(locks) == 0
