"""The dashboard's aiohttp sub-application, mounted at /staff on the bot's web server.

Middlewares, outermost first: security headers → encrypted cookie session → login and
CSRF check. Only the login page and the static files are served without a session.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dashboard import accounts, handoffs, insights, outreach, registrations, report
from dashboard.security import (
    CSRF_FIELD,
    CSRF_KEY,
    csrf_matches,
    new_csrf_token,
    security_headers,
    session_key,
)
from db.clock import utcnow
from db.models import AuditEvent, StaffAccount
from faq.service import FaqService
from settings import Settings

PREFIX = "/staff"
HERE = Path(__file__).parent
COOKIE = "staff_session"
PUBLIC = frozenset({f"{PREFIX}/login"})

SETTINGS = web.AppKey("settings", Settings)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
WAKE = web.AppKey("wake", Callable[[], None])
ACCOUNT = web.RequestKey("account", StaffAccount)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def build_dashboard(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    wake: Callable[[], None] = lambda: None,
    faq: Callable[[], FaqService | None] = lambda: None,
) -> web.Application:
    storage = EncryptedCookieStorage(
        Fernet(session_key(settings)),
        cookie_name=COOKIE,
        path=PREFIX,
        httponly=True,
        samesite="Strict",
        secure=settings.dashboard_cookie_secure,
        max_age=settings.dashboard_session_hours * 3600,
    )
    app = web.Application(middlewares=[security_headers, session_middleware(storage), _guard])
    app[SETTINGS] = settings
    app[SESSIONS] = sessions
    app[WAKE] = wake
    app[insights.FAQ] = faq
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )
    app.router.add_get("", _home)
    app.router.add_get("/", _home)
    app.router.add_get("/login", _login_page)
    app.router.add_post("/login", _login)
    app.router.add_post("/logout", _logout)
    app.router.add_get("/accounts", _accounts)
    app.router.add_post("/accounts/{id:\\d+}/unlock", _unlock)
    registrations.add_routes(app.router)
    report.add_routes(app.router)
    outreach.add_routes(app.router)
    insights.add_routes(app.router)
    handoffs.add_routes(app.router)
    app.router.add_static("/static", HERE / "static")
    return app


def mount(
    root: web.Application,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    wake: Callable[[], None] = lambda: None,
    faq: Callable[[], FaqService | None] = lambda: None,
) -> None:
    """Serve the dashboard at /staff; `wake` nudges the outbox, `faq` gives the current
    knowledge base (it is swapped on reload)."""
    root.add_subapp(PREFIX, build_dashboard(settings, sessions, wake, faq))


# --- access -------------------------------------------------------------------------
@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No session → the login page; a POST without the session's CSRF token → 403."""
    if request.path.startswith(f"{PREFIX}/static/"):
        return await handler(request)
    session = await get_session(request)
    if request.path not in PUBLIC:
        account = await _account(request, session.get("uid"))
        if account is not None and session.get("pw") != password_mark(account):
            account = None  # the password changed since this login: log in again
        if account is None:
            session.invalidate()
            target = request.path_qs if request.method == "GET" else PREFIX
            raise web.HTTPFound(f"{PREFIX}/login?next={quote(target, safe='')}")
        request[ACCOUNT] = account
    if request.method == "POST":
        form = await request.post()
        if not csrf_matches(session.get(CSRF_KEY), form.get(CSRF_FIELD)):
            raise web.HTTPForbidden(
                text="Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                "Hãy tải lại trang và thử lại.",
            )
    return await handler(request)


async def _account(request: web.Request, uid: object) -> StaffAccount | None:
    if not isinstance(uid, int):
        return None
    async with request.app[SESSIONS]() as db:
        account = await db.get(StaffAccount, uid)
    if account is None or account.disabled_at is not None:
        return None
    return account


def password_mark(account: StaffAccount) -> str:
    """A short digest of the password hash kept in the session: a new password (or a
    re-hash) ends every session made with the old one."""
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:16]


def current(request: web.Request) -> StaffAccount:
    return request[ACCOUNT]


def require_admin(request: web.Request) -> StaffAccount:
    account = current(request)
    if account.role != "admin":
        raise web.HTTPForbidden(text="Trang này chỉ dành cho quản trị viên.")
    return account


async def render(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    """A page with what every page needs: the account, the CSRF token, the flash message."""
    session = await get_session(request)
    if CSRF_KEY not in session:
        session[CSRF_KEY] = new_csrf_token()
    context = {
        "account": request.get(ACCOUNT),
        "csrf": session[CSRF_KEY],
        "flash": session.pop("flash", None),
        "settings": request.app[SETTINGS],
        "path": request.path,
        **context,
    }
    return aiohttp_jinja2.render_template(template, request, context, status=status)


async def flash(request: web.Request, message: str) -> None:
    session = await get_session(request)
    session["flash"] = message


def safe_next(target: str | None) -> str:
    """Only our own pages: never an open redirect to another site."""
    if target and target.startswith(f"{PREFIX}/") and not target.startswith("//"):
        if "\\" not in target and "//" not in target:
            return target
    return f"{PREFIX}/registrations"


# --- pages --------------------------------------------------------------------------
async def _home(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{PREFIX}/registrations")


async def _login_page(request: web.Request) -> web.Response:
    session = await get_session(request)
    if await _account(request, session.get("uid")) is not None:
        raise web.HTTPFound(safe_next(request.query.get("next")))
    return await render(
        request,
        "login.html",
        {"next": safe_next(request.query.get("next")), "error": None, "username": ""},
    )


async def _login(request: web.Request) -> web.Response:
    form = await request.post()
    username = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))[:256]
    target = safe_next(str(form.get("next", "")))
    settings = request.app[SETTINGS]
    async with request.app[SESSIONS].begin() as db:
        result = await accounts.login(db, settings, username, password)
        uid, role = (result.account.id, result.account.role) if result.account else (None, None)
        mark = password_mark(result.account) if result.account else None
    if uid is None:
        if result.locked_minutes:
            error = (
                "Tài khoản tạm khoá vì nhập sai nhiều lần. "
                f"Hãy thử lại sau {result.locked_minutes} phút hoặc nhờ quản trị viên mở khoá."
            )
        else:
            error = "Tên đăng nhập hoặc mật khẩu không đúng."
        return await render(
            request,
            "login.html",
            {"next": target, "error": error, "username": username},
            status=401,
        )
    # A fresh session (and CSRF token) at login: a session id planted before is useless.
    session = await new_session(request)
    session["uid"] = uid
    session["role"] = role
    session["pw"] = mark
    session[CSRF_KEY] = new_csrf_token()
    raise web.HTTPFound(target)


async def _logout(request: web.Request) -> web.Response:
    session = await get_session(request)
    account = current(request)
    async with request.app[SESSIONS].begin() as db:
        db.add(AuditEvent(actor=accounts.actor(account), action="logout"))
    session.invalidate()
    raise web.HTTPFound(f"{PREFIX}/login")


async def _accounts(request: web.Request) -> web.Response:
    require_admin(request)
    async with request.app[SESSIONS]() as db:
        rows = await accounts.all_accounts(db)
    return await render(request, "accounts.html", {"rows": rows, "now": utcnow()})


async def _unlock(request: web.Request) -> web.Response:
    admin = require_admin(request)
    async with request.app[SESSIONS].begin() as db:
        account = await db.get(StaffAccount, int(request.match_info["id"]))
        if account is None:
            raise web.HTTPNotFound(text="Không có tài khoản này.")
        await accounts.unlock(db, account, accounts.actor(admin))
        name = account.username
    await flash(request, f"Đã mở khoá tài khoản {name}.")
    raise web.HTTPFound(f"{PREFIX}/accounts")
