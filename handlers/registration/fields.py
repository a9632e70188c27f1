"""Parsers and validators for the registration form.

People register from cheap phones, often without a Vietnamese keyboard and
with typos, so every parser here is lenient about *form* (diacritics, spaces,
separators, full-width digits, abbreviations) and strict about *meaning*
(impossible dates, landlines, names with digits). Each parser returns a clean
value or raises :class:`FieldError` whose message is shown to the user as is:
short, kind Vietnamese that says what was wrong and gives an example.

Everything is pure: ``today`` is passed in, tables are module constants.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, process

from faq.normalize import fold

__all__ = [
    "GENDERS",
    "LANGUAGE_LEVELS",
    "LOAN_WISHES",
    "MARKETS",
    "MOBILE_PREFIXES",
    "SCHOOLING_LEVELS",
    "BirthDate",
    "FieldError",
    "Option",
    "age_on",
    "check_adult",
    "match_choice",
    "match_schooling",
    "parse_birth_date",
    "parse_free_text",
    "parse_full_name",
    "parse_phone",
    "parse_phone_answer",
]


class FieldError(ValueError):
    """A user's answer that cannot be accepted; ``message`` is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Anything longer than this is not an answer to a form question (a pasted
# text, a forwarded message); it is rejected before any regular expression
# runs so that a 5,000-character paste costs nothing.
_MAX_RAW_LEN = 1000

_WS_RE = re.compile(r"\s+")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})


def _too_long(text: str, limit: int, what: str, example: str) -> FieldError:
    return FieldError(
        f"{what} dài quá: tối đa {limit} ký tự, bạn đã gõ {len(text)} ký tự. "
        f"Bạn gõ lại ngắn gọn nhé, ví dụ: {example}"
    )


# --- full name -----------------------------------------------------------------------
NAME_EXAMPLE = "Lò Văn Minh"
_NAME_MIN_LEN, _NAME_MAX_LEN = 2, 80
_NAME_MAX_WORDS = 7
_DIGIT_RE = re.compile(r"\d")


def _is_name_char(char: str) -> bool:
    """Latin letters (Vietnamese included) and the joiners names really use."""
    if char in " -'":
        return True
    if unicodedata.category(char).startswith("M"):  # a stray combining mark
        return True
    return char.isalpha() and "LATIN" in unicodedata.name(char, "")


def _capitalise(word: str) -> str:
    """ "h'hen" -> "H'Hen", "lò" -> "Lò": upper-case each part after - or '."""
    parts = re.split(r"([-'])", word.lower())
    return "".join(p[:1].upper() + p[1:] if p not in "-'" else p for p in parts)


def parse_full_name(text: str) -> str:
    """Return the name as on the ID card: spaces collapsed, each word capitalised.

    Why strict about characters: the name is matched against the ID card by
    staff, so digits, emoji or a phone number typed in the wrong box must be
    caught here rather than stored.
    """
    if len(text) > _MAX_RAW_LEN:
        raise _too_long(text.strip(), _NAME_MAX_LEN, "Họ và tên", NAME_EXAMPLE)
    name = _WS_RE.sub(" ", unicodedata.normalize("NFC", text).translate(_APOSTROPHES)).strip()
    name = re.sub(r"\s*-\s*", "-", name)
    if not name:
        raise FieldError(f"Bạn chưa nhập họ và tên. Bạn gõ lại nhé, ví dụ: {NAME_EXAMPLE}")
    if len(name) > _NAME_MAX_LEN:
        raise _too_long(name, _NAME_MAX_LEN, "Họ và tên", NAME_EXAMPLE)
    digits = len(_DIGIT_RE.findall(name))
    if digits >= 9:
        raise FieldError(
            f"Đây có vẻ là số điện thoại. Ở bước này bạn nhập họ và tên nhé, ví dụ: {NAME_EXAMPLE}"
        )
    if digits:
        raise FieldError(f"Họ và tên không có chữ số. Bạn gõ lại nhé, ví dụ: {NAME_EXAMPLE}")
    if not all(_is_name_char(c) for c in name):
        raise FieldError(
            "Họ và tên chỉ gồm chữ cái và dấu cách (không có biểu tượng, dấu chấm...). "
            f"Bạn gõ lại nhé, ví dụ: {NAME_EXAMPLE}"
        )
    words = name.split(" ")
    if any(not any(c.isalpha() for c in w) for w in words):
        raise FieldError(f"Họ và tên chưa đúng. Bạn gõ lại nhé, ví dụ: {NAME_EXAMPLE}")
    if len(words) < 2 or len(name) < _NAME_MIN_LEN:
        raise FieldError(f"Bạn nhập cả họ và tên nhé, ví dụ: {NAME_EXAMPLE}")
    if len(words) > _NAME_MAX_WORDS:
        raise FieldError(
            f"Họ và tên có vẻ quá dài ({len(words)} chữ). Bạn chỉ gõ họ và tên như trên "
            f"căn cước nhé, ví dụ: {NAME_EXAMPLE}"
        )
    return " ".join(_capitalise(w) for w in words)


# --- birth date ----------------------------------------------------------------------
DATE_EXAMPLE = "12/03/1999"
MIN_AGE = 18
MAX_AGE = 70
_DATE_WORDS_RE = re.compile(r"(?<![a-z])(?:ngay|thang|nam|sinh|ns)(?![a-z])")
# Words around a date in a natural answer ("nó sinh năm 2004", "em sinh ngày 5/6/1998 ạ"):
# pronouns and particles, dropped before the date is read. A month written as a word
# ("tháng ba") is not among them and is still refused.
_DATE_FILLERS_RE = re.compile(
    r"(?<![a-z])(?:no|em|toi|con|chau|minh|anh|chi|ban|be|a|ah|ak|la|vao|hoi|nhe|nha|oi|da|"
    r"vang|u|uh|thi|cua|ne)(?![a-z])"
)
_LETTER_RE = re.compile(r"[a-z]")
_NUMBER_RE = re.compile(r"\d+")
_DATE_FORMAT_MSG = (
    "Mình chưa hiểu ngày sinh này. Bạn gõ theo dạng ngày/tháng/năm, "
    f"ví dụ: {DATE_EXAMPLE} (không nhớ ngày thì gõ năm sinh: 1999)."
)


@dataclass(frozen=True)
class BirthDate:
    """A birth date, or only a year when the person does not know the day.

    Many older ID cards and household books of ethnic minority people carry
    the year only, so ``value`` is None and ``year_only`` True in that case.
    """

    value: date | None
    year: int
    year_only: bool


def age_on(birth: BirthDate, today: date) -> int:
    """Age in whole years on ``today``.

    For a year-only birth date this is ``today.year - year``, the reading the
    centre uses on paper; staff check the ID card before any contract.
    """
    if birth.value is None:
        return today.year - birth.year
    before_birthday = (today.month, today.day) < (birth.value.month, birth.value.day)
    return today.year - birth.value.year - int(before_birthday)


def _full_year(raw: str, today: date) -> int:
    if len(raw) == 4:
        return int(raw)
    if len(raw) == 2:
        short = int(raw)
        return 2000 + short if short <= today.year % 100 else 1900 + short
    raise FieldError(f"Năm sinh cần đủ 4 chữ số. Bạn gõ lại nhé, ví dụ: {DATE_EXAMPLE}")


def _checked(birth: BirthDate, today: date) -> BirthDate:
    if (birth.value or date(birth.year, 1, 1)) > today:
        raise FieldError(
            f"Ngày sinh không thể sau hôm nay ({today:%d/%m/%Y}). "
            f"Bạn kiểm tra lại năm sinh nhé, ví dụ: {DATE_EXAMPLE}"
        )
    if age_on(birth, today) > MAX_AGE:
        raise FieldError(
            f"Năm sinh {birth.year} có vẻ chưa đúng (hơn {MAX_AGE} tuổi). "
            f"Bạn kiểm tra lại nhé, ví dụ: {DATE_EXAMPLE}"
        )
    return birth


def parse_birth_date(text: str, today: date) -> BirthDate:
    """Parse 12/3/1999, 12-03-99, 12.3.1999, 12 3 1999, 1999 or "ngày 12 tháng 3 năm 1999".

    Also 1999-03-12 (year first) and 12031999. Two-digit years up to
    ``today.year % 100`` are read as 20xx, the rest as 19xx. Impossible dates
    get a message naming the day count of that month, because "30/02" is a
    typo the user can fix only if told why it is wrong.
    """
    if len(text) > _MAX_RAW_LEN:
        raise _too_long(text.strip(), 40, "Ngày sinh", DATE_EXAMPLE)
    folded = _DATE_WORDS_RE.sub(" ", fold(unicodedata.normalize("NFKC", text)))
    if _NUMBER_RE.search(folded):
        folded = _DATE_FILLERS_RE.sub(" ", folded)
    if _LETTER_RE.search(folded):
        raise FieldError(_DATE_FORMAT_MSG)
    numbers = _NUMBER_RE.findall(folded)
    if len(numbers) == 1 and len(numbers[0]) == 8:
        raw = numbers[0]
        numbers = [raw[:2], raw[2:4], raw[4:]]
    if len(numbers) == 1:
        if len(numbers[0]) != 4:
            raise FieldError(_DATE_FORMAT_MSG)
        year = int(numbers[0])
        return _checked(BirthDate(None, year, True), today)
    day_raw, month_raw, year_raw = _day_month_year(numbers)
    year, month, day = _full_year(year_raw, today), int(month_raw), int(day_raw)
    if not 1 <= month <= 12:
        raise FieldError(
            f"Tháng {month} không có thật: tháng chỉ từ 1 đến 12. "
            f"Bạn gõ lại nhé, ví dụ: {DATE_EXAMPLE}"
        )
    if year < 1 or year > 9999:
        raise FieldError(_DATE_FORMAT_MSG)
    days_in_month = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days_in_month:
        raise FieldError(
            f"Ngày {day:02d}/{month:02d}/{year} không có thật: tháng {month} năm {year} "
            f"chỉ có {days_in_month} ngày. Bạn kiểm tra lại nhé, ví dụ: {DATE_EXAMPLE}"
        )
    return _checked(BirthDate(date(year, month, day), year, False), today)


def _day_month_year(numbers: list[str]) -> tuple[str, str, str]:
    """Three numbers as day, month, year (year first when it has four digits)."""
    if len(numbers) != 3:
        raise FieldError(_DATE_FORMAT_MSG)
    if len(numbers[0]) == 4:  # 1999-03-12
        year_raw, month_raw, day_raw = numbers
    else:
        day_raw, month_raw, year_raw = numbers
    if len(day_raw) > 2 or len(month_raw) > 2:
        raise FieldError(_DATE_FORMAT_MSG)
    return day_raw, month_raw, year_raw


def check_adult(birth: BirthDate, today: date) -> None:
    """Raise when the person is under 18.

    Luật Người lao động Việt Nam đi làm việc ở nước ngoài theo hợp đồng
    (Luật 69/2020/QH14), Điều 3 khoản 1: the worker must be at least 18.
    """
    if age_on(birth, today) < MIN_AGE:
        raise FieldError(
            "Theo luật, người đi làm việc ở nước ngoài phải đủ 18 tuổi. "
            "Bạn có thể quay lại đăng ký khi đủ tuổi."
        )


# --- phone -----------------------------------------------------------------------------
PHONE_EXAMPLE = "0912 345 678"

# Mobile network codes in use (10-digit numbers, since the 2018 switch from
# 11 digits). Viettel 086 096 097 098 032-039; VinaPhone 088 091 094 081-085;
# MobiFone 089 090 093 070 076-079; Vietnamobile 092 052 056 058; Gmobile 099
# 059; Itelecom 087; Reddi (Mobicast) 055. Numbers keep their code when they
# move network, so the code says "mobile", not which operator.
MOBILE_PREFIXES: frozenset[str] = frozenset(
    {
        "086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039",
        "088", "091", "094", "081", "082", "083", "084", "085",
        "089", "090", "093", "070", "076", "077", "078", "079",
        "092", "052", "056", "058",
        "099", "059",
        "087",
        "055",
    }
)  # fmt: skip

# 11-digit mobile codes retired in 2018 and their 10-digit replacements, so
# that someone who still remembers the old number is told the new one.
_OLD_11_DIGIT: dict[str, str] = {
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036",
    "0167": "037", "0168": "038", "0169": "039",
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    "0186": "056", "0188": "058", "0199": "059",
}  # fmt: skip

_PHONE_CHARS_RE = re.compile(r"[0-9\s.\-()+]*")
_PHONE_LENGTH_MSG = f"Số điện thoại di động có 10 chữ số, ví dụ: {PHONE_EXAMPLE}"


def parse_phone(text: str) -> str:
    """Return a Vietnamese mobile number as ``0xxxxxxxxx`` (10 digits).

    Accepted: 0912 345 678, 0912.345.678, +84 912 345 678, (+84) 912..., 84912345678,
    0084..., +84 0912... and full-width digits. Nine digits without the leading
    0 (912345678) are accepted too: that is how numbers look after a spreadsheet
    or a "+84" habit drops the 0, and a valid mobile code makes it unambiguous.
    Landlines are refused because the centre calls back and sends SMS.
    """
    if len(text) > _MAX_RAW_LEN:
        raise _too_long(text.strip(), 20, "Số điện thoại", PHONE_EXAMPLE)
    raw = unicodedata.normalize("NFKC", text).strip()
    if not raw:
        raise FieldError(f"Bạn chưa nhập số điện thoại. Ví dụ: {PHONE_EXAMPLE}")
    if not _PHONE_CHARS_RE.fullmatch(raw) or "+" in raw.lstrip("(").lstrip()[1:]:
        raise FieldError(f"Số điện thoại chỉ gồm chữ số. Bạn gõ lại nhé, ví dụ: {PHONE_EXAMPLE}")
    digits = re.sub(r"\D", "", raw)
    international = raw.lstrip("(").startswith("+") or digits.startswith("00")
    digits = digits.removeprefix("00") if digits.startswith("0084") else digits
    if digits.startswith("84") and (international or len(digits) in (11, 12)):
        digits = "0" + digits[2:].removeprefix("0")
    elif len(digits) == 9 and not digits.startswith("0"):
        digits = "0" + digits
    if digits.startswith("02"):
        raise FieldError(
            "Đây có vẻ là số máy bàn. Trung tâm cần số di động để gọi và nhắn tin cho bạn, "
            f"ví dụ: {PHONE_EXAMPLE}"
        )
    if len(digits) == 11 and digits[:4] in _OLD_11_DIGIT:
        new = _OLD_11_DIGIT[digits[:4]] + digits[4:]
        raise FieldError(
            f"Số 11 chữ số đầu {digits[:4]} đã đổi sang 10 chữ số từ năm 2018: số mới của bạn "
            f"là {new[:4]} {new[4:7]} {new[7:]}. Bạn gõ số mới nhé."
        )
    if len(digits) != 10 or not digits.startswith("0"):
        raise FieldError(_PHONE_LENGTH_MSG)
    if digits[:3] not in MOBILE_PREFIXES:
        raise FieldError(
            f"Đầu số {digits[:3]} không phải số di động Việt Nam. "
            f"Bạn kiểm tra lại nhé, ví dụ: {PHONE_EXAMPLE}"
        )
    return digits


# A Vietnamese number inside other words: 0 or (+)84, then 8–10 digits, single separators.
_PHONE_IN_TEXT_RE = re.compile(r"(?<!\d)(?:\+?84|0)\d(?:[\s.\-]?\d){7,9}(?!\d)")


def parse_phone_answer(text: str) -> str:
    """The phone answer as people type it: the number alone, or inside a sentence.

    "sđt của em 0912 345 678 ạ" gives the number; two numbers ("số thằng Tuấn 0356789123,
    số cô 0987654321") are refused with a hint, since only the applicant's is wanted.
    """
    try:
        return parse_phone(text)
    except FieldError as error:
        if len(text) > _MAX_RAW_LEN:
            raise
        found = _PHONE_IN_TEXT_RE.findall(unicodedata.normalize("NFKC", text))
        if len(found) >= 2:
            raise FieldError(
                f"Bạn gửi {len(found)} số điện thoại. Bạn gõ một số di động của người đăng ký "
                f"thôi nhé, ví dụ: {PHONE_EXAMPLE}"
            ) from error
        if len(found) == 1 and found[0].strip() != text.strip():
            return parse_phone(found[0])
        raise


# --- fixed choices ---------------------------------------------------------------------
@dataclass(frozen=True)
class Option:
    """One answer of a fixed-choice question.

    ``code`` is short ASCII because it travels in button callback data
    (Telegram allows 64 bytes); ``label`` is what the user sees and what is
    stored; ``aliases`` are folded spellings people type instead.
    """

    code: str
    label: str
    aliases: tuple[str, ...] = ()


GENDERS: tuple[Option, ...] = (
    Option("nam", "Nam", ("trai", "con trai", "nam gioi", "dan ong", "male", "m", "boy")),
    Option("nu", "Nữ", ("gai", "con gai", "nu gioi", "phu nu", "female", "f", "girl")),
    Option("khac", "Khác", ("other", "gioi tinh khac")),
)

SCHOOLING_LEVELS: tuple[Option, ...] = (
    Option(
        "duoi_thcs",
        "Chưa tốt nghiệp THCS",
        ("chua tot nghiep", "chua het cap 2", "cap 1", "tieu hoc", "chua di hoc",
         "khong di hoc", "lop 5", "lop 6", "lop 7", "lop 8", "duoi thcs"),
    ),
    Option(
        "thcs",
        "THCS",
        ("cap 2", "cap ii", "lop 9", "lop 10", "lop 11", "9 12", "tot nghiep thcs",
         "trung hoc co so", "het cap 2"),
    ),
    Option(
        "thpt",
        "THPT",
        ("cap 3", "cap iii", "lop 12", "12 12", "tot nghiep thpt", "trung hoc pho thong",
         "het cap 3", "bo tuc", "gdtx", "bttx"),
    ),
    Option("trung_cap", "Trung cấp", ("tc", "trung cap nghe", "tcn")),
    Option("cao_dang", "Cao đẳng", ("cd", "cao dang nghe", "cdn")),
    Option(
        "dai_hoc",
        "Đại học trở lên",
        ("dh", "dai hoc", "cu nhan", "ky su", "thac si", "tien si", "sau dai hoc"),
    ),
)  # fmt: skip

MARKETS: tuple[Option, ...] = (
    Option("kr_eps", "Hàn Quốc (EPS)", ("hq", "han", "han quoc", "korea", "eps", "kr")),
    Option("jp", "Nhật Bản", ("nb", "nhat", "japan", "tts nhat", "thuc tap sinh nhat")),
    Option("tw", "Đài Loan", ("dl", "dai loan", "taiwan", "dai")),
    Option("de", "Đức", ("duc", "germany", "dd")),
    Option("au", "Úc", ("uc", "australia", "oxtraylia", "ustralia")),
    Option("my", "Malaysia", ("malay", "ma lai", "malaixia", "malaysia")),
    Option(
        "mid_east",
        "Trung Đông",
        ("trung dong", "td", "a rap", "a rap xe ut", "saudi", "qatar", "uae", "dubai", "kuwait"),
    ),
    Option(
        "undecided",
        "Chưa biết — cần tư vấn",
        ("chua biet", "chua", "can tu van", "tu van", "chua biet can tu van", "chua chon"),
    ),
)

LANGUAGE_LEVELS: tuple[Option, ...] = (
    Option(
        "none",
        "Chưa biết",
        ("chua", "khong biet", "ko biet", "kh biet", "chua hoc", "0", "ko", "k", "khong",
         "chua biet gi", "khong biet gi", "ko biet gi", "chua hoc bao gio", "mu tit"),
    ),
    Option("basic", "Biết cơ bản", ("co ban", "biet chut it", "biet it", "mot chut", "so cap")),
    Option("good", "Khá", ("kha", "gioi", "tot", "thanh thao", "noi duoc")),
    Option(
        "cert",
        "Có chứng chỉ",
        ("chung chi", "co bang", "topik", "eps topik", "jlpt", "n5", "n4", "n3", "nat test",
         "tocfl", "goethe", "a1", "a2", "b1", "ielts"),
    ),
)  # fmt: skip

LOAN_WISHES: tuple[Option, ...] = (
    Option("co", "Có", ("c", "yes", "y", "ok", "co vay", "muon vay", "can vay", "vay", "co a")),
    Option(
        "khong",
        "Không",
        ("ko", "k", "kh", "khg", "kg", "hong", "no", "n", "khong can", "khong vay", "khong a"),
    ),
    Option(
        "chua_chac",
        "Chưa chắc",
        ("chua", "chua biet", "khong biet", "ko biet", "phan van", "de xem", "dang nghi"),
    ),
)

# Polite or filler words that precede a real answer ("em muốn đi Hàn Quốc ạ").
_FILLERS: frozenset[str] = frozenset(
    {"toi", "em", "minh", "anh", "chi", "la", "muon", "di", "chon", "sang", "nuoc", "nhe",
     "a", "oi", "chau", "con", "xin", "da", "vang", "nha", "ah", "gi", "ca", "luon"}
)  # fmt: skip
_PUNCT_RE = re.compile(r"[^\w\s]|_")
_FUZZY_CUTOFF = 86.0


def _choice_key(text: str) -> str:
    return _WS_RE.sub(" ", _PUNCT_RE.sub(" ", fold(text))).strip()


def match_choice(options: Sequence[Option], text: str) -> Option | None:
    """Return the option the user typed, or None if unsure.

    Accepts the label with or without diacritics, the button code, an alias or
    abbreviation ("hq", "ko", "co"), polite filler around it, and — only when
    one option is clearly closest — a small typo in a label of 4+ letters.
    """
    if not text or len(text) > 200:
        return None
    key = _choice_key(text)
    if not key:
        return None
    table: dict[str, Option] = {}
    for option in options:
        table.setdefault(_choice_key(option.label), option)
        label_core = _choice_key(re.sub(r"\(.*?\)", " ", option.label))
        table.setdefault(label_core, option)
        table.setdefault(option.code.lower(), option)
        table.setdefault(option.code.lower().replace("_", " "), option)
    for option in options:
        for alias in option.aliases:
            table.setdefault(_choice_key(alias), option)
    if key in table:
        return table[key]
    trimmed = " ".join(w for w in key.split() if w not in _FILLERS)
    if trimmed in table:
        return table[trimmed]
    candidates = [k for k in table if len(k) >= 4]
    found = process.extract(trimmed or key, candidates, scorer=fuzz.ratio, limit=5)
    best = [(k, s) for k, s, _ in found if s >= _FUZZY_CUTOFF]
    if not best:
        return None
    winner = table[best[0][0]]
    if any(table[k] is not winner and s > best[0][1] - 5 for k, s in best[1:]):
        return None
    return winner


# --- schooling by grade ---------------------------------------------------------------
# "hết lớp 9", "lớp 12/12", "9/12", "học đến lớp 7", "chưa hết lớp 9", "đang học lớp 11".
_GRADE_RE = re.compile(r"(?<!\d)(1[0-2]|[1-9])(?!\d)")
_OF_TWELVE_RE = re.compile(r"(?<!\d)(\d{1,2})\s*/\s*12(?!\d)")  # "9/12": grade 9 of 12
_NOT_FINISHED_RE = re.compile(r"\b(?:chua|dang|do dang|bo)\b")
_GRADE_WORDS_RE = re.compile(r"\b(?:lop|het|hoc|den|xong|tot nghiep|toi|em|da|a|roi|moi)\b")


def match_schooling(text: str) -> Option | None:
    """The schooling level of an answer that names a grade, else None.

    Finishing grade 9 is THCS and grade 12 THPT; a grade not finished ("chưa hết lớp 9",
    "đang học lớp 12") counts as the level below it.
    """
    if not text or len(text) > 200:
        return None
    key = _choice_key(_OF_TWELVE_RE.sub(r" \1 ", fold(text)))
    grades = _GRADE_RE.findall(key)
    rest = _GRADE_WORDS_RE.sub(" ", _NOT_FINISHED_RE.sub(" ", key))
    if len(grades) != 1 or re.sub(r"[\d\s]", "", rest) or len(re.findall(r"\d+", key)) != 1:
        return None  # not only a grade and the usual words around it
    grade = int(grades[0])
    if _NOT_FINISHED_RE.search(key):
        grade -= 1
    code = "thpt" if grade >= 12 else "thcs" if grade >= 9 else "duoi_thcs"
    return next(o for o in SCHOOLING_LEVELS if o.code == code)


# --- free text -------------------------------------------------------------------------
def _too_long_text(length: int, max_len: int, example: str) -> FieldError:
    return FieldError(
        f"Nội dung dài quá: tối đa {max_len} ký tự, bạn đã gõ {length} ký tự. "
        f"Bạn viết ngắn lại nhé, ví dụ: {example}"
    )


def parse_free_text(text: str, max_len: int, *, example: str = "Thôn Cốc Lếu") -> str:
    """Return trimmed text with whitespace collapsed, for the village and notes.

    Control characters are dropped (they break the staff spreadsheet export);
    diacritics are kept; an answer with no letter or digit (only emoji or
    dots) is refused because staff cannot use it.
    """
    if len(text) > max(max_len * 4, _MAX_RAW_LEN):
        raise _too_long_text(len(text.strip()), max_len, example)
    cleaned = "".join(
        " " if unicodedata.category(c).startswith("C") else c
        for c in unicodedata.normalize("NFC", text)
    )
    cleaned = _WS_RE.sub(" ", cleaned).strip()
    if not cleaned:
        raise FieldError(f"Bạn chưa nhập gì. Bạn gõ lại nhé, ví dụ: {example}")
    if len(cleaned) > max_len:
        raise _too_long_text(len(cleaned), max_len, example)
    if not any(c.isalnum() for c in cleaned):
        raise FieldError(f"Bạn gõ bằng chữ nhé, ví dụ: {example}")
    return cleaned
