"""The dashboard's session key and cookies: generated once, kept private, never trusted
when tampered with; and the key setting is checked at start-up."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from dashboard.security import csrf_matches, session_key, verify_password
from settings import SettingsError, load_settings
from tests.conftest import make_settings
from tests.dashboard_kit import add_account, base, client, login, running


def test_the_generated_key_is_kept_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "dashboard.key"
    settings = make_settings("sqlite+aiosqlite:///x.db", dashboard_key_file=str(path))
    key = session_key(settings)
    Fernet(key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert session_key(settings) == key
    given = Fernet.generate_key().decode()
    assert session_key(make_settings("sqlite+aiosqlite:///x.db", dashboard_secret_key=given)) == (
        given.encode()
    )


def test_a_bad_key_setting_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_SECRET_KEY", "not-a-key")
    with pytest.raises(SettingsError, match="DASHBOARD_SECRET_KEY"):
        load_settings(_env_file=None)


def test_csrf_and_password_checks_refuse_the_odd_cases() -> None:
    assert not csrf_matches(None, "x") and not csrf_matches("", "") and not csrf_matches("a", None)
    assert csrf_matches("token", "token") and not csrf_matches("token", "tokeN")
    assert not verify_password(None, "anything") and not verify_password("not-a-hash", "x")


async def test_a_tampered_or_foreign_cookie_is_no_session(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    async with running(url, tmp_path) as server:
        await add_account(server, "canbo1")
        async with client() as http:
            assert (await login(http, server, "canbo1")).status == 302
            [cookie] = [c for c in http.cookie_jar if c.key == "staff_session"]
            value = cookie.value
        foreign = Fernet(Fernet.generate_key()).encrypt(b'{"session": {"uid": 1}}').decode()
        for cookie_value, expected in ((value, 200), (value[:-4] + "AAAA", 302), (foreign, 302)):
            async with client() as other:
                async with other.get(
                    base(server) + "/staff/registrations",
                    headers={"Cookie": f"staff_session={cookie_value}"},
                    allow_redirects=False,
                ) as response:
                    assert response.status == expected
                    if expected == 302:
                        assert response.headers["Location"].startswith("/staff/login")
