"""FAQ care on the dashboard, over a real `serve` and database: a question workers asked
and the assistant missed becomes a new way of asking an entry (the content file gets
one line, the running FAQ reloads, the next worker gets the answer), or a draft entry,
or is dismissed; misses are counted per day; bad input is refused with 4xx; and
`python -m bot faq misses --export` writes them for review."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import openpyxl
import pytest
from sqlalchemy import select

from bot.serve import Server
from db.clock import utcnow
from db.models import AuditEvent, FaqMiss
from faq.content import check_content
from faq.service import FaqService
from handlers.faq_flow import respond
from handlers.registration.export import vietnam_time
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.dashboard_kit import add_account, base, client, csrf_of, login, running, sessions
from tests.transcript import Transcript

ROOT = Path(__file__).resolve().parents[1]
# A worker's words: a question the sample content does not answer, with a phone number.
ASKED = "ngân hàng có bắt cầm sổ đỏ không ạ, sdt em 0912 345 678"
QUESTION = "ngân hàng có bắt cầm sổ đỏ không ạ"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    directory = tmp_path / "content"
    shutil.copytree(FIXTURE_FAQ, directory)
    return directory


@pytest.fixture
async def server(database_url: str, tmp_path: Path, content: Path) -> AsyncIterator[Server]:
    async with running(database_url, tmp_path, FaqService(content)) as server:
        await add_account(server, "canbo1")
        yield server


@pytest.fixture
async def staff(server: Server) -> AsyncIterator[aiohttp.ClientSession]:
    async with client() as http:
        assert (await login(http, server, "canbo1")).status == 302
        yield http


async def page(http: aiohttp.ClientSession, server: Server, path: str = "/staff/faq") -> str:
    async with http.get(base(server) + path, allow_redirects=False) as response:
        assert response.status == 200
        return await response.text()


async def post(
    http: aiohttp.ClientSession, server: Server, path: str, data: dict[str, str]
) -> tuple[int, str, str]:
    data = {"csrf": await csrf_of(http, base(server) + "/staff/faq"), **data}
    async with http.post(base(server) + path, data=data, allow_redirects=False) as response:
        return response.status, await response.text(), response.headers.get("Location", "")


async def add_misses(server: Server, *texts: str, days_ago: int = 0) -> list[int]:
    async with sessions(server).begin() as db:
        rows = [
            FaqMiss(
                channel="telegram",
                text=text,
                kind="none",
                created_at=utcnow() - timedelta(days=days_ago),
            )
            for text in texts
        ]
        db.add_all(rows)
        await db.flush()
        return [row.id for row in rows]


def snapshot(content: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in content.glob("*.yaml")}


def cli(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def live_faq(server: Server) -> FaqService:
    assert server.runtime is not None and server.runtime.inbox.faq is not None
    return server.runtime.inbox.faq


async def test_a_missed_question_becomes_a_new_variant_and_is_answered_afterwards(
    server: Server, staff: aiohttp.ClientSession, content: Path
) -> None:
    settings = server.settings
    before = respond(live_faq(server), settings, QUESTION)
    assert before.kind != "answer"
    [first, *_] = await add_misses(server, ASKED, ASKED.upper(), ASKED)
    await add_misses(server, "con bò nhà em ốm")
    shown = await page(staff, server)
    row = shown.split("<tbody>")[1].split("</tr>")[0].strip()
    assert row.startswith("<tr><td>3</td>")
    # The proposal leaves the phone number out and says so.
    proposal = f"{QUESTION}, sdt em"
    assert f'name="text" value="{proposal}"' in row and "đã bỏ số điện thoại" in row
    original = (content / "loans.yaml").read_text(encoding="utf-8")

    status, _, location = await post(
        staff,
        server,
        "/staff/faq/variant",
        {
            "miss": str(first),
            "text": QUESTION,
            "entry": "eps_cost",
            "other": "loan_collateral",
            "days": "7",
        },
    )
    assert (status, location) == (302, "/staff/faq?days=7")

    # The file has exactly one more line; everything else is as the editor left it.
    edited = (content / "loans.yaml").read_text(encoding="utf-8")
    added = [line for line in edited.splitlines() if line not in original.splitlines()]
    assert added == [f'      - "{QUESTION}"']
    assert len(edited.splitlines()) == len(original.splitlines()) + 1
    assert check_content(content) == []
    # The running assistant answers it now, and a worker asking it gets the answer.
    after = respond(live_faq(server), settings, QUESTION)
    assert (after.kind, after.entry_id) == ("answer", "loan_collateral")
    chat = await Transcript.open(make_settings(settings.database_url), FaqService(content))
    try:
        [answer] = await chat.say("Ngân hàng có bắt cầm sổ đỏ không ạ?")
        assert "không cần tài sản bảo đảm" in answer.text
    finally:
        await chat.close()

    shown = await page(staff, server, "/staff/faq?days=7")
    assert "Đã thêm câu «ngân hàng có bắt cầm sổ đỏ không ạ» vào mục loan_collateral" in shown
    assert "3 câu hỏi được đánh dấu đã xử lý" in shown and "Trợ lý đã dùng nội dung mới" in shown
    assert "4 câu trong 7 ngày (3 đã xử lý), 1 nhóm chưa xử lý" in shown
    assert "sổ đỏ" not in shown.split("<tbody>")[1]
    async with sessions(server)() as db:
        misses = (await db.scalars(select(FaqMiss).order_by(FaqMiss.id))).all()
        query = select(AuditEvent).where(AuditEvent.action == "faq_variant")
        audit = (await db.scalars(query)).all()
    assert [(m.handled_by, m.handled_as) for m in misses] == [
        *[("web:canbo1", "entry:loan_collateral")] * 3,
        (None, None),
    ]
    assert [(a.actor, a.note) for a in audit] == [("web:canbo1", f"loan_collateral: {QUESTION}")]

    # A second click (a retried request) adds nothing twice.
    status, _, _ = await post(
        staff, server, "/staff/faq/variant",
        {"miss": str(first), "text": QUESTION, "entry": "loan_collateral"},
    )  # fmt: skip
    assert status == 302
    assert (content / "loans.yaml").read_text(encoding="utf-8") == edited
    assert "Mục này đã có câu" in await page(staff, server)


async def test_bad_input_is_refused_and_the_content_stays_as_it_was(
    server: Server, staff: aiohttp.ClientSession, content: Path
) -> None:
    [miss] = await add_misses(server, ASKED)
    files = snapshot(content)
    good = {"miss": str(miss), "text": QUESTION, "entry": "loan_collateral", "topic": "loans"}
    refused = [
        ({**good, "text": ASKED}, 400, "số điện thoại"),
        ({**good, "text": "cccd của em là 001099012345 thì sao"}, 400, "số giấy tờ"),
        ({**good, "text": "   "}, 400, "trống"),
        ({**good, "text": "x" * 201}, 400, "200 ký tự"),
        ({**good, "entry": "no_such_entry"}, 400, "Hãy chọn một mục"),
        (
            {**good, "entry": "eps_cost", "text": "Vay vốn có cần thế chấp không"},
            400,
            "đã có trong mục «loan_collateral»",
        ),
        ({**good, "entry": "loan_amount", "text": "di han mat bao nhieu tien"}, 400, "eps_cost"),
        ({**good, "miss": "abc"}, 400, "Thiếu câu hỏi"),
        ({**good, "miss": "99999999999999999999"}, 400, "Thiếu câu hỏi"),
        ({**good, "miss": "999999"}, 404, "Không có câu hỏi"),
    ]
    for data, expected, words in refused:
        status, body, _ = await post(staff, server, "/staff/faq/variant", data)
        assert (status, words in body) == (expected, True), (data, body)
    status, body, _ = await post(staff, server, "/staff/faq/draft", {**good, "topic": "bogus"})
    assert status == 400 and "chủ đề" in body
    status, body, _ = await post(staff, server, "/staff/faq/draft", {**good, "text": ASKED})
    assert status == 400 and "số điện thoại" in body
    # Without the form's CSRF token: refused, nothing written.
    async with staff.post(base(server) + "/staff/faq/variant", data=good) as response:
        assert response.status == 403
    async with staff.get(base(server) + "/staff/faq?days=8") as response:
        assert response.status == 400
    assert snapshot(content) == files
    assert not (content / "drafts").exists()
    async with sessions(server)() as db:
        assert (await db.get(FaqMiss, miss)).handled_at is None  # type: ignore[union-attr]


async def test_a_new_entry_starts_as_a_draft_that_is_never_served(
    server: Server, staff: aiohttp.ClientSession, content: Path
) -> None:
    [miss] = await add_misses(server, "đi Hàn làm ngư nghiệp có phải thi tiếng không")
    [other] = await add_misses(server, "asdf qwer")
    data = {"miss": str(miss), "text": "đi Hàn làm ngư nghiệp có phải thi tiếng không",
            "topic": "korea"}  # fmt: skip
    assert (await post(staff, server, "/staff/faq/draft", data))[0] == 302
    draft = (content / "drafts" / "korea.yaml").read_text(encoding="utf-8")
    assert "- id: new_1" in draft and '- "đi Hàn làm ngư nghiệp có phải thi tiếng không"' in draft
    assert "by web:canbo1" in draft and "faq check" in draft
    assert check_content(content) == []  # a draft never breaks the content
    shown = await page(staff, server)
    assert "Đã tạo mục nháp new_1 trong drafts/korea.yaml" in shown
    assert "Mục nháp chờ hoàn thiện (1)" in shown
    assert (await post(staff, server, "/staff/faq/dismiss", {"miss": str(other)}))[0] == 302
    async with sessions(server)() as db:
        rows = (await db.scalars(select(FaqMiss).order_by(FaqMiss.id))).all()
    assert [m.handled_as for m in rows] == ["draft:new_1", "dismissed"]
    assert "Không có câu nào chưa xử lý" in await page(staff, server)


async def test_misses_are_counted_per_day(server: Server, staff: aiohttp.ClientSession) -> None:
    await add_misses(server, "một", "hai", "ba")
    await add_misses(server, "bốn", days_ago=2)
    await add_misses(server, "cũ lắm", days_ago=40)
    shown = await page(staff, server, "/staff/faq?days=7")
    chart = shown.split("<svg")[1].split("</svg>")[0]
    assert "Số câu mỗi ngày" in chart
    today = vietnam_time(utcnow())
    assert today is not None
    labels = [f"{today - timedelta(days=n):%d/%m}" for n in range(7)]
    assert chart.count("<rect") == 7 and all(label in chart for label in labels)
    assert ">3</text>" in chart and ">1</text>" in chart
    assert "4 câu trong 7 ngày" in shown
    shown = await page(staff, server, "/staff/faq?days=90")
    assert "Số câu mỗi tuần" in shown and "5 câu trong 90 ngày" in shown


async def test_the_misses_export_for_review(database_url: str, tmp_path: Path) -> None:
    chat = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    try:
        await chat.say('=HYPERLINK("http://x") qwzx vbnm')
        async with chat.runtime.sessions.begin() as db:  # as a longer message would leave it
            db.add(FaqMiss(channel="zalo_oa", text="sdt em 0912345678 hỏi cái qwzx plkj",
                           kind="suggest", best_entry_id="eps_cost", score=41.26))  # fmt: skip
    finally:
        await chat.close()
    for name in ("misses.csv", "misses.xlsx"):
        target = tmp_path / name
        command = ("faq", "misses", "--export", str(target))
        result = await asyncio.to_thread(cli, *command, database_url=database_url)
        assert result.returncode == 0, result.stderr
        assert "2 question(s) of the last 90 days" in result.stdout
        if name.endswith(".csv"):
            rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
        else:
            sheet = openpyxl.load_workbook(target).active
            assert sheet is not None
            rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        header, newest, oldest = rows
        assert header[:5] == ["Thời điểm", "Câu hỏi", "Mục gần nhất", "Điểm", "Kênh"]
        assert newest[1] == "sdt em *******678 hỏi cái qwzx plkj"
        assert newest[2:6] == ["eps_cost", "41.3" if name.endswith(".csv") else 41.3, "zalo_oa",
                               "gợi ý"]  # fmt: skip
        assert oldest[4:6] == ["test", "không trả lời"]
        if name.endswith(".csv"):
            assert oldest[1].startswith("'=HYPERLINK")
        else:
            assert oldest[1].startswith("=HYPERLINK")
            assert sheet["B3"].data_type == "s" and sheet["B3"].quotePrefix  # type: ignore[index]
        assert not any(str(cell) == "u1" for row in rows for cell in row)
    command = ("faq", "misses", "--export", str(tmp_path / "x.pdf"))
    bad = await asyncio.to_thread(cli, *command, database_url=database_url)
    assert bad.returncode == 2 and ".csv or .xlsx" in bad.stdout
