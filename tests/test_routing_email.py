"""Registrations routed to the right staff chat, and e-mailed to the centre (SMTP)."""

from __future__ import annotations

import asyncio
import socket
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from bot.mail import EmailChannel
from faq.service import FaqService
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.test_registration_flow import fill
from tests.transcript import Transcript


class Inbox:
    """An SMTP server on 127.0.0.1 that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


async def test_card_goes_to_the_routed_chat_and_by_email(database_url: str) -> None:
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd checks its own port, so it cannot be 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = make_settings(
            database_url,
            staff_chat_routes="Bát Xát=-100777;Lai Châu=-100888",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_tls="none",
            smtp_from="bot@trungtam.example",
            centre_email="dangky@trungtam.example",
        )
        chat = await Transcript.open(settings, FaqService(FIXTURE_FAQ))
        chat.runtime.add_channel(EmailChannel(settings))
        try:
            await fill(chat)
            await chat.press("reg:submit")
            [card] = chat.channel.to("-100777")  # Xã Bát Xát has its own staff chat
            assert "0912345678" in card.text and card.buttons
            for _ in range(100):
                if inbox.messages:
                    break
                await asyncio.sleep(0.05)
            [mail] = inbox.messages
            assert mail["To"] == "dangky@trungtam.example"
            assert "Đăng ký mới" in str(mail["Subject"]) and mail["Message-ID"]
            assert "0912345678" in mail.get_content()  # type: ignore[attr-defined]

            # Buttons work in the routed chat: it is a staff chat too.
            registration_id = card.buttons[0].action.rsplit(":", 1)[1]
            await chat.send(
                user="staff-9", chat_key="-100777", action=f"rs:da_lien_he:{registration_id}"
            )
            assert "đã liên hệ" in chat.channel.to("-100777")[-1].text
        finally:
            await chat.close()
    finally:
        controller.stop()


async def test_smtp_down_is_retried_not_lost(database_url: str) -> None:
    settings = make_settings(
        database_url,
        smtp_host="127.0.0.1",
        smtp_port=9,
        smtp_tls="none",
        centre_email="dangky@trungtam.example",
    )
    chat = await Transcript.open(settings, FaqService(FIXTURE_FAQ))
    chat.runtime.add_channel(EmailChannel(settings))
    try:
        await fill(chat)
        [done] = await chat.press("reg:submit")
        assert "Mã hồ sơ" in done.text  # the worker is not held up by the mail server
        from sqlalchemy import select

        from db.models import OutboxMessage

        async with chat.runtime.sessions() as session:
            row = await session.scalar(
                select(OutboxMessage).where(OutboxMessage.channel == "email")
            )
        assert row is not None and row.status == "pending" and "SMTP" in (row.last_error or "")
    finally:
        await chat.close()
