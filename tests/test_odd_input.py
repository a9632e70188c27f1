"""Odd input gets a 4xx or a usage reply, never a 5xx, a logged trace or the apology (F6):
«²» (a digit for `str.isdigit()`, not for `int()`), years 0001 and 9999, ids above 2^63,
header bytes that are not UTF-8, clients that hang up in the middle of a body.

Hypothesis sends such values to every dashboard route (the test reads the routes from the
dashboard itself, so a new route must be added here) and to every staff command."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote, urlencode

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.serve import Server
from dashboard.app import build_dashboard
from db.models import FaqMiss
from faq.service import FaqService
from handlers.routes import ROUTES as DIALOG_ROUTES
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.dashboard_kit import (
    add_account,
    add_registration,
    base,
    client,
    csrf_of,
    login,
    running,
    sessions,
)
from tests.transcript import STAFF, Transcript

ODD = st.one_of(
    st.sampled_from(
        [
            "²", "¹²", "٣", "0001-01-01", "9999-12-31", "9999-12-30", "1/1/0001", "31/12/9999",
            str(2**63), str(2**64), "99999999999999999999999", "-1", "0", "", " ", "1e3",
            "0x10", "%", "%%", "\\", "'; DROP TABLE users; --", "\x00", "\ud800", "a" * 300,
            "=HYPERLINK(\"x\")", "31/02/2026", "2026-02-30", "29/2/2025",
        ]
    ),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)  # fmt: skip
APOLOGY = "hệ thống đang gặp trục trặc"

LIST_PARAMS = ("q", "status", "province", "commune", "market", "from", "to", "sort", "order",
               "page")  # fmt: skip
# Every dashboard route: method, path ({id} is replaced), the query or form fields it reads.
ROUTES: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/staff"): (),
    ("GET", "/staff/"): (),
    ("GET", "/staff/login"): ("next",),
    ("GET", "/staff/accounts"): (),
    ("POST", "/staff/accounts/{id}/unlock"): (),
    ("GET", "/staff/registrations"): LIST_PARAMS,
    ("GET", "/staff/registrations/export.{fmt}"): LIST_PARAMS,
    ("GET", "/staff/registrations/{id}"): ("back",),
    ("POST", "/staff/registrations/{id}/status"): ("status", "reason", "back"),
    ("POST", "/staff/registrations/{id}/note"): ("note", "back"),
    ("GET", "/staff/report"): ("from", "to"),
    ("GET", "/staff/report.xlsx"): ("from", "to"),
    ("GET", "/staff/fairs"): (),
    ("GET", "/staff/fairs/new"): (),
    ("GET", "/staff/fairs/{id}"): (),
    ("POST", "/staff/fairs/save"): ("id", "title", "starts_at", "province", "commune",
                                    "address", "map_url", "recruiters", "note", "markets"),
    ("POST", "/staff/fairs/{id}/cancel"): (),
    ("GET", "/staff/broadcasts"): (),
    ("GET", "/staff/broadcasts/new"): (),
    ("POST", "/staff/broadcasts/preview"): ("text", "provinces", "communes", "markets"),
    ("POST", "/staff/broadcasts/send"): ("text", "provinces", "communes", "markets"),
    ("GET", "/staff/broadcasts/{id}"): (),
    ("POST", "/staff/broadcasts/{id}/cancel"): (),
    ("GET", "/staff/faq"): ("days",),
    ("GET", "/staff/faq/entries"): (),
    ("POST", "/staff/faq/variant"): ("miss", "text", "entry", "other", "days"),
    ("POST", "/staff/faq/draft"): ("miss", "text", "topic", "days"),
    ("POST", "/staff/faq/dismiss"): ("miss", "days"),
    ("GET", "/staff/stats"): (),
    ("GET", "/staff/handoffs"): (),
    ("GET", "/staff/handoffs/{id}"): (),
    ("GET", "/staff/faq/recordings"): (),
    ("GET", "/staff/faq/entries/{entry_id}"): (),
    ("GET", "/staff/faq/entries/{entry_id}/audio/{language}"): (),
    ("POST", "/staff/faq/entries/{entry_id}/recording"): ("language", "audio"),
    ("POST", "/staff/faq/entries/{entry_id}/recording/{language}/delete"): (),
}  # fmt: skip
# Tested on their own below: they change who is logged in.
SESSION_ROUTES = {("POST", "/staff/login"), ("POST", "/staff/logout")}

# Every staff command the routes declare (new ones are covered automatically).
COMMANDS = sorted({name for c in DIALOG_ROUTES.order if c.staff for name in c.names})


def test_the_table_names_every_dashboard_route(tmp_path: Path) -> None:
    """So the fuzz below cannot miss a route added later."""
    settings = make_settings("sqlite+aiosqlite:///x.db", dashboard_key_file=str(tmp_path / "k"))
    app = build_dashboard(settings, None)  # type: ignore[arg-type]
    found = {
        (route.method, "/staff" + route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
        and not route.resource.canonical.startswith("/static")
    }  # fmt: skip
    assert found == set(ROUTES) | SESSION_ROUTES


@pytest.fixture
async def dashboard(database_url: str, tmp_path: Path) -> AsyncIterator[Server]:
    content = tmp_path / "content"  # FAQ care may write to it
    shutil.copytree(FIXTURE_FAQ, content)
    async with running(database_url, tmp_path, FaqService(content)) as server:
        await add_account(server, "quantri", role="admin")
        await add_registration(server)
        async with sessions(server).begin() as db:
            db.add(FaqMiss(channel="test", text="một câu chưa trả lời được", kind="none"))
        yield server


@pytest.fixture
async def admin(dashboard: Server) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    async with client() as http:
        assert (await login(http, dashboard, "quantri")).status == 302
        token = await csrf_of(http, base(dashboard) + "/staff/registrations")
        yield http, token


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_every_dashboard_route_answers_odd_values_with_a_4xx_or_a_page(
    dashboard: Server,
    admin: tuple[aiohttp.ClientSession, str],
    caplog: pytest.LogCaptureFixture,
    data: st.DataObject,
) -> None:
    http, token = admin
    method, path = data.draw(st.sampled_from(sorted(ROUTES)), label="route")
    fields = ROUTES[(method, path)]
    if "{id}" in path:
        number = data.draw(st.one_of(ODD, st.sampled_from(["1", str(2**63 - 1)])), label="id")
        path = path.replace("{id}", quote(number.encode("utf-8", "surrogatepass"), safe=""))
    for name, known in (("{entry_id}", "eps_cost"), ("{language}", "vi")):
        if name in path:
            value = data.draw(st.one_of(ODD, st.just(known)), label=name)
            path = path.replace(name, quote(value.encode("utf-8", "surrogatepass"), safe=""))
    if "{fmt}" in path:
        path = path.replace("{fmt}", data.draw(st.sampled_from(["xlsx", "csv"]), label="fmt"))
    values = {
        name: data.draw(ODD, label=name)
        for name in data.draw(st.sets(st.sampled_from(fields)) if fields else st.just(set()))
    }
    pairs = [(k, v.encode("utf-8", "surrogatepass")) for k, v in values.items()]
    caplog.clear()
    url = base(dashboard) + path
    if method == "GET":
        async with http.get(
            url + ("?" + urlencode(pairs) if pairs else ""), allow_redirects=False
        ) as response:
            status = response.status
    else:
        async with http.post(
            url, data=urlencode([("csrf", token), *pairs]), allow_redirects=False,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ) as response:  # fmt: skip
            status = response.status
    assert status < 500, (method, path, values, status)
    assert not _errors(caplog), (method, path, values)


async def test_login_with_odd_names_and_passwords_is_refused_without_a_trace(
    dashboard: Server, caplog: pytest.LogCaptureFixture
) -> None:
    odd = ["²", "\ud800", "\x00", "a" * 5000, "quantri\x00", "QUANTRI ", ""]
    async with client() as http:
        token = await csrf_of(http, base(dashboard) + "/staff/login")
        for value in odd:
            form = [("csrf", token), ("username", value), ("password", value)]
            body = urlencode([(k, v.encode("utf-8", "surrogatepass")) for k, v in form])
            async with http.post(
                base(dashboard) + "/staff/login", data=body, allow_redirects=False,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ) as response:  # fmt: skip
                assert response.status in (401, 429), value
    assert not _errors(caplog)


async def test_a_form_body_that_is_not_utf8_gets_400(
    dashboard: Server, admin: tuple[aiohttp.ClientSession, str], caplog: pytest.LogCaptureFixture
) -> None:
    http, token = admin
    for content_type in (
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=no-such-charset",
        "multipart/form-data; boundary=x",
    ):
        async with http.post(
            base(dashboard) + "/staff/registrations/1/note",
            data=b"csrf=" + token.encode() + b"&note=\xff\xfe",
            headers={"Content-Type": content_type},
            allow_redirects=False,
        ) as response:
            assert 400 <= response.status < 500, content_type
    assert not _errors(caplog)


# --- raw HTTP: header bytes that are not UTF-8, clients that hang up ---------------------
async def _raw(port: int, request: bytes, close_after_send: bool = False) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        if close_after_send:
            return b""
        return await asyncio.wait_for(reader.read(65536), 10)
    finally:
        writer.close()


@pytest.fixture
async def webhooks(
    database_url: str,
    fake_telegram,
    fake_zalo,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> AsyncIterator[Server]:
    from tests.conftest import free_port

    port = free_port()
    settings = make_settings(
        database_url,
        fake_telegram,
        web_port=port,
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        dashboard_key_file=str(tmp_path / "dashboard.key"),
        **fake_zalo.settings(zalo_bot_webhook_secret="bot-secret-123"),
    )
    server = Server(settings, FaqService(FIXTURE_FAQ))
    await server.start()
    yield server
    await server.stop()


SECRET_HEADERS = {
    "/telegram/hook": "X-Telegram-Bot-Api-Secret-Token",
    "/zalo/oa": "X-ZEvent-Signature",
    "/zalo/bot": "X-Bot-Api-Secret-Token",
}


async def test_secret_headers_with_bytes_that_are_not_utf8_get_401(
    webhooks: Server, caplog: pytest.LogCaptureFixture
) -> None:
    body = b'{"update_id": 1, "app_id": "x", "timestamp": "1", "event_name": "x"}'
    for path, header in SECRET_HEADERS.items():
        for value in (b"\xff", b"mac=\xff\xfe", b"\xc3(", b"\xed\xa0\x80"):
            answer = await _raw(
                webhooks.port,
                b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                + header.encode() + b": " + value + b"\r\n"
                + b"Content-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body,
            )  # fmt: skip
            assert answer.startswith(b"HTTP/1.1 401"), (path, value, answer[:80])
    # Elsewhere too: a cookie or a header of the dashboard with such bytes.
    for header in (b"Cookie: staff_session=\xff\xfe", b"Referer: \xff", b"X-Odd: \xc3("):
        answer = await _raw(
            webhooks.port,
            b"GET /staff/registrations HTTP/1.1\r\nHost: x\r\n" + header
            + b"\r\nConnection: close\r\n\r\n",
        )  # fmt: skip
        assert answer.startswith((b"HTTP/1.1 302", b"HTTP/1.1 400")), (header, answer[:80])
    assert not _errors(caplog)


async def test_clients_that_hang_up_mid_body_leave_no_trace(
    webhooks: Server, caplog: pytest.LogCaptureFixture
) -> None:
    secret = webhooks.settings.webhook_secret.encode()
    for path, header in (
        (b"/telegram/hook", b"X-Telegram-Bot-Api-Secret-Token: " + secret),
        (b"/zalo/oa", b"X-ZEvent-Signature: mac=0"),
        (b"/zalo/bot", b"X-Bot-Api-Secret-Token: bot-secret-123"),
        (b"/staff/login", b"Content-Type: application/x-www-form-urlencoded"),
    ):
        for _ in range(5):
            await _raw(
                webhooks.port,
                b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n" + header
                + b"\r\nContent-Length: 100000\r\n\r\n" + b"{" * 1000,
                close_after_send=True,
            )  # fmt: skip
    await asyncio.sleep(0.5)
    async with aiohttp.ClientSession() as http:
        async with http.get(base(webhooks) + "/healthz") as response:
            assert response.status == 200
    assert not _errors(caplog), _errors(caplog)


# --- the staff chat -----------------------------------------------------------------------
ACTIONS = st.one_of(
    st.builds(lambda s, n: f"rs:{s}:{n}", st.sampled_from(["moi", "da_lien_he", "x"]), ODD),
    st.builds(lambda n: f"rn:{n}", ODD),
    st.builds(lambda s, n: f"rl:{s}:{n}", st.sampled_from(["all", "moi", "<b>", "²"]), ODD),
    st.builds(lambda n: f"bc:cancel:{n}", ODD),
)
STAFF_TEXTS = st.one_of(
    st.builds(lambda c, a: f"/{c} {a}", st.sampled_from(sorted(COMMANDS)), ODD),
    st.sampled_from(
        ["/dangky ²", "/dangky 99999999999999999999999", "/dangky moi ²",
         "/xuat 1/1/0001 31/12/9999", "/xuat 31/12/9999", "/xuat ² ²", "/xem LC-2026-" + "9" * 60,
         "/phien sua 99999999999999999999", "/phien huy ²",
         "/gioithieu add " + "A" * 300 + " | Y Tý", "/trangthai LC-2026-00001 ²; ²"]
    ),
)  # fmt: skip


@pytest.fixture
async def staff_chat(database_url: str) -> AsyncIterator[Transcript]:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    yield chat
    await chat.close()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    event=st.one_of(st.tuples(st.just("say"), STAFF_TEXTS), st.tuples(st.just("press"), ACTIONS))
)
async def test_every_staff_command_and_button_answers_odd_values_with_words(
    staff_chat: Transcript, event: tuple[str, str]
) -> None:
    kind, value = event
    value = value.encode("utf-8", "replace").decode()
    if kind == "press" and len(value.encode()) > 64:
        return  # not valid callback data on any platform
    before = len(staff_chat.channel.to(STAFF))
    if kind == "press":
        await staff_chat.send(user="staff-1", chat_key=STAFF, action=value)
    else:
        await staff_chat.send(user="staff-1", chat_key=STAFF, text=value)
    answers = staff_chat.channel.to(STAFF)[before:]
    assert answers, (kind, value)
    for reply in answers:
        assert APOLOGY not in reply.text, (kind, value, reply.text)


async def test_a_worker_on_a_text_only_channel_typing_odd_digits_gets_an_answer(
    database_url: str,
) -> None:
    """On Zalo and the console a typed number presses a button: «²», a 5,000-digit
    number or an Arabic-Indic digit must not break that."""
    chat = await Transcript.open(
        make_settings(database_url), FaqService(FIXTURE_FAQ), text_only=True
    )
    try:
        await chat.say("xin chào")
        for text in ("²", "٣", "9" * 5000, "0", "1."):
            replies = await chat.say(text)
            assert replies and all(APOLOGY not in r.text for r in replies), text
    finally:
        await chat.close()
