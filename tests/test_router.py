"""The declared routes: conflicts refused, order kept, help derived, staff rules applied."""

from __future__ import annotations

import pytest

from faq.service import FaqService
from handlers.actions import Action
from handlers.router import RouteConflict, Router, Routes
from handlers.routes import ROUTERS, ROUTES
from handlers.types import Reply
from tests.conftest import FIXTURE_FAQ, STAFF_MEMBER, make_settings
from tests.transcript import STAFF, Transcript


class Ping(Action, prefix="t:ping"):
    pass


class PingTo(Action, prefix="t:ping"):
    user_id: int


def _replies(*_: object) -> list[Reply]:
    return [Reply("pong")]


def test_two_features_cannot_claim_one_command_button_or_flow() -> None:
    first, second = Router("first"), Router("second")
    first.command("xem")(_replies)
    second.command("xem")(_replies)
    with pytest.raises(RouteConflict, match="/xem"):
        Routes.build([first, second])
    first, second = Router("first"), Router("second")
    first.action(Ping)(_replies)
    second.action(Ping)(_replies)
    with pytest.raises(RouteConflict, match="Ping"):
        Routes.build([first, second])
    first, second = Router("first"), Router("second")
    first.flow("form", _replies, _replies)
    second.flow("form", _replies, _replies)
    with pytest.raises(RouteConflict, match="form"):
        Routes.build([first, second])


def test_one_command_may_differ_between_the_private_chat_and_the_staff_chat() -> None:
    router = Router("r")
    router.command("huy")(_replies)
    router.command("huy", where=frozenset({"staff_chat"}))(_replies)
    Routes.build([router])


def test_a_button_is_routed_by_its_prefix_and_number_of_fields() -> None:
    router = Router("r")
    router.action(Ping)(_replies)
    router.action(PingTo)(_replies)
    routes = Routes.build([router])
    assert routes.action("t:ping") is not None and routes.action("t:ping")[1] == Ping()
    assert routes.action("t:ping:7") is not None and routes.action("t:ping:7")[1] == PingTo(7)
    assert routes.action("t:ping:x") is None
    assert routes.action("t:pong") is None


def test_every_feature_declares_its_routes_once() -> None:
    # Building is what checks; the shipped list must build (it does at import) and hold
    # every flow the dialog can be in.
    assert Routes.build(ROUTERS) == ROUTES
    assert set(ROUTES.flows) >= {
        "registration",
        "recruiter",
        "fee",
        "handoff",
        "bc_compose",
        "sub_area",
        "staff_note",
    }


def test_every_staff_command_is_in_the_staff_help() -> None:
    staff_commands = {c.names[0] for c in ROUTES.order if c.staff}
    help_text = "\n".join(ROUTES.help_lines("staff_chat", staff=True))
    assert staff_commands >= {"dangky", "xem", "xuat", "faqreload", "thongbao", "phien"}
    for name in staff_commands:
        assert f"/{name}" in help_text


async def test_a_staff_member_can_reload_the_faq_from_a_private_chat(database_url: str) -> None:
    """/faqreload was listed as a staff command but answered «đang được chuẩn bị» in private."""
    chat = await Transcript.open(
        make_settings(database_url),
        FaqService(FIXTURE_FAQ),
        channel_name="telegram",
        user=str(STAFF_MEMBER),
    )
    try:
        [reply] = await chat.say("/faqreload")
        assert "Đã cập nhật nội dung hỏi đáp" in reply.text
        [refused] = await chat.say("/faqreload", user="123")
        assert "chỉ dành cho cán bộ" in refused.text
    finally:
        await chat.close()


async def test_help_lists_the_declared_commands(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        [reply] = await chat.say("/help")
        assert "/menu" in reply.text and "/xoadulieu" in reply.text
        assert "/dangky" not in reply.text  # staff commands are not shown to workers
        await chat.send(user="staff-1", chat_key=STAFF, text="/help")
        staff_help = chat.channel.to(STAFF)[-1].text
        assert "/dangky" in staff_help and "/faqreload" in staff_help
    finally:
        await chat.close()


async def test_a_worker_pressing_a_staff_button_is_refused(database_url: str) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        [refused] = await chat.press("rs:da_lien_he:1")
        assert "chỉ dành cho cán bộ" in refused.text
        [menu] = await chat.press("zz:unknown:button")
        assert menu.buttons  # never a dead end
    finally:
        await chat.close()
