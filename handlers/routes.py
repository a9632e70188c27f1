"""Every feature's routes, in one ordered list: the place to look for who answers what.

Order matters only for free text: each feature's intents are tried in this order, and
the FAQ, which answers anything, comes last.
"""

from __future__ import annotations

from handlers import (
    broadcast_compose,
    faq_flow,
    fee_calculator,
    handoff,
    handoff_staff,
    home,
    job_fairs,
    listen,
    privacy,
    recordings,
    recruiter_check,
    referrals,
    small_talk,
    staff,
    subscriptions,
)
from handlers.registration import flow as registration
from handlers.router import Router, Routes

ROUTERS: tuple[Router, ...] = (
    home.router,
    small_talk.router,
    privacy.router,
    subscriptions.router,
    registration.router,
    recruiter_check.router,
    fee_calculator.router,
    job_fairs.router,
    handoff.router,
    handoff_staff.router,
    staff.router,
    referrals.router,
    broadcast_compose.router,
    recordings.router,
    listen.router,
    faq_flow.router,
)
ROUTES = Routes.build(ROUTERS)
