"""Find the company a worker asks about in a free-text message.

Workers ask «cty tan minh co giay phep ko», «công ty Việt Phúc Land tuyển đi Nhật có uy
tín không», «giấy phép số 123/LĐTBXH-GP có thật không». Only the name may be checked
against the registry: the question around it («có giấy phép không», «tuyển đi Nhật»)
would turn a licensed company into an unknown one, and amounts, countries and ordinary
words («thu 150 trieu di nhat») are never a company.

:func:`find` reads a message word by word. A name starts after a company word
(«công ty», «cty», «CTCP», «doanh nghiệp») and runs until a word that cannot be part of
it: a function word («có», «là», «ở», «không»…), a question about the company («uy
tín», «giấy phép», «lừa đảo»…), a number, or a verb followed by what it acts on («bảo
em», «thu 150», «tuyển đi»). Without a company word, the words just before such a
question are taken as the name («tan minh son co uy tin ko»), unless they are a country,
a programme or a place. Pure: the caller decides what to do with the result.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from faq.company_names import without_legal_forms
from faq.normalize import fold

__all__ = ["CompanyMention", "find"]

MAX_SCAN_CHARS = 500
# A company name has at most this many words after the company word.
MAX_NAME_WORDS = 10
# Without «công ty», the words before a question are a name only when they are few and
# no place, programme or person: "tân minh sơn có uy tín không".
MAX_NAME_BEFORE = 4
_NOT_BEFORE = frozenset(
    "nhat han quoc dai loan duc uc trung campuchia malaysia eps colab chau au nuoc ngoai "
    "xkld tac vien ctv danh nguoi".split()
)

_WORD_RE = re.compile(r"[^\W_]+(?:[-/.][^\W_]+)*", re.UNICODE)

# Words that introduce a company ("ct" only at the start of a message: "ct hoang long").
_COMPANY_WORDS: tuple[tuple[str, ...], ...] = (
    ("cong", "ty"), ("tong", "cong", "ty"), ("doanh", "nghiep"), ("cty",), ("congty",),
    ("ctcp",), ("cti",), ("dn",),
)  # fmt: skip
_COMPANY_TOKENS = frozenset(
    {"cong", "ty", "tong", "cty", "congty", "ctcp", "cti", "ct", "doanh", "nghiep", "dn"}
)
# Questions about a company: is it licensed, reputable, a scam? These are about a
# company wherever they appear ("Tân Minh Sơn có uy tín không")…
_ASKS: tuple[tuple[str, ...], ...] = tuple(
    tuple(phrase.split())
    for phrase in (
        "co giay phep", "giay phep", "cap phep", "duoc phep", "co phep", "hop phap",
        "chinh thong", "co uy tin", "uy tin", "lua dao", "lua", "scam", "gia mao", "mao danh",
        "con hoat dong", "bi thu hoi", "bi dinh chi",
    )
)  # fmt: skip
# …these only next to «công ty» ("cty X có thật không"; "ở lại có được không" is not).
_ASKS_WITH_COMPANY: tuple[tuple[str, ...], ...] = tuple(
    tuple(phrase.split())
    for phrase in (
        "co that", "that khong", "that hay", "co phai", "dang tin", "tin duoc", "co tot",
        "tot khong", "co on", "on khong", "co dang ky", "dang ky chua", "kiem tra", "tra cuu",
        "check", "xem giup",
    )
)  # fmt: skip
# Asking to check a company without naming it: "công ty này…", "kiểm tra công ty".
_THIS = frozenset({"nay", "do", "kia", "ay"})
_CHECK_VERBS = frozenset({"kiem", "tra", "check", "xem", "cuu"})
_SHORT_REQUEST_WORDS = 5
# "how do I check a company", "what is …": questions for the FAQ, not about one company.
_HOW_TO_PAIRS = frozenset(
    tuple(phrase.split())
    for phrase in ("lam sao", "the nao", "cach nao", "bang cach", "o dau", "nhu nao", "la gi",
                   "dau hieu", "nhan biet", "danh sach", "chi nhanh")
)  # fmt: skip
# Words that are never part of a name when typed without diacritics…
_STOP_WORDS = frozenset(
    "co la o thi ma nhung khong ko k kg hk hok khg nao nay kia ay gi hay hoac de duoc dc se "
    "phai bi muon vay voi cua ve nhe nha oi di qua roi chua hem vs va biet".split()
)
# …and with diacritics, which also decide for words whose folded form is a name syllable
# too ("đó"/"Đô", "đã"/"Đà", "tại"/"Tài", "làm"/"Lâm", "sao"/"Sao", "cần"/"Cần").
_STOP_WORDS_MARKED = frozenset(
    "có là ở tại thì mà nhưng không nào này đó kia ấy gì sao hay hoặc để được đã đang sẽ "
    "cần phải bị muốn vậy với của về nhé nha ơi đi sang qua làm rồi chưa nhỉ hả ạ à và "
    "hỏi từ hông thế biết".split()
)
# "co" is "có" (has) unless it starts "cổ phần" or "Co., Ltd".
_CO_CONTINUES = frozenset({"phan", "ltd"})
# Verbs that are also name syllables ("Bảo", "Đông", "Thu"): a boundary only when what
# they act on follows ("bảo em", "thu 150", "tuyển đi").
_VERBS = frozenset(
    "bao thu dong tuyen doi bat hua dua nhan lay giu gui noi moi nop chuyen yeu don tra dat "
    "cho hen keu xin lo cam".split()
)
_VERBS_MARKED = frozenset(
    "bảo thu đóng tuyển đòi bắt hứa đưa nhận lấy giữ gửi nói mời nộp chuyển yêu dọn trả đặt "
    "cho hẹn kêu xin lo cầm".split()
)
_OBJECTS = frozenset(
    "em e minh toi t anh chi c con chau ban bn b nguoi lao tien phi coc ho visa di sang qua "
    "nhieu tr trieu cu usd yen won dai the xuat tui chung cho se la duoc bang giay so cccd "
    "cmnd can passport".split()
)
# Politeness particles at the end of a name: typed with diacritics ("ạ") they are
# clear; without, only those that are no name syllable ("a" may be "Á", "ha" "Hà").
_PARTICLES = frozenset({"ah", "ak", "nha", "nhe", "nhes"})
_PARTICLES_MARKED = frozenset({"ạ", "à", "nhé", "nhá", "nha", "hả", "ha"})
# Verbs a pronoun "a" (anh) can follow before the act: "bảo a nộp tiền".
_ACTS = frozenset("nop dong chuyen di sang lam ky dat tra gui dua bay hoc".split())
_ACTS_MARKED = frozenset("nộp đóng chuyển đi sang làm ký đặt trả gửi đưa bay học".split())
# Verbs that take another verb ("nhận lo", "đòi cầm", "bắt nộp") and the verbs they take.
_CHAIN_VERBS = frozenset("nhan doi bat bao hua yeu keu ep".split())
_CHAINED = _ACTS | frozenset("lo cam giu lay thu dat coc".split())
# Never a company on their own: destinations, programmes, places, generic nouns.
_NOT_A_NAME = frozenset(
    {
        "nhat",
        "nhat ban",
        "han",
        "han quoc",
        "dai loan",
        "duc",
        "uc",
        "trung quoc",
        "campuchia",
        "malaysia",
        "singapore",
        "thai lan",
        "lao",
        "dubai",
        "saudi",
        "my",
        "chau au",
        "eps",
        "im japan",
        "colab",
        "triple win",
        "trung tam",
        "nha nuoc",
        "so noi vu",
        "bo noi vu",
        "cuc",
        "cong an",
        "day",
        "do",
        "kia",
        "nay",
        "xa",
        "phuong",
        "tinh",
        "ho chieu",
        "visa",
        "xkld",
        "xuat khau lao dong",
        "ben",
        "ca nhan",
        "moi gioi",
        "ctv",
        "cong tac vien",
        "dich vu",
        "nuoc ngoai",
        "ay",
    }
)
# Licence numbers: "123/LĐTBXH-GP", "GP số 123", "giấy phép 45/BNV-GP".
_LICENCE_RE = re.compile(
    r"(?:\b(?:giay phep|gp)(?:\s+(?:so|hoat dong))?\s*[:#]?\s*)"
    r"([a-z]{0,4}-?\d{1,5}(?:\s*/\s*[a-z\-]+(?:\s*-\s*gp)?)?)\b"
    r"|\b(\d{1,5}\s*/\s*(?:ldtbxh|bldtbxh|bnv)[a-z\-]*)"
    r"|\b([a-z]{0,4}-?\d{1,5}\s*/\s*[a-z\-]*gp)\b"
)


@dataclass(frozen=True, slots=True)
class CompanyMention:
    """What a message says about a company.

    ``name`` is the name as typed (original spelling), "" when none could be read;
    ``licence`` a licence number typed; ``company_word`` whether the message says
    «công ty»; ``asks`` whether it asks if the company is licensed, real or reputable
    (or is nothing but a company's name); ``how_to`` whether it asks how to check or what
    something is (a question for the FAQ); ``unnamed`` whether it asks to check a company
    it does not name («công ty này có uy tín không», «kiểm tra công ty»).
    """

    name: str
    licence: str
    company_word: bool
    asks: bool
    how_to: bool
    unnamed: bool = False


@dataclass(frozen=True, slots=True)
class _Word:
    text: str  # as typed
    folded: str
    marked: bool  # typed with diacritics


def _words(text: str) -> list[_Word]:
    words = []
    for match in _WORD_RE.finditer(unicodedata.normalize("NFC", text[:MAX_SCAN_CHARS])):
        raw = match.group(0)
        folded = fold(raw)
        for part in re.split(r"[-/.]", folded) if not any(c.isdigit() for c in raw) else [folded]:
            if part:
                words.append(_Word(raw if part == folded else part, part, folded != raw.lower()))
    return words


def _starts(words: list[_Word], i: int, phrases: tuple[tuple[str, ...], ...]) -> int:
    """Length of the longest phrase of ``phrases`` starting at word ``i`` (0: none)."""
    if i > 0 and words[i - 1].folded == "bat":  # "bất hợp pháp" is about people, not firms
        return 0
    best = 0
    for phrase in phrases:
        size = len(phrase)
        if size > best and tuple(w.folded for w in words[i : i + size]) == phrase:
            best = size
    return best


def _is_boundary(words: list[_Word], i: int) -> bool:
    word = words[i]
    folded = word.folded
    following = words[i + 1].folded if i + 1 < len(words) else ""
    if any(c.isdigit() for c in folded):
        return True
    if _starts(words, i, _ASKS) or _starts(words, i, _ASKS_WITH_COMPANY):
        return True
    if folded == "co" and following in _CO_CONTINUES:
        return False
    if word.marked:
        if word.text.lower() in _STOP_WORDS_MARKED:
            return True
    elif folded in _STOP_WORDS:
        return True
    verb = word.text.lower() in _VERBS_MARKED if word.marked else folded in _VERBS
    if verb and i + 1 < len(words):
        nxt = words[i + 1]
        after = words[i + 2].folded if i + 2 < len(words) else ""
        act = nxt.text.lower() in _ACTS_MARKED if nxt.marked else following in _ACTS
        then_verb = folded in _CHAIN_VERBS and following in _CHAINED
        if (
            following in _OBJECTS
            or following.isdigit()
            or act
            or then_verb
            or (following == "a" and after in _ACTS)
        ):
            return True
    return _is_particle(word) and i + 1 == len(words)


def _is_particle(word: _Word) -> bool:
    return word.text.lower() in _PARTICLES_MARKED if word.marked else word.folded in _PARTICLES


def _name_ok(words: list[_Word]) -> bool:
    """A name is more than legal forms, a destination, a programme or a generic word."""
    content = " ".join(without_legal_forms([w.folded for w in words]))
    return bool(content) and content not in _NOT_A_NAME


def _trim(words: list[_Word]) -> list[_Word]:
    """Drop a trailing particle ("ạ") and a trailing legal form ("Sông Hồng JSC" stays)."""
    while words and _is_particle(words[-1]):
        words = words[:-1]
    return words


def find(text: str) -> CompanyMention | None:
    """The company a message names or asks about; None when it is about no company."""
    words = _words(text)
    if not words:
        return None
    folded = [w.folded for w in words]
    licence_match = _LICENCE_RE.search(fold(text[:MAX_SCAN_CHARS]))
    licence = next((g for g in licence_match.groups() if g), "") if licence_match else ""
    strong = any(_starts(words, i, _ASKS) for i in range(len(words)))
    weak = any(_starts(words, i, _ASKS_WITH_COMPANY) for i in range(len(words)))
    how_to = (
        any(tuple(folded[i : i + 2]) in _HOW_TO_PAIRS for i in range(len(words))) or "nao" in folded
    )

    name_words, company_at = _after_company_word(words)
    company_word = company_at >= 0
    if not name_words and strong and (not company_word or _is_named_before(words, company_at)):
        name_words = _before_question(words)
    if not name_words and not company_word and not licence:
        return None
    only_name = company_word and name_words and _only_name(words, name_words)
    asks = strong or ((company_word or bool(licence)) and weak) or bool(only_name)
    unnamed = (
        company_word
        and not name_words
        and (asks or any(w in _CHECK_VERBS for w in folded))
        and (any(w in _THIS for w in folded) or len(folded) <= _SHORT_REQUEST_WORDS)
    )
    return CompanyMention(
        name=" ".join(w.text for w in name_words),
        licence=licence.strip() if licence else "",
        company_word=company_word,
        # A licence number on its own ("2001/LĐTBXH-GP") is a request to check it.
        asks=asks or bool(licence and ("giay phep" in " ".join(folded) or len(folded) <= 6)),
        how_to=how_to,
        unnamed=bool(unnamed),
    )


def _after_company_word(words: list[_Word]) -> tuple[list[_Word], int]:
    """The name after the first «công ty» that has one, and where «công ty» is (-1: none)."""
    first = -1
    for i in range(len(words)):
        size = _starts(words, i, _COMPANY_WORDS)
        if not size and i == 0 and words[0].folded == "ct":
            size = 1
        if not size:
            continue
        first = i if first < 0 else first
        run: list[_Word] = []
        j = i + size
        while j < len(words) and len(run) < MAX_NAME_WORDS and not _is_boundary(words, j):
            run.append(words[j])
            j += 1
        run = _trim(run)
        if _name_ok(run):
            return run, i
    return [], first


def _is_named_before(words: list[_Word], company_at: int) -> bool:
    """ "Tân Minh Sơn là công ty …": the name comes before «là công ty»."""
    return company_at >= 2 and words[company_at - 1].folded == "la"


def _before_question(words: list[_Word]) -> list[_Word]:
    """The words just before the first question about a company ("X có uy tín không")."""
    for i in range(len(words)):
        if _starts(words, i, _ASKS):
            run: list[_Word] = []
            j = i - 1
            skipped = 0
            while (
                j >= 0
                and skipped < 4
                and (_is_boundary(words, j) or words[j].folded in _COMPANY_TOKENS)
                and not _starts(words, j, _ASKS)
            ):  # "X có lừa đảo không", "X là công ty có giấy phép không"
                j -= 1
                skipped += 1
            while (
                j >= 0
                and not _is_boundary(words, j)
                and words[j].folded not in _COMPANY_TOKENS
                and words[j].folded not in _VERBS
                and len(run) < MAX_NAME_WORDS
            ):
                run.insert(0, words[j])
                j -= 1
            run = _trim(run)
            if len(run) > MAX_NAME_BEFORE or any(w.folded in _NOT_BEFORE for w in run):
                return []
            return run if _name_ok(run) else []
    return []


_LEAD_FILLER = frozenset(
    "cho em minh toi hoi ad admin oi anh chi kiem tra giup voi check tra cuu xem".split()
)


def _only_name(words: list[_Word], name: list[_Word]) -> bool:
    """The message is a company word and a name, with at most a few polite words."""
    rest = [w.folded for w in words if w not in name]
    rest = [w for w in rest if w not in _LEAD_FILLER and w not in _PARTICLES]
    return not without_legal_forms([w for w in rest if w not in _COMPANY_TOKENS])
