"""Spoken answers on the dashboard, over HTTP: the entry's page (upload, listen,
replace, delete), refusals in words (not audio, too large), and the page of which
entries have a recording in which language, most-asked first."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from db import recordings
from tests.dashboard_kit import add_account, base, client, csrf_of, login, running, sessions
from tests.voice_kit import MP3, PDF, opus

LANGUAGES = "vi, hmn, dao, tay"


async def post_audio(
    http: aiohttp.ClientSession, url: str, data: bytes, language: str, name: str = "a.ogg"
) -> tuple[int, str]:
    token = await csrf_of(http, url)
    form = aiohttp.FormData()
    form.add_field("csrf", token)
    form.add_field("language", language)
    form.add_field("audio", data, filename=name, content_type="application/octet-stream")
    async with http.post(url + "/recording", data=form) as response:
        return response.status, await response.text()


async def test_upload_listen_replace_delete(database_url: str, tmp_path: Path) -> None:
    async with running(database_url, tmp_path, voice_languages=LANGUAGES) as server:
        await add_account(server, "canbo1")
        async with client() as http:
            await login(http, server, "canbo1")
            page = base(server) + "/staff/faq/entries/eps_cost"
            data = opus(20)
            status, text = await post_audio(http, page, data, "hmn")
            assert status == 200 and "✓ Đã lưu bản ghi âm Tiếng H&#39;Mông." in text
            assert 'src="/staff/faq/entries/eps_cost/audio/hmn"' in text and "20 giây" in text
            async with http.get(page + "/audio/hmn") as response:
                assert response.status == 200 and await response.read() == data
                assert response.content_type == "audio/ogg"
            # The page lets the browser play our own audio (CSP media-src 'self').
            async with http.get(page) as response:
                assert "media-src 'self'" in response.headers["Content-Security-Policy"]
            status, text = await post_audio(http, page, MP3, "hmn", "b.mp3")
            assert "✓ Đã thay bản ghi âm Tiếng H&#39;Mông." in text
            async with sessions(server)() as db:
                row = await recordings.get(db, "eps_cost", "hmn")
                assert row is not None and row.source == "web" and row.mime_type == "audio/mpeg"
                assert row.recorded_by == "web:canbo1"

            # Refused, in words: not audio; too large (the body limit of the upload).
            status, text = await post_audio(http, page, PDF, "dao", "x.pdf")
            assert status == 200 and "Chưa lưu: Tệp này không phải âm thanh" in text
            status, text = await post_audio(http, page, opus(5, padding=2_100_000), "dao")
            assert status == 200 and "Chưa lưu: Tệp âm thanh quá lớn. Tối đa 2 MB." in text
            status, text = await post_audio(http, page, opus(5, padding=3_000_000), "dao")
            assert status == 413 and text == "Tệp quá lớn. Hãy chọn tệp nhỏ hơn."
            # A language not offered, an entry that does not exist: 4xx, never 500.
            status, _ = await post_audio(http, page, opus(2), "xx")
            assert status == 400
            async with http.get(base(server) + "/staff/faq/entries/khong_co") as response:
                assert response.status == 404

            # Delete.
            token = await csrf_of(http, page)
            async with http.post(page + "/recording/hmn/delete", data={"csrf": token}) as response:
                assert "Đã xoá bản ghi âm Tiếng H&#39;Mông." in await response.text()
            async with http.get(page + "/audio/hmn") as response:
                assert response.status == 404


async def test_coverage_lists_the_most_asked_first(database_url: str, tmp_path: Path) -> None:
    async with running(database_url, tmp_path, voice_languages=LANGUAGES) as server:
        await add_account(server, "canbo1")
        async with sessions(server).begin() as db:
            await recordings.count_answered(db, ["eps_topik", "eps_topik", "loan_amount"])
            await recordings.count_answered(db, ["eps_topik"])
            audio = recordings.Audio(opus(3), "audio/ogg", 3)
            await recordings.save(db, "loan_amount", "dao", audio, "test")
        async with client() as http:
            await login(http, server, "canbo1")
            async with http.get(base(server) + "/staff/faq/recordings") as response:
                text = await response.text()
        assert text.index("eps_topik") < text.index("loan_amount") < text.index("eps_cost")
        loan_row = text[text.index("<code>loan_amount") :].split("</tr>")[0]
        assert loan_row.count("✅") == 1 and "<td>1</td>" in loan_row
        assert 'id="orphans"' not in text

        # A recording of an entry the content no longer has: listed, and deleted there.
        async with sessions(server).begin() as db:
            await recordings.save(db, "da_bo", "vi", audio, "test")
        async with client() as http:
            await login(http, server, "canbo1")
            page = base(server) + "/staff/faq/recordings"
            token = await csrf_of(http, page)
            async with http.get(page) as response:
                assert "<code>da_bo</code>" in await response.text()
            async with http.post(
                base(server) + "/staff/faq/entries/da_bo/recording/vi/delete",
                data={"csrf": token},
            ) as response:
                text = await response.text()
        assert "Đã xoá bản ghi âm Tiếng Việt." in text and "da_bo" not in text
