"""Declared routes: each feature says which commands, buttons, flows and free text it takes.

In the spirit of aiogram's ``Router`` and python-telegram-bot's handler groups, written
for our ``Incoming``/``Reply`` core. A feature module makes a ``Router`` and decorates
its handlers::

    router = Router("staff")

    @router.command("xem", staff=True, where=ANYWHERE, help="/xem MÃ: xem một hồ sơ")
    async def view(ctx, incoming, args): ...

    @router.action(SetStatus, staff=True, where=ANYWHERE)
    async def set_status(ctx, incoming, action): ...

``handlers/routes.py`` includes every feature's router in one ordered list and freezes
them into ``Routes``; ``handlers/dialog.py`` asks ``Routes`` who handles an update. The
help texts and the staff command list come from these declarations, so a command cannot
be listed in one place and missing in another.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, TypeVar

from handlers.actions import SEPARATOR, Action
from handlers.context import Context
from handlers.types import Incoming, Reply

__all__ = [
    "ANYWHERE",
    "FLOW_IDLE",
    "PRIVATE",
    "STAFF_CHAT",
    "ActionRoute",
    "CommandRoute",
    "ExitHandler",
    "Flow",
    "Replies",
    "RouteConflict",
    "Router",
    "Routes",
    "TextRoute",
    "Where",
    "resolve",
]

Where = Literal["private", "staff_chat"]
PRIVATE: frozenset[Where] = frozenset({"private"})
STAFF_CHAT: frozenset[Where] = frozenset({"staff_chat"})
ANYWHERE: frozenset[Where] = frozenset({"private", "staff_chat"})

Replies = list[Reply]
MaybeAwaitable = Replies | Awaitable[Replies]
CommandHandler = Callable[[Context, Incoming, str], MaybeAwaitable]
ActionHandler = Callable[[Context, Incoming, Any], MaybeAwaitable]
# A flow's next message: its replies, or None when the message is not for it after all
# (the flow has ended and free text answers it).
MessageHandler = Callable[[Context, Incoming], Replies | Awaitable[Replies | None] | None]
# Free text: the handler's replies, or None when the text is not for this feature.
TextHandler = Callable[[Context, Incoming, str], Replies | Awaitable[Replies | None] | None]
StartHandler = Callable[[Context], MaybeAwaitable]
# Called when a user's turn leaves the flow by any other way (another flow, /menu …).
ExitHandler = Callable[[Context], Awaitable[None] | None]
# A flow untouched for this long is not resumed by the user's next message.
FLOW_IDLE = timedelta(hours=6)

F = TypeVar("F", bound=Callable[..., Any])


async def resolve(result: Any) -> Any:
    """Handlers may be plain or async functions; the router awaits when needed."""
    return await result if inspect.isawaitable(result) else result


class RouteConflict(ValueError):
    """Two features claim the same command, button shape or flow name."""


@dataclass(frozen=True)
class CommandRoute:
    names: tuple[str, ...]
    handler: CommandHandler
    where: frozenset[Where]
    staff: bool
    help: str
    feature: str


@dataclass(frozen=True)
class ActionRoute:
    types: tuple[type[Action], ...]
    handler: ActionHandler
    where: frozenset[Where]
    staff: bool
    feature: str


@dataclass(frozen=True)
class TextRoute:
    """A free-text intent: tried in declaration order before the FAQ answers."""

    name: str
    handler: TextHandler
    feature: str


@dataclass(frozen=True)
class Flow:
    """A conversation that takes the user's next messages until it ends.

    ``name`` is what ``conversation_states.flow`` holds; ``on_message`` gets every text,
    media or contact while the flow runs (buttons go to their action routes; returning
    None lets the message go on to media and free-text routes). ``staff`` flows only run
    for staff; ``where`` says in which chats the flow lives. ``idle``: after this long
    untouched the flow is left at the next message (None: never; the feature ends it).
    ``on_exit`` runs when a turn leaves the flow any other way than the flow's own.
    ``escapes``: the free-text intents (faq/data/intents.yaml) that leave the flow, so a
    worker who asks for a person or says they are in trouble is never taken for an answer
    to the flow's question, except at ``free_text_steps`` (a note, where «từng bị lừa»
    is the answer).
    """

    name: str
    start: StartHandler
    on_message: MessageHandler
    where: frozenset[Where] = PRIVATE
    staff: bool = False
    feature: str = ""
    idle: timedelta | None = FLOW_IDLE
    on_exit: ExitHandler | None = None
    escapes: frozenset[str] = frozenset()
    free_text_steps: frozenset[str] = frozenset()

    def escaped_by(self, step: str | None, found: frozenset[str]) -> bool:
        """Whether intents found in a message leave the flow at this step."""
        return bool(self.escapes & found) and (step or "") not in self.free_text_steps


# What leaves a worker's flow unless it says otherwise (Router.flow's `escapes`).
ESCAPE_INTENTS = frozenset({"talk_to_person", "distress"})


@dataclass
class Router:
    """The routes of one feature, declared with decorators at import time."""

    name: str
    commands: list[CommandRoute] = field(default_factory=list)
    actions: list[ActionRoute] = field(default_factory=list)
    texts: list[TextRoute] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)

    def command(
        self,
        *names: str,
        help: str = "",
        staff: bool = False,
        where: frozenset[Where] = PRIVATE,
    ) -> Callable[[F], F]:
        """``/name args``: the handler gets ``(ctx, incoming, args)``."""

        def register(handler: F) -> F:
            route = CommandRoute(names, handler, where, staff, help, self.name)
            self.commands.append(route)
            return handler

        return register

    def action(
        self, *types: type[Action], staff: bool = False, where: frozenset[Where] = PRIVATE
    ) -> Callable[[F], F]:
        """A pressed button of one of ``types``: the handler gets the unpacked action."""

        def register(handler: F) -> F:
            self.actions.append(ActionRoute(types, handler, where, staff, self.name))
            return handler

        return register

    def text(self, name: str) -> Callable[[F], F]:
        """A free-text intent (``None`` from the handler: not mine, try the next)."""

        def register(handler: F) -> F:
            self.texts.append(TextRoute(name, handler, self.name))
            return handler

        return register

    def flow(
        self,
        name: str,
        start: StartHandler,
        on_message: MessageHandler,
        *,
        where: frozenset[Where] = PRIVATE,
        staff: bool = False,
        idle: timedelta | None = FLOW_IDLE,
        on_exit: ExitHandler | None = None,
        escapes: frozenset[str] | None = None,
        free_text_steps: frozenset[str] = frozenset(),
    ) -> Flow:
        if escapes is None:  # a worker's flow: a person or distress always leaves it
            escapes = frozenset() if staff else ESCAPE_INTENTS
        flow = Flow(
            name, start, on_message, where, staff, self.name, idle, on_exit, escapes,
            free_text_steps,
        )  # fmt: skip
        self.flows.append(flow)
        return flow


@dataclass(frozen=True)
class Routes:
    """Every feature's routes, checked for conflicts and indexed for dispatch."""

    commands: dict[tuple[Where, str], CommandRoute]
    actions: dict[tuple[str, int], tuple[type[Action], ActionRoute]]
    texts: tuple[TextRoute, ...]
    flows: dict[str, Flow]
    order: tuple[CommandRoute, ...]

    @classmethod
    def build(cls, routers: Sequence[Router]) -> Routes:
        commands: dict[tuple[Where, str], CommandRoute] = {}
        actions: dict[tuple[str, int], tuple[type[Action], ActionRoute]] = {}
        flows: dict[str, Flow] = {}
        for router in routers:
            for command in router.commands:
                for where in command.where:
                    for name in command.names:
                        _claim(commands, (where, name), command, f"/{name} in {where}")
            for route in router.actions:
                for kind in route.types:
                    _claim(actions, kind.shape(), (kind, route), f"button {kind.__name__}")
            for flow in router.flows:
                _claim(flows, flow.name, flow, f"flow {flow.name}")
        texts = tuple(t for r in routers for t in r.texts)
        order = tuple(c for r in routers for c in r.commands)
        return cls(commands, actions, texts, flows, order)

    def command(self, where: Where, name: str) -> CommandRoute | None:
        return self.commands.get((where, name))

    def action(self, data: str) -> tuple[ActionRoute, Action] | None:
        """The route and unpacked action for callback data; the longest prefix wins."""
        parts = data.split(SEPARATOR)
        for size in range(len(parts), 0, -1):
            found = self.actions.get((SEPARATOR.join(parts[:size]), len(parts) - size))
            if found is None:
                continue
            kind, route = found
            action = kind.unpack(data)
            if action is not None:
                return route, action
        return None

    def help_lines(self, where: Where, staff: bool) -> list[str]:
        """The commands a person may use here, with their help text, in declared order."""
        return [c.help for c in self.order if c.help and where in c.where and c.staff == staff]


def _claim(table: dict[Any, Any], key: Any, value: Any, what: str) -> None:
    if key in table:
        raise RouteConflict(f"{what} is declared twice")
    table[key] = value


def routers_of(modules: Iterable[Any]) -> list[Router]:
    """The ``router`` attribute of each feature module, in order."""
    return [module.router for module in modules]
