"""Text normalisation for matching chat messages against FAQ questions.

Workers type on cheap phones, often without a Vietnamese keyboard, with chat
abbreviations ("ko", "dc", "bn", "xkld") and typos. Two levels are offered:

* :func:`fold` is the exact comparison used by the evaluation (NFC, lower
  case, diacritics removed, "đ" -> "d", whitespace collapsed). It loses no
  words, so it is also what content checks use to spot duplicate questions.
* :func:`normalize` goes further for matching: it drops punctuation and
  emoji, collapses stretched letters, and rewrites abbreviations and common
  misspellings to canonical folded words. The same function is applied to the
  FAQ questions and to the user's message, so both sides meet in the middle;
  consistency matters more than linguistic perfection.

Everything here is pure and table driven; the tables are module constants.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

__all__ = ["PhraseTable", "fold", "normalize", "phrase_table", "rewrite_phrases", "tokens"]

_WHITESPACE_RE = re.compile(r"\s+")
# All Vietnamese tone and vowel marks (acute, grave, hook, tilde, dot below,
# circumflex, breve, horn) live in the Combining Diacritical Marks block.
_COMBINING_RE = re.compile("[\u0300-\u036f]")
# Letters and digits are kept as separate tokens so that "40t" or "10tr"
# splits into a number and a unit; everything else (punctuation, emoji,
# other scripts) is noise for matching.
_TOKEN_RE = re.compile(r"[0-9]+|[a-z]+")
_TRIPLE_RE = re.compile(r"([a-z])\1{2,}")
# "uu" is not collapsed: it is the folded "ưu", "lưu", "hưu", "bưu", "cứu" (Telex types ư as "uw").
_DOUBLE_RE = re.compile(r"([a-tv-z])\1")
# "vậy" (so, then) is a filler particle; without diacritics it reads like "vay"
# (borrow), so it is dropped while the marks still tell the two apart.
_VAY_PARTICLE_RE = re.compile(r"(?<!\w)(?:vậy|zậy|dzậy|vạy)(?!\w)", re.IGNORECASE)
# Undiacritised "vay" is the particle at the end of a question ("la j vay",
# "dung ko vay") or at the start of one, before the asker ("vay e bi tru…").
_VAY_END_PREV: frozenset[str] = frozenset(
    {
        "gi",
        "khong",
        "sao",
        "the",
        "nhu",
        "nao",
        "dau",
        "a",
        "roi",
        "chua",
        "ha",
        "nhi",
        "ta",
        "nhieu",
    }
)
# Words that may close a question after the particle ("… không vậy anh chị").
_ADDRESS: frozenset[str] = frozenset(
    {"a", "ad", "admin", "anh", "chi", "em", "e", "ban", "oi", "nhe", "nha", "ak", "ah"}
)
_VAY_START_NEXT: frozenset[str] = frozenset(
    {"e", "em", "toi", "minh", "cho", "anh", "chi", "ban", "thi", "neu", "la", "chau", "dung"}
)
# ... unless the next two words are a word of their own: "vay tối đa" is the loan.
_VAY_NOUN_NEXT: frozenset[tuple[str, str]] = frozenset({("toi", "da"), ("cho", "con")})

# Folded words that really contain a double letter; everything else with a
# doubled letter is treated as stretching ("nhieuu") or a Telex leak
# ("khoong" typed for "không", "ddi" for "đi").
_KEEP_DOUBLE: frozenset[str] = frozenset(
    {"xoong", "boong", "soong", "coong", "goong", "loong", "zoom", "google", "facebook"}
)

# Context-free rewrites of one token (already folded) to one or more
# canonical folded words. Keys are checked before and after letter collapsing
# so that genuine abbreviations with doubled letters ("cccd", "lltp") survive.
# fmt: off
_TOKEN_MAP: Mapping[str, str] = {
    # negation / question particles
    "ko": "khong", "kh": "khong", "khg": "khong", "kg": "khong", "hok": "khong",
    "hem": "khong", "hong": "khong", "hk": "khong", "khum": "khong", "hum": "khong",
    "khog": "khong", "khonq": "khong", "khoq": "khong", "kong": "khong",
    "hog": "khong", "kp": "khong phai", "j": "gi", "gj": "gi", "ji": "gi",
    "dc": "duoc", "dduoc": "duoc", "duocj": "duoc", "duowc": "duoc",
    "duowcj": "duoc", "duowjc": "duoc",
    "duog": "duong",
    "bn": "bao nhieu", "bnh": "bao nhieu", "bnhieu": "bao nhieu", "bnhiu": "bao nhieu",
    "baonhieu": "bao nhieu", "nhiu": "nhieu", "nhiue": "nhieu",
    "ntn": "nhu the nao", "ntno": "nhu the nao", "nthe": "nhu the",
    "lsao": "lam sao", "lamsao": "lam sao", "odau": "o dau", "oda": "o dau",
    "bjo": "bao gio", "bgio": "bao gio", "bgjo": "bao gio",
    "vs": "voi", "r": "roi", "oke": "ok", "okie": "ok",
    "mk": "minh", "mik": "minh", "mjk": "minh", "mh": "minh", "mjnh": "minh",
    "mn": "moi nguoi", "mng": "moi nguoi", "mnguoi": "moi nguoi", "ng": "nguoi",
    "ad": "admin", "adm": "admin", "add": "admin",
    "trc": "truoc", "ns": "noi", "bt": "biet", "bik": "biet", "bit": "biet",
    "lm": "lam", "vc": "viec", "cv": "cong viec", "vl": "viec lam", "tg": "thoi gian",
    "zay": "vay", "dzay": "vay", "ak": "a", "ah": "a", "uh": "u",
    "tks": "cam on", "thanks": "cam on", "thank": "cam on", "camon": "cam on",
    "cmon": "cam on", "hi": "chao", "hello": "chao", "helo": "chao",
    # i / y spelling variants (kí/ký, lí/lý, quĩ/quỹ)
    "ki": "ky", "li": "ly", "qui": "quy", "ti": "ty",
    # domain abbreviations
    "xkld": "xuat khau lao dong", "xkd": "xuat khau lao dong", "xk": "xuat khau",
    "xkl": "xuat khau lao dong",
    "ld": "lao dong", "nld": "nguoi lao dong", "tts": "thuc tap sinh",
    "dtts": "dan toc thieu so", "nhcs": "ngan hang chinh sach xa hoi",
    "nhcsxh": "ngan hang chinh sach xa hoi", "vbsp": "ngan hang chinh sach xa hoi",
    "sdt": "so dien thoai", "cccd": "can cuoc cong dan",
    "cmnd": "chung minh nhan dan", "cmt": "chung minh nhan dan",
    "lltp": "ly lich tu phap", "ksk": "kham suc khoe",
    "sk": "suc khoe", "hs": "ho so", "gp": "giay phep", "tv": "tu van",
    "cp": "chi phi", "ls": "lai suat", "hd": "hop dong", "hdld": "hop dong lao dong",
    "cty": "cong ty", "cti": "cong ty", "congty": "cong ty", "dn": "doanh nghiep",
    "ttdvvl": "trung tam dich vu viec lam", "ttdv": "trung tam dich vu",
    "ttldnn": "trung tam lao dong ngoai nuoc", "colab": "trung tam lao dong ngoai nuoc",
    "dolab": "cuc quan ly lao dong ngoai nuoc", "qlldnn": "quan ly lao dong ngoai nuoc",
    "bhxh": "bao hiem xa hoi", "bhyt": "bao hiem y te", "xh": "xa hoi",
    "qd": "quy dinh", "nd": "nghi dinh", "pv": "phong van", "ktra": "kiem tra",
    "dky": "dang ky", "dki": "dang ky", "dangky": "dang ky", "dangki": "dang ky",
    "nc": "nuoc", "nn": "nuoc ngoai", "nuocngoai": "nuoc ngoai",
    "tr": "trieu", "tri": "trieu", "ngin": "nghin",
    "dola": "usd", "dollar": "usd",
    "epstopik": "eps topik", "topic": "topik", "topick": "topik", "topich": "topik",
    "topix": "topik",
    # countries
    "hq": "han quoc", "kr": "han quoc", "korea": "han quoc", "korean": "han quoc",
    "hanquoc": "han quoc", "quc": "quoc", "qoc": "quoc", "qouc": "quoc", "quok": "quoc",
    "nb": "nhat ban", "jp": "nhat ban", "nhatban": "nhat ban",
    "dl": "dai loan", "tw": "dai loan", "taiwan": "dai loan", "dailoan": "dai loan",
    "loang": "loan",
    "aus": "uc", "australia": "uc", "germany": "duc",
    "malay": "malaysia", "malai": "malaysia", "malaisia": "malaysia",
    "malaixia": "malaysia", "mls": "malaysia",
    "tq": "trung quoc", "vn": "viet nam", "arap": "a rap",
}

# "han" is the country (Hàn Quốc) unless it sits in a deadline phrase
# ("hết hạn", "thời hạn", "gia hạn") or a welding/limit phrase.
_HAN_KEEP_PREV: frozenset[str] = frozenset(
    {"het", "thoi", "gia", "dung", "qua", "ky", "dai", "ngan", "tre", "gioi", "tho",
     "truoc", "den", "tieng", "nghe", "may", "con", "sap", "chua"}
)
_HAN_KEEP_NEXT: frozenset[str] = frozenset(
    {"quoc", "che", "chot", "muc", "ngach", "dinh", "han", "hop"}
)
# "nhat" is Japan (Nhật) unless it is the superlative "nhất" or part of
# "nhất định", "nhất là", "thứ nhất", "duy nhất".
_NHAT_KEEP_PREV: frozenset[str] = frozenset(
    {"tot", "it", "nhieu", "duy", "thu", "cao", "thap", "re", "nhanh", "moi", "dep",
     "hop", "thong", "lon", "kem", "gan", "xa", "lau", "som", "muon", "de", "kho",
     "hay", "dat", "tieng", "hang", "dong", "chat", "hon", "manh", "yeu", "uu", "nhat",
     "ngan", "dai", "nang", "nhe", "tuyet", "chac"}
)
_NHAT_KEEP_NEXT: frozenset[str] = frozenset(
    {"ban", "bang", "dinh", "la", "tri", "quan", "the"}
)
# "dk"/"đk" means "điều kiện" before "gì", "được" after a verb or before
# "không", and "đăng ký" otherwise (the most frequent meaning in this domain).
_DK_CONDITION_NEXT: frozenset[str] = frozenset({"gi", "j", "gj", "nhu", "ra", "la"})
_DK_CONDITION_PREV: frozenset[str] = frozenset({"du", "nhung", "cac", "dap", "ve"})
_NEGATIONS: frozenset[str] = frozenset(
    {"khong", "ko", "k", "kh", "khg", "hok", "hem", "hong", "hk", "khum", "kg"}
)
_DK_ABLE_PREV: frozenset[str] = frozenset({"di", "lam", "vay", "nhan", "co", "song", "o"})
# Unit letters glued to or following a number: "40t", "10tr", "500k".
_UNITS: Mapping[str, str] = {
    "t": "tuoi", "tuoi": "tuoi", "tr": "trieu", "trieu": "trieu",
    "cu": "trieu", "k": "nghin", "ng": "nghin", "nghin": "nghin", "ngan": "nghin",
    "usd": "usd", "do": "usd", "dola": "usd", "th": "thang", "thang": "thang",
    "nam": "nam", "n": "nam",
}
# fmt: on
# Multi-word fixes applied after token rewriting, longest first per head word.
_PHRASES: Mapping[tuple[str, ...], tuple[str, ...]] = {
    ("nhat", "bang"): ("nhat", "ban"),
    ("suat", "khau"): ("xuat", "khau"),
    ("xuat", "khau", "lao", "dong", "lao", "dong"): ("xuat", "khau", "lao", "dong"),
    ("tieng", "han", "quoc"): ("tieng", "han"),
    ("tieng", "nhat", "ban"): ("tieng", "nhat"),
    ("ma", "lai", "xi", "a"): ("malaysia",),
    ("ma", "lai"): ("malaysia",),
    ("ma", "lay", "xi", "a"): ("malaysia",),
    ("ho", "chiu"): ("ho", "chieu"),
    ("dang", "ki"): ("dang", "ky"),
    ("eps", "topik"): ("eps", "topik"),
    ("dieu", "dong"): ("dieu", "duong"),
    ("bao", "nhieu", "nhieu"): ("bao", "nhieu"),
    # Synonymous question words are made one so that wording does not matter.
    ("may", "tuoi"): ("bao", "nhieu", "tuoi"),
    ("may", "nam"): ("bao", "nhieu", "nam"),
    ("may", "thang"): ("bao", "nhieu", "thang"),
    ("may", "lan"): ("bao", "nhieu", "lan"),
    ("may", "tien"): ("bao", "nhieu", "tien"),
    ("khi", "nao"): ("bao", "gio"),
    ("luc", "nao"): ("bao", "gio"),
    ("ton", "bao", "nhieu"): ("het", "bao", "nhieu"),
    ("mat", "bao", "nhieu"): ("het", "bao", "nhieu"),
    ("nhu", "the", "nao"): ("the", "nao"),
    ("ra", "sao"): ("the", "nao"),
    ("lam", "sao"): ("lam", "the", "nao"),
    ("cho", "nao"): ("o", "dau"),
    ("noi", "nao"): ("o", "dau"),
}
# Phrases by their first word, longest first (see :func:`phrase_table`).
PhraseTable = Mapping[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]]


def fold(text: str) -> str:
    """Fold text the way the evaluation compares answers.

    NFC first so NFD input behaves like composed input, then lower case,
    "đ" to "d" (it has no Unicode decomposition), combining marks dropped and
    whitespace runs made one space.
    """
    text = unicodedata.normalize("NFC", text).lower().replace("đ", "d")
    stripped = _COMBINING_RE.sub("", unicodedata.normalize("NFD", text))
    return _WHITESPACE_RE.sub(" ", unicodedata.normalize("NFC", stripped)).strip()


def normalize(text: str) -> str:
    """Return the canonical matching form of a chat message or FAQ question."""
    return " ".join(tokens(text))


def tokens(text: str) -> list[str]:
    """Return the normalised tokens of ``text`` (see :func:`normalize`).

    Exposed separately because the matcher weighs individual words.
    """
    text = _VAY_PARTICLE_RE.sub(" ", unicodedata.normalize("NFC", text))
    raw = [_collapse_repeats(tok) for tok in _TOKEN_RE.findall(fold(text))]
    raw = _drop_vay_particle(raw)
    expanded: list[str] = []
    for i, tok in enumerate(raw):
        # Neighbours are seen already corrected ("han quc" -> next is "quoc").
        prev = expanded[-1] if expanded else ""
        nxt = _TOKEN_MAP.get(raw[i + 1], raw[i + 1]).split()[0] if i + 1 < len(raw) else ""
        expanded.extend(_rewrite(prev, tok, nxt).split())
    return _apply_phrases(expanded)


def _drop_vay_particle(words: list[str]) -> list[str]:
    """Remove an undiacritised "vay" where it can only be the particle "vậy"."""
    if "vay" not in words:
        return words
    out: list[str] = []
    last = len(words) - 1
    while last > 0 and words[last] in _ADDRESS:
        last -= 1
    for i, word in enumerate(words):
        if word == "vay":
            prev = _TOKEN_MAP.get(words[i - 1], words[i - 1]) if i else ""
            nxt = _TOKEN_MAP.get(words[i + 1], words[i + 1]) if i < len(words) - 1 else ""
            after = words[i + 2] if i + 2 < len(words) else ""
            if (
                (i == last and prev in _VAY_END_PREV)
                or (i == 0 and nxt in _VAY_START_NEXT and (nxt, after) not in _VAY_NOUN_NEXT)
                or (i == 0 and nxt == "co" and after in {"di", "nen", "sao", "the"})
            ):
                continue
        out.append(word)
    return out


def _collapse_repeats(token: str) -> str:
    """Undo stretched letters ("nhieuuu") and Telex doubles ("khoong").

    Known abbreviations are returned untouched because some of them
    legitimately contain doubled letters ("cccd", "lltp").
    """
    if token in _TOKEN_MAP or token in _KEEP_DOUBLE:
        return token
    if not _DOUBLE_RE.search(token) and not _TRIPLE_RE.search(token):
        return token
    token = _TRIPLE_RE.sub(r"\1", token)
    if token in _TOKEN_MAP or token in _KEEP_DOUBLE:
        return token
    return _DOUBLE_RE.sub(r"\1", token)


def _rewrite(prev: str, tok: str, nxt: str) -> str:
    """Rewrite one token using its neighbours for the ambiguous cases."""
    if prev.isdigit() and tok in _UNITS:
        return _UNITS[tok]
    if tok == "k":
        return "khong"
    if tok == "dk":
        return _rewrite_dk(prev, nxt)
    if tok == "han":
        return _rewrite_country(prev, nxt, "han", "quoc", _HAN_KEEP_PREV, _HAN_KEEP_NEXT)
    if tok == "nhat":
        return _rewrite_country(prev, nxt, "nhat", "ban", _NHAT_KEEP_PREV, _NHAT_KEEP_NEXT)
    if tok == "v" and prev in {"sao", "the", "nhu"}:
        return "vay"
    return _TOKEN_MAP.get(tok, tok)


def _rewrite_dk(prev: str, nxt: str) -> str:
    """Pick "dieu kien", "duoc" or "dang ky" for the chat token "dk"."""
    if nxt in _DK_CONDITION_NEXT or prev in _DK_CONDITION_PREV:
        return "dieu kien"
    if nxt in _NEGATIONS or (prev in _DK_ABLE_PREV and nxt in {"", "roi", "nua", "a"}):
        return "duoc"
    return "dang ky"


def _rewrite_country(
    prev: str,
    nxt: str,
    word: str,
    second: str,
    keep_prev: frozenset[str],
    keep_next: frozenset[str],
) -> str:
    """Expand a bare country word ("han", "nhat") unless context says otherwise."""
    if nxt == second or prev in keep_prev or nxt in keep_next:
        return word
    return f"{word} {second}"


def phrase_table(phrases: Mapping[tuple[str, ...], tuple[str, ...]]) -> PhraseTable:
    """Index phrase rewrites by their first word, longest pattern first."""
    heads: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for pattern, replacement in phrases.items():
        if pattern:
            heads.setdefault(pattern[0], []).append((pattern, replacement))
    return {
        head: tuple(sorted(items, key=lambda item: -len(item[0]))) for head, items in heads.items()
    }


def rewrite_phrases(
    words: Sequence[str], table: PhraseTable
) -> tuple[list[str], list[tuple[str, ...]]]:
    """Replace phrases left to right, the longest match at each position first.

    Returns the rewritten words and the replacements used, in order (callers
    learn from them which groups a text mentions). One loop for every phrase
    table of the project: normalisation here and the domain lexicon.
    """
    out: list[str] = []
    used: list[tuple[str, ...]] = []
    i = 0
    while i < len(words):
        for pattern, replacement in table.get(words[i], ()):
            if tuple(words[i : i + len(pattern)]) == pattern:
                out.extend(replacement)
                used.append(replacement)
                i += len(pattern)
                break
        else:
            out.append(words[i])
            i += 1
    return out, used


_PHRASE_TABLE = phrase_table(_PHRASES)


def _apply_phrases(words: Sequence[str]) -> list[str]:
    """Replace known multi-word misspellings, scanning left to right."""
    return rewrite_phrases(words, _PHRASE_TABLE)[0]
