"""The registration questions: how each is asked and how an answer is taken.

The fields themselves (order, labels, storage) are declared in `form.py`. An `accept`
function returns the value to store (or `Answered`: the value with a sentence to tell and
answers to other questions found in the same text), or raises `FieldError` (the question
again after a hint), `Choose` (buttons: "did you mean…?", or a confirmation) or
`Underage` (the worker confirmed a date under 18: end kindly).
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Annotated, Any, Literal, TypeVar

from faq.normalize import fold
from handlers.actions import Action, Text
from handlers.context import Context
from handlers.registration import ethnicity, fields, old_address, places
from handlers.registration.actions import Cancel, OtherProvince
from handlers.types import Button, Incoming, Reply

A = TypeVar("A", bound=Action)


def answer_action(step: str, name: str) -> type[Action]:
    """The button type of a question with fixed choices: `reg:<step>:<choice code>`."""

    def body(namespace: dict[str, Any]) -> None:
        namespace["__annotations__"] = {"code": Annotated[str, Text(24)]}
        namespace["__module__"] = __name__

    return types.new_class(name, (Action,), {"prefix": f"reg:{step}"}, body)


class ProvinceAnswer(Action, prefix="reg:prov"):
    code: int


class CommuneAnswer(Action, prefix="reg:com"):
    code: int


class OldCommune(Action, prefix="reg:com:old"):
    """An old commune (before 1/7/2025) the worker meant: its new communes come next."""

    code: int


class UnknownCommune(Action, prefix="reg:com:unknown"):
    """«Tôi không biết xã mới»: keep the old name as typed, for staff to check."""


class EthnicityAnswer(Action, prefix="reg:eth"):
    name: Annotated[str, Text(40)]


class NeverAbroad(Action, prefix="reg:abroad"):
    answer: Literal["no"]


class BirthCheck(Action, prefix="reg:birth"):
    """Under 18: «yes, that is my date» ends the form; «again» lets the worker retype it."""

    answer: Literal["young", "again"]


class SkipNote(Action, prefix="reg:skip"):
    """No note."""


CANCEL = Button("✖️ Dừng đăng ký", Cancel().pack())
SKIP = Button("⏭️ Bỏ qua", SkipNote().pack())
NOT_ABROAD = ("chua", "chua tung", "chua di", "khong", "ko", "k", "chua bao gio", "chua a",
              "chua tung di", "khong a", "ko a", "da chua", "chua bao gio di")  # fmt: skip
YES_ABROAD = ("co", "co a", "da co", "roi", "di roi", "da di", "da di roi", "co roi", "da tung",
              "co di", "co di roi", "da tung di", "vang co", "u")  # fmt: skip
ETHNICITY_MIN_SCORE = 80.0
LEGACY_MIN_SCORE = 90.0


class Choose(Exception):
    """The answer is close to several things (or needs confirming): offer buttons.

    `remember` is kept in the draft until the worker chooses (what they typed, say), so
    the button pressed next can use it; the question stays the same.
    """

    def __init__(
        self, message: str, buttons: tuple[Button, ...], remember: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.buttons = buttons
        self.remember = remember or {}


@dataclass(frozen=True)
class Answered:
    """An answer with more to it: a sentence to tell the worker (how an old commune maps
    to today's) and answers to other questions found in the same text (the village on an
    ID-card line), kept unless already given."""

    value: Any
    told: str | None = None
    also: dict[str, Any] | None = None


class Underage(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Question:
    """How one field of the form is asked, and how a typed or pressed answer is understood.

    The field itself (its label, storage, display) is declared in `form.py`.
    """

    ask: Callable[[Context, dict[str, Any]], Reply]
    accept: Callable[[Context, Incoming, dict[str, Any]], Any]
    # The types of this question's buttons; a button of another question pressed later
    # (an old message) is not taken as this answer.
    answers: tuple[type[Action], ...] = ()

    def takes(self, action: str) -> bool:
        """Whether a pressed button is one of this question's own."""
        return any(kind.unpack(action) is not None for kind in self.answers)


def _ask(text: str, *buttons: Button, request_contact: bool = False) -> Reply:
    return Reply(text, (*buttons, CANCEL), request_contact=request_contact)


def _text(incoming: Incoming) -> str:
    if incoming.media is not None or (incoming.contact is not None and not incoming.text):
        raise fields.FieldError("Bạn hãy trả lời bằng chữ nhé.")
    return incoming.text or ""


def _pressed(incoming: Incoming, kind: type[A]) -> A | None:
    """The pressed button, if it is of this type."""
    return kind.unpack(incoming.action) if incoming.action else None


def _today() -> date:
    return date.today()


# --- fixed choices --------------------------------------------------------------------
def choice_question(
    step: str,
    prompt: str,
    options: tuple[fields.Option, ...],
    understand: Callable[[str], fields.Option | None] | None = None,
) -> Question:
    """A question answered by a button, or by typing one of the choices.

    `understand` reads natural answers first ("hết lớp 9" for the schooling level)."""
    kind = answer_action(step, f"{step.title()}Answer")
    buttons = tuple(Button(o.label, kind(o.code).pack()) for o in options)  # type: ignore[call-arg]

    def accept(ctx: Context, incoming: Incoming, values: dict[str, Any]) -> str:
        pressed = _pressed(incoming, kind)
        code = getattr(pressed, "code", None)
        for option in options:
            if option.code == code:
                return option.label
        text = _text(incoming)
        typed = (understand(text) if understand else None) or fields.match_choice(options, text)
        if typed is None:
            raise fields.FieldError("Bạn hãy bấm một nút bên dưới, hoặc gõ một lựa chọn.")
        return typed.label

    return Question(lambda ctx, values: _ask(prompt, *buttons), accept, (kind,))


# --- name, birth, phone ---------------------------------------------------------------
def _accept_name(ctx: Context, incoming: Incoming, values: dict[str, Any]) -> str:
    return fields.parse_full_name(_text(incoming))


# Draft keys a question keeps while the worker chooses; dropped once the answer is taken.
PENDING = "pending:"
YOUNG = PENDING + "birth"  # a birth date under 18, waiting for the worker to confirm it


def _accept_birth(ctx: Context, incoming: Incoming, values: dict[str, Any]) -> dict[str, Any]:
    """A date; one that makes the worker under 18 ends the form only once confirmed.

    A typo (2011 for 2001) is easy to make and the form is long: the date is shown back
    first ("Bạn sinh năm 2011, đúng không?"), and typing another date simply answers again.
    """
    check = _pressed(incoming, BirthCheck)
    pressed = check.answer if check else None
    if pressed == "young" and values.get(YOUNG):
        raise Underage(
            "Theo luật, người đi làm việc ở nước ngoài phải đủ 18 tuổi. "
            "Bạn có thể quay lại đăng ký khi đủ tuổi."
        )
    if pressed is not None:  # «Gõ lại», or a stale confirmation
        raise fields.FieldError("Bạn gõ lại ngày sinh nhé.")
    birth = fields.parse_birth_date(_text(incoming), _today())
    answer = {"date": birth.value.isoformat() if birth.value else None, "year": birth.year}
    try:
        fields.check_adult(birth, _today())
    except fields.FieldError as error:
        when = f"ngày {birth.value:%d/%m/%Y}" if birth.value else f"năm {birth.year}"
        raise Choose(
            f"Bạn sinh {when}, đúng không? Như vậy bạn chưa đủ 18 tuổi: theo luật, người đi "
            "làm việc ở nước ngoài phải đủ 18 tuổi.\nNếu gõ nhầm, bạn gõ lại ngày sinh.",
            (
                Button(f"✅ Đúng, tôi sinh {when}", BirthCheck("young").pack()),
                Button("✏️ Gõ lại ngày sinh", BirthCheck("again").pack()),
            ),
            remember={YOUNG: answer},
        ) from error
    return answer


def _accept_phone(ctx: Context, incoming: Incoming, values: dict[str, Any]) -> str:
    if incoming.contact is not None:
        if not incoming.contact.is_own:
            raise fields.FieldError("Bạn hãy gửi số điện thoại của chính mình nhé.")
        return fields.parse_phone(incoming.contact.phone)
    return fields.parse_phone_answer(_text(incoming))


# --- province and commune (two tiers since 1/7/2025; old addresses accepted) ------------
def _place(match: places.PlaceMatch) -> dict[str, Any]:
    return {
        "code": match.code,
        "name": match.name,
        "province_code": match.province_code,
        "province_name": match.province_name,
    }


def _ask_province(ctx: Context, values: dict[str, Any]) -> Reply:
    home = places.default_province(ctx.settings.province)
    buttons = (Button(home.name, ProvinceAnswer(home.code).pack()),) if home else ()
    return _ask(
        "Bạn đang sống ở tỉnh/thành phố nào? Bấm nút, hoặc gõ tên tỉnh "
        "(tỉnh cũ ghi trên căn cước cũng được, ví dụ: Yên Bái).",
        *buttons,
    )


def _accept_province(ctx: Context, incoming: Incoming, values: dict[str, Any]) -> dict[str, Any]:
    pressed = _pressed(incoming, ProvinceAnswer)
    if pressed is not None:
        match = places.province_by_code(pressed.code)
        if match is not None:
            return _place(match)
    text = _text(incoming)
    fields.parse_free_text(text, 100, example="Lào Cai")  # length and emptiness checks
    found = places.find_provinces(text, limit=3)
    if found and found[0].exact:
        return _place(found[0])
    legacy = places.find_legacy(text, limit=1)
    if (
        legacy
        and legacy[0].current.score >= LEGACY_MIN_SCORE
        and (legacy[0].legacy_name != legacy[0].current.name)
    ):
        raise Choose(
            f"{legacy[0].note}\nBạn chọn tỉnh hiện nay:",
            (Button(legacy[0].current.name, ProvinceAnswer(legacy[0].current.code).pack()),),
        )
    if found:
        raise Choose(
            "Ý bạn là tỉnh nào?",
            tuple(Button(m.name, ProvinceAnswer(m.code).pack()) for m in found),
        )
    raise fields.FieldError("Tôi không tìm thấy tỉnh này. Bạn gõ lại tên tỉnh, ví dụ: Lào Cai.")


OTHER_PROVINCE = Button("🗺️ Tôi ở tỉnh khác", OtherProvince().pack())


def default_place(ctx: Context) -> dict[str, Any] | None:
    """The centre's own province, offered first (most applicants live there)."""
    home = places.default_province(ctx.settings.province)
    return _place(home) if home else None


UNKNOWN_NEW = Button("🤷 Tôi không biết xã mới", UnknownCommune().pack())
COMMUNE_TYPED = PENDING + "commune"  # what was typed, while the worker picks from buttons
_SAYS_UNKNOWN = re.compile(r"\b(khong|ko|k|chua|hong) (biet|ro|nho)\b")


def _in_sentence(name: str) -> str:
    """ "Tỉnh Lào Cai" → "tỉnh Lào Cai", inside a sentence."""
    return name[:1].lower() + name[1:]


@cache
def _commune_example(province_code: int | None) -> str:
    """A commune of the worker's own province to show as an example (Bát Xát in Lào Cai)."""
    names = places.commune_names(province_code) if province_code else []
    if not names or any(fold(n).endswith("bat xat") for n in names):
        return "Bát Xát"
    return names[len(names) // 2].split(" ", 1)[-1]


def _ask_commune(ctx: Context, values: dict[str, Any]) -> Reply:
    province = values.get("province") or {}
    example = _commune_example(province.get("code"))
    where = _in_sentence(province.get("name", "tỉnh của bạn"))
    return _ask(
        f"Bạn ở xã/phường nào của {where}? Gõ tên xã/phường, ví dụ: {example}.\n"
        "Căn cước ghi địa chỉ cũ (trước 1/7/2025) cũng được, gõ như trên căn cước: "
        "tôi sẽ tìm xã mới.",
        OTHER_PROVINCE,
        UNKNOWN_NEW,
    )


def _old_answer(match: places.PlaceMatch, old: str) -> dict[str, Any]:
    return {**_place(match), "old": old}


def _unverified(typed: str, province: dict[str, Any]) -> dict[str, Any]:
    """«Tôi không biết xã mới»: the old name kept as typed, for staff to check."""
    name = fields.parse_free_text(typed, 100, example="xã Bản Qua")
    return {
        "code": None,
        "name": name,
        "province_code": province.get("code"),
        "province_name": province.get("name"),
        "old": name,
    }


def _resolve_old(old: old_address.OldPlace, typed: str, values: dict[str, Any]) -> Any:
    """An old commune (or district) recognised: today's commune, or a question among several."""
    also = {"village": old.village} if old.village and "village" not in values else {}
    if len(old.current) == 1 and not old.district_only:
        now = old.current[0]
        return Answered(
            _old_answer(now, old.label),
            f"{old.name} ({_in_sentence(old.district)}) nay thuộc {now.name}, "
            f"{_in_sentence(now.province_name)}.",
            also,
        )
    if old.district_only:
        message = (
            f"Từ 1/7/2025 không còn cấp huyện. {old.name} cũ nay gồm các xã/phường dưới đây. "
            "Bạn ở xã/phường nào? Nếu không rõ, bạn gõ tên xã cũ như trên căn cước."
        )
    else:
        message = (
            f"{old.name} ({_in_sentence(old.district)}) đã được chia vào các xã/phường dưới "
            "đây. Bạn ở xã/phường nào?"
        )
    buttons = tuple(Button(m.name, CommuneAnswer(m.code).pack()) for m in old.current[:12])
    raise Choose(
        message,
        (*buttons, UNKNOWN_NEW),
        remember={COMMUNE_TYPED: {"typed": typed, "old": old.label, **also}},
    )


def is_current_commune(text: str, values: dict[str, Any]) -> bool:
    """Whether the text names one of today's communes of the province exactly."""
    province = values.get("province") or {}
    found = places.find_communes(text, province.get("code"), limit=2)
    return bool(found) and found[0].exact and (len(found) == 1 or not found[1].exact)


def _accept_commune(ctx: Context, incoming: Incoming, values: dict[str, Any]) -> Any:
    province = values.get("province") or {}
    pressed = _commune_pressed(incoming, values)
    if pressed is not None:
        return pressed
    text = _text(incoming)
    fields.parse_free_text(text, 200, example="Bát Xát")
    found = places.find_communes(text, province.get("code"), limit=5)
    if found and found[0].exact and (len(found) == 1 or not found[1].exact):
        return _place(found[0])
    old = old_address.lookup(text, province.get("code"))
    if old is not None:
        return _resolve_old(old, text, values)
    remember = {COMMUNE_TYPED: {"typed": text}}
    olds = [o for o in old_address.suggest(text, province.get("code")) if o.name not in
            {m.name for m in found}]  # fmt: skip
    if found or olds:
        raise Choose(
            "Ý bạn là xã/phường nào? Nếu không có, hãy gõ lại tên.",
            (
                *(Button(m.name, CommuneAnswer(m.code).pack()) for m in found),
                *(Button(f"{o.name} cũ ({_in_sentence(o.district)})", OldCommune(o.code).pack())
                  for o in olds),
                UNKNOWN_NEW,
            ),
            remember=remember,
        )  # fmt: skip
    elsewhere = places.find_communes(text, None, limit=3)
    if elsewhere:
        raise Choose(
            f"Ở {_in_sentence(province.get('name', 'tỉnh đã chọn'))} không có xã/phường này. "
            "Có phải bạn ở một trong các nơi sau?",
            tuple(
                Button(f"{m.name} ({m.province_name})", CommuneAnswer(m.code).pack())
                for m in elsewhere
            )
            + (OTHER_PROVINCE, UNKNOWN_NEW),
            remember=remember,
        )
    where = _in_sentence(province.get("name", "tỉnh đã chọn"))
    raise Choose(
        f"Tôi không tìm thấy xã/phường này ở {where}. Nếu bạn không biết tên xã mới, bấm "
        "«Tôi không biết xã mới»: tôi ghi đúng như bạn gõ để cán bộ kiểm tra.\n\n"
        + _ask_commune(ctx, values).text,
        (OTHER_PROVINCE, UNKNOWN_NEW),
        remember=remember,
    )


def _commune_pressed(incoming: Incoming, values: dict[str, Any]) -> Any:
    """The answer a button gives (today's commune, an old one, «Tôi không biết xã mới»,
    also typed), or None when the worker typed a name to look up."""
    province = values.get("province") or {}
    pending = values.get(COMMUNE_TYPED) or {}
    typed_unknown = not incoming.action and _SAYS_UNKNOWN.search(fold(incoming.text or ""))
    if _pressed(incoming, UnknownCommune) is not None or typed_unknown:
        if pending.get("typed"):
            return _unverified(pending["typed"], province)
        raise fields.FieldError(
            "Không sao. Bạn gõ tên xã/phường cũ như trên căn cước (ví dụ: xã Bản Qua, "
            "huyện Bát Xát). Tôi sẽ tìm xã mới; nếu không tìm được, tôi ghi đúng như bạn gõ "
            "để cán bộ kiểm tra."
        )
    old_pressed = _pressed(incoming, OldCommune)
    old = old_address.by_code(old_pressed.code) if old_pressed is not None else None
    if old is not None:
        return _resolve_old(old, pending.get("typed") or old.name, values)
    chosen = _pressed(incoming, CommuneAnswer)
    match = places.commune_by_code(chosen.code) if chosen is not None else None
    if match is None:
        return None
    if pending.get("old"):  # chosen among the communes an old one became
        also = {"village": pending["village"]} if pending.get("village") else {}
        return Answered(_old_answer(match, pending["old"]), None, also)
    return _place(match)


def _accept_village(ctx: Context, incoming: Incoming, values: dict[str, Any]) -> str:
    return fields.parse_free_text(_text(incoming), 100, example="Thôn Cốc Lếu")


# --- ethnicity, abroad, note -----------------------------------------------------------
def _ethnicity_buttons(ctx: Context, values: dict[str, Any]) -> tuple[Button, ...]:
    province = (values.get("province") or {}).get("name", "") or ctx.settings.province
    short = province.removeprefix("Tỉnh ").removeprefix("Thành phố ")
    common = ethnicity.COMMON_BY_PROVINCE.get(short, ("Kinh",))
    return tuple(Button(name, EthnicityAnswer(name).pack()) for name in common[:8])


def _ask_ethnicity(ctx: Context, values: dict[str, Any]) -> Reply:
    return _ask(
        "Bạn là người dân tộc nào? Bấm nút, hoặc gõ tên dân tộc.", *_ethnicity_buttons(ctx, values)
    )


def _accept_ethnicity(ctx: Context, incoming: Incoming, values: dict[str, Any]) -> str:
    pressed = _pressed(incoming, EthnicityAnswer)
    if pressed is not None and pressed.name in ethnicity.ETHNIC_GROUPS:
        return pressed.name
    text = _text(incoming)
    fields.parse_free_text(text, 60, example="Mông")
    found = ethnicity.find_ethnicity(text, limit=3)
    if (
        found
        and found[0][1] >= ETHNICITY_MIN_SCORE
        and (len(found) == 1 or found[0][1] - found[1][1] >= 5)
    ):
        return found[0][0]
    if found:
        raise Choose(
            "Ý bạn là dân tộc nào?",
            tuple(Button(name, EthnicityAnswer(name).pack()) for name, _ in found),
        )
    raise fields.FieldError("Tôi chưa nhận ra tên dân tộc này. Bạn gõ lại, ví dụ: Mông, Dao, Tày.")


def _accept_abroad(ctx: Context, incoming: Incoming, values: dict[str, Any]) -> str:
    if _pressed(incoming, NeverAbroad) is not None:
        return "Chưa"
    text = fields.parse_free_text(_text(incoming), 200, example="Đài Loan, 3 năm")
    said = fold(text).strip(" .!")
    if said in NOT_ABROAD:
        return "Chưa"
    if said in YES_ABROAD:  # "có ạ": yes, but where and how long is what staff need
        raise fields.FieldError("Bạn đã đi nước nào, bao lâu? Bạn gõ ví dụ: Đài Loan, 3 năm.")
    return text


def _accept_note(ctx: Context, incoming: Incoming, values: dict[str, Any]) -> str:
    if _pressed(incoming, SkipNote) is not None:
        return ""
    return fields.parse_free_text(_text(incoming), 500, example="Em muốn đi Hàn Quốc sớm")


FULL_NAME = Question(
    lambda ctx, v: _ask("Họ và tên của bạn là gì? Ghi như trên căn cước, ví dụ: Lò Văn Minh."),
    _accept_name,
)
BIRTH = Question(
    lambda ctx, v: _ask(
        "Ngày sinh của bạn? Ví dụ: 12/3/1999. Không nhớ ngày thì gõ năm sinh: 1999."
    ),
    _accept_birth,
    (BirthCheck,),
)
GENDER = choice_question("gender", "Giới tính của bạn?", fields.GENDERS)
PHONE = Question(
    lambda ctx, v: _ask(
        "Số điện thoại di động của bạn? Ví dụ: 0912 345 678."
        + (
            "\nBạn cũng có thể bấm nút «Gửi số điện thoại của tôi»."
            if ctx.limits.share_contact
            else ""
        ),
        request_contact=True,
    ),
    _accept_phone,
)
PROVINCE = Question(_ask_province, _accept_province, (ProvinceAnswer,))
COMMUNE = Question(_ask_commune, _accept_commune, (CommuneAnswer, OldCommune, UnknownCommune))
VILLAGE = Question(
    lambda ctx, v: _ask("Bạn ở thôn/bản (hoặc tổ dân phố) nào? Ví dụ: Bản Lếch."),
    _accept_village,
)
ETHNICITY = Question(_ask_ethnicity, _accept_ethnicity, (EthnicityAnswer,))
SCHOOLING = choice_question(
    "school", "Bạn học hết lớp mấy?", fields.SCHOOLING_LEVELS, fields.match_schooling
)
MARKET = choice_question("market", "Bạn muốn đi làm việc ở nước nào?", fields.MARKETS)
LANGUAGE = choice_question(
    "lang", "Bạn biết tiếng của nước đó đến mức nào?", fields.LANGUAGE_LEVELS
)
ABROAD = Question(
    lambda ctx, v: _ask(
        "Bạn đã từng đi làm việc ở nước ngoài chưa? Nếu đã từng, gõ tên nước và số năm "
        "(ví dụ: Đài Loan, 3 năm).",
        Button("Chưa từng", NeverAbroad("no").pack()),
    ),
    _accept_abroad,
    (NeverAbroad,),
)
LOAN = choice_question(
    "loan", "Bạn có muốn vay vốn Ngân hàng Chính sách xã hội để đi không?", fields.LOAN_WISHES
)
NOTE = Question(
    lambda ctx, v: _ask("Bạn muốn nhắn thêm gì cho cán bộ không? Nếu không, bấm «Bỏ qua».", SKIP),
    _accept_note,
    (SkipNote,),
)
