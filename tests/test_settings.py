"""Settings: defaults, parsing, and start-up stopping with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from settings import DEFAULT_DATABASE_URL, Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_need_no_configuration() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.province == "Lào Cai"
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", 8080)
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.telegram_webhook_url == "" and settings.staff_ids == []
    assert not settings.zalo_oa_enabled and not settings.zalo_bot_enabled
    assert settings.zalo_bot_api_base_url == "https://bot-api.zaloplatforms.com"
    assert settings.zalo_oa_api_base_url == "https://openapi.zalo.me"


def test_staff_ids_and_postgres_url_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFF_IDS", "123, 456,789")
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@db.local/centre")
    monkeypatch.setenv("CENTRE_CHAT_ID", "-100200")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.staff_ids == [123, 456, 789]
    assert settings.database_url == "postgresql+asyncpg://bot@db.local/centre"
    assert settings.centre_chat_id == -100200


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEB_PORT", "eighty"),
        ("WEB_PORT", "70000"),
        ("STAFF_IDS", "12,abc"),
        ("DATABASE_URL", "mysql://x"),
        ("CENTRE_CHAT_ID", "staff-room"),
        ("TELEGRAM_WEBHOOK_URL", "bot.example.vn/hook"),
        ("LOG_LEVEL", "LOUD"),
        ("ZALO_BOT_WEBHOOK_SECRET", "short"),
        ("ZALO_OA_API_BASE_URL", "openapi.zalo.me"),
        ("ZALO_BROADCAST_RATE", "0"),
    ],
)
def test_invalid_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None)
    assert name in str(error.value.code)


def test_webhook_path_comes_from_the_public_url() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_bot_token="1:A",
        telegram_webhook_url="https://bot.example.vn/telegram/abc123",
    )
    assert settings.webhook_path == "/telegram/abc123"
    assert len(settings.webhook_secret) >= 32
    assert (
        settings.webhook_secret
        == Settings(  # type: ignore[call-arg]
            _env_file=None, telegram_bot_token="1:A"
        ).webhook_secret
    )  # every replica derives the same secret


def test_start_up_stops_with_a_clear_message(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "WEB_PORT": "abc"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "WEB_PORT" in result.stderr and "Traceback" not in result.stderr


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("PROVINCE=Lai Châu\nCENTRE_PHONE=0200 111 222\n")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.province == "Lai Châu" and settings.centre_phone == "0200 111 222"


def test_file_base_url_and_spoken_answer_settings() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.file_base_url == "https://api.telegram.org/file/bot"
    assert list(settings.voice_language_labels) == ["vi", "hmn", "dao", "tay"]
    assert (settings.voice_max_bytes, settings.voice_max_seconds) == (2 * 1024 * 1024, 180)
    assert settings.public_url == ""
    local = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_api_base_url="http://127.0.0.1:9000/bot",
        telegram_webhook_url="https://bot.example.vn/telegram/hook",
    )
    assert local.file_base_url == "http://127.0.0.1:9000/file/bot"
    assert local.public_url == "https://bot.example.vn"
    with pytest.raises(ValueError, match="needs a label"):
        Settings(_env_file=None, voice_languages="vi, khmu")  # type: ignore[call-arg]
