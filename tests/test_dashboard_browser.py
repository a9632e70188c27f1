"""A newcomer's first session in a real browser (Debian's Chromium, headless, via Playwright):
log in, find a registration by a name typed without diacritics, filter, open it, change its
status, export the list and open the XLSX. Screenshots go to the test's tmp_path."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from db.models import AuditEvent, OutboxMessage, Registration
from tests.dashboard_kit import PASSWORD, add_account, add_registration, base, running, sessions

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing: install Debian's chromium (`apt-get install -y "
    "chromium`; .ci/run does it) to run the browser test",
)


async def test_log_in_search_filter_change_status_and_export(tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    url = f"sqlite+aiosqlite:///{tmp_path / f'bot-{uuid.uuid4().hex[:6]}.db'}"
    shots = tmp_path / "screenshots"
    shots.mkdir()
    async with running(url, tmp_path) as server:
        await add_account(server, "canbo1")
        hoa = await add_registration(server)
        await add_registration(server, full_name="Nguyễn Văn Hòa", phone="0933333333",
                               market="Nhật Bản")  # fmt: skip
        await add_registration(server, full_name="Lò Văn Đức", phone="0987654321")
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                context = await browser.new_context(
                    accept_downloads=True,
                    viewport={"width": 1366, "height": 768},
                    locale="vi-VN",
                )
                page = await context.new_page()
                await page.goto(base(server) + "/staff/registrations")
                assert "/staff/login" in page.url
                await page.screenshot(path=shots / "1-login.png")
                await page.fill("input[name=username]", "canbo1")
                await page.fill("input[name=password]", PASSWORD)
                await page.click("button[type=submit]")
                await page.wait_for_url("**/staff/registrations")

                # A name typed without diacritics finds both «Hoà» and «Hòa».
                await page.fill("input[name=q]", "nguyen hoa")
                await page.click("form.filters button[type=submit]")
                await page.wait_for_url("**q=nguyen+hoa**")
                rows = page.locator("table.list tbody tr")
                assert await rows.count() == 2
                assert await page.locator("text=Lò Văn Đức").count() == 0
                await page.screenshot(path=shots / "2-search.png")

                # Filter by market: only the Korea applicant is left.
                await page.select_option("select[name=market]", "Hàn Quốc (EPS)")
                await page.click("form.filters button[type=submit]")
                await page.wait_for_url("**market=**")
                assert await rows.count() == 1
                assert "0912 *** 678" in await rows.first.inner_text()
                await page.screenshot(path=shots / "3-filter.png")

                await page.click(f"text={hoa.code}")
                await page.wait_for_url(f"**/staff/registrations/{hoa.id}**")
                assert await page.inner_text("#phone") == "0912345678"
                await page.select_option("#new-status", "hen_phong_van")
                await page.fill("input[name=reason]", "Đủ điều kiện dự tuyển")
                await page.click("text=Lưu trạng thái")
                await page.wait_for_selector(".flash")
                flash = await page.inner_text(".flash")
                assert "mới → hẹn phỏng vấn" in flash and "Đã báo" in flash
                await page.screenshot(path=shots / "4-status.png", full_page=True)

                await page.click("text=Về danh sách")
                await page.wait_for_url("**market=**")
                async with page.expect_download() as info:
                    await page.click("#export-xlsx")
                download = await info.value
                target = tmp_path / download.suggested_filename
                await download.save_as(target)
                await page.screenshot(path=shots / "5-list-after.png")
                # The charts are drawn by the server: SVG, no script.
                await page.click("text=Thống kê")
                await page.wait_for_url("**/staff/stats")
                assert await page.locator("svg.chart").count() == 5
                await page.screenshot(path=shots / "6-stats.png", full_page=True)
                # On a phone the list still fits: the table scrolls inside its frame.
                await page.set_viewport_size({"width": 390, "height": 844})
                await page.goto(base(server) + "/staff/registrations")
                width = await page.evaluate("document.documentElement.scrollWidth")
                assert width <= 390
                await page.screenshot(path=shots / "7-phone.png")
            finally:
                await browser.close()

        assert target.suffix == ".xlsx"
        sheet = openpyxl.load_workbook(io.BytesIO(target.read_bytes())).active
        assert sheet is not None
        rows_xlsx = list(sheet.iter_rows(values_only=True))
        assert len(rows_xlsx) == 2  # header + the filtered registration
        assert rows_xlsx[1][0] == hoa.code and rows_xlsx[1][2] == "hẹn phỏng vấn"
        assert rows_xlsx[1][6] == "0912345678"
        async with sessions(server)() as db:
            stored = await db.get(Registration, hoa.id)
            audit = (await db.scalars(select(AuditEvent.action))).all()
            notices = (
                await db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notice"))
            ).all()
        assert stored is not None and stored.status == "hen_phong_van"
        assert {"login", "view", "status", "export"} <= set(audit)
        assert len(notices) == 1
    assert len(list(shots.glob("*.png"))) == 7
