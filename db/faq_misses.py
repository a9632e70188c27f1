"""The questions the FAQ could not answer (`faq_misses`): reading them for the FAQ-care
page and the export, and marking a group of them handled.

Misses are grouped by their normalised text (the matcher's own `normalize`), so "Đi
Hàn mất bao lâu?" and "di han mat bao lau" are one group; staff handle a group at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.clock import utcnow
from db.models import FaqMiss
from faq.normalize import normalize

# The most rows one page or one export reads.
LIMIT = 20_000
_CHUNK = 500


def group_key(text: str) -> str:
    """What misses of one group share."""
    return normalize(text) or text.strip().lower()


async def since(session: AsyncSession, moment: datetime, limit: int = LIMIT) -> Sequence[FaqMiss]:
    """The misses recorded since `moment`, newest first."""
    rows = await session.scalars(
        select(FaqMiss).where(FaqMiss.created_at >= moment).order_by(FaqMiss.id.desc()).limit(limit)
    )
    return rows.all()


async def mark_group(session: AsyncSession, miss: FaqMiss, actor: str, outcome: str) -> int:
    """Mark every unhandled miss of `miss`'s group handled; returns how many."""
    key = group_key(miss.text)
    open_rows = (
        await session.execute(
            select(FaqMiss.id, FaqMiss.text)
            .where(FaqMiss.handled_at.is_(None))
            .order_by(FaqMiss.id.desc())
            .limit(LIMIT)
        )
    ).all()
    ids = sorted({miss.id} | {row_id for row_id, text in open_rows if group_key(text) == key})
    now = utcnow()
    for start in range(0, len(ids), _CHUNK):
        await session.execute(
            update(FaqMiss)
            .where(FaqMiss.id.in_(ids[start : start + _CHUNK]), FaqMiss.handled_at.is_(None))
            .values(handled_at=now, handled_by=actor[:64], handled_as=outcome[:80])
        )
    return len(ids)
