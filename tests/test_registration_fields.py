"""Registration field parsers: real inputs typed on cheap phones, with and without diacritics."""

from __future__ import annotations

import time
from datetime import date

import pytest

from handlers.registration import fields
from handlers.registration.fields import BirthDate, FieldError

TODAY = date(2026, 11, 23)


def _error(func, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(FieldError) as info:
        func(*args)
    message = info.value.message
    assert message and message == str(info.value)
    return message


# --- full name -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("lò văn a", "Lò Văn A"),
        ("LÒ VĂN MINH", "Lò Văn Minh"),
        ("  nguyễn   thị  thu  ", "Nguyễn Thị Thu"),
        ("lo van minh", "Lo Van Minh"),
        ("giàng a páo", "Giàng A Páo"),
        ("h'hen niê", "H'Hen Niê"),
        ("h’hen niê", "H'Hen Niê"),
        ("đặng thị đào", "Đặng Thị Đào"),
        ("sùng thị mỷ", "Sùng Thị Mỷ"),
        ("Hoàng Thị Lan Anh Ngọc", "Hoàng Thị Lan Anh Ngọc"),
        ("vàng a - sử", "Vàng A-Sử"),
        ("Lo\u0300 Va\u0306n Minh", "Lò Văn Minh"),  # decomposed (NFD) input
    ],
)
def test_full_name_is_cleaned_and_capitalised(typed: str, expected: str) -> None:
    assert fields.parse_full_name(typed) == expected


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("Minh", "cả họ và tên"),
        ("Lò Văn 2", "không có chữ số"),
        ("Lo Van Minh 1999", "không có chữ số"),
        ("0912345678", "số điện thoại"),
        ("Lò Văn Minh 0912 345 678", "số điện thoại"),
        ("Lò Văn 😀", "chỉ gồm chữ cái"),
        ("Lò Văn Minh!", "chỉ gồm chữ cái"),
        ("Lò.Văn.Minh", "chỉ gồm chữ cái"),
        ("Иван Петров", "chỉ gồm chữ cái"),
        ("", "chưa nhập"),
        ("   ", "chưa nhập"),
        ("a b c d e f g h", "quá dài"),
        ("Lò Văn " + "a" * 80, "tối đa 80"),
        ("' -", "chưa đúng"),
    ],
)
def test_bad_names_are_refused_with_a_reason_and_example(typed: str, fragment: str) -> None:
    message = _error(fields.parse_full_name, typed)
    assert fragment in message
    assert "Lò Văn Minh" in message


def test_single_word_message_is_the_one_agreed() -> None:
    assert _error(fields.parse_full_name, "Minh") == "Bạn nhập cả họ và tên nhé, ví dụ: Lò Văn Minh"


@pytest.mark.parametrize(
    "func",
    [
        fields.parse_full_name,
        fields.parse_phone,
        lambda text: fields.parse_birth_date(text, TODAY),
        lambda text: fields.parse_free_text(text, 200),
    ],
)
def test_five_thousand_characters_are_refused_quickly_and_kindly(func) -> None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    message = _error(func, "a" * 5000)
    assert time.perf_counter() - start < 0.05
    assert "dài quá" in message and "tối đa" in message


# --- birth date --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    [
        "12/3/1999",
        "12/03/1999",
        "12-03-99",
        "12-3-1999",
        "12.3.1999",
        "12 3 1999",
        "12 / 3 / 1999",
        "ngày 12 tháng 3 năm 1999",
        "ngay 12 thang 3 nam 1999",
        "Ngày 12 tháng 03 năm 1999.",
        "sinh ngày 12/3/1999",
        "1999-03-12",
        "12031999",
        "１２/３/１９９９",
    ],
)
def test_every_date_format_gives_the_same_date(typed: str) -> None:
    assert fields.parse_birth_date(typed, TODAY) == BirthDate(date(1999, 3, 12), 1999, False)


@pytest.mark.parametrize("typed", ["1999", "năm 1999", "sinh năm 1999", " 1999 "])
def test_year_only(typed: str) -> None:
    assert fields.parse_birth_date(typed, TODAY) == BirthDate(None, 1999, True)


@pytest.mark.parametrize(
    ("typed", "year"),
    [("1/1/00", 2000), ("1/1/05", 2005), ("1/1/26", 2026), ("1/1/27", 1927), ("1/1/99", 1999)],
)
def test_two_digit_years_pivot_on_this_year(typed: str, year: int) -> None:
    if year == 1927:  # 99 years old: parsed, then refused as implausible
        assert "hơn 70 tuổi" in _error(fields.parse_birth_date, typed, TODAY)
        return
    assert fields.parse_birth_date(typed, TODAY).year == year


def test_leap_days() -> None:
    assert fields.parse_birth_date("29/02/2000", TODAY).value == date(2000, 2, 29)
    assert fields.parse_birth_date("29/2/2004", TODAY).value == date(2004, 2, 29)
    message = _error(fields.parse_birth_date, "29/02/2001", TODAY)
    assert "29/02/2001 không có thật" in message and "28 ngày" in message


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("30/02/2000", "tháng 2 năm 2000 chỉ có 29 ngày"),
        ("31/4/2001", "tháng 4 năm 2001 chỉ có 30 ngày"),
        ("31/06/1995", "chỉ có 30 ngày"),
        ("32/1/1999", "chỉ có 31 ngày"),
        ("0/1/1999", "không có thật"),
        ("12/13/1999", "Tháng 13 không có thật"),
        ("12/0/1999", "Tháng 0 không có thật"),
    ],
)
def test_impossible_dates_say_why(typed: str, fragment: str) -> None:
    message = _error(fields.parse_birth_date, typed, TODAY)
    assert fragment in message
    assert "12/03/1999" in message


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("24/11/2026", "sau hôm nay"),
        ("1/1/2030", "sau hôm nay"),
        ("2027", "sau hôm nay"),
        ("1/1/1950", "hơn 70 tuổi"),
        ("1900", "hơn 70 tuổi"),
        ("abc", "ngày/tháng/năm"),
        ("", "ngày/tháng/năm"),
        ("3/1999", "ngày/tháng/năm"),
        ("12/3/1999/5", "ngày/tháng/năm"),
        ("99", "ngày/tháng/năm"),
        ("12/3/999", "4 chữ số"),
        ("12 thang ba 1999", "ngày/tháng/năm"),
    ],
)
def test_implausible_or_unreadable_dates(typed: str, fragment: str) -> None:
    assert fragment in _error(fields.parse_birth_date, typed, TODAY)


def test_today_and_seventy_years_are_the_limits() -> None:
    assert fields.parse_birth_date("23/11/2026", TODAY).value == TODAY
    assert fields.parse_birth_date("23/11/1956", TODAY).value == date(1956, 11, 23)
    assert "hơn 70 tuổi" in _error(fields.parse_birth_date, "22/11/1955", TODAY)


@pytest.mark.parametrize(
    ("birth", "age"),
    [
        (BirthDate(date(2008, 11, 23), 2008, False), 18),
        (BirthDate(date(2008, 11, 24), 2008, False), 17),
        (BirthDate(date(2000, 2, 29), 2000, False), 26),
        (BirthDate(None, 2008, True), 18),
        (BirthDate(None, 2011, True), 15),
    ],
)
def test_age_on(birth: BirthDate, age: int) -> None:
    assert fields.age_on(birth, TODAY) == age


def test_check_adult() -> None:
    fields.check_adult(fields.parse_birth_date("23/11/2008", TODAY), TODAY)
    fields.check_adult(fields.parse_birth_date("1990", TODAY), TODAY)
    for typed in ("24/11/2008", "1/1/2011", "2011"):  # 17, 15, 15
        message = _error(fields.check_adult, fields.parse_birth_date(typed, TODAY), TODAY)
        assert message == (
            "Theo luật, người đi làm việc ở nước ngoài phải đủ 18 tuổi. "
            "Bạn có thể quay lại đăng ký khi đủ tuổi."
        )


# --- phone -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84 912 345 678",
        "+84 912.345.678",
        "+84912345678",
        "(+84) 912 345 678",
        "(+84)912345678",
        "84912345678",
        "84 912 345 678",
        "0084 912 345 678",
        "+84 0912 345 678",
        "912345678",
        "912 345 678",
        "０９１２ ３４５ ６７８",
        " 0912345678 ",
    ],
)
def test_phone_forms(typed: str) -> None:
    assert fields.parse_phone(typed) == "0912345678"


@pytest.mark.parametrize(
    "number",
    ["0868123456", "0321234567", "0398765432", "0888123456", "0812345678", "0898123456",
     "0701234567", "0761234567", "0921234567", "0561234567", "0581234567", "0521234567",
     "0991234567", "0591234567", "0871234567", "0551234567"],
)  # fmt: skip
def test_every_operator_prefix(number: str) -> None:
    assert fields.parse_phone(number) == number


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("0214 3840 123", "số máy bàn"),
        ("02143840123", "số máy bàn"),
        ("024 3825 1234", "số máy bàn"),
        ("+84 24 3825 1234", "số máy bàn"),
        ("09123456789", "10 chữ số"),
        ("091234567", "10 chữ số"),
        ("12345", "10 chữ số"),
        ("0512345678", "Đầu số 051"),
        ("0612345678", "Đầu số 061"),
        ("0112345678", "Đầu số 011"),
        ("0912abc678", "chỉ gồm chữ số"),
        ("0912 345 678 +84", "chỉ gồm chữ số"),
        ("", "chưa nhập"),
        ("01688123456", "0388 123 456"),
        ("0127 123 4567", "0811 234 567"),
    ],
)
def test_phone_refusals(typed: str, fragment: str) -> None:
    assert fragment in _error(fields.parse_phone, typed)


def test_wrong_length_message_is_the_one_agreed() -> None:
    assert (
        _error(fields.parse_phone, "09123456789")
        == "Số điện thoại di động có 10 chữ số, ví dụ: 0912 345 678"
    )


# --- choices -----------------------------------------------------------------------------
ALL_OPTION_SETS = [
    fields.GENDERS,
    fields.SCHOOLING_LEVELS,
    fields.MARKETS,
    fields.LANGUAGE_LEVELS,
    fields.LOAN_WISHES,
]


@pytest.mark.parametrize("options", ALL_OPTION_SETS)
def test_codes_are_short_unique_ascii(options: tuple[fields.Option, ...]) -> None:
    codes = [o.code for o in options]
    assert len(set(codes)) == len(codes)
    assert all(c.isascii() and len(c) <= 12 and ":" not in c for c in codes)


@pytest.mark.parametrize("options", ALL_OPTION_SETS)
def test_label_and_code_round_trip(options: tuple[fields.Option, ...]) -> None:
    from faq.normalize import fold

    for option in options:
        assert fields.match_choice(options, option.label) is option
        assert fields.match_choice(options, fold(option.label)) is option
        assert fields.match_choice(options, option.label.upper()) is option
        assert fields.match_choice(options, option.code) is option


@pytest.mark.parametrize(
    ("options", "typed", "code"),
    [
        (fields.GENDERS, "nam", "nam"),
        (fields.GENDERS, "nu", "nu"),
        (fields.GENDERS, "Nữ ạ", "nu"),
        (fields.GENDERS, "con gái", "nu"),
        (fields.GENDERS, "khac", "khac"),
        (fields.SCHOOLING_LEVELS, "thpt", "thpt"),
        (fields.SCHOOLING_LEVELS, "lớp 12", "thpt"),
        (fields.SCHOOLING_LEVELS, "12/12", "thpt"),
        (fields.SCHOOLING_LEVELS, "cap 3", "thpt"),
        (fields.SCHOOLING_LEVELS, "9/12", "thcs"),
        (fields.SCHOOLING_LEVELS, "cấp 2", "thcs"),
        (fields.SCHOOLING_LEVELS, "chua tot nghiep thcs", "duoi_thcs"),
        (fields.SCHOOLING_LEVELS, "trung cap", "trung_cap"),
        (fields.SCHOOLING_LEVELS, "cao dang", "cao_dang"),
        (fields.SCHOOLING_LEVELS, "cao dangg", "cao_dang"),
        (fields.SCHOOLING_LEVELS, "dai hoc", "dai_hoc"),
        (fields.SCHOOLING_LEVELS, "Đại học trở lên", "dai_hoc"),
        (fields.MARKETS, "hq", "kr_eps"),
        (fields.MARKETS, "HQ", "kr_eps"),
        (fields.MARKETS, "han quoc", "kr_eps"),
        (fields.MARKETS, "Hàn Quốc", "kr_eps"),
        (fields.MARKETS, "eps", "kr_eps"),
        (fields.MARKETS, "nb", "jp"),
        (fields.MARKETS, "nhat ban", "jp"),
        (fields.MARKETS, "em muốn đi Nhật ạ", "jp"),
        (fields.MARKETS, "dl", "tw"),
        (fields.MARKETS, "dai loan", "tw"),
        (fields.MARKETS, "duc", "de"),
        (fields.MARKETS, "uc", "au"),
        (fields.MARKETS, "Úc", "au"),
        (fields.MARKETS, "malaysia", "my"),
        (fields.MARKETS, "malaysi", "my"),
        (fields.MARKETS, "trung dong", "mid_east"),
        (fields.MARKETS, "chua biet", "undecided"),
        (fields.MARKETS, "cần tư vấn", "undecided"),
        (fields.LANGUAGE_LEVELS, "chua biet", "none"),
        (fields.LANGUAGE_LEVELS, "co ban", "basic"),
        (fields.LANGUAGE_LEVELS, "kha", "good"),
        (fields.LANGUAGE_LEVELS, "co chung chi", "cert"),
        (fields.LANGUAGE_LEVELS, "topik", "cert"),
        (fields.LOAN_WISHES, "co", "co"),
        (fields.LOAN_WISHES, "có", "co"),
        (fields.LOAN_WISHES, "ko", "khong"),
        (fields.LOAN_WISHES, "khong", "khong"),
        (fields.LOAN_WISHES, "k", "khong"),
        (fields.LOAN_WISHES, "chua chac", "chua_chac"),
    ],
)
def test_typed_answers(options: tuple[fields.Option, ...], typed: str, code: str) -> None:
    option = fields.match_choice(options, typed)
    assert option is not None and option.code == code


@pytest.mark.parametrize(
    ("options", "typed"),
    [
        (fields.MARKETS, "xyz"),
        (fields.MARKETS, ""),
        (fields.MARKETS, "   "),
        (fields.MARKETS, "😀"),
        (fields.LOAN_WISHES, "có lẽ không"),
        (fields.GENDERS, "x" * 500),
        (fields.SCHOOLING_LEVELS, "lop"),
    ],
)
def test_unclear_answers_give_none(options: tuple[fields.Option, ...], typed: str) -> None:
    assert fields.match_choice(options, typed) is None


# --- free text ---------------------------------------------------------------------------
def test_free_text_is_trimmed_and_collapsed() -> None:
    assert fields.parse_free_text("  Thôn   Tả Phời\n2  ", 100) == "Thôn Tả Phời 2"
    assert fields.parse_free_text("Bản\tCát Cát", 100) == "Bản Cát Cát"
    assert fields.parse_free_text("x" * 100, 100) == "x" * 100


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [("", "chưa nhập"), ("   \n ", "chưa nhập"), ("...", "bằng chữ"), ("😀😀", "bằng chữ")],
)
def test_free_text_refusals(typed: str, fragment: str) -> None:
    assert fragment in _error(fields.parse_free_text, typed, 100)


def test_free_text_too_long_tells_the_limit() -> None:
    message = _error(fields.parse_free_text, "x" * 101, 100)
    assert "tối đa 100 ký tự" in message and "101" in message
