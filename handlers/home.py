"""Start, menu, help, cancel and greetings: the ways back home from anywhere."""

from __future__ import annotations

import re
import unicodedata

from faq.normalize import fold
from handlers import listen, menu, referrals, subscriptions
from handlers.access import is_staff
from handlers.context import Context
from handlers.menu import MainMenu
from handlers.registration import flow as registration
from handlers.router import PRIVATE, STAFF_CHAT, Router
from handlers.types import Incoming, Reply

router = Router("home")

GREETINGS = frozenset(
    {
        "xin chao",
        "chao",
        "chao ban",
        "chao ad",
        "chao admin",
        "chao em",
        "chao anh",
        "chao chi",
        "hi",
        "hello",
        "helo",
        "alo",
        "a lo",
        "hey",
        "start",
        "menu",
        "bat dau",
        "ad oi",
        "admin oi",
        "shop oi",
        "xin chao ban",
        "chao buoi sang",
    }
)


# Polite particles and calls that end a greeting («Chào ad ạ», «xin chào nhé», «alo ơi»).
PARTICLES = frozenset({"a", "nhe", "nha", "oi", "nhen", "ne", "day", "ah"})
_NOT_WORDS = re.compile(r"[^\w\s]", re.UNICODE)


def is_greeting(text: str) -> bool:
    """Whether the text is a greeting of the set: invisible characters (zero-width spaces,
    direction marks: Unicode "Cf") are word breaks, emoji and punctuation go, diacritics
    are folded, and polite particles at the end may be dropped («Chào ad ạ», «ad ơi»)."""
    return is_one_of(text, GREETINGS)


def is_one_of(text: str, phrases: frozenset[str], particles: frozenset[str] = PARTICLES) -> bool:
    """Whether the whole text is one of the (folded) phrases, read as `is_greeting` reads
    a greeting: invisible characters break words, emoji and punctuation go, diacritics
    fold, and polite particles at the end may be dropped."""
    words = plain_words(text)
    while words:
        if " ".join(words) in phrases:
            return True
        if len(words) == 1 or words[-1] not in particles:
            return False
        words.pop()
    return False


def plain_words(text: str) -> list[str]:
    """The folded words of a short message, without emoji, punctuation or invisible marks."""
    visible = "".join(" " if unicodedata.category(c) == "Cf" else c for c in text)
    return fold(_NOT_WORDS.sub(" ", visible)).split()


def first_questions(ctx: Context) -> list[Reply]:
    """At first contact, after the greeting: the language to listen in, then the news
    question; each asked once."""
    return [*listen.ask_once(ctx), *subscriptions.ask_once(ctx)]


def draft_offer(ctx: Context) -> list[Reply]:
    """A worker back after days away is offered to finish the form they began."""
    return registration.start(ctx) if registration.has_draft(ctx) else []


@router.command("start", "batdau", help="/start: bắt đầu lại, xem menu")
async def start(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    if args:
        await referrals.attribute(ctx, args)
    ctx.end_flow()
    return [menu.main_menu(ctx, greeting=True), *draft_offer(ctx), *first_questions(ctx)]


@router.command("menu", help="/menu: về menu chính")
def main_menu(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    ctx.end_flow()
    return [menu.main_menu(ctx), *draft_offer(ctx)]


@router.command("help", "trogiup", "huongdan")
def help_command(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    if ctx.routes is None:
        return [menu.help_reply(ctx, [])]
    reply = menu.help_reply(ctx, ctx.routes.help_lines("private", staff=False))
    if not is_staff(ctx):
        return [reply]
    return [reply, staff_help(ctx.routes.help_lines("private", staff=True))]


@router.command("help", "trogiup", "huongdan", where=STAFF_CHAT)
def staff_help_command(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    return [staff_help(ctx.routes.help_lines("staff_chat", staff=True) if ctx.routes else [])]


def staff_help(lines: list[str]) -> Reply:
    """The staff commands, from their declarations."""
    return Reply("Lệnh cho cán bộ:\n" + "\n".join(f"• {line}" for line in lines))


@router.command("huy", "cancel", "dung", help="/huy: dừng việc đang làm")
def cancel(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    ctx.end_flow()
    return [menu.cancelled(ctx)]


@router.command("huy", "cancel", where=STAFF_CHAT)
def cancel_in_staff_chat(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    ctx.end_flow()
    return [Reply("Đã thôi.")]


@router.action(MainMenu, where=PRIVATE)
def back_to_menu(ctx: Context, incoming: Incoming, action: MainMenu) -> list[Reply]:
    ctx.end_flow()
    return [menu.main_menu(ctx)]


@router.text("greeting")
def greeting(ctx: Context, incoming: Incoming, text: str) -> list[Reply] | None:
    if not is_greeting(text):
        return None
    return [menu.main_menu(ctx, greeting=True), *draft_offer(ctx), *first_questions(ctx)]
