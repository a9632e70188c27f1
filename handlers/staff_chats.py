"""Which staff chat gets a registration: by commune, then province, else the centre's."""

from __future__ import annotations

from faq.normalize import fold
from handlers.context import Context, StaffRoute

TYPE_WORDS = ("xa ", "phuong ", "dac khu ", "tinh ", "thanh pho ")


def place_key(name: str) -> str:
    """'Xã Bát Xát' and 'bat xat' give the same key."""
    key = fold(name)
    for word in TYPE_WORDS:
        key = key.removeprefix(word)
    return key.strip()


def staff_chats(ctx: Context) -> set[str]:
    """Every staff chat: the centre's and the routed ones."""
    chats = {str(chat) for chat in ctx.settings.staff_chat_routes.values()}
    if ctx.staff is not None:
        chats.add(ctx.staff.chat_key)
    return chats


def route_for(ctx: Context, commune: str | None, province: str | None) -> StaffRoute | None:
    if ctx.staff is None:
        return None
    routes = {place_key(place): chat for place, chat in ctx.settings.staff_chat_routes.items()}
    for place in (commune, province):
        if place and place_key(place) in routes:
            return StaffRoute(ctx.staff.channel, str(routes[place_key(place)]))
    return ctx.staff
