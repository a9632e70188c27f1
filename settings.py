"""The one typed configuration object, read from the environment and an optional `.env`.

Nothing else in the project reads `os.environ`. Every field here is listed in the
README's configuration table and in `.env.example`.
"""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal
from urllib.parse import urlparse

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

if TYPE_CHECKING:
    from handlers.office_hours import OfficeHours

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/bot.db"
TELEGRAM_PUBLIC_API = "https://api.telegram.org/bot"
ZALO_OA_PUBLIC_API = "https://openapi.zalo.me"
ZALO_OAUTH_PUBLIC = "https://oauth.zaloapp.com"
ZALO_ZNS_PUBLIC_API = "https://business.openapi.zalo.me"
ZALO_BOT_PUBLIC_API = "https://bot-api.zaloplatforms.com"


class SettingsError(SystemExit):
    """Start-up stops with a message that names the variable and what is expected."""


class Settings(BaseSettings):
    """Configuration of one deployment (one centre)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite+aiosqlite:///path or postgresql+asyncpg://…",
    )
    telegram_bot_token: str = Field("", description="Bot token from @BotFather; empty = off")
    telegram_api_base_url: str = Field(
        TELEGRAM_PUBLIC_API, description="Bot API base URL (the token is appended)"
    )
    telegram_webhook_url: str = Field(
        "", description="Public HTTPS URL for the webhook; empty = long polling"
    )
    telegram_webhook_secret: str = Field(
        "", description="Secret token Telegram echoes in a header; empty = derived from the token"
    )
    telegram_file_base_url: str = Field(
        "",
        description="Bot API file download base URL; empty = derived from TELEGRAM_API_BASE_URL",
    )
    telegram_timeout: float = Field(
        15.0, gt=0, le=300, description="Seconds to wait for a Bot API answer before retrying"
    )
    centre_chat_id: int | None = Field(None, description="Telegram chat id of the staff group")
    staff_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Comma-separated Telegram user ids of centre staff"
    )
    staff_access: Literal["staff_ids", "staff_chat_members"] = Field(
        "staff_ids",
        description="Who may use staff commands and buttons and answer workers: only the "
        "STAFF_IDS users (in the staff chat or privately), or every member of the staff chat",
    )
    staff_chat_routes: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=dict,
        description="Send registrations from these communes/provinces to other staff chats: "
        "'Bát Xát=-100123;Lai Châu=-100456'",
    )
    smtp_host: str = Field("", description="SMTP server for e-mail copies of registrations")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port")
    smtp_user: str = Field("", description="SMTP user name (empty = no login)")
    smtp_password: str = Field("", description="SMTP password")
    smtp_tls: str = Field("starttls", description="starttls, tls or none")
    smtp_from: str = Field("", description="Sender address of the e-mails")
    centre_email: str = Field("", description="Where registration e-mails go; empty = off")
    province: str = Field("Lào Cai", description="The centre's province")
    centre_name: str = Field(
        "Trung tâm Dịch vụ việc làm tỉnh Lào Cai", description="Shown to workers"
    )
    centre_phone: str = Field("", description="Phone number shown in every fallback reply")
    centre_address: str = Field("", description="Street address of the centre")
    centre_hours: str = Field(
        "giờ hành chính, thứ Hai đến thứ Sáu",
        description="Opening hours shown to workers",
    )
    centre_open_hours: str = Field(
        "Mon-Fri 07:30-11:30,13:30-17:00",
        description="When staff answer hand-off chats, in Vietnam time: 'Mon-Fri 07:30-11:30,"
        "13:30-17:00; Sat 08:00-11:00' (days Mon … Sun or T2 … CN); empty = always",
    )
    centre_holidays: str = Field(
        "", description="Days off: '2026-09-01..2026-09-02, 2027-01-01' (none by default)"
    )
    handoff_quiet_hours: float = Field(
        72.0,
        gt=0,
        le=24 * 60,
        description="A hand-off conversation with no message either way for this long is closed",
    )
    zalo_oa_takeover_minutes: float = Field(
        30.0,
        gt=0,
        le=24 * 60,
        description="After a staff member writes from Zalo's own OA chat tool, the bot keeps "
        "quiet for that user this long (every such message starts it again)",
    )
    voice_languages: str = Field(
        "vi, hmn, dao, tay",
        description="Languages of spoken answers, in the order workers see them: codes "
        "(vi, hmn, dao, tay, giay, hni) or code=Label; the first is the default",
    )
    voice_max_bytes: int = Field(
        2 * 1024 * 1024, ge=10_000, le=20 * 1024 * 1024, description="Largest recording kept"
    )
    voice_max_seconds: int = Field(
        180, ge=5, le=20 * 60, description="Longest recording kept, in seconds"
    )
    public_base_url: str = Field(
        "",
        description="Public HTTPS address of this server, for links to spoken answers on "
        "channels that cannot take a voice note (Zalo); empty = from the webhook URLs",
    )
    audio_link_hours: int = Field(
        72, ge=1, le=24 * 30, description="How long a link to a spoken answer works"
    )
    broadcast_rate: float = Field(
        25.0,
        gt=0,
        le=1000,
        description="Announcements per second from this process (Telegram allows about 30 in "
        "all; the rest is left for replies)",
    )
    zalo_app_id: str = Field("", description="Zalo app id (developers.zalo.me) of the OA")
    zalo_app_secret: str = Field("", description="Zalo app secret key (OAuth token refresh)")
    zalo_oa_secret_key: str = Field(
        "", description="OA secret key that signs webhook events; empty = Zalo OA off"
    )
    zalo_oa_access_token: str = Field(
        "", description="First OA access token (later ones live in the database)"
    )
    zalo_oa_refresh_token: str = Field(
        "", description="First OA refresh token (later ones live in the database)"
    )
    zalo_oa_api_base_url: str = Field(
        ZALO_OA_PUBLIC_API, description="OA Open API base URL (/v3.0/oa/message/cs is appended)"
    )
    zalo_oauth_base_url: str = Field(
        ZALO_OAUTH_PUBLIC, description="Zalo OAuth base URL (/v4/oa/access_token is appended)"
    )
    zalo_zns_api_base_url: str = Field(
        ZALO_ZNS_PUBLIC_API, description="ZNS API base URL (/message/template is appended)"
    )
    zalo_oa_replay_window: int = Field(
        300,
        ge=0,
        le=7 * 24 * 3600,
        description="Seconds: OA events signed longer ago than this (or this far in the "
        "future) are refused; 0 = no check",
    )
    zalo_oa_form_image_url: str = Field(
        "",
        description="Public image URL of the OA's phone form (request_user_info, which "
        "needs one); empty = the phone number is typed",
    )
    zalo_zns_template_id: str = Field(
        "", description="ZNS template for registration status notices; empty = no ZNS"
    )
    zalo_bot_token: str = Field("", description="Zalo Bot Platform token; empty = Zalo Bot off")
    zalo_bot_webhook_secret: str = Field(
        "", description="Secret Zalo echoes in X-Bot-Api-Secret-Token; empty = long polling"
    )
    zalo_bot_webhook_url: str = Field(
        "", description="Public HTTPS URL of /zalo/bot to register with setWebhook at start"
    )
    zalo_bot_api_base_url: str = Field(
        ZALO_BOT_PUBLIC_API, description="Zalo Bot API base URL (/bot<token>/<method> is appended)"
    )
    zalo_broadcast_rate: float = Field(
        5.0,
        gt=0,
        le=1000,
        description="Announcements per second to Zalo users from this process (Zalo publishes "
        "no firm figure; conservative)",
    )
    spool_dir: str = Field(
        "data/spool",
        description="Where webhook events wait on disk while the database is down",
    )
    spool_max_events: int = Field(
        10000,
        ge=0,
        le=1_000_000,
        description="Events the spool holds at most; beyond, webhooks answer 503; 0 = no spool",
    )
    fair_reminder_time: str = Field(
        "18:00", description="Local time (HH:MM) of the reminder the day before a job fair"
    )
    web_host: str = Field("127.0.0.1", description="Address the aiohttp server listens on")
    web_port: int = Field(
        8080, ge=0, le=65535, description="Port of the aiohttp server (0 = any free port)"
    )
    web_header_timeout: float = Field(
        15.0,
        gt=0,
        le=3600,
        description="Seconds a connection may take to send a whole request's headers (and "
        "stay idle between requests) before it is closed",
    )
    web_body_timeout: float = Field(
        30.0, gt=0, le=3600, description="Seconds a request's body may take to arrive (408)"
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR")
    instance_name: str = Field(
        "", description="Name of this process among replicas; empty = host name and web port"
    )
    metrics_token: str = Field(
        "", description="Bearer token for /metrics; empty = answered to loopback callers only"
    )
    retention_days: int = Field(
        0,
        ge=0,
        le=36500,
        description="`retention purge` anonymises registrations older than this; 0 = off",
    )
    pid_file: str = Field(
        "data/bot.pid", description="Where `serve` writes its process id (for `faq reload`)"
    )
    dashboard_secret_key: str = Field(
        "",
        description="Fernet key (32 url-safe base64 bytes) encrypting the dashboard's session "
        "cookies; empty = generated once and kept in DASHBOARD_KEY_FILE",
    )
    dashboard_key_file: str = Field(
        "data/dashboard.key", description="Where the generated dashboard key is kept"
    )
    dashboard_cookie_secure: bool = Field(
        False, description="Send the session cookie over HTTPS only (set behind an HTTPS proxy)"
    )
    dashboard_max_failed_logins: int = Field(
        5, ge=1, le=100, description="Failed logins in a row before an account is locked"
    )
    dashboard_lockout_minutes: int = Field(
        15,
        ge=1,
        le=24 * 60,
        description="How long a locked account waits (doubled at each further lock)",
    )
    dashboard_session_hours: int = Field(
        10, ge=1, le=24 * 7, description="A dashboard login lasts this long"
    )
    departure_target: int = Field(
        350, ge=0, description="Workers the centre plans to see depart this year (report)"
    )

    @field_validator("voice_languages")
    @classmethod
    def _voice_languages(cls, value: str) -> str:
        from handlers.languages import parse_languages

        parse_languages(value)  # raises ValueError with what is wrong
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = value.strip()
        for plain in ("postgres://", "postgresql://"):
            if value.startswith(plain):
                return "postgresql+asyncpg://" + value[len(plain) :]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "expected sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db"
            )
        return value

    @field_validator("staff_ids", mode="before")
    @classmethod
    def _staff_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            for part in parts:
                if not part.lstrip("-").isdigit():
                    raise ValueError(f"expected comma-separated numeric user ids, got {part!r}")
            return [int(p) for p in parts]
        return value

    @field_validator("staff_chat_routes", mode="before")
    @classmethod
    def _routes(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        routes: dict[str, int] = {}
        for part in (p.strip() for p in value.split(";") if p.strip()):
            place, _, chat = part.rpartition("=")
            if not place.strip() or not chat.strip().lstrip("-").isdigit():
                raise ValueError(f"expected 'Place=chat id;Place=chat id', got {part!r}")
            routes[place.strip()] = int(chat)
        return routes

    @field_validator("smtp_tls")
    @classmethod
    def _smtp_tls(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("starttls", "tls", "none"):
            raise ValueError("expected starttls, tls or none")
        return value

    @field_validator("centre_chat_id", mode="before")
    @classmethod
    def _empty_chat_id(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator(
        "telegram_api_base_url",
        "telegram_file_base_url",
        "telegram_webhook_url",
        "zalo_oa_api_base_url",
        "zalo_oauth_base_url",
        "zalo_zns_api_base_url",
        "zalo_bot_api_base_url",
        "zalo_bot_webhook_url",
        "zalo_oa_form_image_url",
        "public_base_url",
    )
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if value and urlparse(value).scheme not in ("http", "https"):
            raise ValueError("expected an http:// or https:// URL")
        return value

    @field_validator("zalo_bot_webhook_secret")
    @classmethod
    def _bot_secret(cls, value: str) -> str:
        value = value.strip()
        if value and not 8 <= len(value) <= 256:
            raise ValueError("expected 8 to 256 characters (Zalo's rule), or empty for polling")
        return value

    @field_validator("fair_reminder_time")
    @classmethod
    def _reminder_time(cls, value: str) -> str:
        hour, sep, minute = value.strip().partition(":")
        if not (
            sep and hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60
        ):
            raise ValueError("expected a time like 18:00")
        return f"{int(hour):02d}:{int(minute):02d}"

    @field_validator("dashboard_secret_key")
    @classmethod
    def _fernet_key(cls, value: str) -> str:
        value = value.strip()
        if value:
            import base64
            import binascii

            try:
                raw = base64.urlsafe_b64decode(value.encode())
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) != 32:
                raise ValueError(
                    "expected a Fernet key: 32 bytes in url-safe base64 (44 characters)"
                )
        return value

    @field_validator("centre_open_hours")
    @classmethod
    def _open_hours(cls, value: str) -> str:
        from handlers.office_hours import parse_hours

        parse_hours(value)
        return value.strip()

    @field_validator("centre_holidays")
    @classmethod
    def _holidays(cls, value: str) -> str:
        from handlers.office_hours import parse_holidays

        parse_holidays(value)
        return value.strip()

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return value

    @property
    def instance(self) -> str:
        """Stable name of this process: a restart recognises the outbox claims it left."""
        return self.instance_name or f"{socket.gethostname()}:{self.web_port}"

    @property
    def office_hours(self) -> OfficeHours:
        """When staff answer hand-off chats (always, when CENTRE_OPEN_HOURS is empty)."""
        from handlers.office_hours import OfficeHours, parse_holidays, parse_hours

        if not self.centre_open_hours:
            return OfficeHours.always()
        week = parse_hours(self.centre_open_hours)
        return OfficeHours(week, parse_holidays(self.centre_holidays))

    @property
    def file_base_url(self) -> str:
        """Where Telegram serves files: TELEGRAM_FILE_BASE_URL, or the API base URL's
        `…/bot` turned into `…/file/bot` (as api.telegram.org does)."""
        if self.telegram_file_base_url:
            return self.telegram_file_base_url
        base = self.telegram_api_base_url.rstrip("/")
        head, _, tail = base.rpartition("/")
        return f"{head}/file/{tail}" if tail.startswith("bot") else f"{base}/file/bot"

    @property
    def voice_language_labels(self) -> dict[str, str]:
        """The spoken answers' languages, code → Vietnamese label, in the setting's order."""
        from handlers.languages import parse_languages

        return parse_languages(self.voice_languages)

    @property
    def public_url(self) -> str:
        """PUBLIC_BASE_URL, else the scheme and host of a webhook URL ('' when none)."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        for url in (self.telegram_webhook_url, self.zalo_bot_webhook_url):
            parts = urlparse(url)
            if parts.scheme and parts.netloc:
                return f"{parts.scheme}://{parts.netloc}"
        return ""

    @property
    def zalo_oa_enabled(self) -> bool:
        """OA needs its app id, the secret that signs events and a first token."""
        return bool(self.zalo_app_id and self.zalo_oa_secret_key and self.zalo_oa_access_token)

    @property
    def zalo_bot_enabled(self) -> bool:
        return bool(self.zalo_bot_token)

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.centre_email)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        """The database file of an SQLite URL (None for in-memory or PostgreSQL)."""
        if not self.is_sqlite:
            return None
        path = self.database_url.split("///", 1)[-1]
        return None if path in ("", ":memory:") else Path(path)

    @property
    def webhook_secret(self) -> str:
        """Secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token.

        Derived from the bot token when not set, so every replica agrees on it.
        """
        if self.telegram_webhook_secret:
            return self.telegram_webhook_secret
        return hashlib.sha256(f"webhook:{self.telegram_bot_token}".encode()).hexdigest()[:48]

    @property
    def webhook_path(self) -> str:
        """Path our web server serves the Telegram webhook on (taken from the public URL)."""
        return urlparse(self.telegram_webhook_url).path or "/telegram"

    def secret_values(self) -> list[str]:
        """Every configured token, key and password: the logs never show them."""
        values = [
            self.telegram_bot_token,
            self.webhook_secret if self.telegram_bot_token else "",
            self.telegram_webhook_secret,
            self.zalo_app_secret,
            self.zalo_oa_secret_key,
            self.zalo_oa_access_token,
            self.zalo_oa_refresh_token,
            self.zalo_bot_token,
            self.zalo_bot_webhook_secret,
            self.smtp_password,
            self.metrics_token,
            self.dashboard_secret_key,
            urlparse(self.database_url).password or "",
        ]
        return [value for value in values if value]

    def centre_facts(self) -> dict[str, str]:
        """Values for the placeholders of FAQ answers ({centre_phone} …).

        An unset phone or address is empty: the FAQ renderer leaves the words
        around it out (handlers/faq_render.py) and `serve` warns at start.
        """
        return {
            "centre_name": self.centre_name,
            "centre_phone": self.centre_phone,
            "centre_address": self.centre_address,
            "centre_hours": self.centre_hours,
            "province": self.province,
        }


def load_settings(**overrides: object) -> Settings:
    """Read the settings, or stop with a message naming each bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = ["Invalid configuration:"]
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "?"
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"  {name}: {message} (got {error.get('input')!r})")
        raise SettingsError("\n".join(lines)) from None
