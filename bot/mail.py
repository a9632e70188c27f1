"""E-mail channel: a copy of each registration card to the centre's mailbox (SMTP).

Off unless SMTP_HOST and CENTRE_EMAIL are set. Sent through the outbox like every other
message, so it is retried with backoff. The Message-ID is derived from the content, so a
retry after a crash carries the same id and mail systems can drop the duplicate.
"""

from __future__ import annotations

import hashlib
from email.message import EmailMessage

import aiosmtplib

from bot.channel import ChannelLimits, NumberedChoices, PermanentFailure, RetryLater
from handlers.types import Media, Reply
from settings import Settings


class EmailChannel(NumberedChoices):
    """Send only: nobody writes to the bot by e-mail."""

    name = "email"
    title = "e-mail"
    limits = ChannelLimits(max_text=100_000, buttons=False)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def start(self) -> None:
        pass  # a connection per message (aiosmtplib.send)

    async def stop(self) -> None:
        pass

    async def close(self) -> None:
        pass

    def is_staff(self, user_key: str) -> bool:
        return False

    def message(self, address: str, reply: Reply) -> EmailMessage:
        settings = self.settings
        sender = settings.smtp_from or settings.smtp_user or f"bot@{settings.smtp_host}"
        digest = hashlib.sha256(f"{address}\n{reply.text}".encode()).hexdigest()[:32]
        message = EmailMessage()
        message["From"] = sender
        message["To"] = address
        message["Subject"] = (
            reply.text.splitlines()[0][:120] if reply.text else settings.centre_name
        )
        message["Message-ID"] = f"<{digest}@{sender.rpartition('@')[2] or 'localhost'}>"
        message.set_content(reply.text)
        return message

    async def send(
        self, chat_key: str, reply: Reply, media: Media | None = None, reply_to: str | None = None
    ) -> str | None:
        settings = self.settings
        message = self.message(chat_key, reply)
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_user or None,
                password=settings.smtp_password or None,
                start_tls=settings.smtp_tls == "starttls",
                use_tls=settings.smtp_tls == "tls",
                timeout=20,
            )
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentFailure(f"SMTP {exc.code}: {exc.message}") from exc
            raise RetryLater(30, f"SMTP {exc.code}: {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise RetryLater(30, f"SMTP: {exc}") from exc
        return str(message["Message-ID"])
