"""Fuzz the dialog: random texts, button actions and out-of-order presses never raise and
always get a reply, or reach a person in a hand-off (a worker is never left unheard)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faq.service import FaqService
from handlers.types import Media
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.test_registration_flow import HAPPY_PATH
from tests.transcript import Transcript

KNOWN_ACTIONS = [
    "menu:main", "menu:faq", "menu:register", "menu:recruiter", "menu:fairs", "menu:staff",
    "fee:start", "fee:m:jp", "fee:m:kr_eps", "sub:yes", "sub:no", "sub:m:jp", "sub:done",
    "sub:skip", "sub:area:2683", "fair:int:1", "rc:0", "rc:9", "faq:eps_cost", "faqt:korea",
    "privacy:erase:yes", "reg:resume", "reg:restart", "reg:submit", "reg:edit",
    "reg:edit:phone", "reg:summary", "reg:news:on", "reg:cancel", "handoff:cancel",
    "rs:moi:1", "rn:1", "rl:all:2", "bc:send", "bc:cancel:1",
    *(value for kind, value in HAPPY_PATH if kind == "press"),
]  # fmt: skip
TEXTS = st.one_of(
    st.text(max_size=300),
    st.sampled_from([value for kind, value in HAPPY_PATH if kind == "say"]),
    st.sampled_from(["/start", "/menu", "/huy", "/dulieu", "/xoadulieu", "/huytin",
                     "/nhantin", "/dangky", "/xuat", "/thongbao", "1", "99", "xin chào"]),
)  # fmt: skip
EVENTS = st.lists(
    st.one_of(
        st.tuples(st.just("say"), TEXTS),
        st.tuples(
            st.just("press"), st.one_of(st.sampled_from(KNOWN_ACTIONS), st.text(max_size=40))
        ),
        st.tuples(st.just("media"), st.sampled_from(["photo", "voice", "sticker", "other"])),
    ),
    min_size=1,
    max_size=25,
)
APOLOGY = "hệ thống đang gặp trục trặc"


async def _converse(url: str, events: list[tuple[str, str]]) -> None:
    chat = await Transcript.open(make_settings(url), FaqService(FIXTURE_FAQ))
    try:
        for kind, value in events:
            staff_before = len(chat.staff_messages())
            if kind == "say":
                if not value.strip():
                    continue  # platforms do not deliver empty messages
                replies = await chat.say(value)
            elif kind == "press":
                if not value or len(value.encode()) > 64:
                    continue  # not valid callback data on any platform
                replies = await chat.press(value)
            else:
                replies = await chat.share(media=Media(value, "REF"))  # type: ignore[arg-type]
            # An answer, or (in a hand-off, where the bot stays quiet) a person has it.
            assert replies or len(chat.staff_messages()) > staff_before, (kind, value)
            for reply in replies:
                assert reply.text.strip(), (kind, value)
                assert APOLOGY not in reply.text, (kind, value)  # the handler did not fail
    finally:
        await chat.close()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(events=EVENTS)
def test_random_conversations_always_get_an_answer(
    tmp_path: Path, events: list[tuple[str, str]]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / f'fuzz-{abs(hash(str(events)))}.db'}"
    asyncio.run(_converse(url, events))
