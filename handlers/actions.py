"""Typed button actions: what a button does, declared once, packed into callback data.

A button carries a short string (Telegram allows 64 bytes of callback data). Each
feature declares its actions as small frozen dataclasses with a wire prefix, in the
spirit of aiogram's ``CallbackData``::

    class SetStatus(Action, prefix="rs"):
        status: StatusCode          # a Literal: its longest value bounds the size
        registration_id: int

    SetStatus("da_lien_he", 42).pack()   # "rs:da_lien_he:42"
    SetStatus.unpack("rs:da_lien_he:42") # SetStatus(status="da_lien_he", registration_id=42)

Fields may be ``int`` (non-negative), a ``Literal`` of strings, or a string bounded with
``Annotated[str, Text(n)]``. The longest possible packed form is computed when the class
is defined, so an action that could overflow 64 bytes fails at import, in every test,
not in production when a long value turns up. The wire format (``prefix:field:field``)
is the one the buttons already in workers' chats carry.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, Literal, Self, get_args, get_origin

from typing_extensions import dataclass_transform

__all__ = ["MAX_BYTES", "SEPARATOR", "Action", "ActionDefinitionError", "Text"]

MAX_BYTES = 64  # Telegram's limit for callback data
SEPARATOR = ":"
# An int field packs to at most this many digits: always below 2^63, the largest BIGINT.
INT_DIGITS = 18


class ActionDefinitionError(TypeError):
    """An action class that could produce invalid callback data."""


@dataclasses.dataclass(frozen=True, slots=True)
class Text:
    """``Annotated[str, Text(24)]``: a string field of at most this many UTF-8 bytes."""

    max_bytes: int


@dataclasses.dataclass(frozen=True, slots=True)
class _Field:
    """How one field is packed and read back."""

    name: str
    kind: Literal["int", "literal", "text"]
    choices: tuple[str, ...] = ()
    max_bytes: int = 0

    def encode(self, value: Any) -> str:
        if self.kind == "int":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{self.name} must be a non-negative int, got {value!r}")
            text = str(value)
            if len(text) > INT_DIGITS:
                raise ValueError(f"{self.name} is too large: {value}")
            return text
        if not isinstance(value, str):
            raise ValueError(f"{self.name} must be a string, got {value!r}")
        if self.kind == "literal" and value not in self.choices:
            raise ValueError(f"{self.name} must be one of {self.choices}, got {value!r}")
        if SEPARATOR in value:
            raise ValueError(f"{self.name} must not contain {SEPARATOR!r}: {value!r}")
        if self.kind == "text" and not _utf8_within(value, self.max_bytes):
            raise ValueError(f"{self.name} is over {self.max_bytes} bytes: {value!r}")
        return value

    def decode(self, text: str) -> Any:
        """The field's value, or None when ``text`` is not one it could have packed."""
        if self.kind == "int":
            ok = text.isascii() and text.isdigit() and len(text) <= INT_DIGITS
            return int(text) if ok else None
        if self.kind == "literal":
            return text if text in self.choices else None
        if not text or not _utf8_within(text, self.max_bytes):
            return None
        return text

    @property
    def width(self) -> int:
        """The most bytes this field can take once packed."""
        if self.kind == "int":
            return INT_DIGITS
        if self.kind == "literal":
            return max(len(c.encode()) for c in self.choices)
        return self.max_bytes


def _utf8_within(text: str, limit: int) -> bool:
    """Whether the text is valid UTF-8 of at most ``limit`` bytes (a lone surrogate, which
    a platform's JSON may carry, is not)."""
    try:
        return len(text.encode()) <= limit
    except UnicodeEncodeError:
        return False


def _describe(cls: type, name: str, hint: Any) -> _Field:
    """Read one annotation into a packing rule; refuse the ones that cannot be bounded."""
    if hint is int:
        return _Field(name, "int")
    if get_origin(hint) is Literal:
        choices = get_args(hint)
        if not choices or not all(isinstance(c, str) and c for c in choices):
            raise ActionDefinitionError(f"{cls.__name__}.{name}: Literal of non-empty strings")
        if any(SEPARATOR in c for c in choices):
            raise ActionDefinitionError(f"{cls.__name__}.{name}: a choice contains {SEPARATOR!r}")
        return _Field(name, "literal", tuple(choices))
    if get_origin(hint) is Annotated:
        base, *extras = get_args(hint)
        limits = [e for e in extras if isinstance(e, Text)]
        if base is str and limits:
            return _Field(name, "text", max_bytes=limits[0].max_bytes)
    raise ActionDefinitionError(
        f"{cls.__name__}.{name}: use int, a Literal of strings or Annotated[str, Text(n)]"
    )


@dataclass_transform(frozen_default=True)
class Action:
    """Base of every button action; subclasses are frozen dataclasses with a prefix."""

    prefix: ClassVar[str]
    _fields: ClassVar[tuple[_Field, ...]]

    def __init_subclass__(cls, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix or any(not part for part in prefix.split(SEPARATOR)):
            raise ActionDefinitionError(f"{cls.__name__}: empty prefix part in {prefix!r}")
        cls.prefix = prefix
        dataclasses.dataclass(frozen=True)(cls)
        hints = typing.get_type_hints(cls, include_extras=True)
        declared = dataclasses.fields(cls)  # type: ignore[arg-type]  # it is one now
        cls._fields = tuple(_describe(cls, f.name, hints[f.name]) for f in declared)
        longest = len(prefix.encode()) + sum(len(SEPARATOR) + f.width for f in cls._fields)
        if longest > MAX_BYTES:
            raise ActionDefinitionError(
                f"{cls.__name__} can pack to {longest} bytes, over the {MAX_BYTES}-byte limit"
            )

    @classmethod
    def shape(cls) -> tuple[str, int]:
        """The prefix and number of fields: what tells two action classes apart."""
        return cls.prefix, len(cls._fields)

    def pack(self) -> str:
        """The callback data of this action."""
        values = (f.encode(getattr(self, f.name)) for f in self._fields)
        return SEPARATOR.join((self.prefix, *values))

    @classmethod
    def unpack(cls, data: str) -> Self | None:
        """The action packed in ``data``, or None when ``data`` is not one of this class."""
        head = cls.prefix + SEPARATOR if cls._fields else cls.prefix
        if not data.startswith(head) or (not cls._fields and data != cls.prefix):
            return None
        parts: Sequence[str] = data[len(head) :].split(SEPARATOR) if cls._fields else ()
        if len(parts) != len(cls._fields):
            return None
        values = [f.decode(p) for f, p in zip(cls._fields, parts, strict=True)]
        if any(v is None for v in values):
            return None
        return cls(*values)
