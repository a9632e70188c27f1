"""The channel-agnostic message types that flow between adapters and the dialog core."""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

AttachmentKind = Literal["document", "photo", "voice", "audio", "video"]
MediaKind = Literal[
    "photo", "voice", "audio", "video", "video_note", "document", "sticker", "location", "other"
]


@dataclass(frozen=True, slots=True)
class ChannelLimits:
    """What a channel can do, as the dialog and the inbox processor need to know it."""

    max_text: int
    # Real buttons whose action comes back when pressed (else: numbered choices).
    buttons: bool
    # A button that shares the user's own phone number (Telegram's request_contact).
    share_contact: bool = False
    # Kinds of media a user of this channel can be sent (a staff member's photo or voice
    # note relayed in a hand-off); anything else reaches them as text only.
    media: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Contact:
    """A phone number the user shared: with the platform's own button or form (`is_own`:
    the platform vouches it is the sender's own number), or someone's card."""

    phone: str
    name: str | None = None
    is_own: bool = True


@dataclass(frozen=True, slots=True)
class Media:
    """Something that is not text: kept as the platform's reference so staff can see it."""

    kind: MediaKind
    file_ref: str | None = None
    caption: str | None = None
    # The channel `file_ref` belongs to, when it is sent on another one (a Telegram
    # file id relayed to a Zalo user is downloaded and uploaded there at send time).
    origin: str | None = None
    # What the platform says of the file, when it does (a voice note's size in bytes,
    # length in seconds, MIME type): checked before it is fetched.
    size: int | None = None
    duration: int | None = None
    mime: str | None = None


@dataclass(frozen=True, slots=True)
class Incoming:
    """One event from a user: text, a pressed button, a shared contact or media."""

    channel: str
    user_key: str
    update_key: str
    text: str | None = None
    action: str | None = None
    contact: Contact | None = None
    media: Media | None = None
    display_name: str | None = None
    chat_key: str | None = None
    # In the staff chat: the platform message id the staff member replied to.
    reply_to: str | None = None
    # The platform message id of this event (for quoting or forwarding).
    message_ref: str | None = None
    # The user let the bot write to them again (True: unblocked it, followed the Zalo
    # OA) or stopped it (False: blocked it, unfollowed); None for everything else.
    following: bool | None = None
    # A person of the centre wrote this to the user from the platform's own tool (Zalo
    # OA's chat, `oa_send_*` with `admin_id`): their id there. Recorded, never answered.
    operator: str | None = None
    # The platform's album id (Telegram `media_group_id`): items of one album are handled
    # as one message, whose `album` holds every item in order (`media` is the first).
    media_group: str | None = None
    album: tuple[Media, ...] = ()

    @property
    def chat(self) -> str:
        return self.chat_key or self.user_key

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Incoming:
        data = dict(data)
        if data.get("contact"):
            data["contact"] = Contact(**data["contact"])
        if data.get("media"):
            data["media"] = Media(**data["media"])
        if data.get("album"):
            data["album"] = tuple(Media(**item) for item in data["album"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Button:
    """A choice; `action` is a short string (Telegram callback data is at most 64 bytes)."""

    label: str
    action: str

    def __post_init__(self) -> None:
        if len(self.action.encode()) > 64:
            raise ValueError(f"button action over 64 bytes: {self.action!r}")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file we send (an Excel export, a QR code). Kept in the outbox, so base64 text."""

    filename: str
    data_b64: str
    kind: AttachmentKind = "document"

    @classmethod
    def of(cls, filename: str, data: bytes, kind: AttachmentKind = "document") -> Attachment:
        return cls(filename, base64.b64encode(data).decode("ascii"), kind)

    @property
    def data(self) -> bytes:
        return base64.b64decode(self.data_b64)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot says: text plus optional buttons (and, for staff, a file)."""

    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    # Ask for the user's phone with the platform's share-contact button where it exists.
    request_contact: bool = False
    attachment: Attachment | None = None
    # A spoken answer (`recordings.id`) to send with the text: a voice note where the
    # channel takes one, else a link (the outbox reads the audio when it sends).
    recording: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "buttons": [[b.label, b.action] for b in self.buttons],
            "request_contact": self.request_contact,
        }
        if self.attachment is not None:
            data["attachment"] = asdict(self.attachment)
        if self.recording is not None:
            data["recording"] = self.recording
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        attachment = data.get("attachment")
        return cls(
            text=data["text"],
            buttons=tuple(Button(label, action) for label, action in data.get("buttons", [])),
            request_contact=bool(data.get("request_contact", False)),
            attachment=Attachment(**attachment) if attachment else None,
            recording=data.get("recording") if isinstance(data.get("recording"), int) else None,
        )


@dataclass(frozen=True, slots=True)
class Notice:
    """The facts of a registration status notice, for a channel that delivers notices
    as a template of its own (Zalo ZNS) rather than as the notice's text."""

    code: str
    status: str  # the status in words, as the applicant sees it
    full_name: str
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class FailureReport:
    """Who is told when a message can never be delivered, and in which words."""

    channel: str
    chat_key: str
    texts: dict[str, str]  # outcome (unreachable, blocked, failed) → text
    kind: str = "reply"
    user_id: int | None = None
    thread: str | None = None
    conversation: int | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to somebody other than the sender (the staff chat, or a user from staff)."""

    channel: str
    chat_key: str
    reply: Reply
    kind: str
    user_id: int | None = None
    # A media reference to pass along (a worker's voice note relayed to staff).
    media: Media | None = None
    # A registration status notice's facts (kind "notice").
    notice: Notice | None = None
    # Several media passed along as one album (a worker's photos to staff).
    album: tuple[Media, ...] = ()
    # The outbox idempotency key to queue it under (a message later ones refer to, like
    # a hand-off card); None = the inbox processor's own key for the update.
    key: str | None = None
    # Send it as a reply to the platform message of the outbox row with this key (the
    # sender looks the message id up when it sends: a thread under a card).
    thread: str | None = None
    # The hand-off conversation it belongs to (so a reply to it finds the conversation).
    conversation: int | None = None
    # Whom to tell if it never arrives: an `Outgoing` to send instead, its text per
    # outcome ("unreachable", "blocked", "failed"); see `OutboxSender._report`.
    on_failure: FailureReport | None = None

    def payload(self, part: Reply | None = None, first: bool = True) -> dict[str, Any]:
        """The outbox row's payload for this message, or for `part` of it (the media and
        the notice ride with the first part)."""
        data: dict[str, Any] = {"reply": (part or self.reply).to_json()}
        if first and self.album:
            data["album"] = [asdict(m) for m in self.album]
        if first and self.media is not None:
            data["media"] = asdict(self.media)
        if first and self.notice is not None:
            data["notice"] = asdict(self.notice)
        if self.thread is not None:
            data["thread"] = self.thread
        if self.conversation is not None:
            data["conversation"] = self.conversation
        if first and self.on_failure is not None:
            data["on_failure"] = asdict(self.on_failure)
        return data
