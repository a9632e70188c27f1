"""Typed button actions: packing, unpacking and the 64-byte check at definition time."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.actions import MAX_BYTES, Action, ActionDefinitionError, Text


class Pick(Action, prefix="t:pick"):
    colour: Literal["red", "green"]
    item_id: int


class Named(Action, prefix="t:named"):
    name: Annotated[str, Text(30)]


class Plain(Action, prefix="t:plain"):
    pass


def test_pack_gives_the_wire_format_and_unpack_reads_it_back() -> None:
    assert Pick("red", 42).pack() == "t:pick:red:42"
    assert Pick.unpack("t:pick:red:42") == Pick("red", 42)
    assert Plain().pack() == "t:plain"
    assert Plain.unpack("t:plain") == Plain()
    assert Named.unpack("t:named:Hà Nhì") == Named("Hà Nhì")


@pytest.mark.parametrize(
    "data",
    [
        "t:pick:blue:1",  # not a choice
        "t:pick:red",  # a field missing
        "t:pick:red:1:2",  # one too many
        "t:pick:red:-1",  # ids are not negative
        "t:pick:red:１２",  # full-width digits are not an id
        "t:pick:red:" + "9" * 25,  # above a 64-bit id
        "t:plainx",
        "t:plain:1",
        "t:named:",
        "t:named:\ud800",  # a lone surrogate, as a platform's JSON may carry
        "x:pick:red:1",
    ],
)
def test_data_this_class_could_not_have_packed_is_refused(data: str) -> None:
    assert Pick.unpack(data) is None
    assert Plain.unpack(data) is None or data == "t:plain"
    assert Named.unpack(data) is None


def test_pack_refuses_values_that_would_not_read_back() -> None:
    with pytest.raises(ValueError):
        Named("a:b").pack()
    with pytest.raises(ValueError):
        Named("x" * 31).pack()
    with pytest.raises(ValueError):
        Pick("red", -3).pack()


def test_a_class_that_could_overflow_64_bytes_fails_when_it_is_defined() -> None:
    with pytest.raises(ActionDefinitionError, match="64"):

        class TooLong(Action, prefix="t:long"):
            first: Annotated[str, Text(40)]
            second: int


def test_an_unbounded_field_fails_when_it_is_defined() -> None:
    with pytest.raises(ActionDefinitionError):

        class Unbounded(Action, prefix="t:free"):
            text: str


def test_an_empty_prefix_part_fails_when_it_is_defined() -> None:
    with pytest.raises(ActionDefinitionError):

        class Empty(Action, prefix="t::x"):
            pass


@given(
    colour=st.sampled_from(["red", "green"]),
    item_id=st.integers(min_value=0, max_value=10**18 - 1),
)
def test_every_value_packs_within_the_limit_and_reads_back(colour: str, item_id: int) -> None:
    action = Pick(colour, item_id)  # type: ignore[arg-type]
    data = action.pack()
    assert len(data.encode()) <= MAX_BYTES
    assert Pick.unpack(data) == action


@given(
    st.text(
        alphabet=st.characters(blacklist_characters=":", blacklist_categories=("Cs",)),
        min_size=1,
        max_size=30,
    )
)
def test_text_fields_read_back_whatever_the_worker_typed(name: str) -> None:
    if len(name.encode()) > 30:
        return
    assert Named.unpack(Named(name).pack()) == Named(name)
