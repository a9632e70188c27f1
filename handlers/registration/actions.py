"""The registration form's buttons, typed (the wire format is the one already in chats).

The answers to a question are declared with the question (`questions.py`), so a field's
buttons come from its declaration in `form.py`; the ones here steer the form itself.
"""

from __future__ import annotations

from typing import Annotated, Literal

from handlers.actions import Action, Text


# --- staff, under a registration's card ------------------------------------------------
class SetStatus(Action, prefix="rs"):
    """A status button under a registration card."""

    status: Annotated[str, Text(20)]
    registration_id: int


class WriteNote(Action, prefix="rn"):
    """«📝 Ghi chú» under a registration card: the staff member's next message is the note."""

    registration_id: int


# --- the worker's form -------------------------------------------------------------------
class Consent(Action, prefix="reg:consent"):
    answer: Literal["yes", "no"]


class Resume(Action, prefix="reg:resume"):
    """Continue the draft."""


class Restart(Action, prefix="reg:restart"):
    """Drop the draft and start again."""


class Cancel(Action, prefix="reg:cancel"):
    """Stop and drop the draft."""


class Submit(Action, prefix="reg:submit"):
    """«Gửi»: the registration goes to the centre."""


class EditMenu(Action, prefix="reg:edit"):
    """«Sửa»: which answer to change."""


class EditField(Action, prefix="reg:edit"):
    key: Annotated[str, Text(16)]


class ShowSummary(Action, prefix="reg:summary"):
    """Back to the summary."""


class News(Action, prefix="reg:news"):
    """The separate consent to job-fair news, from the summary."""

    value: Literal["on", "off"]


class OtherProvince(Action, prefix="reg:com:other"):
    """«Tôi ở tỉnh khác»: ask the province again."""


class Update(Action, prefix="reg:update"):
    """The owner changes a registration already sent."""

    registration_id: int


class Withdraw(Action, prefix="reg:withdraw"):
    """The owner asks to withdraw a registration (confirmed next)."""

    registration_id: int


class ConfirmWithdraw(Action, prefix="reg:withdraw"):
    registration_id: int
    confirm: Literal["yes"]
