"""FAQ care and statistics pages.

FAQ care: the questions the FAQ could not answer with confidence (`faq_misses`), grouped
by their normalised text (the matcher's own `faq.normalize.normalize`), most frequent
first, with the entry the current index finds closest; and every entry by topic with its
review date, oldest first. Statistics: registrations per week, by commune, market and
status, and broadcast reach, as server-side SVG bar charts (`dashboard.charts`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from aiohttp import web
from sqlalchemy import func, select

from dashboard import pages as core
from dashboard.charts import bars
from db import broadcasts
from db.clock import utcnow
from db.models import Broadcast, FaqMiss, Registration
from faq.normalize import normalize
from faq.service import FaqService
from handlers.registration.export import vietnam_time
from handlers.registration.submit import STATUS_LABELS
from handlers.staff_input import is_number, utc_midnight

FaqSource = Callable[[], FaqService | None]
FAQ: web.AppKey[FaqSource] = web.AppKey("faq")
MISS_DAYS = (7, 30, 90, 365)
MISS_LIMIT = 20_000
WEEKS = 26


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/faq", faq_misses)
    router.add_get("/faq/entries", faq_entries)
    router.add_get("/stats", stats)


@dataclass
class MissGroup:
    text: str
    count: int
    last: str
    entry_id: str | None
    entry_question: str | None
    score: float | None


def _faq(request: web.Request) -> FaqService | None:
    getter = request.app.get(FAQ)
    return getter() if getter else None


async def faq_misses(request: web.Request) -> web.Response:
    days_text = request.query.get("days", "30")
    days = int(days_text) if is_number(days_text) and len(days_text) <= 3 else 0
    if days not in MISS_DAYS:
        raise web.HTTPBadRequest(text="Khoảng thời gian không hợp lệ.")
    since = utcnow() - timedelta(days=days)
    async with request.app[core.SESSIONS]() as db:
        rows = (
            await db.execute(
                select(FaqMiss.text, FaqMiss.created_at)
                .where(FaqMiss.created_at >= since)
                .order_by(FaqMiss.id.desc())
                .limit(MISS_LIMIT)
            )
        ).all()
    groups: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for text, created in rows:
        groups[normalize(text) or text.strip().lower()].append((text, created))
    faq = _faq(request)
    result: list[MissGroup] = []
    for variants in sorted(groups.values(), key=lambda v: -len(v))[:200]:
        shown = Counter(t for t, _ in variants).most_common(1)[0][0]
        entry_id = question = None
        score = None
        if faq is not None:
            found = faq.index.lookup(shown, limit=1)
            if found.matches:
                best = found.matches[0]
                entry_id, question, score = best.entry.id, best.question, best.score
        last = vietnam_time(max(created for _, created in variants))
        result.append(
            MissGroup(shown, len(variants), f"{last:%d/%m/%Y}", entry_id, question, score)
        )
    return await core.render(
        request,
        "faq_misses.html",
        {"groups": result, "days": days, "choices": MISS_DAYS, "total": len(rows)},
    )


async def faq_entries(request: web.Request) -> web.Response:
    faq = _faq(request)
    topics = []
    if faq is not None:
        for topic in sorted(faq.kb.topics, key=lambda t: t.order):
            entries = sorted(topic.entries, key=lambda e: (e.reviewed, e.id))
            topics.append((topic, entries))
    today = vietnam_time(utcnow()).date()  # type: ignore[union-attr]
    return await core.render(
        request,
        "faq_entries.html",
        {"topics": topics, "today": today, "stale": today - timedelta(days=180), "faq": faq},
    )


async def stats(request: web.Request) -> web.Response:
    today = vietnam_time(utcnow()).date()  # type: ignore[union-attr]
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=WEEKS - 1)
    async with request.app[core.SESSIONS]() as db:
        created = (
            await db.scalars(
                select(Registration.created_at).where(
                    Registration.created_at >= utc_midnight(first)
                )
            )
        ).all()
        by: dict[str, list[tuple[str, int]]] = {}
        for title, column in (
            ("commune", Registration.commune_name),
            ("market", Registration.market),
            ("status", Registration.status),
        ):
            counted = (
                await db.execute(
                    select(column, func.count()).group_by(column).order_by(func.count().desc())
                )
            ).all()
            by[title] = [(str(value or "không rõ"), int(n)) for value, n in counted]
        recent = (await db.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(10))).all()
        reach = [(b, await broadcasts.counts(db, b.id)) for b in reversed(recent)]
    weeks: Counter[date] = Counter()
    for moment in created:
        day = vietnam_time(moment).date()  # type: ignore[union-attr]
        weeks[day - timedelta(days=day.weekday())] += 1
    per_week = [
        (f"{week:%d/%m}", weeks[week])
        for week in (first + timedelta(weeks=n) for n in range(WEEKS))
    ]
    statuses = [(STATUS_LABELS.get(s, s), n) for s, n in by["status"]]
    charts = [
        ("Hồ sơ mỗi tuần (26 tuần, tính từ thứ Hai)", bars(per_week, "Hồ sơ mỗi tuần")),
        ("Theo xã/phường (15 nơi nhiều nhất)", bars(by["commune"][:15], "Theo xã/phường")),
        ("Theo nước muốn đi", bars(by["market"], "Theo nước muốn đi")),
        ("Theo trạng thái", bars(statuses, "Theo trạng thái")),
        (
            "Thông báo: đã gửi / số người nhận (10 thông báo gần nhất)",
            bars(
                [(f"#{b.id} {b.created_at:%d/%m}", c.sent) for b, c in reach],
                "Độ phủ thông báo",
                second=[c.total for _, c in reach],
                legend=("đã gửi", "số người nhận"),
            ),
        ),
    ]
    return await core.render(request, "stats.html", {"charts": charts})
