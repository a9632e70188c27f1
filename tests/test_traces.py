"""What identifies a person in text someone else wrote (db/traces.py, pure)."""

from __future__ import annotations

from db.traces import REDACTED, Traces, numbers_in, redact


def test_a_phone_number_is_one_number_however_it_is_written() -> None:
    for typed in ("0988777666", "+84 988 777 666", "84988777666", "0988.777.666", "0988-777-666"):
        assert numbers_in(f"sđt {typed} nhé") == {"988777666"}, typed
    assert numbers_in("CCCD 001099012345") == {"001099012345"}
    assert numbers_in("công ty đòi 150.000.000 đồng, sinh 15.08.2001") == set()


def test_found_without_case_diacritics_or_separators() -> None:
    traces = Traces()
    traces.identifier("Nguyễn Văn Xoá")
    traces.identifier("0988 777 666")
    assert traces.found("đã gọi cho NGUYEN VAN XOA")
    assert traces.found("số 0988.777.666")
    assert not traces.found("Nguyễn Văn Xuân, 0988 777 667")
    assert not traces.found("Xoá")  # a short word alone is not the name


def test_texts_only_where_asked_and_only_long_ones() -> None:
    traces = Traces()
    traces.text("vâng ạ")
    traces.text("con trâu nhà tôi bị lạc ở chợ phiên Bắc Hà")
    assert traces.texts == {"con trau nha toi bi lac o cho phien bac ha"}
    quoted = "Người hỏi: con trâu nhà tôi bị lạc ở chợ phiên Bắc Hà"
    assert traces.found(quoted, texts=True) and not traces.found(quoted)


def test_redact_replaces_whole_strings_and_keeps_the_shape() -> None:
    traces = Traces()
    traces.identifier("0988777666")
    payload = {"text": "/xem 0988 777 666", "chat_key": "-100", "buttons": [["Xem", "x:1"]]}
    assert redact(payload, traces) == ({**payload, "text": REDACTED}, True)
    assert redact({"text": "chào"}, traces) == ({"text": "chào"}, False)
