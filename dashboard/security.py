"""Dashboard security: the session key, password hashing, CSRF tokens, response headers.

Sessions live in encrypted, signed cookies (aiohttp-session's EncryptedCookieStorage, a
Fernet token: AES-CBC + HMAC-SHA256). Passwords are hashed with argon2id (argon2-cffi).
Every POST carries the session's CSRF token (synchronizer token pattern), compared in
constant time.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet

from settings import Settings

log = logging.getLogger(__name__)

CSRF_FIELD = "csrf"
CSRF_KEY = "csrf"
PASSWORD_MIN = 10
PASSWORD_MAX = 256

# argon2id with OWASP's first recommended setting (46 MiB, one pass, one lane). One lane
# keeps a check on one core: argon2-cffi's default (4 lanes, 3 passes over 64 MiB) ran
# each check on 4 threads and took both cores of a small server from the bot (F3).
# Hashes made with other settings are re-made at their next successful login.
_hasher = PasswordHasher(time_cost=1, memory_cost=47_104, parallelism=1)
# Verified against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def session_key(settings: Settings) -> bytes:
    """DASHBOARD_SECRET_KEY, else the key kept in DASHBOARD_KEY_FILE (made on first use)."""
    if settings.dashboard_secret_key:
        return settings.dashboard_secret_key.encode()
    path = Path(settings.dashboard_key_file)
    if path.exists():
        key = path.read_text().strip().encode()
        Fernet(key)  # a damaged file stops start-up here, with the file named below
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # Created readable by the owner only; O_EXCL so two starting processes never differ.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip().encode()
    with os.fdopen(fd, "w") as handle:
        handle.write(key.decode() + "\n")
    log.info("dashboard: generated a session key in %s", path)
    return key


class SessionCookies(EncryptedCookieStorage):
    """aiohttp-session's encrypted cookies; a cookie that cannot be a Fernet token (bytes
    that are not ASCII) is no session, instead of an encoding error."""

    def load_cookie(self, request: web.Request) -> str | None:
        cookie = super().load_cookie(request)
        return cookie if cookie is None or cookie.isascii() else None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; an unknown user (None) costs the same time."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is refused (Vietnamese, shown to staff), or None."""
    if len(password) < PASSWORD_MIN:
        return f"Mật khẩu cần ít nhất {PASSWORD_MIN} ký tự."
    if len(password) > PASSWORD_MAX:
        return f"Mật khẩu dài quá {PASSWORD_MAX} ký tự."
    return None


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(expected: object, given: object) -> bool:
    if not isinstance(expected, str) or not isinstance(given, str) or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


@web.middleware
async def security_headers(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Headers on every dashboard answer, redirects and errors included.

    `Server-Timing` says how long the dashboard took (bench/dashboard.py reads it).
    """
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(_headers_for(request, started))
        raise
    response.headers.update(_headers_for(request, started))
    return response


def _headers_for(request: web.Request, started: float) -> dict[str, str]:
    headers = dict(HEADERS)
    headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
    if not request.path.startswith("/staff/static/"):
        # Pages hold personal data: never kept by the browser or a proxy.
        headers["Cache-Control"] = "no-store"
    return headers
