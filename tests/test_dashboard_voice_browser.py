"""Spoken answers in a real browser (Debian's Chromium, headless, via Playwright): from
the recordings page to an entry, upload a WAV file, the player loads it (its length read
by the browser, under the page's CSP), then delete it. Skipped without Chromium."""

from __future__ import annotations

import uuid
from pathlib import Path

from db import recordings
from tests.dashboard_kit import PASSWORD, add_account, base, running, sessions
from tests.test_dashboard_browser import ARGS, CHROMIUM, pytestmark
from tests.voice_kit import wav

__all__ = ["pytestmark"]

PLAYER = "#recordings tr[data-language=hmn] audio"
DURATION = """el => new Promise((resolve, reject) => {
    el.addEventListener('loadedmetadata', () => resolve(el.duration));
    el.addEventListener('error', () => reject(new Error('media error ' + el.error?.code)));
    el.preload = 'auto';
    el.load();
})"""


async def test_upload_listen_delete_in_a_browser(tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    url = f"sqlite+aiosqlite:///{tmp_path / f'bot-{uuid.uuid4().hex[:6]}.db'}"
    audio = tmp_path / "tra-loi-hmong.wav"
    audio.write_bytes(wav(2.0))
    shots = tmp_path / "screenshots"
    shots.mkdir()
    async with running(url, tmp_path, voice_languages="vi, hmn, dao, tay") as server:
        await add_account(server, "canbo1")
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                page = await browser.new_page(locale="vi-VN")
                await page.goto(base(server) + "/staff/faq/recordings")
                await page.fill("input[name=username]", "canbo1")
                await page.fill("input[name=password]", PASSWORD)
                await page.click("button[type=submit]")
                await page.wait_for_url("**/staff/faq/recordings")
                await page.click("text=eps_cost")
                await page.wait_for_url("**/staff/faq/entries/eps_cost")
                await page.select_option("select[name=language]", "hmn")
                await page.set_input_files("input[name=audio]", str(audio))
                await page.click("form.upload button[type=submit]")
                await page.wait_for_selector(".flash")
                assert "Đã lưu bản ghi âm Tiếng H'Mông" in await page.inner_text(".flash")
                await page.screenshot(path=shots / "1-uploaded.png", full_page=True)
                # Listen: the browser fetches and decodes it under the page's CSP.
                seconds = await page.eval_on_selector(PLAYER, DURATION)
                assert abs(seconds - 2.0) < 0.1
                await page.click("#recordings tr[data-language=hmn] button.delete")
                await page.wait_for_selector(".flash")
                assert "Đã xoá bản ghi âm Tiếng H'Mông" in await page.inner_text(".flash")
                assert await page.locator(PLAYER).count() == 0
                await page.screenshot(path=shots / "2-deleted.png", full_page=True)
            finally:
                await browser.close()
        async with sessions(server)() as db:
            assert await recordings.get(db, "eps_cost", "hmn") is None
