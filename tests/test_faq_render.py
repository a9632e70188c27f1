"""Tests of handlers/faq_render.py: centre facts filled, an unset one left out kindly."""

from __future__ import annotations

import datetime as dt

from faq.content import Entry, render_text
from handlers.faq_render import answer_text, fill_centre, more_text, sources_text
from tests.conftest import make_settings

FULL = {
    "centre_name": "Trung tâm Dịch vụ việc làm tỉnh Lào Cai",
    "centre_phone": "0214 3840 000",
    "centre_address": "số 1 đường Hoàng Liên",
    "centre_hours": "giờ hành chính",
    "province": "Lào Cai",
}
TEXT = (
    "{centre_name}:\n"
    "• Địa chỉ: {centre_address}\n"
    "• Điện thoại: {centre_phone}\n"
    "Hoặc đến trực tiếp {centre_address}, điện thoại {centre_phone}.\n"
    "Cán bộ {centre_name} ({centre_phone}) sẽ hướng dẫn bạn. Mang theo căn cước.\n"
    "Gọi {centre_phone} trong giờ làm việc. Địa chỉ: {centre_address}."
)


def test_with_every_fact_set_it_is_plain_filling() -> None:
    assert fill_centre(TEXT, FULL) == render_text(TEXT, FULL)


def test_an_unset_phone_leaves_no_trace() -> None:
    text = fill_centre(TEXT, {**FULL, "centre_phone": ""})
    assert text == (
        "Trung tâm Dịch vụ việc làm tỉnh Lào Cai:\n"
        "• Địa chỉ: số 1 đường Hoàng Liên\n"
        "Hoặc đến trực tiếp số 1 đường Hoàng Liên.\n"
        "Cán bộ Trung tâm Dịch vụ việc làm tỉnh Lào Cai sẽ hướng dẫn bạn. Mang theo căn cước.\n"
        "Địa chỉ: số 1 đường Hoàng Liên."
    )


def test_unset_phone_and_address_leave_the_rest_readable() -> None:
    text = fill_centre(TEXT, {**FULL, "centre_phone": "", "centre_address": "  "})
    assert "{" not in text and "()" not in text and "chưa cấu hình" not in text
    assert "Địa chỉ" not in text and "Điện thoại" not in text
    assert "Mang theo căn cước." in text
    assert all(line.strip() for line in text.split("\n"))


def test_answer_more_and_sources_messages() -> None:
    entry = Entry(
        "dep_what",
        "costs",
        ("Ký quỹ là gì?", "ky quy la gi"),
        "Ký quỹ không bắt buộc. Gọi {centre_phone} để hỏi.",
        ("Luật 69/2020/QH14, Điều 25", "Nghị định 112/2021/NĐ-CP"),
        dt.date(2026, 11, 23),
        more="Tiền gửi vào tài khoản phong tỏa.",
    )
    settings = make_settings("sqlite+aiosqlite://", centre_phone="")
    assert answer_text(entry, settings) == "Về: Ký quỹ là gì?\nKý quỹ không bắt buộc."
    assert more_text(entry, settings) == "Về: Ký quỹ là gì?\nTiền gửi vào tài khoản phong tỏa."
    sources = sources_text(entry)
    assert "• Luật 69/2020/QH14, Điều 25" in sources and "• Nghị định 112/2021/NĐ-CP" in sources
    assert "23/11/2026" in sources


def test_the_heading_stays_short() -> None:
    long = Entry("x", "t", ("Câu hỏi " * 20,), "Trả lời.", ("Nguồn",), dt.date(2026, 1, 1))
    title = answer_text(long, make_settings("sqlite+aiosqlite://")).split("\n")[0]
    assert title.startswith("Về: Câu hỏi") and title.endswith("…")
    assert len(title) <= 4 + 70
