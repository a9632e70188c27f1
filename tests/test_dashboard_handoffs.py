"""The dashboard's hand-off page over a real `serve`: open conversations with their age and
who took them (nobody's first), and one conversation's messages; staff only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.serve import Server
from db.clock import utcnow
from db.models import HandoffConversation, HandoffMessage, User
from tests.dashboard_kit import add_account, base, client, login, running, sessions


async def _conversation(
    server: Server, name: str, hours_ago: float, taken_by: str | None = None, **values: object
) -> int:
    opened = utcnow() - timedelta(hours=hours_ago)
    async with sessions(server).begin() as db:
        user = User(channel="zalo_oa", external_id=f"z-{name}", display_name=name)
        db.add(user)
        await db.flush()
        fields: dict[str, object] = {
            "user_id": user.id,
            "channel": "zalo_oa",
            "status": "open",
            "reason": "distress" if taken_by is None else "button",
            "opened_at": opened,
            "last_activity_at": opened,
            "taken_by": taken_by,
            "taken_at": opened if taken_by else None,
            **values,
        }
        conversation = HandoffConversation(**fields)
        db.add(conversation)
        await db.flush()
        db.add_all(
            [
                HandoffMessage(
                    conversation_id=conversation.id,
                    author="worker",
                    text=f"{name}: em bị giữ hộ chiếu, sđt 0388111222",
                    created_at=opened,
                ),
                HandoffMessage(
                    conversation_id=conversation.id,
                    author="staff",
                    author_name=taken_by,
                    text="Chị gọi em ngay.",
                    created_at=opened,
                ),
            ]
        )
        return conversation.id


async def test_open_conversations_with_age_and_who_took_them(
    database_url: str, tmp_path: Path
) -> None:
    async with running(database_url, tmp_path) as server:
        await add_account(server, "hoa")
        taken = await _conversation(server, "Lò Văn Phong", 3, taken_by="Chị Hoa")
        waiting = await _conversation(server, "Thào Seo Lử", 26)
        ended = await _conversation(
            server, "Giàng A Páo", 50, taken_by="Anh Tùng", status="closed",
            closed_at=utcnow() - timedelta(hours=1), closed_by="Anh Tùng",
        )  # fmt: skip
        async with client() as http:
            async with http.get(base(server) + "/staff/handoffs", allow_redirects=False) as r:
                assert r.status == 302  # staff only
            await login(http, server, "hoa")
            async with http.get(base(server) + "/staff/handoffs") as response:
                assert response.status == 200
                page = await response.text()
            open_part, closed_part = page.split('id="closed"')
            # Nobody's conversation first, with its age; the taken one says who.
            assert open_part.index("Thào Seo Lử") < open_part.index("Lò Văn Phong")
            assert "1 giờ trước" not in open_part and "26 giờ trước" in open_part
            assert "Chưa ai nhận" in open_part and "Chị Hoa" in open_part and "🆘" in open_part
            assert "Giàng A Páo" in closed_part and "Giàng A Páo" not in open_part
            async with http.get(base(server) + f"/staff/handoffs/{waiting}") as response:
                detail = await response.text()
            assert "sđt 0388111222" in detail and "Chị gọi em ngay." in detail
            for missing in ("/staff/handoffs/999999", "/staff/handoffs/99999999999999999999"):
                async with http.get(base(server) + missing) as response:
                    assert response.status == 404
        assert {taken, waiting, ended} == {1, 2, 3}
