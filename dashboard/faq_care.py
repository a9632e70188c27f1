"""FAQ care: the questions the FAQ could not answer with confidence (`faq_misses`), and
what staff do about them in one click.

The page groups the misses not yet handled by their normalised text, most frequent
first, each with the entries the current index finds closest (first in the choice),
and counts the misses of each day (a server-side SVG chart). For a group staff can:

* add the question, as the worker wrote it but without phone, ID or account numbers
  (`faq.personal_data`; text that still holds one is refused), as a new way of asking
  the entry they choose: the entry's topic file gets one more line
  (`faq.content_edit.add_question`: checked as `faq check` checks, written atomically),
  and the running process reloads its FAQ at once;
* start a new entry: a draft holding the question in `drafts/<topic>.yaml`, never
  served, for staff to finish and move into the topic file;
* dismiss it (not a question for the FAQ).

Each marks the whole group handled (who, when, what became of it) and leaves an audit
event. Other processes serving the same content load it at their next `faq reload`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard import pages as core
from dashboard.accounts import actor
from dashboard.charts import bars
from db import faq_misses
from db.clock import utcnow
from db.models import AuditEvent, FaqMiss
from faq import content_edit, personal_data
from faq.content_edit import EditRefused
from faq.service import FaqService
from handlers.registration.export import vietnam_time
from handlers.staff_input import is_number

T = TypeVar("T")
Form = Mapping[str, object]
MISS_DAYS = (7, 30, 90, 365)
GROUPS_SHOWN = 200
GUESSES = 5
# Longer windows are counted per week: a bar per day would not fit the page.
DAILY_UP_TO = 31


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/faq", misses_page)
    router.add_post("/faq/variant", add_variant)
    router.add_post("/faq/draft", start_draft)
    router.add_post("/faq/dismiss", dismiss)


@dataclass
class Guess:
    id: str
    question: str
    score: float


@dataclass
class MissGroup:
    miss_id: int
    text: str
    proposal: str
    removed: list[str]
    count: int
    last: str
    guesses: list[Guess] = field(default_factory=list)
    topic: str | None = None


# --- the page -----------------------------------------------------------------------
async def misses_page(request: web.Request) -> web.Response:
    days = _days(request.query.get("days", "30"))
    async with request.app[core.SESSIONS]() as db:
        rows = await faq_misses.since(db, utcnow() - timedelta(days=days))
    faq = core.faq_service(request)
    open_rows = [row for row in rows if row.handled_at is None]
    groups = _groups(open_rows, faq)
    today = vietnam_time(utcnow()).date()  # type: ignore[union-attr]
    title, counts = _counts(rows, days, today)
    context = {
        "groups": groups,
        "days": days,
        "choices": MISS_DAYS,
        "total": len(rows),
        "handled": len(rows) - len(open_rows),
        "open_groups": len({faq_misses.group_key(r.text) for r in open_rows}),
        "chart_title": title,
        "chart": bars(counts, title),
        "faq": faq,
        "topics": faq.kb.topics if faq else (),
        "drafts": content_edit.drafts(faq.directory) if faq else [],
    }
    return await core.render(request, "faq_misses.html", context)


def _days(text: str) -> int:
    days = int(text) if is_number(text) and len(text) <= 3 else 0
    if days not in MISS_DAYS:
        raise web.HTTPBadRequest(text="Khoảng thời gian không hợp lệ.")
    return days


def _groups(rows: Sequence[FaqMiss], faq: FaqService | None) -> list[MissGroup]:
    """The open misses by group, most frequent first (rows come newest first)."""
    grouped: dict[str, list[FaqMiss]] = {}
    for row in rows:
        grouped.setdefault(faq_misses.group_key(row.text), []).append(row)
    result = []
    for members in sorted(grouped.values(), key=lambda m: -len(m))[:GROUPS_SHOWN]:
        text = Counter(m.text for m in members).most_common(1)[0][0]
        newest = members[0]
        group = MissGroup(
            miss_id=newest.id,
            text=text,
            proposal=personal_data.remove(text)[: content_edit.QUESTION_MAX_CHARS],
            removed=personal_data.found(text),
            count=len(members),
            last=f"{vietnam_time(newest.created_at):%d/%m/%Y}",
        )
        if faq is not None:
            group.guesses = _guesses(faq, text, newest.best_entry_id)
            first = faq.kb.entries.get(group.guesses[0].id) if group.guesses else None
            group.topic = first.topic if first else None
        result.append(group)
    return result


def _guesses(faq: FaqService, text: str, recorded: str | None) -> list[Guess]:
    """The entries the current index finds closest, best first; then the one the
    matcher named when the miss was recorded, if it is not among them."""
    guesses: dict[str, Guess] = {}
    for lookup in faq.index.read(text, limit=GUESSES):
        for match in lookup.matches:
            guesses.setdefault(match.entry.id, Guess(match.entry.id, match.question, match.score))
    ordered = sorted(guesses.values(), key=lambda g: -g.score)[:GUESSES]
    entry = faq.kb.entries.get(recorded or "")
    if entry is not None and entry.id not in guesses:
        ordered.append(Guess(entry.id, entry.questions[0], 0.0))
    return ordered


def _counts(rows: Sequence[FaqMiss], days: int, today: date) -> tuple[str, list[tuple[str, float]]]:
    """Misses per day (per week, from Monday, for the longer windows), oldest first."""
    moments = [vietnam_time(row.created_at).date() for row in rows]  # type: ignore[union-attr]
    if days <= DAILY_UP_TO:
        per_day = Counter(moments)
        first = today - timedelta(days=days - 1)
        points = (first + timedelta(days=n) for n in range(days))
        return "Số câu mỗi ngày", [(f"{d:%d/%m}", per_day[d]) for d in points]
    per_week = Counter(d - timedelta(days=d.weekday()) for d in moments)
    monday = today - timedelta(days=today.weekday())
    weeks = -(-days // 7)
    points = (monday - timedelta(weeks=weeks - 1 - n) for n in range(weeks))
    return "Số câu mỗi tuần (từ thứ Hai)", [(f"{d:%d/%m}", per_week[d]) for d in points]


# --- the actions --------------------------------------------------------------------
async def add_variant(request: web.Request) -> web.Response:
    form = await request.post()
    miss, faq, question = await _inputs(request, form)
    entry_id = str(form.get("other", "")).strip() or str(form.get("entry", "")).strip()
    if entry_id not in faq.kb.entries:
        raise web.HTTPBadRequest(text="Hãy chọn một mục có trong nội dung hỏi đáp.")
    placed = await _edit(content_edit.add_question, faq.directory, entry_id, question)
    reloaded = _reload(faq)
    account = core.current(request)
    async with request.app[core.SESSIONS].begin() as db:
        count = await faq_misses.mark_group(db, miss, actor(account), f"entry:{entry_id}")
        note = f"{entry_id}: {question}"
        db.add(AuditEvent(actor=actor(account), action="faq_variant", note=note))
    done = "Đã thêm" if placed.added else "Mục này đã có"
    await core.flash(
        request,
        f"{done} câu «{question}» vào mục {entry_id} ({placed.path.name}); "
        f"{count} câu hỏi được đánh dấu đã xử lý. {reloaded}",
    )
    raise web.HTTPFound(_back(form))


async def start_draft(request: web.Request) -> web.Response:
    form = await request.post()
    miss, faq, question = await _inputs(request, form)
    topic = str(form.get("topic", "")).strip()
    if topic not in {t.id for t in faq.kb.topics}:
        raise web.HTTPBadRequest(text="Hãy chọn một chủ đề có trong nội dung hỏi đáp.")
    account = core.current(request)
    note = f"started {vietnam_time(utcnow()):%Y-%m-%d} by {actor(account)} on the dashboard"
    draft = await _edit(content_edit.start_draft, faq.directory, topic, question, note)
    async with request.app[core.SESSIONS].begin() as db:
        count = await faq_misses.mark_group(db, miss, actor(account), f"draft:{draft.id}")
        db.add(AuditEvent(actor=actor(account), action="faq_draft", note=f"{draft.id}: {question}"))
    await core.flash(
        request,
        f"Đã tạo mục nháp {draft.id} trong {content_edit.DRAFTS}/{draft.path.name} "
        f"({count} câu hỏi). Viết câu trả lời, nguồn và ngày rà soát, rồi chuyển mục vào "
        "tệp chủ đề và chạy «python -m bot faq reload».",
    )
    raise web.HTTPFound(_back(form))


async def dismiss(request: web.Request) -> web.Response:
    form = await request.post()
    account = core.current(request)
    async with request.app[core.SESSIONS].begin() as db:
        miss = await _miss(db, form)
        count = await faq_misses.mark_group(db, miss, actor(account), "dismissed")
        db.add(AuditEvent(actor=actor(account), action="faq_dismiss", note=f"#{miss.id}"))
    await core.flash(request, f"Đã bỏ qua {count} câu hỏi.")
    raise web.HTTPFound(_back(form))


async def _inputs(request: web.Request, form: Form) -> tuple[FaqMiss, FaqService, str]:
    """The miss, the running FAQ and the question as staff will add it (4xx otherwise)."""
    async with request.app[core.SESSIONS]() as db:
        miss = await _miss(db, form)
    faq = core.faq_service(request)
    if faq is None:
        raise web.HTTPServiceUnavailable(text="Nội dung hỏi đáp chưa được nạp. Hãy thử lại sau.")
    question = " ".join(str(form.get("text", "")).split())
    if not question:
        raise web.HTTPBadRequest(text="Câu hỏi đang trống.")
    if len(question) > content_edit.QUESTION_MAX_CHARS:
        raise web.HTTPBadRequest(
            text=f"Câu hỏi dài quá {content_edit.QUESTION_MAX_CHARS} ký tự. Hãy rút gọn."
        )
    found = personal_data.found(question)
    if found:
        raise web.HTTPBadRequest(
            text=f"Câu hỏi còn chứa {', '.join(found)}. Hãy xoá đi rồi thêm lại: "
            "nội dung hỏi đáp không được chứa thông tin cá nhân."
        )
    return miss, faq, question


async def _miss(db: AsyncSession, form: Form) -> FaqMiss:
    text = str(form.get("miss", ""))
    if not is_number(text) or len(text) > 18:
        raise web.HTTPBadRequest(text="Thiếu câu hỏi cần xử lý.")
    miss = await db.get(FaqMiss, int(text))
    if miss is None:
        raise web.HTTPNotFound(text="Không có câu hỏi này.")
    return miss


async def _edit(function: Callable[..., T], *args: object) -> T:
    """Run a content edit on a thread (it reads, checks and writes files, under a lock)."""
    try:
        return await asyncio.to_thread(function, *args)
    except EditRefused as refused:
        raise web.HTTPBadRequest(text=str(refused)) from None


def _reload(faq: FaqService) -> str:
    """Reload the running FAQ; the sentence for staff says whether it worked."""
    try:
        faq.reload()
    except (OSError, ValueError) as error:
        return f"Chưa nạp lại được nội dung ({str(error)[:300]}): hãy sửa lỗi rồi chạy faq reload."
    return "Trợ lý đã dùng nội dung mới."


def _back(form: Form) -> str:
    days = str(form.get("days", ""))
    return f"{core.PREFIX}/faq?days={days if days in map(str, MISS_DAYS) else 30}"
