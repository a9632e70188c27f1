"""Every feature's routes, in one ordered list: the place to look for who answers what.

Order matters only for free text: each feature's intents are tried in this order, and
the FAQ, which answers anything, comes last.
"""

from __future__ import annotations

from handlers import (
    broadcast_compose,
    handoff,
    handoff_staff,
    home,
    job_fairs,
    legacy_routes,
    privacy,
    referrals,
    staff,
    subscriptions,
)
from handlers.router import Router, Routes

ROUTERS: tuple[Router, ...] = (
    home.router,
    privacy.router,
    subscriptions.router,
    legacy_routes.router,
    job_fairs.router,
    handoff.router,
    handoff_staff.router,
    staff.router,
    referrals.router,
    broadcast_compose.router,
    legacy_routes.faq_router,
)
ROUTES = Routes.build(ROUTERS)
