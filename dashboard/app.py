"""The dashboard's aiohttp sub-application, mounted at /staff on the bot's web server.

Middlewares, outermost first: security headers → encrypted cookie session → login and
CSRF check. Only the login page and the static files are served without a session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import Session, get_session, new_session, session_middleware
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dashboard import (
    accounts,
    faq_care,
    handoffs,
    insights,
    outreach,
    registrations,
    report,
    voice,
)
from dashboard.login_limits import (
    REFUSAL_PAUSE,
    AddressThrottle,
    Busy,
    PasswordChecks,
    client_address,
)
from dashboard.pages import (
    ACCOUNT,
    FAQ,
    LOGIN_THROTTLE,
    PASSWORD_CHECKS,
    PREFIX,
    SESSIONS,
    SETTINGS,
    WAKE,
    current,
    flash,
    render,
    require_admin,
    safe_next,
)
from dashboard.security import (
    CSRF_FIELD,
    CSRF_KEY,
    SessionCookies,
    csrf_matches,
    new_csrf_token,
    security_headers,
    session_key,
)
from db.clock import utcnow
from db.models import AuditEvent, StaffAccount
from faq.service import FaqService
from handlers.staff_input import ID_ROUTE
from settings import Settings

HERE = Path(__file__).parent
COOKIE = "staff_session"
PUBLIC = frozenset({f"{PREFIX}/login"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def build_dashboard(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    wake: Callable[[], None] = lambda: None,
    faq: Callable[[], FaqService | None] = lambda: None,
) -> web.Application:
    storage = SessionCookies(
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
    app[PASSWORD_CHECKS] = checks = PasswordChecks()
    app[LOGIN_THROTTLE] = AddressThrottle()

    async def close_checks(_: web.Application) -> None:
        checks.close()

    app.on_cleanup.append(close_checks)
    app[WAKE] = wake
    app[FAQ] = faq
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
    app.router.add_post(f"/accounts/{ID_ROUTE}/unlock", _unlock)
    registrations.add_routes(app.router)
    report.add_routes(app.router)
    outreach.add_routes(app.router)
    insights.add_routes(app.router)
    faq_care.add_routes(app.router)
    handoffs.add_routes(app.router)
    voice.add_routes(app.router)
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
        account = await _account(request, session)
        if account is None:
            session.invalidate()
            target = request.path_qs if request.method == "GET" else PREFIX
            raise web.HTTPFound(f"{PREFIX}/login?next={quote(target, safe='')}")
        request[ACCOUNT] = account
    if request.method == "POST":
        limit = voice.upload_limit(request.path, request.app[SETTINGS].voice_max_bytes)
        # An audio file: larger than the server's usual bodies. Only a multipart body is
        # still unread here (bot/web.py reads the others up front).
        if limit is not None and request.content_type.startswith("multipart/"):
            request = request.clone(client_max_size=limit)
        try:
            form = await request.post()
        except (ValueError, LookupError):  # not UTF-8, an unknown charset, a broken multipart
            raise web.HTTPBadRequest(text="Biểu mẫu không đọc được. Hãy tải lại trang.") from None
        except web.HTTPRequestEntityTooLarge:
            raise web.HTTPRequestEntityTooLarge(
                max_size=limit or 0,
                actual_size=request.content_length or 0,
                text="Tệp quá lớn. Hãy chọn tệp nhỏ hơn.",
            ) from None
        if not csrf_matches(session.get(CSRF_KEY), form.get(CSRF_FIELD)):
            raise web.HTTPForbidden(
                text="Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                "Hãy tải lại trang và thử lại.",
            )
    return await handler(request)


async def _account(request: web.Request, session: Session) -> StaffAccount | None:
    """The session's account, if the session is still valid: the account exists, is not
    disabled, and has not ended its sessions since (logout, new password, disable or
    enable bump `session_generation`; the cookie keeps the one it was made with)."""
    uid, generation = session.get("uid"), session.get("gen")
    if not isinstance(uid, int) or not isinstance(generation, int):
        return None
    async with request.app[SESSIONS]() as db:
        account = await db.get(StaffAccount, uid)
    if account is None or account.disabled_at is not None:
        return None
    if account.session_generation != generation:
        return None
    return account


# --- pages --------------------------------------------------------------------------
async def _home(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{PREFIX}/registrations")


async def _login_page(request: web.Request) -> web.Response:
    session = await get_session(request)
    if await _account(request, session) is not None:
        raise web.HTTPFound(safe_next(request.query.get("next")))
    return await render(
        request,
        "login.html",
        {"next": safe_next(request.query.get("next")), "error": None, "username": ""},
    )


# The same answer for every failed login: an unknown name, a wrong password, a locked
# or disabled account look alike (F15: a lock must not reveal that an account exists).
LOGIN_FAILED = (
    "Tên đăng nhập hoặc mật khẩu không đúng. Sau nhiều lần nhập sai, tài khoản bị tạm khoá "
    "một thời gian: hãy thử lại sau, hoặc nhờ quản trị viên mở khoá."
)
LOGIN_BUSY = "Đang có nhiều lượt đăng nhập cùng lúc. Bạn hãy thử lại sau ít giây."
LOGIN_TOO_MANY = "Máy này đã đăng nhập sai quá nhiều lần. Bạn hãy đợi vài phút rồi thử lại."


async def _login(request: web.Request) -> web.Response:
    form = await request.post()
    username = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))[:256]
    target = safe_next(str(form.get("next", "")))
    throttle = request.app[LOGIN_THROTTLE]
    address = client_address(request)
    page = {"next": target, "username": username}
    # An address with many failures waits for its turn before its attempt is looked at.
    wait = throttle.turn(address)
    if wait is None:
        await asyncio.sleep(REFUSAL_PAUSE)
        response = await render(
            request, "login.html", {**page, "error": LOGIN_TOO_MANY}, status=429
        )
        response.headers["Retry-After"] = "60"
        return response
    if wait:
        await asyncio.sleep(wait)
    try:
        result = await accounts.login(
            request.app[SESSIONS],
            request.app[SETTINGS],
            request.app[PASSWORD_CHECKS],
            username,
            password,
        )
    except Busy:
        await asyncio.sleep(REFUSAL_PAUSE)
        response = await render(request, "login.html", {**page, "error": LOGIN_BUSY}, status=503)
        response.headers["Retry-After"] = "5"
        return response
    if result.account is None:
        throttle.failed(address)
        return await render(request, "login.html", {**page, "error": LOGIN_FAILED}, status=401)
    throttle.succeeded(address)
    uid, role = result.account.id, result.account.role
    generation = result.account.session_generation
    # A fresh session (and CSRF token) at login: a session id planted before is useless.
    session = await new_session(request)
    session["uid"] = uid
    session["role"] = role
    session["gen"] = generation
    session[CSRF_KEY] = new_csrf_token()
    raise web.HTTPFound(target)


async def _logout(request: web.Request) -> web.Response:
    session = await get_session(request)
    account = current(request)
    async with request.app[SESSIONS].begin() as db:
        # Every session of this account ends, not only this browser's cookie (a copy of
        # the cookie, or another browser left logged in, is worthless from now on).
        await accounts.end_sessions(db, account.id)
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
