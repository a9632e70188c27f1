"""Fuzz the Telegram webhook parser: any body is either an update we understand or a
`MalformedUpdate` (answered 400) — never another exception (which would be a 503 and
make Telegram redeliver the same garbage forever)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingress import Ingress
from bot.telegram import MalformedUpdate, TelegramChannel
from handlers.types import Incoming
from tests.conftest import make_settings

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63), st.floats(allow_nan=False),
    st.text(max_size=20),
)  # fmt: skip
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)  # fmt: skip
FIELDS = ["message_id", "date", "chat", "from", "text", "photo", "voice", "contact",
          "caption", "reply_to_message", "sticker", "location", "document"]  # fmt: skip
PERSON = st.fixed_dictionaries(
    {"id": st.one_of(st.integers(1, 10**10), JSON), "is_bot": st.one_of(st.booleans(), JSON),
     "first_name": st.one_of(st.text(max_size=10), JSON)}
)  # fmt: skip
MESSAGE = st.dictionaries(st.sampled_from(FIELDS), st.one_of(JSON, PERSON), max_size=8)
UPDATE = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {"update_id": st.one_of(st.integers(0, 2**31), JSON)},
        optional={"message": st.one_of(MESSAGE, JSON),
                  "callback_query": st.dictionaries(
                      st.sampled_from(["id", "from", "data", "message", "chat_instance"]),
                      st.one_of(JSON, PERSON, MESSAGE), max_size=5)},
    ),
)  # fmt: skip


async def _never(_: Incoming) -> bool:
    return False


def _channel() -> TelegramChannel:
    settings = make_settings("sqlite+aiosqlite:///:memory:", telegram_bot_token="1:fuzz")
    return TelegramChannel(settings, Ingress(_never))


CHANNEL = _channel()


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=UPDATE)
def test_any_json_body_parses_or_is_malformed(body: Any) -> None:
    try:
        received = CHANNEL.receive(json.dumps(body).encode())
    except MalformedUpdate:
        return
    for event in received:
        assert event.incoming.channel == "telegram" and event.incoming.update_key


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=200))
def test_any_bytes_parse_or_are_malformed(raw: bytes) -> None:
    try:
        CHANNEL.receive(raw)
    except MalformedUpdate:
        pass
