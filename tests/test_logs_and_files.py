"""Logs and files keep people's data and the deployment's secrets in (F8, F11, F12):
tracebacks are masked like messages, SQL errors never print their parameters, tokens and
webhook secrets never reach the log even at DEBUG, and the SQLite file, its WAL and SHM
and the dashboard key are private to the process's user."""

from __future__ import annotations

import io
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from bot.logs import hide_secrets, setup_logging
from dashboard.security import session_key
from db.engine import session_factory
from db.migrate import open_database
from db.models import User
from tests.conftest import free_port, make_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo

PHONE = "0988777666"
NAME = "Nguyễn Văn Xoá"
# A real-looking token: digits, a colon and 35 random characters.
TOKEN = "7312998851:AAFq3x1Zk2Lr9VbC0mNdE4tYwUu5sPiHgJo"
WEBHOOK_SECRET = "tg-secret-ABC123xyz"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Whatever `setup_logging` writes; the root logger is put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    stream = io.StringIO()
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def test_a_traceback_is_masked_like_a_message(log_output: io.StringIO) -> None:
    setup_logging("INFO", stream=log_output)
    log = logging.getLogger("tests.masking")
    log.info("gọi %s", PHONE)
    try:
        raise ValueError(f"không gửi được cho {PHONE}, CCCD 001099012345")
    except ValueError:
        log.exception("sending failed")
    text = log_output.getvalue()
    assert PHONE not in text and "001099012345" not in text
    assert text.count("*******666") == 2 and "*********345" in text
    assert "Traceback" in text and "ValueError" in text


async def test_sql_errors_never_print_what_people_typed(
    database_url: str, log_output: io.StringIO
) -> None:
    setup_logging("INFO", stream=log_output)
    engine = await open_database(make_settings(database_url))
    try:
        sessions = session_factory(engine)
        async with sessions.begin() as db:
            db.add(User(channel="telegram", external_id="501", display_name=f"{NAME} {PHONE}"))
        with pytest.raises(IntegrityError) as caught:
            async with sessions.begin() as db:
                db.add(User(channel="telegram", external_id="501", display_name=f"{NAME} bis"))
        logging.getLogger("tests.sql").error("insert failed", exc_info=caught.value)
    finally:
        await engine.dispose()
    text = log_output.getvalue()
    assert "IntegrityError" in text
    assert NAME not in text and PHONE not in text and "'501'" not in text


def test_named_and_configured_secrets_are_hidden() -> None:
    line = (
        f"Set Bot API URL: http://127.0.0.1/bot{TOKEN}/ params {{'url': 'https://x/hook', "
        f"'secret_token': '{WEBHOOK_SECRET}'}} ?access_token=AT-12345678&x=1 smtp hunter2-long"
    )
    hidden = hide_secrets(line, ["hunter2-long"])
    for secret in (TOKEN, TOKEN.split(":")[1], WEBHOOK_SECRET, "AT-12345678", "hunter2-long"):
        assert secret not in hidden, secret
    assert "https://x/hook" in hidden and "&x=1" in hidden


async def test_no_token_or_webhook_secret_is_logged_even_at_debug(
    database_url: str, tmp_path: Path, log_output: io.StringIO, fake_zalo: FakeZalo
) -> None:
    """The real PTB, aiohttp and our adapters at DEBUG, a webhook round trip and a Zalo
    Bot long poll: the configured secrets never appear in the log."""
    from bot.serve import Server
    from faq.service import FaqService
    from tests.conftest import FIXTURE_FAQ

    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    port = free_port()
    settings = make_settings(
        database_url,
        fake,
        web_port=port,
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/hook-x",
        telegram_webhook_secret=WEBHOOK_SECRET,
        dashboard_key_file=str(tmp_path / "dashboard.key"),
        log_level="DEBUG",
        **fake_zalo.settings(oa=False),
    )
    setup_logging("DEBUG", settings.secret_values(), stream=log_output)
    server = Server(settings, FaqService(FIXTURE_FAQ))
    await server.start()
    try:
        assert await fake.deliver_webhook(fake.message_update(555, "xin chào")) == 200
        await fake.wait_sent(555, 1)
    finally:
        await server.stop()
        await fake.stop()
    text = log_output.getvalue()
    assert "DEBUG" in text and "bot" in text  # the libraries did log at DEBUG
    for secret in (TOKEN, TOKEN.split(":")[1], WEBHOOK_SECRET, fake_zalo.bot_token):
        assert secret not in text, secret


def test_the_database_its_wal_and_the_key_file_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "data" / "bot.db"
        settings = make_settings(
            f"sqlite+aiosqlite:///{path}", dashboard_key_file=str(tmp_path / "data" / "k")
        )

        async def write() -> None:
            engine = await open_database(settings)
            try:
                async with session_factory(engine).begin() as db:
                    db.add(User(channel="test", external_id=os.urandom(4).hex()))
                files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
                assert all(f.exists() for f in files)
                for file in files:
                    assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
            finally:
                await engine.dispose()

        import asyncio

        asyncio.run(write())
        session_key(settings)
        assert stat.S_IMODE(Path(settings.dashboard_key_file).stat().st_mode) == 0o600
        # A file made world-readable before this release is made private at start.
        path.chmod(0o644)
        asyncio.run(write())
    finally:
        os.umask(old)
