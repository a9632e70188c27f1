"""What every dashboard page shares: its keys in the application and request, and the
helpers that render a page, read the account and flash a message.

A leaf: `dashboard/app.py` builds the application and its middleware from these, and the
page modules (registrations, report, outreach, insights, hand-offs…) use them, so no page
module imports the application module and nothing imports in a circle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dashboard.login_limits import AddressThrottle, PasswordChecks
from dashboard.security import CSRF_KEY, new_csrf_token
from db.models import StaffAccount
from faq.service import FaqService
from settings import Settings

PREFIX = "/staff"

SETTINGS = web.AppKey("settings", Settings)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
WAKE: web.AppKey[Callable[[], None]] = web.AppKey("wake")
ACCOUNT = web.RequestKey("account", StaffAccount)
PASSWORD_CHECKS = web.AppKey("password_checks", PasswordChecks)
LOGIN_THROTTLE = web.AppKey("login_throttle", AddressThrottle)
# The running FAQ (swapped on reload), or None when its content could not be loaded.
FaqSource = Callable[[], FaqService | None]
FAQ: web.AppKey[FaqSource] = web.AppKey("faq")


def current(request: web.Request) -> StaffAccount:
    return request[ACCOUNT]


def faq_service(request: web.Request) -> FaqService | None:
    getter = request.app.get(FAQ)
    return getter() if getter else None


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
