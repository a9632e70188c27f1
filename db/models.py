"""SQLAlchemy models: the state that must survive restarts and be shared by replicas.

Times are stored as naive UTC (`db.clock.utcnow`), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.clock import utcnow
from db.stored_text import store_any_text
from faq.normalize import fold

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER on SQLite (so SQLite keeps its rowid autoincrement).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """A person talking to the bot on one channel (Telegram, Zalo, console)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(8), default="vi")
    # The language the worker chose to listen in (spoken answers); None = never asked.
    listen_language: Mapped[str | None] = mapped_column(String(8))
    consent_at: Mapped[datetime | None] = mapped_column(DateTime())
    # None = never asked; True/False = the user's answer (consent per purpose).
    news_opt_in: Mapped[bool | None] = mapped_column(Boolean)
    # What announcements are about for this user: market codes, and their area.
    interests: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    province_name: Mapped[str | None] = mapped_column(String(64))
    commune_name: Mapped[str | None] = mapped_column(String(128))
    blocked_at: Mapped[datetime | None] = mapped_column(DateTime())
    # The trusted local person whose link or QR code brought this user (first one wins).
    referrer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("referrers.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)


class ConversationState(Base):
    """Where a user is in a multi-step flow; lives here so restarts and replicas continue it."""

    __tablename__ = "conversation_states"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Actions of the buttons last shown, so a typed number presses one on text-only channels.
    buttons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow, onupdate=utcnow)


class InboxUpdate(Base):
    """Inbox of platform updates: the dedupe key, and the update itself until it is handled.

    A row is written (and committed) before the platform gets its 200, so a crash after
    that point is recovered by handling the pending rows at the next start.
    """

    __tablename__ = "processed_updates"
    __table_args__ = (
        UniqueConstraint("channel", "update_key"),
        Index("ix_processed_updates_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_key: Mapped[str] = mapped_column(String(128))
    user_key: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | done | failed
    received_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime())


class Delivery:
    """The sending state shared by outbox rows and broadcast recipients.

    Outbox: pending → sending → sent | failed | unreachable (not attempted: the Zalo OA
    messaging window is closed). Broadcast recipients add blocked and skipped. A claim
    (`claimed_until`, `claimed_by`) says which process is sending it.
    """

    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime())
    # Which process holds the claim (`Settings.instance`), so a restart can release its own.
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    sent_message_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime())


class OutboxMessage(Delivery, Base):
    """A message that must leave the process: a reply, a hand-off to staff, a relay.

    Written in the same transaction as the state change that caused it; sent after the
    commit; retried until sent. `idempotency_key` makes a second write of the same
    message a no-op.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "next_attempt_at"),
        Index("ix_outbox_sent_ref", "channel", "chat_key", "sent_message_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # reply | handoff | relay
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)


class FaqMiss(Base):
    """A question the FAQ could not answer with confidence, kept for staff to improve it."""

    __tablename__ = "faq_misses"
    __table_args__ = (
        Index("ix_faq_misses_created_at", "created_at"),
        Index("ix_faq_misses_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    # Who asked: erasure deletes a person's questions (`db/erasure.py`).
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(12))  # suggest | none
    best_entry_id: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)
    # Set when staff dealt with it on the dashboard: who, and what became of it
    # (`entry:<id>` a new question of that entry, `draft:<id>` a draft, `dismissed`).
    handled_at: Mapped[datetime | None] = mapped_column(DateTime())
    handled_by: Mapped[str | None] = mapped_column(String(64))
    handled_as: Mapped[str | None] = mapped_column(String(80))


class Referrer(Base):
    """A trusted local person (village head, commune officer…) who points workers to us."""

    __tablename__ = "referrers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    commune: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)


class Registration(Base):
    """An application to work abroad, as submitted by a worker and followed up by staff.

    Deleting on request anonymises the row: personal fields are cleared, the commune,
    market and status stay for the centre's statistics.
    """

    __tablename__ = "registrations"
    __table_args__ = (
        Index("ix_registrations_status_created", "status", "created_at"),
        Index("ix_registrations_phone", "phone"),
        # The dashboard's list: newest first, filtered by place or market.
        # Newest first among the listed (not erased) rows, with the search text in the
        # index: a name search reads the index, not the table.
        Index(
            "ix_registrations_listed",
            "created_at",
            "id",
            "search_text",
            sqlite_where=text("anonymised_at IS NULL"),
            postgresql_where=text("anonymised_at IS NULL"),
        ),
        Index("ix_registrations_province_created", "province_name", "created_at"),
        Index("ix_registrations_commune_created", "commune_name", "created_at"),
        Index("ix_registrations_market_created", "market", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    referrer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("referrers.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(24), default="moi")
    full_name: Mapped[str | None] = mapped_column(String(128))
    birth_date: Mapped[date | None] = mapped_column(Date())
    birth_year: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(12))
    phone: Mapped[str | None] = mapped_column(String(16))
    province_code: Mapped[int | None] = mapped_column(Integer)
    province_name: Mapped[str | None] = mapped_column(String(64))
    commune_code: Mapped[int | None] = mapped_column(Integer)
    commune_name: Mapped[str | None] = mapped_column(String(128))
    village: Mapped[str | None] = mapped_column(String(128))
    ethnicity: Mapped[str | None] = mapped_column(String(32))
    schooling: Mapped[str | None] = mapped_column(String(32))
    market: Mapped[str | None] = mapped_column(String(32))
    language_level: Mapped[str | None] = mapped_column(String(32))
    worked_abroad: Mapped[str | None] = mapped_column(String(200))
    loan_wish: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    # The address as the worker typed it from an ID card printed before 1 July 2025
    # ("xã Y Tý, huyện Bát Xát, tỉnh Lào Cai"), kept beside the current commune it maps to.
    old_address: Mapped[str | None] = mapped_column(String(200))
    # Another person's open registration that had this phone number when this one was
    # sent ("trùng số điện thoại"): staff compare the two; neither worker is told the other.
    duplicate_of_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("registrations.id", ondelete="SET NULL")
    )
    consent_forward_at: Mapped[datetime | None] = mapped_column(DateTime())
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow, onupdate=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime())
    # Name, code and phone folded (no diacritics, lower case) for the dashboard's search;
    # kept in step by `_fill_search_text` on every insert and update.
    search_text: Mapped[str | None] = mapped_column(String(200))


def registration_search_text(registration: Registration) -> str | None:
    """What the dashboard searches: 'nguyen thi hoa lc-2026-00042 0912345678'."""
    parts = [registration.full_name, registration.code, registration.phone]
    text = " ".join(p for p in parts if p)
    return fold(text)[:200] or None


@event.listens_for(Registration, "before_insert")
@event.listens_for(Registration, "before_update")
def _fill_search_text(_mapper: Any, _connection: Any, registration: Registration) -> None:
    registration.search_text = registration_search_text(registration)


class AuditEvent(Base):
    """Who did what to a registration, and when (status changes, notes, exports)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_registration", "registration_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    registration_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("registrations.id", ondelete="CASCADE")
    )
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)


class LicensedRecruiter(Base):
    """One row of the official list of enterprises licensed to send workers abroad.

    Replaced as a whole by `python -m bot recruiters import FILE` (one transaction).
    """

    __tablename__ = "licensed_recruiters"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str | None] = mapped_column(String(100))
    licence_number: Mapped[str] = mapped_column(String(64), unique=True)
    licence_date: Mapped[date | None] = mapped_column(Date())
    address: Mapped[str | None] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(12))  # active | suspended | revoked
    status_date: Mapped[date | None] = mapped_column(Date())
    source: Mapped[str] = mapped_column(String(400))
    list_date: Mapped[date] = mapped_column(Date())
    imported_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)


class JobFair(Base):
    """A job fair (phiên giao dịch việc làm) that staff announce and workers can follow."""

    __tablename__ = "job_fairs"
    __table_args__ = (Index("ix_job_fairs_starts_at", "starts_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(DateTime())  # naive UTC
    province_name: Mapped[str | None] = mapped_column(String(64))
    commune_name: Mapped[str | None] = mapped_column(String(128))
    address: Mapped[str | None] = mapped_column(String(300))
    map_url: Mapped[str | None] = mapped_column(String(500))
    markets: Mapped[list[Any]] = mapped_column(JSON, default=list)  # market codes
    recruiters: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime())


class FairInterest(Base):
    """A worker pressed «Quan tâm»: a reminder is due at `remind_at` (kept in the database)."""

    __tablename__ = "fair_interests"
    __table_args__ = (
        UniqueConstraint("fair_id", "user_id"),
        Index("ix_fair_interests_due", "reminded_at", "remind_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    fair_id: Mapped[int] = mapped_column(BigId, ForeignKey("job_fairs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    remind_at: Mapped[datetime] = mapped_column(DateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime())
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)


class Broadcast(Base):
    """An announcement from staff to an audience of subscribers, delivered as a durable job."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    photo_ref: Mapped[str | None] = mapped_column(String(300))
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # draft → queued → sending → done, or cancelled
    status: Mapped[str] = mapped_column(String(12), default="draft")
    created_by: Mapped[str | None] = mapped_column(String(128))
    report_channel: Mapped[str | None] = mapped_column(String(16))
    report_chat: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime())


class BroadcastRecipient(Delivery, Base):
    """One recipient of one broadcast; the unique pair is what makes 'nobody twice' hold."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "user_id"),
        Index("ix_broadcast_recipients_work", "broadcast_id", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    broadcast_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("broadcasts.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    chat_key: Mapped[str] = mapped_column(String(64))


class ZaloOaToken(Base):
    """The OA's current OAuth tokens (one row per Zalo app).

    The refresh token is single-use and rotates on every refresh, so exactly one process
    may spend it: a refresher first bumps `version` with a conditional UPDATE and takes
    the lease (`lease_until`); the new pair is written only under that version.
    """

    __tablename__ = "zalo_oa_tokens"

    app_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime())  # None = not known
    version: Mapped[int] = mapped_column(Integer, default=0)
    lease_by: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime())
    updated_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)


class StaffAccount(Base):
    """A centre staff member who logs in to the web dashboard (`python -m bot staff add`)."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, PHC string
    role: Mapped[str] = mapped_column(String(12), default="staff")  # admin | staff
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime())
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime())
    # Kept in every session of this account and checked on each request; logout, a new
    # password, disable and enable bump it, which ends every session made before.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class SettingOverride(Base):
    """A setting the running system learnt and must keep across restarts, over the
    environment's value: today a Telegram group the platform moved to a new id (a group
    upgraded to a supergroup), `telegram.chat_moved:<old id>` = the new id."""

    __tablename__ = "setting_overrides"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)


class HandoffConversation(Base):
    """A worker talking to centre staff through the bot (a hand-off), from the first
    message to its end.

    While it is open the worker's messages go to the staff chat, threaded under one card
    (`card_key`, the outbox row whose platform message staff reply to), and the bot does
    not answer them. At most one conversation per user is open (a partial unique index).
    """

    __tablename__ = "handoff_conversations"
    __table_args__ = (
        Index(
            "uq_handoff_conversations_open_user",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_handoff_conversations_user_id", "user_id", "id"),
        Index("ix_handoff_conversations_status_activity", "status", "last_activity_at"),
        Index("ix_handoff_conversations_card_key", "card_key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))  # the worker's channel
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | closed
    # How it began: button, request, callback, distress, media, reply, platform.
    reason: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)
    last_worker_at: Mapped[datetime | None] = mapped_column(DateTime())
    last_staff_at: Mapped[datetime | None] = mapped_column(DateTime())
    # When the bot last told the worker that a person will answer (once, not every time).
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime())
    taken_by: Mapped[str | None] = mapped_column(String(128))
    taken_at: Mapped[datetime | None] = mapped_column(DateTime())
    # The staff chat holding the thread, and the card's outbox idempotency key.
    staff_channel: Mapped[str | None] = mapped_column(String(16))
    staff_chat: Mapped[str | None] = mapped_column(String(64))
    card_key: Mapped[str | None] = mapped_column(String(128))
    # A person answered from the platform's own tool (Zalo OA): the bot keeps quiet
    # for this user until then.
    paused_until: Mapped[datetime | None] = mapped_column(DateTime())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime())
    closed_by: Mapped[str | None] = mapped_column(String(128))


class HandoffMessage(Base):
    """One message of a hand-off conversation, either way: what staff see on the
    dashboard, and how a reply to a staff member's own message finds its conversation."""

    __tablename__ = "handoff_messages"
    __table_args__ = (
        Index("ix_handoff_messages_conversation_id", "conversation_id", "id"),
        Index("ix_handoff_messages_staff_ref", "staff_ref"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("handoff_conversations.id", ondelete="CASCADE")
    )
    author: Mapped[str] = mapped_column(String(16))  # worker | staff | platform
    author_name: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str | None] = mapped_column(Text)
    media_kind: Mapped[str | None] = mapped_column(String(16))
    media_ref: Mapped[str | None] = mapped_column(String(512))
    # A staff member's message in the staff chat (its platform message id).
    staff_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)


class Recording(Base):
    """A spoken answer: one FAQ entry in one language, recorded or uploaded by a staff
    member. The audio itself is kept here, so a new bot token, another channel or a
    restore still has it; platforms' file ids are only a cache (`RecordingFile`)."""

    __tablename__ = "recordings"
    __table_args__ = (UniqueConstraint("entry_id", "language"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    # Deferred: listings never load the bytes; `db.recordings.audio_of` does.
    audio: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    mime_type: Mapped[str] = mapped_column(String(64))
    # Seconds, when the format or the platform tells it.
    duration: Mapped[int | None] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    recorded_by: Mapped[str] = mapped_column(String(128))
    # Where it came from: chat (a voice note in the staff chat) or web (the dashboard).
    source: Mapped[str] = mapped_column(String(8), default="chat")
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)


class RecordingFile(Base):
    """A platform's own id for a recording once uploaded there (Telegram's file_id), so
    it is uploaded once and then reused; `sha256` names the audio it was made from."""

    __tablename__ = "recording_files"
    __table_args__ = (UniqueConstraint("recording_id", "channel"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recording_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("recordings.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(16))
    file_ref: Mapped[str] = mapped_column(String(256))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)


class FaqAnswerCount(Base):
    """How often each FAQ entry was answered: which spoken answers matter most."""

    __tablename__ = "faq_answer_counts"

    entry_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow)


# Any text fits: values are cut to their column's length and NUL characters dropped.
store_any_text(Base.metadata)
# SQLite never gives a deleted row's id to a new row (AUTOINCREMENT; PostgreSQL's
# sequences never do): old cards, buttons and history name their row, not a newer one.
# SQLite applies it to a table whose key is one integer column (migration 0011).
for _table in Base.metadata.tables.values():
    _table.dialect_kwargs["sqlite_autoincrement"] = True
