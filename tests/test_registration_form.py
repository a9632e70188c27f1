"""Every answer of the form reaches every place it should, unchanged.

The form's fields are declared once (`handlers/registration/form.py`); these tests fill
every field through the real inbox processor and database and look for each answer, as the
worker saw it in the summary, in the database row, the staff card that reaches the staff
chat, the XLSX and CSV exports and /dulieu, and check the declaration itself: every
answer comes back from its columns as it was shown.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from db.models import Registration
from faq.normalize import fold
from faq.service import FaqService
from handlers.registration import fields, form
from handlers.registration.questions import YES_ABROAD
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.transcript import STAFF, Transcript

# Every field, answered the way workers answer: typed, pressed, without diacritics.
FULL_FORM: list[tuple[str, str]] = [
    ("press", "menu:register"),
    ("press", "reg:consent:yes"),
    ("say", "Giàng A Sua"),
    ("say", "15/8/2001"),
    ("press", "reg:gender:nam"),
    ("say", "0912 345 678"),
    ("say", "y ty"),
    ("say", "Thôn Phìn Hồ"),
    ("say", "ha nhi"),
    ("say", "lop 12"),
    ("say", "nhat"),
    ("press", "reg:lang:basic"),
    ("say", "Đài Loan, 3 năm"),
    ("say", "co"),
    ("press", "reg:edit:note"),
    ("say", "Gọi sau 17 giờ, số của mẹ"),
    ("press", "reg:news:on"),
]
# What the worker sees in the summary, field by field: what every other place must show.
SHOWN = {
    "Họ và tên": "Giàng A Sua",
    "Ngày sinh": "15/08/2001",
    "Giới tính": "Nam",
    "Số điện thoại": "0912345678",
    "Tỉnh/thành phố": "Tỉnh Lào Cai",
    "Xã/phường": "Xã Y Tý",
    "Thôn/bản, tổ": "Thôn Phìn Hồ",
    "Dân tộc": "Hà Nhì",
    "Học vấn": "THPT",
    "Nước muốn đi": "Nhật Bản",
    "Ngoại ngữ": "Biết cơ bản",
    "Đã đi nước ngoài": "Đài Loan, 3 năm",
    "Muốn vay vốn": "Có",
    "Ghi chú": "Gọi sau 17 giờ, số của mẹ",
}


@pytest.fixture
async def chat(database_url: str) -> AsyncIterator[Transcript]:
    transcript = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    yield transcript
    await transcript.close()


async def fill(chat: Transcript, steps: list[tuple[str, str]], user: str | None = None) -> str:
    last = ""
    for kind, value in steps:
        if kind == "press":
            replies = await chat.press(value, user=user)
        else:
            replies = await chat.say(value, user=user)
        last = replies[-1].text
    return last


async def test_every_answer_reaches_the_row_card_exports_and_dulieu(chat: Transcript) -> None:
    summary = await fill(chat, FULL_FORM)
    assert set(SHOWN) == {f.label for f in form.FIELDS}  # the test covers every field
    for label, text in SHOWN.items():
        assert f"• {label}: {text}\n" in summary, label
    assert "Nhận tin phiên giao dịch việc làm: Có" in summary
    [done] = await chat.press("reg:submit")
    assert "Mã hồ sơ" in done.text

    async with chat.runtime.sessions() as session:
        [row] = (await session.scalars(select(Registration))).all()
    # The database row, column by column (the three answers once lost included).
    assert (row.full_name, row.birth_date, row.birth_year) == (
        "Giàng A Sua",
        date(2001, 8, 15),
        2001,
    )
    assert (row.gender, row.phone) == ("Nam", "0912345678")
    assert (row.province_name, row.commune_name) == ("Tỉnh Lào Cai", "Xã Y Tý")
    assert (row.village, row.ethnicity, row.worked_abroad) == (
        "Thôn Phìn Hồ",
        "Hà Nhì",
        "Đài Loan, 3 năm",
    )
    assert (row.schooling, row.market, row.language_level) == ("THPT", "Nhật Bản", "Biết cơ bản")
    assert (row.loan_wish, row.note) == ("Có", "Gọi sau 17 giờ, số của mẹ")
    assert row.old_address is None and row.duplicate_of_id is None

    # The staff card as the staff chat received it.
    [(card, _)] = chat.staff_messages()
    assert card.text.startswith(f"📝 Đăng ký mới {row.code}\n")
    for label, text in SHOWN.items():
        assert f"{label}: {text}" in card.text.splitlines(), label
    assert "None" not in card.text

    # /dulieu: the worker sees what we hold, every answer and the news choice.
    [mine] = await chat.say("/dulieu")
    for label, text in SHOWN.items():
        assert f"  {label}: {text}" in mine.text.splitlines(), label
    assert "Nhận tin phiên giao dịch việc làm: Có" in mine.text and "None" not in mine.text

    # The exports staff download from the staff chat.
    await chat.send(user="staff-1", chat_key=STAFF, text="/xuat")
    workbook_reply, csv_reply = chat.channel.to(STAFF)[-2:]
    assert workbook_reply.attachment is not None and csv_reply.attachment is not None
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_reply.attachment.data)).active
    assert sheet is not None
    header, cells = list(sheet.iter_rows(values_only=True))
    in_sheet = dict(zip(header, cells, strict=True))
    header_csv, cells_csv = csv.reader(
        io.StringIO(csv_reply.attachment.data.decode("utf-8-sig"), newline="")
    )
    in_csv = dict(zip(header_csv, cells_csv, strict=True))
    for label, text in SHOWN.items():
        if label == "Ngày sinh":  # a real date in the workbook, for sorting
            assert in_sheet[label] == datetime(2001, 8, 15)
        else:
            assert in_sheet[label] == text, label
        assert in_csv[label] == text, label
    assert in_sheet["Mã hồ sơ"] == in_csv["Mã hồ sơ"] == row.code


async def test_a_registration_of_only_a_birth_year_shows_the_year(chat: Transcript) -> None:
    steps = [(k, "1999" if v == "15/8/2001" else v) for k, v in FULL_FORM]
    await fill(chat, steps)
    await chat.press("reg:submit")
    [(card, _)] = chat.staff_messages()
    assert "Ngày sinh: năm 1999" in card.text.splitlines()


# --- the declaration itself -------------------------------------------------------------
def test_every_field_is_stored_in_columns_of_the_registrations_table() -> None:
    columns = set(Registration.__table__.columns.keys())
    for field in form.FIELDS:
        assert field.storage.columns and set(field.storage.columns) <= columns, field.key
    assert set(form.PERSONAL_COLUMNS) <= columns


_TEXT = (
    st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), min_size=1)
    .map(lambda text: " ".join(text.split()))
    .filter(bool)
)
_PLACE = st.fixed_dictionaries(
    {"code": st.integers(1, 99_999), "name": _TEXT, "province_code": st.just(15)},
)


def _option(options: tuple[fields.Option, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from([o.label for o in options])


ANSWERS = st.fixed_dictionaries(
    {
        "full_name": _TEXT,
        "birth": st.one_of(
            st.dates(date(1950, 1, 1), date(2008, 1, 1)).map(
                lambda d: {"date": d.isoformat(), "year": d.year}
            ),
            st.integers(1950, 2008).map(lambda y: {"date": None, "year": y}),
        ),
        "gender": _option(fields.GENDERS),
        "phone": st.from_regex(r"09[0-9]{8}", fullmatch=True),
        "province": st.just(
            {
                "code": 15,
                "name": "Tỉnh Lào Cai",
                "province_code": 15,
                "province_name": "Tỉnh Lào Cai",
            }
        ),
        "commune": st.one_of(
            _PLACE.map(lambda p: {**p, "province_name": "Tỉnh Lào Cai", "old": None}),
            st.tuples(_PLACE, _TEXT).map(
                lambda p: {**p[0], "province_name": "Tỉnh Lào Cai", "old": p[1]}
            ),
            _TEXT.map(
                lambda old: {
                    "code": None,
                    "name": old,
                    "province_code": 15,
                    "province_name": "Tỉnh Lào Cai",
                    "old": old,
                }
            ),
        ),
        "village": _TEXT,
        "ethnicity": _TEXT,
        "schooling": _option(fields.SCHOOLING_LEVELS),
        "market": _option(fields.MARKETS),
        "language": _option(fields.LANGUAGE_LEVELS),
        "abroad": _TEXT,
        "loan": _option(fields.LOAN_WISHES),
        "note": _TEXT,
    }
)


@given(ANSWERS)
def test_each_answer_comes_back_from_the_row_as_the_summary_showed_it(
    values: dict[str, object],
) -> None:
    row = Registration()
    form.apply(row, values)
    for field in form.FIELDS:
        assert field.text(row) == field.show(values[field.key]), field.key
    assert form.answers(row).keys() == values.keys()


# --- typed text through the real inbox processor --------------------------------------------
_TYPED = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N"), include_characters=" "),
    min_size=1,
    max_size=60,
).filter(
    lambda text: (
        any(c.isalnum() for c in text)
        and " ".join(text.split()) == text
        and unicodedata.normalize("NFC", text) == text
    )
)


# A bare "yes" («có», «u») to "worked abroad before?" is asked where and how long
# (tests/test_registration_mistakes.py); any other text is the answer as typed.
_ABROAD = _TYPED.filter(lambda text: fold(text).strip(" .!") not in YES_ABROAD)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(village=_TYPED, abroad=_ABROAD, note=_TYPED)
async def test_typed_free_text_arrives_unchanged(
    chat: Transcript, village: str, abroad: str, note: str
) -> None:
    user = uuid.uuid4().hex
    phone = f"098{uuid.uuid4().int % 10**7:07d}"  # each example is another person
    typed = {"Thôn Phìn Hồ": village, "Đài Loan, 3 năm": abroad, "0912 345 678": phone}
    steps = [
        (kind, typed.get(value, value))
        for kind, value in FULL_FORM
        if value != "Gọi sau 17 giờ, số của mẹ"
    ]
    await fill(chat, [*steps, ("press", "reg:edit:note"), ("say", note)], user=user)
    before = len(chat.staff_messages())
    await chat.press("reg:submit", user=user)
    async with chat.runtime.sessions() as session:
        row = await session.scalar(select(Registration).where(Registration.phone == phone))
    assert row is not None
    assert (row.village, row.note) == (village, note)
    assert row.worked_abroad in (abroad, "Chưa")  # "ko", "chưa"… mean never abroad
    [(card, _)] = chat.staff_messages()[before:]
    assert f"Thôn/bản, tổ: {village}" in card.text.splitlines()
    assert f"Ghi chú: {note}" in card.text.splitlines()
