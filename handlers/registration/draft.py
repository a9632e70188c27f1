"""The form's draft: the answers so far, in the conversation state (`data["draft:reg"]`).

Written at every step, so a restart, a second replica or a week away loses nothing;
`Context.end_flow()` keeps keys starting with `draft:`, so leaving the flow keeps it.
"""

from __future__ import annotations

from typing import Any

from handlers.context import DRAFT_PREFIX, Context

FLOW = "registration"
DRAFT = DRAFT_PREFIX + "reg"


def draft(ctx: Context) -> dict[str, Any]:
    return dict((ctx.state.data or {}).get(DRAFT) or {})


def has_draft(ctx: Context) -> bool:
    return bool(draft(ctx))


def save(ctx: Context, values: dict[str, Any]) -> None:
    ctx.state.data = {**(ctx.state.data or {}), DRAFT: values}


def forget_draft(ctx: Context) -> None:
    """Leave the flow and drop the draft (submitted, cancelled or refused)."""
    ctx.end_flow()
    ctx.state.data = {k: v for k, v in (ctx.state.data or {}).items() if k != DRAFT}
