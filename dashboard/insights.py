"""The FAQ's entries and the statistics pages.

Every FAQ entry by topic with its review date, oldest first (the misses are in
`dashboard.faq_care`). Statistics: registrations per week, by commune, market and
status, and broadcast reach, as server-side SVG bar charts (`dashboard.charts`).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from aiohttp import web
from sqlalchemy import func, select

from dashboard import pages as core
from dashboard.charts import bars
from db import broadcasts
from db.clock import utcnow
from db.models import Broadcast, Registration
from handlers.registration.export import vietnam_time
from handlers.registration.statuses import STATUS_LABELS
from handlers.staff_input import utc_midnight

WEEKS = 26


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/faq/entries", faq_entries)
    router.add_get("/stats", stats)


async def faq_entries(request: web.Request) -> web.Response:
    faq = core.faq_service(request)
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
