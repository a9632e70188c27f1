"""The staff dashboard over a real `serve` and database: access rules, CSRF, lockout,
search, filters, status changes, notes and exports."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import aiohttp
import openpyxl
import pytest
from sqlalchemy import select

from bot.serve import Server
from dashboard.security import CSP
from db.models import AuditEvent, OutboxMessage, Registration, StaffAccount
from tests.dashboard_kit import (
    CSRF,
    PASSWORD,
    add_account,
    add_registration,
    base,
    client,
    csrf_of,
    login,
    running,
    sessions,
)

PROTECTED_GET = [
    "/staff",
    "/staff/",
    "/staff/registrations",
    "/staff/registrations?q=nguyen",
    "/staff/registrations/1",
    "/staff/registrations/export.xlsx",
    "/staff/registrations/export.csv",
    "/staff/accounts",
    "/staff/report",
    "/staff/report.xlsx",
    "/staff/fairs",
    "/staff/fairs/new",
    "/staff/fairs/1",
    "/staff/broadcasts",
    "/staff/broadcasts/new",
    "/staff/broadcasts/1",
    "/staff/faq",
    "/staff/faq/entries",
    "/staff/stats",
]
PROTECTED_POST = [
    "/staff/logout",
    "/staff/registrations/1/status",
    "/staff/registrations/1/note",
    "/staff/accounts/1/unlock",
    "/staff/fairs/save",
    "/staff/fairs/1/cancel",
    "/staff/broadcasts/preview",
    "/staff/broadcasts/send",
    "/staff/broadcasts/1/cancel",
    "/staff/faq/variant",
    "/staff/faq/draft",
    "/staff/faq/dismiss",
]


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[Server]:
    async with running(database_url, tmp_path) as server:
        await add_account(server, "canbo1")
        await add_account(server, "quantri", role="admin")
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with client() as session:
        yield session


@pytest.fixture
async def staff(server: Server, http: aiohttp.ClientSession) -> aiohttp.ClientSession:
    response = await login(http, server, "canbo1")
    assert response.status == 302
    return http


async def get(http: aiohttp.ClientSession, server: Server, path: str) -> tuple[int, str, dict]:
    async with http.get(base(server) + path, allow_redirects=False) as response:
        return response.status, await response.text(), dict(response.headers)


async def post(
    http: aiohttp.ClientSession, server: Server, path: str, data: dict[str, str], csrf: bool = True
) -> tuple[int, str, dict]:
    if csrf:
        data = {"csrf": await csrf_of(http, base(server) + "/staff/registrations"), **data}
    async with http.post(base(server) + path, data=data, allow_redirects=False) as response:
        return response.status, await response.text(), dict(response.headers)


async def events(server: Server, action: str) -> list[AuditEvent]:
    async with sessions(server)() as db:
        rows = await db.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return list(rows.all())


# --- access ---------------------------------------------------------------------------
async def test_every_page_without_a_session_goes_to_the_login_page(
    server: Server, http: aiohttp.ClientSession
) -> None:
    for path in PROTECTED_GET:
        status, _, headers = await get(http, server, path)
        assert status == 302, path
        assert headers["Location"].startswith("/staff/login?next="), path
        assert headers["X-Frame-Options"] == "DENY"


async def test_every_post_without_a_session_goes_to_the_login_page(
    server: Server, http: aiohttp.ClientSession
) -> None:
    for path in PROTECTED_POST:
        async with http.post(
            base(server) + path, data={"csrf": "x"}, allow_redirects=False
        ) as response:
            assert response.status == 302, path
            assert response.headers["Location"].startswith("/staff/login"), path


async def test_the_bot_routes_still_answer_beside_the_dashboard(
    server: Server, http: aiohttp.ClientSession
) -> None:
    assert (await get(http, server, "/healthz"))[0] == 200
    assert (await get(http, server, "/readyz"))[0] == 200
    status, body, headers = await get(http, server, "/staff/static/style.css")
    assert status == 200 and "table.list" in body and headers["X-Content-Type-Options"] == "nosniff"


async def test_login_sets_a_protected_cookie_and_every_page_has_security_headers(
    server: Server, http: aiohttp.ClientSession
) -> None:
    status, page, headers = await get(http, server, "/staff/login")
    assert status == 200 and "Đăng nhập" in page
    assert headers["Content-Security-Policy"] == CSP and "'unsafe-inline'" not in CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    response = await login(http, server, "canbo1")
    assert response.status == 302 and response.headers["Location"] == "/staff/registrations"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/staff" in cookie
    status, page, _ = await get(http, server, "/staff/registrations")
    assert status == 200 and "canbo1" in page
    assert [e.actor for e in await events(server, "login")] == ["web:canbo1"]


async def test_login_goes_back_to_the_page_asked_for_but_never_to_another_site(
    server: Server, http: aiohttp.ClientSession
) -> None:
    token = await csrf_of(http, base(server) + "/staff/login")
    for target, expected in [
        ("/staff/registrations?status=moi", "/staff/registrations?status=moi"),
        ("//evil.example/staff/", "/staff/registrations"),
        ("https://evil.example/", "/staff/registrations"),
    ]:
        async with http.post(
            base(server) + "/staff/login",
            data={"csrf": token, "username": "canbo1", "password": PASSWORD, "next": target},
            allow_redirects=False,
        ) as response:
            assert response.headers["Location"] == expected
        token = await csrf_of(http, base(server) + "/staff/registrations")


async def test_wrong_passwords_lock_the_account_and_an_admin_unlocks_it(
    server: Server, http: aiohttp.ClientSession
) -> None:
    for _ in range(4):
        response = await login(http, server, "canbo1", "sai-mat-khau-roi")
        assert response.status == 401
    response = await login(http, server, "canbo1", "sai-mat-khau-roi")
    assert response.status == 401
    # Locked: even the right password is refused, with the answer every failed login
    # gets (it mentions locks), so a lock does not tell that the account exists.
    answers = []
    for username in ("canbo1", "nobody"):
        async with client() as other:
            token = await csrf_of(other, base(server) + "/staff/login")
            async with other.post(
                base(server) + "/staff/login",
                data={"csrf": token, "username": username, "password": PASSWORD},
                allow_redirects=False,
            ) as answer:
                assert answer.status == 401
                page = CSRF.sub("", await answer.text())  # each client has its own token
                answers.append(page.replace(username, "NAME"))
    assert answers[0] == answers[1] and "tạm khoá" in answers[0]
    assert len(await events(server, "login_failed")) == 4 + 1 + 1  # the locked try, "nobody"
    assert len(await events(server, "login_locked")) == 1

    async with client() as admin:
        assert (await login(admin, server, "quantri")).status == 302
        status, page, _ = await get(admin, server, "/staff/accounts")
        assert status == 200 and "tạm khoá" in page
        async with sessions(server)() as db:
            locked = await db.scalar(select(StaffAccount).where(StaffAccount.username == "canbo1"))
        assert locked is not None
        status, _, _ = await post(admin, server, f"/staff/accounts/{locked.id}/unlock", {})
        assert status == 302
    assert (await login(http, server, "canbo1")).status == 302


async def test_staff_cannot_open_admin_pages(server: Server, staff: aiohttp.ClientSession) -> None:
    assert (await get(staff, server, "/staff/accounts"))[0] == 403
    assert (await post(staff, server, "/staff/accounts/1/unlock", {}))[0] == 403


async def test_a_post_without_the_csrf_token_is_refused(
    server: Server, staff: aiohttp.ClientSession
) -> None:
    registration = await add_registration(server)
    path = f"/staff/registrations/{registration.id}"
    for data in ({"status": "da_lien_he"}, {"status": "da_lien_he", "csrf": "forged"}):
        assert (await post(staff, server, path + "/status", data, csrf=False))[0] == 403
    assert (await post(staff, server, path + "/note", {"note": "x"}, csrf=False))[0] == 403
    assert (await post(staff, server, "/staff/logout", {}, csrf=False))[0] == 403
    async with client() as fresh:
        async with fresh.post(
            base(server) + "/staff/login",
            data={"username": "canbo1", "password": PASSWORD},
            allow_redirects=False,
        ) as response:
            assert response.status == 403
    async with sessions(server)() as db:
        stored = await db.get(Registration, registration.id)
    assert stored is not None and stored.status == "moi"
    assert await events(server, "note") == []


async def test_logout_ends_the_session(server: Server, staff: aiohttp.ClientSession) -> None:
    status, _, headers = await post(staff, server, "/staff/logout", {})
    assert status == 302 and headers["Location"] == "/staff/login"
    assert (await get(staff, server, "/staff/registrations"))[0] == 302


async def test_a_disabled_account_loses_its_session(
    server: Server, staff: aiohttp.ClientSession
) -> None:
    from dashboard import accounts

    async with sessions(server).begin() as db:
        await accounts.set_disabled(db, "canbo1", True, "test")
    assert (await get(staff, server, "/staff/registrations"))[0] == 302
    assert (await login(staff, server, "canbo1")).status == 401


async def test_a_new_password_ends_the_old_sessions(
    server: Server, staff: aiohttp.ClientSession
) -> None:
    from dashboard import accounts

    assert (await get(staff, server, "/staff/registrations"))[0] == 200
    async with sessions(server).begin() as db:
        await accounts.set_password(db, "canbo1", "mat-khau-moi-hon", "test")
    assert (await get(staff, server, "/staff/registrations"))[0] == 302
    assert (await login(staff, server, "canbo1", "mat-khau-moi-hon")).status == 302
    assert (await get(staff, server, "/staff/registrations"))[0] == 200


# --- registrations --------------------------------------------------------------------
async def test_search_without_diacritics_by_name_phone_and_code(
    server: Server, staff: aiohttp.ClientSession
) -> None:
    hoa = await add_registration(server)
    await add_registration(server, full_name="Lò Văn Đức", phone="0987654321")
    for query in ("nguyen thi hoa", "NGUYEN hoa", "Nguyễn Thị Hoà", "0912345", hoa.code.lower()):
        status, page, _ = await get(staff, server, f"/staff/registrations?q={query}")
        assert status == 200, query
        assert "Nguyễn Thị Hoà" in page and "Lò Văn Đức" not in page, query
    status, page, _ = await get(staff, server, "/staff/registrations?q=duc")
    assert "Lò Văn Đức" in page and "Nguyễn Thị Hoà" not in page
    # The list masks phone numbers; the detail page shows them in full.
    assert "0912345678" not in page and "0987 *** 321" in page
    status, page, _ = await get(staff, server, f"/staff/registrations/{hoa.id}")
    assert status == 200 and "0912345678" in page
    assert [e.registration_id for e in await events(server, "view")] == [hoa.id]
    status, page, _ = await get(staff, server, "/staff/registrations?q=100%25_")
    assert status == 200 and "Không có hồ sơ nào" in page


async def test_filters_sorting_and_paging(server: Server, staff: aiohttp.ClientSession) -> None:
    await add_registration(server, full_name="An Một", created_at=datetime(2026, 3, 1, 3))
    await add_registration(
        server, full_name="Bình Hai", market="Nhật Bản", created_at=datetime(2026, 3, 5, 3)
    )
    await add_registration(
        server, full_name="Chi Ba", commune_name="Xã Y Tý", status="hen_phong_van",
        created_at=datetime(2026, 4, 1, 3),
    )  # fmt: skip
    cases = {
        "status=hen_phong_van": {"Chi Ba"},
        "market=Nh%E1%BA%ADt+B%E1%BA%A3n": {"Bình Hai"},
        "commune=X%C3%A3+Y+T%C3%BD": {"Chi Ba"},
        "from=2026-03-02&to=2026-03-31": {"Bình Hai"},
        "to=01/03/2026": {"An Một"},
        "province=T%E1%BB%89nh+L%C3%A0o+Cai": {"An Một", "Bình Hai", "Chi Ba"},
    }
    names = {"An Một", "Bình Hai", "Chi Ba"}
    for query, expected in cases.items():
        status, page, _ = await get(staff, server, f"/staff/registrations?{query}")
        assert status == 200, query
        assert {n for n in names if n in page} == expected, query
    _, page, _ = await get(staff, server, "/staff/registrations?sort=name&order=asc")
    assert page.index("An Một") < page.index("Bình Hai") < page.index("Chi Ba")
    _, page, _ = await get(staff, server, "/staff/registrations")
    assert page.index("Chi Ba") < page.index("Bình Hai") < page.index("An Một")
    _, page, _ = await get(staff, server, "/staff/registrations?page=2")
    assert "Không có hồ sơ nào" in page


BAD_FILTERS = [
    "page=0",
    "page=abc",
    "page=99999999999999999999",
    "status=bogus",
    "sort=password_hash",
    "order=sideways",
    "from=31/02/2026",
    "from=2026-05-01&to=2026-04-01",
    "q=" + "a" * 101,
]


async def test_bad_filters_get_400_never_500(server: Server, staff: aiohttp.ClientSession) -> None:
    for query in BAD_FILTERS:
        for path in ("/staff/registrations", "/staff/registrations/export.xlsx"):
            status, body, _ = await get(staff, server, f"{path}?{query}")
            assert status == 400, (path, query)
            assert "bộ lọc" in body


async def test_unknown_registrations_and_bad_forms_are_4xx(
    server: Server, staff: aiohttp.ClientSession
) -> None:
    registration = await add_registration(server)
    assert (await get(staff, server, "/staff/registrations/999999"))[0] == 404
    assert (await get(staff, server, "/staff/registrations/abc"))[0] == 404
    assert (await get(staff, server, "/staff/registrations/export.pdf"))[0] == 404
    assert (await post(staff, server, "/staff/registrations/999999/note", {"note": "x"}))[0] == 404
    path = f"/staff/registrations/{registration.id}/status"
    assert (await post(staff, server, path, {"status": "bogus"}))[0] == 400
    assert (await post(staff, server, path, {}))[0] == 400


async def test_status_change_is_audited_and_the_applicant_is_told_through_the_outbox(
    server: Server, staff: aiohttp.ClientSession
) -> None:
    registration = await add_registration(server)
    path = f"/staff/registrations/{registration.id}"
    status, _, headers = await post(
        staff, server, path + "/status", {"status": "hen_phong_van", "reason": "đủ điều kiện"}
    )
    assert status == 302 and headers["Location"] == path
    _, page, _ = await get(staff, server, path)
    assert "mới → hẹn phỏng vấn" in page and "Đã báo cho người lao động" in page
    assert "đủ điều kiện" in page and "web:canbo1" in page
    async with sessions(server)() as db:
        stored = await db.get(Registration, registration.id)
        notices = (
            await db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notice"))
        ).all()
    assert stored is not None and stored.status == "hen_phong_van"
    assert len(notices) == 1 and notices[0].user_id == registration.user_id
    assert registration.code in notices[0].payload["reply"]["text"]
    assert "phỏng vấn" in notices[0].payload["reply"]["text"]
    [event] = await events(server, "status")
    assert (event.actor, event.from_status, event.to_status) == (
        "web:canbo1",
        "moi",
        "hen_phong_van",
    )
    # The same status again changes nothing and tells nobody twice.
    await post(staff, server, path + "/status", {"status": "hen_phong_van"})
    _, page, _ = await get(staff, server, path)
    assert "đã ở trạng thái" in page
    assert len(await events(server, "status")) == 1
    # «Đã liên hệ» is not announced to the applicant.
    await post(staff, server, path + "/status", {"status": "da_lien_he"})
    async with sessions(server)() as db:
        count = len(
            (await db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notice"))).all()
        )
    assert count == 1


async def test_an_erased_registration_cannot_change_status(
    server: Server, staff: aiohttp.ClientSession
) -> None:
    registration = await add_registration(server, anonymised_at=datetime(2026, 1, 1))
    path = f"/staff/registrations/{registration.id}"
    await post(staff, server, path + "/status", {"status": "da_lien_he"})
    _, page, _ = await get(staff, server, path)
    assert "không đổi được" in page and await events(server, "status") == []


async def test_notes_are_kept_in_the_history(server: Server, staff: aiohttp.ClientSession) -> None:
    registration = await add_registration(server)
    path = f"/staff/registrations/{registration.id}"
    await post(staff, server, path + "/note", {"note": "Gọi lại <b>thứ Hai</b>"})
    await post(staff, server, path + "/note", {"note": "   "})
    _, page, _ = await get(staff, server, path)
    assert "Gọi lại &lt;b&gt;thứ Hai&lt;/b&gt;" in page  # escaped, never HTML
    assert [e.note for e in await events(server, "note")] == ["Gọi lại <b>thứ Hai</b>"]


async def test_export_of_the_current_filter_as_xlsx_and_csv(
    server: Server, staff: aiohttp.ClientSession
) -> None:
    await add_registration(server, full_name="Nguyễn Văn An", phone="0911111111")
    await add_registration(server, full_name="Trần Thị Bình", phone="0922222222")
    async with staff.get(base(server) + "/staff/registrations/export.xlsx?q=nguyen") as response:
        assert response.status == 200
        assert "attachment" in response.headers["Content-Disposition"]
        data = await response.read()
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Mã hồ sơ" and len(rows) == 2
    assert "Nguyễn Văn An" in rows[1] and "0911111111" in rows[1]
    async with staff.get(base(server) + "/staff/registrations/export.csv") as response:
        text = (await response.read()).decode("utf-8-sig")
    names = {row[3] for row in list(csv.reader(io.StringIO(text)))[1:]}
    assert names == {"Nguyễn Văn An", "Trần Thị Bình"}
    exports = await events(server, "export")
    assert [e.actor for e in exports] == ["web:canbo1", "web:canbo1"]
    assert exports[0].note is not None and exports[0].note.startswith("1 hồ sơ; q=nguyen")


# --- report ---------------------------------------------------------------------------
async def test_periodic_report_counts_and_departures_against_the_target(
    server: Server, staff: aiohttp.ClientSession
) -> None:
    from datetime import date

    await add_registration(server, birth_date=date(2000, 6, 1), gender="Nam", ethnicity="Mông")
    await add_registration(server, birth_year=1980, commune_name="Xã Y Tý")
    gone = await add_registration(server, birth_year=2004)
    await add_registration(server, created_at=datetime(2020, 1, 1))  # outside the period
    await post(staff, server, f"/staff/registrations/{gone.id}/status", {"status": "da_xuat_canh"})
    today = datetime.now().date()
    period = f"from={today.year}-01-01&to={today.year}-12-31"
    status, page, _ = await get(staff, server, f"/staff/report?{period}")
    assert status == 200
    assert '<td class="n" id="departed">1</td>' in page and '<td class="n">350</td>' in page
    for label in ("Xã Y Tý", "Mông", "từ 40", "18–24", "25–29", "Hàn Quốc (EPS)", "đã xuất cảnh"):
        assert label in page, label
    async with staff.get(base(server) + f"/staff/report.xlsx?{period}") as response:
        assert response.status == 200
        data = await response.read()
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["Tổng số hồ sơ đăng ký trong kỳ"] == 3
    assert values[f"Đã xuất cảnh năm {today.year}"] == 1
    assert values["Xã Y Tý"] == 1 and values["Mông"] == 1
    assert [e.action for e in await events(server, "report")] == ["report"]
    bad_periods = (
        "from=2026-13-01",
        "from=2026-05-01&to=2026-04-01",
        "from=2000-01-01&to=2026-01-01",
    )
    for bad in bad_periods:
        assert (await get(staff, server, f"/staff/report?{bad}"))[0] == 400, bad


# --- job fairs and broadcasts ---------------------------------------------------------
async def test_fairs_are_created_checked_edited_and_cancelled(
    server: Server, staff: aiohttp.ClientSession
) -> None:
    from db.models import JobFair

    form = {
        "title": "Phiên tháng 12",
        "starts_at": "15/12/2026 08:00",
        "province": "Lào Cai",
        "commune": "Bát Xát",
        "address": "Nhà văn hoá xã",
    }
    status, body, _ = await post(staff, server, "/staff/fairs/save", {**form, "starts_at": "mai"})
    assert status == 400 and "Thời gian ghi như 15/12/2026 08:00" in body
    status, _, headers = await post(
        staff, server, "/staff/fairs/save", {**form, "markets": "kr_eps"}
    )
    assert status == 302 and headers["Location"] == "/staff/fairs"
    async with sessions(server)() as db:
        [fair] = (await db.scalars(select(JobFair))).all()
    assert fair.commune_name == "Xã Bát Xát" and fair.markets == ["kr_eps"]
    assert fair.starts_at == datetime(2026, 12, 15, 1, 0)  # 08:00 in Vietnam, stored UTC
    status, page, _ = await get(staff, server, f"/staff/fairs/{fair.id}")
    assert status == 200 and 'value="15/12/2026 08:00"' in page
    bad_edit = {**form, "id": str(fair.id), "title": "Đổi tên", "commune": "Không Có Xã Này"}
    assert (await post(staff, server, "/staff/fairs/save", bad_edit))[0] == 400
    edit = {
        **form,
        "id": str(fair.id),
        "title": "Phiên tháng 12 (đổi giờ)",
        "starts_at": "16/12/2026 09:00",
    }
    assert (await post(staff, server, "/staff/fairs/save", edit))[0] == 302
    await post(staff, server, f"/staff/fairs/{fair.id}/cancel", {})
    async with sessions(server)() as db:
        stored = await db.get(JobFair, fair.id)
    assert stored is not None and stored.title == "Phiên tháng 12 (đổi giờ)"
    assert stored.commune_name == "Xã Bát Xát" and stored.markets == []
    assert stored.cancelled_at is not None
    assert (await post(staff, server, "/staff/fairs/save", {**form, "id": "999"}))[0] == 404
    actions = [e.action for e in await events(server, "fair_add")]
    assert actions == ["fair_add"] and len(await events(server, "fair_cancel")) == 1


async def test_broadcast_preview_counts_exactly_then_sends_and_shows_progress(
    server: Server, staff: aiohttp.ClientSession
) -> None:
    from db.models import Broadcast, BroadcastRecipient, User

    async with sessions(server).begin() as db:
        for n, (opted, province) in enumerate(
            [(True, "Tỉnh Lào Cai"), (True, "Tỉnh Lào Cai"), (False, "Tỉnh Lào Cai"),
             (True, "Tỉnh Lai Châu"), (None, "Tỉnh Lào Cai")]
        ):  # fmt: skip
            db.add(User(channel="test", external_id=f"n{n}", news_opt_in=opted,
                        province_name=province))  # fmt: skip
    text = "Phiên giao dịch việc làm ngày 15/12 tại Bát Xát."
    audience = {"text": text, "provinces": "Tỉnh Lào Cai"}
    status, page, _ = await post(staff, server, "/staff/broadcasts/preview", audience)
    assert status == 200 and "Sẽ gửi tới <b>2</b> người" in page
    status, page, _ = await post(staff, server, "/staff/broadcasts/preview", {"text": text})
    assert "Sẽ gửi tới <b>3</b> người" in page
    assert (await post(staff, server, "/staff/broadcasts/preview", {"text": "  "}))[0] == 400
    status, _, headers = await post(staff, server, "/staff/broadcasts/send", audience)
    assert status == 302
    async with sessions(server)() as db:
        [broadcast] = (await db.scalars(select(Broadcast))).all()
        recipients = (await db.scalars(select(BroadcastRecipient))).all()
    assert headers["Location"] == f"/staff/broadcasts/{broadcast.id}"
    assert broadcast.text == text and broadcast.created_by == "web:canbo1"
    assert broadcast.audience["provinces"] == ["Tỉnh Lào Cai"] and len(recipients) == 2
    status, page, _ = await get(staff, server, f"/staff/broadcasts/{broadcast.id}")
    assert status == 200 and "<b>2</b>" in page
    status, page, _ = await get(staff, server, "/staff/broadcasts")
    assert f"#{broadcast.id}" in page
    await post(staff, server, f"/staff/broadcasts/{broadcast.id}/cancel", {})
    status, page, _ = await get(staff, server, f"/staff/broadcasts/{broadcast.id}")
    assert "Đã huỷ thông báo" in page
    assert (await get(staff, server, "/staff/broadcasts/999"))[0] == 404
    assert [e.action for e in await events(server, "broadcast")] == ["broadcast"]


# --- FAQ care and statistics ----------------------------------------------------------
async def test_faq_misses_are_grouped_counted_and_matched_to_the_closest_entry(
    server: Server, staff: aiohttp.ClientSession
) -> None:
    from db.models import FaqMiss

    texts = ["di han quoc mat bao lau", "Đi Hàn Quốc mất bao lâu?", "di han quoc mat bao lau",
             "con bò nhà em ốm"]  # fmt: skip
    async with sessions(server).begin() as db:
        for text in texts:
            db.add(FaqMiss(channel="test", text=text, kind="none"))
        db.add(FaqMiss(channel="test", text="chuyện cũ", kind="none",
                       created_at=datetime(2020, 1, 1)))  # fmt: skip
    status, page, _ = await get(staff, server, "/staff/faq?days=30")
    assert status == 200
    assert "4 câu trong 30 ngày (0 đã xử lý), 2 nhóm chưa xử lý" in page
    rows = page.split("<tbody>")[1].split("</tr>")
    assert rows[0].strip().startswith('<tr><td>3</td><td class="wrap">di han quoc mat bao lau')
    assert "selected>eps_" in rows[0]  # the closest entry of the Korea topic comes first
    assert "chuyện cũ" not in page
    assert (await get(staff, server, "/staff/faq?days=2"))[0] == 400
    status, page, _ = await get(staff, server, "/staff/faq/entries")
    assert status == 200 and "Hàn Quốc (EPS)" in page and "eps_conditions" in page
    assert "23/11/2025" in page


async def test_statistics_are_server_side_svg(server: Server, staff: aiohttp.ClientSession) -> None:
    await add_registration(server, commune_name="Xã Y Tý <script>")
    await add_registration(server, market="Nhật Bản")
    status, page, headers = await get(staff, server, "/staff/stats")
    assert status == 200 and page.count("<svg") == 5
    assert "Xã Y Tý &lt;script&gt;" in page and "<script" not in page
    assert "Nhật Bản" in page and "mới" in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]


async def test_the_applicant_receives_the_notice_on_telegram(
    database_url: str, tmp_path: Path, fake_telegram: object
) -> None:
    """End to end: a status changed in the browser reaches the worker's Telegram chat
    through the outbox, like a press of the staff chat's button."""
    from db.models import User
    from tests.fakes.telegram_api import FakeTelegram

    fake = fake_telegram
    assert isinstance(fake, FakeTelegram)
    extra = {"telegram_bot_token": fake.token, "telegram_api_base_url": fake.base_url}
    async with running(database_url, tmp_path, **extra) as server:
        await add_account(server, "canbo1")
        registration = await add_registration(server)
        async with sessions(server).begin() as db:
            applicant = await db.get(User, registration.user_id)
            assert applicant is not None
            applicant.channel, applicant.external_id = "telegram", "5551"
        async with client() as http:
            await login(http, server, "canbo1")
            path = f"/staff/registrations/{registration.id}/status"
            await post(http, server, path, {"status": "khong_phu_hop", "reason": "chưa đủ tuổi"})
        [notice] = await fake.wait_sent(5551, 1)
        assert registration.code in notice.text and "Lý do: chưa đủ tuổi." in notice.text
