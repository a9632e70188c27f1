"""The centre's periodic report: counts for a chosen period, on a page and as XLSX.

The provincial plans ask for a 6-month report (before 10 July) and a yearly one (before
30 November). For registrations received in the period: counts by each field the form
declares as counted (gender, commune, ethnicity, schooling, market, language, worked
abroad, loan: `handlers/registration/form.py`), by age band and status, and per
referrer; and the departures of the period's year (status changed to «đã xuất cảnh»,
from the audit table) against DEPARTURE_TARGET. Erased registrations keep place, market
and status; their personal answers and age show as «không rõ».
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from aiohttp import web
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard import pages as core
from dashboard.accounts import actor
from db.clock import utcnow
from db.models import AuditEvent, Referrer, Registration
from handlers.registration import form
from handlers.registration.export import vietnam_time
from handlers.registration.statuses import STATUS_LABELS
from handlers.spreadsheet import xlsx_text
from handlers.staff_input import StaffInputError, parse_date, utc_midnight

UNKNOWN = "không rõ"
AGE_BANDS = ((18, 24), (25, 29), (30, 34), (35, 39), (40, 200))
DEPARTED = "da_xuat_canh"


@dataclass
class Report:
    start: date
    end: date
    total: int = 0
    departed_year: int = 0
    target: int = 0
    tables: list[tuple[str, list[tuple[str, int]]]] = field(default_factory=list)
    referrers: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def share(self) -> str:
        if not self.target:
            return "—"
        return f"{100 * self.departed_year / self.target:.0f}%"


def age_band(age: int | None) -> str:
    if age is None:
        return UNKNOWN
    if age < AGE_BANDS[0][0]:
        return f"dưới {AGE_BANDS[0][0]}"
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}–{high}" if high < 200 else f"từ {low}"
    return UNKNOWN


def _age(registration: Registration, on: date) -> int | None:
    if registration.birth_date is not None:
        born = registration.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if registration.birth_year is not None:
        return on.year - registration.birth_year
    return None


def _counted(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


async def build(session: AsyncSession, start: date, end: date, target: int) -> Report:
    since, until = utc_midnight(start), utc_midnight(end + timedelta(days=1))
    rows = (
        await session.scalars(
            select(Registration).where(
                Registration.created_at >= since, Registration.created_at < until
            )
        )
    ).all()
    report = Report(start, end, total=len(rows), target=target)
    # A table per field the form declares as counted, then age and status.
    counted = [f for f in form.FIELDS if f.report is not None]
    by: dict[str, Counter[str]] = {
        k: Counter() for k in (*(f.label for f in counted), "Độ tuổi", "Trạng thái")
    }
    per_referrer: Counter[int] = Counter()
    departed_by_referrer: Counter[int] = Counter()
    for r in rows:
        for counted_field in counted:
            answer = counted_field.answer(r)
            assert counted_field.report is not None
            bucket = UNKNOWN if answer is None else counted_field.report(answer)
            by[counted_field.label][bucket] += 1
        by["Độ tuổi"][age_band(_age(r, end))] += 1
        by["Trạng thái"][STATUS_LABELS.get(r.status, r.status)] += 1
        if r.referrer_id is not None:
            per_referrer[r.referrer_id] += 1
            departed_by_referrer[r.referrer_id] += r.status == DEPARTED
    report.tables = [(title, _counted(counter)) for title, counter in by.items()]
    year_start, year_end = date(end.year, 1, 1), date(end.year + 1, 1, 1)
    report.departed_year = (
        await session.scalar(
            select(func.count(func.distinct(AuditEvent.registration_id))).where(
                AuditEvent.action == "status",
                AuditEvent.to_status == DEPARTED,
                AuditEvent.created_at >= utc_midnight(year_start),
                AuditEvent.created_at < utc_midnight(year_end),
            )
        )
        or 0
    )
    names = dict((await session.execute(select(Referrer.id, Referrer.name))).all())
    report.referrers = sorted(
        (
            (names.get(rid, f"#{rid}"), count, departed_by_referrer[rid])
            for rid, count in per_referrer.items()
        ),
        key=lambda item: (-item[1], item[0]),
    )
    return report


def to_xlsx(report: Report, centre: str) -> bytes:
    """The report as a workbook. Labels (communes, referrers' names…) come from people:
    every text cell is written as text, never as a formula (`handlers.spreadsheet`)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Bao cao"
    bold = Font(bold=True)

    def row(*values: str | int, font: Font | None = None) -> None:
        cells = [xlsx_text(sheet, v) if isinstance(v, str) else v for v in values]
        sheet.append(cells)
        if font is not None:
            for column in range(1, len(values) + 1):
                sheet.cell(sheet.max_row, column).font = font

    period = f"{report.start:%d/%m/%Y} – {report.end:%d/%m/%Y}"
    row(f"{centre}: báo cáo đăng ký đi làm việc ở nước ngoài, {period}")
    sheet["A1"].font = Font(bold=True, size=13)
    row("Tổng số hồ sơ đăng ký trong kỳ", report.total)
    row(f"Đã xuất cảnh năm {report.end.year}", report.departed_year)
    row(f"Chỉ tiêu năm {report.end.year}", report.target)
    row("Tỷ lệ hoàn thành", report.share)
    for title, rows in report.tables:
        sheet.append([])
        row(title, "Số hồ sơ", font=bold)
        for label, count in rows:
            row(label, count)
    sheet.append([])
    row("Người giới thiệu", "Số hồ sơ", "Đã xuất cảnh", font=bold)
    for name, count, departed in report.referrers:
        row(name, count, departed)
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 14
    sheet.column_dimensions["C"].width = 14
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/report", page)
    router.add_get("/report.xlsx", xlsx)


def _period(request: web.Request) -> tuple[date, date]:
    today = vietnam_time(utcnow()).date()  # type: ignore[union-attr]
    try:
        start = parse_date(request.query.get("from") or f"{today.year}-01-01")
        end = parse_date(request.query.get("to") or today.isoformat())
    except StaffInputError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    if end < start or (end - start).days > 3 * 366:
        raise web.HTTPBadRequest(text="Kỳ báo cáo phải từ 1 ngày đến 3 năm.")
    return start, end


async def _report(request: web.Request) -> Report:
    start, end = _period(request)
    async with request.app[core.SESSIONS]() as db:
        return await build(db, start, end, request.app[core.SETTINGS].departure_target)


async def page(request: web.Request) -> web.Response:
    report = await _report(request)
    year = report.end.year
    presets = [
        ("6 tháng đầu năm", date(year, 1, 1), date(year, 6, 30)),
        ("Cả năm", date(year, 1, 1), date(year, 12, 31)),
        ("Năm trước", date(year - 1, 1, 1), date(year - 1, 12, 31)),
    ]
    return await core.render(request, "report.html", {"report": report, "presets": presets})


async def xlsx(request: web.Request) -> web.Response:
    report = await _report(request)
    async with request.app[core.SESSIONS].begin() as db:
        db.add(
            AuditEvent(
                actor=actor(core.current(request)),
                action="report",
                note=f"{report.start:%d/%m/%Y} – {report.end:%d/%m/%Y}",
            )
        )
    name = f"bao-cao_{report.start:%Y%m%d}-{report.end:%Y%m%d}.xlsx"
    return web.Response(
        body=to_xlsx(report, request.app[core.SETTINGS].centre_name),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
