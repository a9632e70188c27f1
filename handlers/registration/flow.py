"""The registration form: consent first, one question at a time, a summary, «Gửi».

The draft lives in the conversation state (`data["draft:reg"]`), written at every
step, so a restart, a second replica or a week away loses nothing; leaving the flow
(menu, /huy of another flow, a question to the FAQ) keeps it and the worker is offered
to continue later.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from faq.normalize import fold
from handlers.actions import Action
from handlers.context import Context
from handlers.menu import BACK_TO_MENU, MENU_BUTTONS, OpenRegistration, contact_line
from handlers.registration import fields, old_address, ownership
from handlers.registration.actions import (
    Cancel,
    ConfirmWithdraw,
    Consent,
    EditField,
    EditMenu,
    News,
    OtherProvince,
    Restart,
    Resume,
    ShowSummary,
    Submit,
    Update,
    Withdraw,
)
from handlers.registration.draft import FLOW, draft, forget_draft, save
from handlers.registration.draft import has_draft as has_draft  # for the dialog
from handlers.registration.form import BY_KEY, FIELDS, Field
from handlers.registration.questions import (
    CANCEL,
    PENDING,
    Answered,
    Choose,
    Underage,
    default_place,
    is_current_commune,
)
from handlers.registration.submit import submit_draft
from handlers.router import Router, resolve
from handlers.types import Button, Incoming, Reply

router = Router("registration")
EDITING = "reg_editing"
CONSENT_BUTTONS = (
    Button("✅ Đồng ý", Consent("yes").pack()),
    Button("❌ Không đồng ý", Consent("no").pack()),
)
# Consent typed instead of pressed.
CONSENT_ANSWERS = (
    fields.Option(
        "yes", "Đồng ý", ("co", "co a", "dong y", "dong y a", "ok", "oke", "u", "uh", "vang", "yes")
    ),
    fields.Option("no", "Không đồng ý", ("khong", "ko", "k", "khong a", "khong dong y", "no")),
)


def consent_text(ctx: Context) -> str:
    return (
        "Để đăng ký, tôi sẽ hỏi bạn khoảng 12 câu ngắn: họ tên, ngày sinh, số điện thoại, "
        "nơi ở, dân tộc, học vấn, nước muốn đi.\n"
        f"• Để làm gì: để cán bộ {ctx.settings.centre_name} liên hệ tư vấn cho bạn.\n"
        "• Ai nhận: chỉ cán bộ của trung tâm.\n"
        "• Giữ bao lâu: đến khi hồ sơ kết thúc, hoặc khi bạn yêu cầu xoá.\n"
        "• Xem hoặc xoá thông tin: gõ /dulieu hoặc /xoadulieu bất cứ lúc nào.\n"
        "Nhận tin về phiên giao dịch việc làm là một lựa chọn riêng, ở bước cuối.\n"
        "Bạn có đồng ý cho trung tâm nhận các thông tin này không?"
    )


def start(ctx: Context) -> list[Reply]:
    """Menu «Đăng ký»: continue a draft, or ask for consent first."""
    values = draft(ctx)
    if values:
        # Answers the worker gave (the province may have been filled in by default).
        done = sum(1 for f in FIELDS if f.key in values and f.key != "province")
        return [
            Reply(
                f"Bạn có bản đăng ký đang làm dở (đã trả lời {done} câu). Bạn muốn làm tiếp không?",
                (
                    Button("▶️ Làm tiếp", Resume().pack()),
                    Button("🔄 Làm lại từ đầu", Restart().pack()),
                    BACK_TO_MENU,
                ),
            )
        ]
    ctx.start_flow(FLOW, "consent")
    return [Reply(consent_text(ctx), CONSENT_BUTTONS)]


def _next(ctx: Context) -> list[Reply]:
    """Ask the first unanswered question, or show the summary."""
    values = draft(ctx)
    for field in FIELDS:
        if field.key not in values and field.needed(values):
            ctx.start_flow(FLOW, field.key)
            return [field.question.ask(ctx, values)]
    ctx.start_flow(FLOW, "summary")
    return [summary(ctx)]


def summary(ctx: Context) -> Reply:
    values = draft(ctx)
    editing = (
        f"Bạn đang sửa hồ sơ {values['replace_code']}.\n" if values.get("replace_code") else ""
    )
    lines = [f"• {f.label}: {f.show(values[f.key])}" for f in FIELDS if f.key in values]
    news = bool(values.get("news"))
    lines.append(f"• Nhận tin phiên giao dịch việc làm: {'Có' if news else 'Không'}")
    return Reply(
        f"{editing}Bạn xem lại thông tin:\n"
        + "\n".join(lines)
        + "\nĐúng chưa? Bấm «Gửi» để gửi cho trung tâm, «Sửa» để sửa một mục.",
        (
            Button("📨 Gửi", Submit().pack()),
            Button("✏️ Sửa", EditMenu().pack()),
            Button("📝 Thêm ghi chú", EditField("note").pack()),
            Button(
                "🔕 Thôi nhận tin" if news else "🔔 Nhận tin phiên giao dịch việc làm",
                News("off" if news else "on").pack(),
            ),
            CANCEL,
        ),
    )


# --- buttons -----------------------------------------------------------------------------
@router.action(OpenRegistration)
def open_form(ctx: Context, incoming: Incoming, action: OpenRegistration) -> list[Reply]:
    return start(ctx)


@router.action(Submit)
async def send(ctx: Context, incoming: Incoming, action: Submit) -> list[Reply]:
    return await submit_draft(ctx)


@router.action(Update)
async def update(ctx: Context, incoming: Incoming, action: Update) -> list[Reply]:
    if not await ownership.load_for_update(ctx, action.registration_id):
        return [Reply(ownership.NOT_AVAILABLE, (BACK_TO_MENU,))]
    ctx.start_flow(FLOW, "summary")
    return [summary(ctx)]


@router.action(Withdraw)
async def withdraw(ctx: Context, incoming: Incoming, action: Withdraw) -> list[Reply]:
    return await ownership.ask_withdraw(ctx, action.registration_id)


@router.action(ConfirmWithdraw)
async def confirm_withdraw(
    ctx: Context, incoming: Incoming, action: ConfirmWithdraw
) -> list[Reply]:
    return await ownership.withdraw(ctx, action.registration_id)


@router.action(Cancel)
def cancel(ctx: Context, incoming: Incoming, action: Cancel) -> list[Reply]:
    forget_draft(ctx)
    return [Reply("Đã dừng đăng ký. Thông tin bạn vừa nhập đã được xoá.", MENU_BUTTONS)]


@router.action(Consent)
def consent(ctx: Context, incoming: Incoming, action: Consent) -> list[Reply]:
    if action.answer == "no":
        forget_draft(ctx)
        return [
            Reply(
                "Không sao. Tôi không lưu thông tin gì của bạn.\n"
                "Bạn vẫn có thể hỏi đáp, hoặc gọi trực tiếp cho trung tâm.\n"
                + contact_line(ctx.settings),
                MENU_BUTTONS,
            )
        ]
    if draft(ctx).get("consent"):  # an old consent button: the answers stay
        return _next(ctx)
    home = default_place(ctx)
    save(ctx, {"consent": True, **({"province": home} if home else {})})
    return _next(ctx)


@router.action(Resume)
def resume(ctx: Context, incoming: Incoming, action: Resume) -> list[Reply]:
    return _next(ctx)


@router.action(Restart)
def restart(ctx: Context, incoming: Incoming, action: Restart) -> list[Reply]:
    forget_draft(ctx)
    return start(ctx)


def _in_form(handler: InFormHandler) -> InFormHandler:
    """Buttons of the running form; pressed later (an old message), the draft is offered."""

    async def guarded(ctx: Context, incoming: Incoming, action: Any) -> list[Reply]:
        if ctx.flow != FLOW:
            return start(ctx)
        return await resolve(handler(ctx, incoming, action))

    return guarded


def _other_province(ctx: Context, incoming: Incoming, action: OtherProvince) -> list[Reply]:
    values = draft(ctx)
    values.pop("province", None)
    values.pop("commune", None)
    save(ctx, values)
    ctx.start_flow(FLOW, "province")
    return [BY_KEY["province"].question.ask(ctx, values)]


def _edit_menu(ctx: Context, incoming: Incoming, action: EditMenu) -> list[Reply]:
    ctx.start_flow(FLOW, "edit")
    buttons = tuple(Button(f.label, EditField(f.key).pack()) for f in FIELDS)
    return [Reply("Bạn muốn sửa mục nào?", (*buttons, Button("⬅️ Quay lại", ShowSummary().pack())))]


def _edit_field(ctx: Context, incoming: Incoming, action: EditField) -> list[Reply]:
    field = BY_KEY.get(action.key)
    if field is None:
        return [summary(ctx)]
    ctx.start_flow(FLOW, field.key, {EDITING: True})
    return [field.question.ask(ctx, draft(ctx))]


def _show_summary(ctx: Context, incoming: Incoming, action: ShowSummary) -> list[Reply]:
    ctx.start_flow(FLOW, "summary")
    return [summary(ctx)]


def _news(ctx: Context, incoming: Incoming, action: News) -> list[Reply]:
    if ctx.step == "summary":
        # A separate consent (news), opted into explicitly; silence means no.
        save(ctx, {**draft(ctx), "news": action.value == "on"})
    ctx.start_flow(FLOW, "summary")
    return [summary(ctx)]


async def _answer(ctx: Context, incoming: Incoming, action: Action) -> list[Reply]:
    """A button of one of the questions: the running question takes it, or asks again."""
    return await on_message(ctx, incoming)


InFormHandler = Callable[[Context, Incoming, Any], list[Reply] | Awaitable[list[Reply]]]
router.action(OtherProvince)(_in_form(_other_province))
router.action(EditMenu)(_in_form(_edit_menu))
router.action(EditField)(_in_form(_edit_field))
router.action(ShowSummary)(_in_form(_show_summary))
router.action(News)(_in_form(_news))
# Every question's buttons, from the form's declarations.
router.action(*dict.fromkeys(kind for f in FIELDS for kind in f.question.answers))(
    _in_form(_answer)
)


async def on_message(ctx: Context, incoming: Incoming) -> list[Reply]:
    step = ctx.step or ""
    field = BY_KEY.get(step)
    values = draft(ctx)
    if step == "consent" or not values.get("consent"):
        return _consent_typed(ctx, incoming)
    if field is None:  # summary or edit menu: they wait for a button
        return [summary(ctx)]
    question = field.question
    if incoming.action and not question.takes(incoming.action):
        return [question.ask(ctx, values)]  # a button from an earlier question
    if field.key == "commune" and incoming.text and not is_current_commune(incoming.text, values):
        await old_address.ready()  # an old address, perhaps: its tables, off the event loop
    try:
        value = question.accept(ctx, incoming, values)
    except (fields.FieldError, Choose, Underage) as refused:
        return _not_taken(ctx, field, values, refused)
    notice = None
    also: dict[str, Any] = {}
    if isinstance(value, Answered):
        notice, also, value = value.told, value.also or {}, value.value
    if field.key == "phone":
        existing = await ownership.open_for_phone(ctx.session, value, values.get("replace_id"))
        if existing is not None and existing.user_id == ctx.user.id:
            return [ownership.offer_update(existing, value)]  # asked again unless updating
        notice = ownership.SHARED_PHONE if existing is not None else None
    save(ctx, _with_answer(values, field.key, value, also))
    if (ctx.state.data or {}).get(EDITING) and "commune" in draft(ctx):
        ctx.start_flow(FLOW, "summary")
        replies = [summary(ctx)]
    else:
        replies = _next(ctx)
    return [Reply(notice), *replies] if notice else replies


def _consent_typed(ctx: Context, incoming: Incoming) -> list[Reply]:
    """Before consent: "có ạ", "đồng ý", "ko" as if the button were pressed; else ask."""
    typed = fields.match_choice(CONSENT_ANSWERS, incoming.text or "")
    if typed is not None:
        return consent(ctx, incoming, Consent("yes" if typed.code == "yes" else "no"))
    ctx.start_flow(FLOW, "consent")
    return [Reply("Bạn hãy bấm «Đồng ý» hoặc «Không đồng ý» nhé.", CONSENT_BUTTONS)]


def _not_taken(
    ctx: Context, field: Field, values: dict[str, Any], refused: Exception
) -> list[Reply]:
    """An answer the question did not take: the question again after a hint, a choice
    among buttons, or (an under-age date the worker confirmed) the kind end of the form."""
    if isinstance(refused, Choose):
        if refused.remember:
            save(ctx, {**values, **refused.remember})
        return [Reply(refused.message, (*refused.buttons, CANCEL))]
    if isinstance(refused, Underage):
        forget_draft(ctx)
        return [Reply(refused.message + "\n" + contact_line(ctx.settings), MENU_BUTTONS)]
    assert isinstance(refused, fields.FieldError)
    ask = field.question.ask(ctx, values)
    return [Reply(f"{refused.message}\n\n{ask.text}", ask.buttons, ask.request_contact)]


def _with_answer(
    values: dict[str, Any], key: str, value: Any, also: dict[str, Any]
) -> dict[str, Any]:
    """The draft with this answer, what came with it, and the place kept consistent."""
    values = {k: v for k, v in values.items() if not k.startswith(PENDING)}
    values[key] = value
    for other, more in also.items():  # found in the same answer (the village on a card line)
        values.setdefault(other, more)
    if key == "province" and "commune" in values:
        if values["commune"].get("province_code") != value["code"]:
            del values["commune"]  # a new province needs its own commune
    if key == "commune" and values.get("province", {}).get("code") != value["province_code"]:
        # A commune found in another province moves the province with it.
        values["province"] = {
            "code": value["province_code"],
            "name": value["province_name"],
            "province_code": value["province_code"],
            "province_name": value["province_name"],
        }
    return values


# --- "đăng ký" typed as text opens the form ---------------------------------------------
_REGISTER_WORDS = re.compile(r"\b(dang ky|dangky|dang ki|dk|dki|dky)\b")
# A question about registering is for the FAQ ("đăng ký thi EPS ở đâu?"); a refusal or
# another subscription is not a wish to register.
_NOT_A_WISH = re.compile(
    r"\?|\b(the nao|o dau|bao nhieu|gi|sao|bao gio|khi nao|nao|khong|ko|k|kg|hong|thoi|huy|"
    r"chua|roi|da dang ky|nhan tin|thong bao|tin|duoc|dc|can nhung|giay to|ho so)\b"
)
_MAX_WISH_WORDS = 8


def wants_to_register(text: str) -> bool:
    """ "đăng ký", "dang ky di han", "em muốn đăng ký ạ": a wish to fill the form.

    Short, with the word, and neither a question nor a refusal."""
    folded = fold(text).strip()
    if len(folded.split()) > _MAX_WISH_WORDS or not _REGISTER_WORDS.search(folded):
        return False
    return not _NOT_A_WISH.search(folded)


@router.text("register")
def typed_wish(ctx: Context, incoming: Incoming, text: str) -> list[Reply] | None:
    """«đăng ký», «muốn đăng ký đi Hàn»: the form, not an FAQ answer about it."""
    return start(ctx) if wants_to_register(text) else None


# A person or distress leaves the form (the draft is kept), except in the note, where
# «em từng bị lừa nên muốn đi qua trung tâm» is what the note is for.
REGISTRATION = router.flow(FLOW, start, on_message, free_text_steps=frozenset({"note"}))
