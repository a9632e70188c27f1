"""What a handler gets for one update: its dependencies, passed in, never from globals."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User
from db.users import State
from handlers.types import ChannelLimits, FailureReport, Media, Outgoing, Reply
from settings import Settings

if TYPE_CHECKING:
    from db.recruiters import RegistryCache
    from faq.service import FaqService
    from handlers.router import Routes


# State data under keys with this prefix survives leaving a flow (a half-filled form).
DRAFT_PREFIX = "draft:"
# The sender's channel when none is given (tests): buttons, no contact sharing.
BUTTONS = ChannelLimits(max_text=4096, buttons=True)


@dataclass(frozen=True, slots=True)
class StaffRoute:
    """Where messages for centre staff go (the staff chat on some channel)."""

    channel: str
    chat_key: str


@dataclass
class Context:
    settings: Settings
    session: AsyncSession
    user: User
    state: State
    faq: FaqService | None = None
    registry: RegistryCache | None = None
    staff: StaffRoute | None = None
    in_staff_chat: bool = False
    # The sender is centre staff by the channel's own staff list (STAFF_IDS on Telegram),
    # wherever they write from.
    staff_member: bool = False
    # What the sender's channel can do, and its name as staff read it ("Zalo OA").
    limits: ChannelLimits = BUTTONS
    channel_title: str = ""
    # What each running channel can do, by name (a staff member's answer may go to a
    # worker on another channel).
    channel_limits: Mapping[str, ChannelLimits] = field(default_factory=dict)
    # The Telegram bot's @username (for deep links), once the channel has started.
    bot_username: str | None = None
    outgoing: list[Outgoing] = field(default_factory=list)
    # Set by the erasure flow: the inbox processor deletes the user and their message texts.
    forget_user: bool = False
    # What happened, for metrics after the commit ("faq:answer", "faq:none" …).
    events: list[str] = field(default_factory=list)
    # The declared routes (set by the dialog; the help texts are derived from them).
    routes: Routes | None = None
    # Fetch a file the sender sent on this channel (its bytes and file name), where the
    # channel can (Telegram: getFile): a staff member's voice note kept as a spoken answer.
    download: Callable[[str], Awaitable[tuple[bytes, str]]] | None = None

    # --- conversation state -------------------------------------------------
    @property
    def flow(self) -> str | None:
        return self.state.flow

    @property
    def step(self) -> str | None:
        return self.state.step

    def start_flow(self, flow: str, step: str, data: dict[str, Any] | None = None) -> None:
        self.state.flow = flow
        self.state.step = step
        self.state.data = {**self._drafts(), **(data or {})}

    def end_flow(self) -> None:
        """Leave the running flow; drafts (keys `draft:…`) are kept for later."""
        self.state.flow = None
        self.state.step = None
        self.state.data = self._drafts()

    def _drafts(self) -> dict[str, Any]:
        return {k: v for k, v in (self.state.data or {}).items() if k.startswith(DRAFT_PREFIX)}

    # --- side effects (written to the outbox with the state change) -----------
    def send_to_staff(
        self,
        reply: Reply,
        kind: str = "handoff",
        media: Media | None = None,
        route: StaffRoute | None = None,
        album: tuple[Media, ...] = (),
        *,
        about: User | None = None,
        key: str | None = None,
        thread: str | None = None,
        conversation: int | None = None,
    ) -> bool:
        """Queue a message for the staff chat (or `route`); False when there is none.

        `album`: several media shown as one album (then `media` is not sent apart).
        `about`: the worker it concerns (default: the sender). `key`, `thread` and
        `conversation`: see `Outgoing` (a hand-off card and the replies under it)."""
        route = route or self.staff
        if route is None:
            return False
        self.outgoing.append(
            Outgoing(
                channel=route.channel,
                chat_key=route.chat_key,
                reply=reply,
                kind=kind,
                user_id=(about or self.user).id,
                media=None if album else media,
                album=album,
                key=key,
                thread=thread,
                conversation=conversation,
            )
        )
        return True

    def send_to_user(
        self,
        user: User,
        reply: Reply,
        kind: str = "relay",
        media: Media | None = None,
        conversation: int | None = None,
        on_failure: FailureReport | None = None,
    ) -> None:
        self.outgoing.append(
            Outgoing(
                channel=user.channel,
                chat_key=user.external_id,
                reply=reply,
                kind=kind,
                user_id=user.id,
                media=media,
                conversation=conversation,
                on_failure=on_failure,
            )
        )
