"""The registration form's fields, declared once.

Each field says how it is asked and understood (a `Question` from `questions.py`),
how an answer is shown, which `registrations` columns keep it and how it comes back
from them. The summary, the stored row, the staff card, the XLSX/CSV export, the
periodic report, the dashboard and /dulieu all iterate `FIELDS`, so an answer cannot
be asked and then dropped: a field cannot be declared without its storage, and
`tests/test_registration_form.py` checks that every answer comes back from its
columns exactly as the worker saw it in the summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from db.models import Registration
from handlers.registration import fields, questions
from handlers.registration.questions import Question

CellValue = str | int | date | None
UNDECIDED = next(o.label for o in fields.MARKETS if o.code == "undecided")
NOT_ABROAD = "Chưa"


@dataclass(frozen=True)
class Storage:
    """Where an answer lives in `registrations`, and how it comes back (None: no answer)."""

    columns: tuple[str, ...]
    store: Callable[[Any], dict[str, Any]]
    load: Callable[[Registration], Any]


def _always(values: dict[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Field:
    key: str  # the draft's key, and `reg:edit:<key>`
    label: str  # summary, edit menu, staff card, export header, report table, /dulieu
    question: Question
    storage: Storage
    show: Callable[[Any], str] = str  # an answer as the worker and staff read it
    # Asked in the normal sequence only when this says so (optional or conditional steps).
    needed: Callable[[dict[str, Any]], bool] = _always
    # Cleared on erasure (/xoadulieu, retention) and left empty in exports of erased rows.
    personal: bool = True
    # The export cell when a typed value beats the text (a real date for Excel).
    cell: Callable[[Any], CellValue] | None = None
    # The bucket an answer is counted in by the periodic report; None: not reported.
    report: Callable[[Any], str] | None = None
    # More export columns from the same answer: (header, value, personal).
    extra: tuple[tuple[str, Callable[[Any], CellValue], bool], ...] = ()

    def answer(self, registration: Registration) -> Any:
        """The answer as the draft held it, read back from the row (None: none given)."""
        return self.storage.load(registration)

    def text(self, registration: Registration) -> str | None:
        answer = self.answer(registration)
        return None if answer is None else self.show(answer)

    def export_value(self, registration: Registration) -> CellValue:
        answer = self.answer(registration)
        if answer is None:
            return None
        return self.cell(answer) if self.cell else self.show(answer)


# --- storage ---------------------------------------------------------------------------
def column(name: str) -> Storage:
    """A text answer in one column; an empty answer (a skipped note) is stored as NULL."""
    return Storage(
        (name,), lambda answer: {name: answer or None}, lambda row: getattr(row, name) or None
    )


def _store_birth(answer: dict[str, Any]) -> dict[str, Any]:
    exact = date.fromisoformat(answer["date"]) if answer.get("date") else None
    return {"birth_date": exact, "birth_year": answer.get("year")}


def _load_birth(row: Registration) -> dict[str, Any] | None:
    if row.birth_date is not None:
        return {"date": row.birth_date.isoformat(), "year": row.birth_date.year}
    if row.birth_year is not None:
        return {"date": None, "year": row.birth_year}
    return None


def _store_province(answer: dict[str, Any]) -> dict[str, Any]:
    return {"province_code": answer.get("code"), "province_name": answer.get("name")}


def _load_province(row: Registration) -> dict[str, Any] | None:
    if row.province_name is None:
        return None
    code, name = row.province_code, row.province_name
    return {"code": code, "name": name, "province_code": code, "province_name": name}


def _store_commune(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "commune_code": answer.get("code"),
        "commune_name": answer.get("name"),
        "old_address": answer.get("old") or None,
    }


def _load_commune(row: Registration) -> dict[str, Any] | None:
    if row.commune_name is None:
        return None
    return {
        "code": row.commune_code,
        "name": row.commune_name,
        "province_code": row.province_code,
        "province_name": row.province_name,
        "old": row.old_address,
    }


# --- display ---------------------------------------------------------------------------
def show_birth(answer: dict[str, Any]) -> str:
    if answer.get("date"):
        return date.fromisoformat(answer["date"]).strftime("%d/%m/%Y")
    return f"năm {answer['year']}"


def _birth_cell(answer: dict[str, Any]) -> CellValue:
    # Many workers only know their year of birth; the full date wins when known.
    return date.fromisoformat(answer["date"]) if answer.get("date") else answer.get("year")


def commune_unverified(answer: dict[str, Any]) -> bool:
    """An old commune kept as typed: the worker did not know the new one; staff check."""
    return answer.get("code") is None


def show_commune(answer: dict[str, Any]) -> str:
    if commune_unverified(answer):
        return f"{answer['name']} (xã cũ; chưa rõ xã mới, cán bộ sẽ kiểm tra)"
    if answer.get("old"):
        return f"{answer['name']} (căn cước ghi: {answer['old']})"
    return str(answer["name"])


def _abroad_bucket(answer: str) -> str:
    return "Chưa" if answer == NOT_ABROAD else "Đã từng"


def _label(answer: Any) -> str:
    return str(answer)


# --- the form --------------------------------------------------------------------------
FIELDS: tuple[Field, ...] = (
    Field("full_name", "Họ và tên", questions.FULL_NAME, column("full_name")),
    Field(
        "birth", "Ngày sinh", questions.BIRTH,
        Storage(("birth_date", "birth_year"), _store_birth, _load_birth),
        show=show_birth, cell=_birth_cell,
    ),
    Field("gender", "Giới tính", questions.GENDER, column("gender"), report=_label),
    Field("phone", "Số điện thoại", questions.PHONE, column("phone")),
    Field(
        "province", "Tỉnh/thành phố", questions.PROVINCE,
        Storage(("province_code", "province_name"), _store_province, _load_province),
        show=lambda answer: answer["name"], personal=False,
    ),
    Field(
        "commune", "Xã/phường", questions.COMMUNE,
        Storage(("commune_code", "commune_name", "old_address"), _store_commune, _load_commune),
        show=show_commune, personal=False,
        cell=lambda answer: answer["name"], report=lambda answer: answer["name"],
        extra=(("Địa chỉ cũ (căn cước)", lambda answer: answer.get("old"), True),),
    ),
    Field("village", "Thôn/bản, tổ", questions.VILLAGE, column("village")),
    Field("ethnicity", "Dân tộc", questions.ETHNICITY, column("ethnicity"), report=_label),
    Field("schooling", "Học vấn", questions.SCHOOLING, column("schooling"), report=_label),
    Field(
        "market", "Nước muốn đi", questions.MARKET, column("market"),
        personal=False, report=_label,
    ),
    Field(
        "language", "Ngoại ngữ", questions.LANGUAGE, column("language_level"),
        needed=lambda values: values.get("market") != UNDECIDED, report=_label,
    ),
    Field(
        "abroad", "Đã đi nước ngoài", questions.ABROAD, column("worked_abroad"),
        report=_abroad_bucket,
    ),
    Field("loan", "Muốn vay vốn", questions.LOAN, column("loan_wish"), report=_label),
    Field(
        "note", "Ghi chú", questions.NOTE, column("note"), show=lambda answer: answer or "(không)",
        needed=lambda values: False,  # offered on the summary («Thêm ghi chú»)
    ),
)  # fmt: skip
BY_KEY = {field.key: field for field in FIELDS}

# Columns cleared on erasure: every personal field's, the old address as typed (it may
# name the village) and the link to the user.
PERSONAL_COLUMNS: tuple[str, ...] = (
    *(c for field in FIELDS if field.personal for c in field.storage.columns),
    "old_address",
    "user_id",
)


def apply(registration: Registration, values: dict[str, Any]) -> None:
    """Write every answer of the draft into the row's columns (one place for all fields)."""
    for field in FIELDS:
        if field.key in values:
            for name, value in field.storage.store(values[field.key]).items():
                setattr(registration, name, value)


def answers(registration: Registration) -> dict[str, Any]:
    """The row read back as a draft (to update a registration from the summary)."""
    values = {}
    for field in FIELDS:
        answer = field.answer(registration)
        if answer is not None:
            values[field.key] = answer
    return values


def lines(registration: Registration) -> list[str]:
    """`label: answer` for every answered field, in the form's order (card, /dulieu)."""
    return [
        f"{field.label}: {text}"
        for field in FIELDS
        if (text := field.text(registration)) is not None
    ]


DUPLICATE_PHONE = "trùng số điện thoại"
COMMUNE_UNKNOWN = "chưa rõ xã mới"


def flags(registration: Registration) -> list[str]:
    """What staff must check on this registration (card, export, dashboard)."""
    found = []
    if registration.duplicate_of_id is not None:
        found.append(DUPLICATE_PHONE)
    commune = BY_KEY["commune"].answer(registration)
    if commune is not None and commune_unverified(commune):
        found.append(COMMUNE_UNKNOWN)
    return found
