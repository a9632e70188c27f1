"""Small talk gets a short, kind answer: «cảm ơn», «ok», «tạm biệt», and a bare number
that names no button on the screen. Never «tôi chưa có câu trả lời» (persona review §16),
and nothing is kept as an unanswered question."""

from __future__ import annotations

from handlers import menu
from handlers.context import Context
from handlers.home import PARTICLES, is_one_of, plain_words
from handlers.router import Router
from handlers.types import Incoming, Reply

router = Router("small_talk")

THANKS = frozenset(
    {
        "cam on",
        "cam on nhieu",
        "cam on em",
        "cam on em nhieu",
        "cam on ban",
        "cam on ban nhieu",
        "cam on ad",
        "cam on chau",
        "cam on con",
        "cam on anh",
        "cam on chi",
        "cam on trung tam",
        "cam on nhe",
        "camon",
        "cmon",
        "thank",
        "thanks",
        "thank you",
        "thank u",
        "tks",
        "thanks ad",
    }
)
AGREED = frozenset(
    {
        "ok",
        "oke",
        "okay",
        "okie",
        "okela",
        "vang",
        "da",
        "da vang",
        "vang a",
        "u",
        "uh",
        "uk",
        "um",
        "dc",
        "duoc",
        "duoc roi",
        "hieu roi",
        "da hieu",
        "biet roi",
        "em biet roi",
        "em hieu roi",
        "toi hieu roi",
        "ro roi",
        "roi",
    }
)
GOODBYE = frozenset({"tam biet", "bye", "bye bye", "bai", "chao tam biet", "hen gap lai"})
# «ok em», «cảm ơn chị nhé»: whom the worker speaks to, dropped like a particle.
ENDINGS = PARTICLES | {"em", "anh", "chi", "ad", "ban", "chau", "co", "chu", "bac", "nhieu"}
# A typed number this short names a button (a longer one may be a phone number).
MAX_CHOICE_DIGITS = 3


@router.text("small_talk")
def small_talk(ctx: Context, incoming: Incoming, text: str) -> list[Reply] | None:
    if is_one_of(text, THANKS, ENDINGS):
        return [Reply("Không có gì ạ. Bạn cần hỏi thêm gì cứ nhắn nhé.", menu.MENU_BUTTONS)]
    if is_one_of(text, AGREED, ENDINGS):
        return [Reply("Vâng. Bạn cần hỏi thêm gì cứ nhắn, hoặc chọn một mục.", menu.MENU_BUTTONS)]
    if is_one_of(text, GOODBYE, ENDINGS):
        return [Reply("Chúc bạn mọi điều tốt lành. Khi cần, bạn cứ nhắn lại nhé.")]
    words = plain_words(text)
    if len(words) == 1 and words[0].isascii() and words[0].isdigit():
        if len(words[0]) <= MAX_CHOICE_DIGITS:
            hint = (
                f"Số {words[0]} không có trong các lựa chọn. Bạn gõ số của một mục "
                "trong danh sách, hoặc gõ câu hỏi bằng chữ."
            )
            return [menu.not_understood(ctx, hint)]
    return None
