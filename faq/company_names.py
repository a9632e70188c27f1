"""Company names as the registry writes them and as workers type them.

A licensed recruiter's name is a legal form ("Công ty Cổ phần", "TNHH MTV", "JSC"),
sector words that most names on the list share ("Xuất khẩu lao động", "Nhân lực",
"Thương mại", "Quốc tế", "Việt Nam"…) and a distinctive part ("Sông Hồng"). Workers
type "cty", "CP", "XKLĐ", no diacritics, and often only the distinctive part. Scammers
use the same parts: a licensed distinctive name with "Group", "Land" or "Quốc tế Việt
Nam" added, two words swapped, another legal form.

This module splits a name into those parts:

* legal forms are a closed legal category (Luật Doanh nghiệp): they are recognised from
  a short list and become classes ("cp", "tnhh", "mtv"…) so that "Công ty TNHH X" and
  "Công ty CP X" can be told apart;
* the sector words are *not* listed by hand: :func:`derive_stop_phrases` finds them in
  the registry itself, as the one- and two-syllable phrases that many names share;
* what is left is the distinctive part.

Everything works on folded text (no diacritics, lower case), so "Sông Hồng", "song
hong" and "SÔNG HỒNG" are the same.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from faq.normalize import fold

__all__ = [
    "ACTIVITY",
    "NameParts",
    "derive_stop_phrases",
    "is_syllable",
    "legal_compatible",
    "split_name",
    "split_words",
    "tokens",
    "without_legal_forms",
]

MAX_NAME_CHARS = 200
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_BRACKETS_RE = re.compile(r"\([^()]*\)")

# Abbreviations workers and the registry use, expanded before anything else.
_ABBREVIATIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "cty": ("cong", "ty"), "congty": ("cong", "ty"), "cti": ("cong", "ty"),
        "ctcp": ("cong", "ty", "co", "phan"), "cp": ("co", "phan"), "cophan": ("co", "phan"),
        "xkld": ("xuat", "khau", "lao", "dong"), "xkl": ("xuat", "khau", "lao", "dong"),
        "xnk": ("xuat", "nhap", "khau"), "tm": ("thuong", "mai"), "dv": ("dich", "vu"),
        "tmdv": ("thuong", "mai", "dich", "vu"), "dvtm": ("dich", "vu", "thuong", "mai"),
        "vn": ("viet", "nam"), "vietnam": ("viet", "nam"), "nl": ("nhan", "luc"),
        "1tv": ("mtv",), "2tv": ("hai", "thanh", "vien"),
    }
)  # fmt: skip
# Legal forms -> class. An empty class ("công ty", "company") says nothing about the form.
_LEGAL_FORMS: Mapping[tuple[str, ...], str] = MappingProxyType(
    {
        tuple(phrase.split()): kind
        for kind, phrases in {
            "tct": ("tong cong ty",),
            "": ("cong ty", "company", "corp", "corporation", "doanh nghiep"),
            "cp": ("co phan", "jsc", "joint stock company", "joint stock"),
            "tnhh": ("trach nhiem huu han", "tnhh", "co ltd", "company limited", "ltd",
                     "limited", "llc"),
            "mtv": ("mot thanh vien", "mtv", "one member"),
            "2tv": ("hai thanh vien tro len", "hai thanh vien"),
            "dntn": ("doanh nghiep tu nhan", "dntn"),
        }.items()
        for phrase in phrases
    }
)  # fmt: skip
# "và", "&": connect words, never tell two companies apart.
_CONNECTORS = frozenset({"va", "and"})
# The licensed activity itself: every company on the list is an "XKLĐ" company, so a
# worker writing "cty XKLĐ Sông Hồng" adds nothing of their own.
ACTIVITY: tuple[str, ...] = ("xuat", "khau", "lao", "dong")

# --- sector words found by frequency --------------------------------------------------
# A phrase shared by at least STOP_MIN_NAMES names and this share of the list is a sector
# word. Most Vietnamese words have two syllables ("nhân lực", "quốc tế"); a single
# Vietnamese syllable shared by many names is part of distinctive names ("Việt" in "Việt
# Phúc", "Sao Việt"), not a sector word, unless it is in most names with a different
# neighbour each time (a marker such as "Mẫu" in the sample list). Single words that are
# not Vietnamese syllables ("group", "manpower") need the small share.
STOP_MIN_NAMES = 3
STOP_SHARE_PHRASE = 0.01
STOP_SHARE_WORD = 0.04
STOP_SHARE_MARKER = 0.5
# "Đầu tư thương mại và dịch vụ quốc tế" is long enough for one phrase.
MAX_PHRASE_WORDS = 6
# Two units make a phrase only when at least this share of the names with the rarer one
# have them together: "nguồn" almost always comes with "nhân lực", while a distinctive
# "Hưng" that often follows "Cung ứng Nhân lực" also stands in many other names.
COHESION = 0.5

# --- Vietnamese syllables (folded) ----------------------------------------------------
# A typed word that is not a possible syllable ("hongg", "sn", "thuyr") is a typo and
# may be corrected; one that is ("long" for "hong") is another word, never corrected.
_SYLLABLE_RE = re.compile(
    r"(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdghklmnprstvx])?"
    r"(?:uyeu|ieu|yeu|uoi|uou|oai|oay|oeo|uay|uya|uye|uyu|"
    r"ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo|ua|ue|ui|uo|uu|uy|ya|ye|yu|[aeiouy])"
    r"(?:ch|ng|nh|[cmnpt])?"
)


def is_syllable(token: str) -> bool:
    """Whether ``token`` (folded) can be one Vietnamese syllable."""
    return _SYLLABLE_RE.fullmatch(token) is not None


def tokens(text: str) -> list[str]:
    """Folded words with abbreviations expanded ("CTCP XKLĐ" -> cong ty co phan xuat…).

    Notes in brackets ("(DỮ LIỆU MẪU)", "(tên cũ: …)") are not part of the name.
    """
    result: list[str] = []
    text = _BRACKETS_RE.sub(" ", text[:MAX_NAME_CHARS])
    for token in _TOKEN_RE.findall(fold(text)):
        result.extend(_ABBREVIATIONS.get(token, (token,)))
    return result


@dataclass(frozen=True, slots=True)
class NameParts:
    """A name split into parts.

    ``words`` is the name without legal forms and connectors, in order; ``distinctive``
    are the words that are not in a sector phrase, or all ``words`` when the name has
    nothing but sector words ("Công ty CP Đầu tư Quốc tế Việt Nam").
    """

    legal: frozenset[str]
    words: tuple[str, ...]
    distinctive: tuple[str, ...]


def _longest(
    words: Sequence[str], start: int, phrases: Iterable[tuple[str, ...]], longest: int
) -> tuple[str, ...] | None:
    for size in range(min(longest, len(words) - start), 0, -1):
        candidate = tuple(words[start : start + size])
        if candidate in phrases:
            return candidate
    return None


_LEGAL_LONGEST = max(len(p) for p in _LEGAL_FORMS)


def _strip_legal(words: Sequence[str]) -> tuple[list[str], set[str]]:
    kept: list[str] = []
    legal: set[str] = set()
    i = 0
    while i < len(words):
        phrase = _longest(words, i, _LEGAL_FORMS, _LEGAL_LONGEST)
        if phrase is not None:
            if _LEGAL_FORMS[phrase]:
                legal.add(_LEGAL_FORMS[phrase])
            i += len(phrase)
        elif words[i] in _CONNECTORS:
            i += 1
        else:
            kept.append(words[i])
            i += 1
    if "mtv" in legal or "2tv" in legal:
        legal.add("tnhh")  # "TNHH MTV": both forms
    return kept, legal


def without_legal_forms(words: Sequence[str]) -> list[str]:
    """Folded words less legal forms and connectors ("co phan song hong" -> song hong)."""
    return _strip_legal(words)[0]


def split_name(text: str, stop_phrases: frozenset[tuple[str, ...]]) -> NameParts:
    """Split a registry name or a typed query into legal forms, units and distinctive part."""
    return split_words(tokens(text), stop_phrases)


def split_words(words: Sequence[str], stop_phrases: frozenset[tuple[str, ...]]) -> NameParts:
    """:func:`split_name` for words already folded and expanded (see :func:`tokens`)."""
    kept, legal = _strip_legal(words)
    longest = max((len(p) for p in stop_phrases), default=1)
    distinctive: list[str] = []
    i = 0
    while i < len(kept):
        phrase = _longest(kept, i, stop_phrases, longest)
        if phrase is not None:
            i += len(phrase)
        else:
            distinctive.append(kept[i])
            i += 1
    if not distinctive:  # nothing but sector words: they are the name (less any marker)
        distinctive = [word for word in kept if (word,) not in stop_phrases] or kept
    return NameParts(frozenset(legal), tuple(kept), tuple(distinctive))


def legal_compatible(typed: frozenset[str], registered: frozenset[str]) -> bool:
    """A typed legal form must be the registered one ("CP" typed for a "TNHH" is not).

    Typing none, or a less specific one ("TNHH" for "TNHH MTV"), is fine.
    """
    return typed <= registered


def derive_stop_phrases(names: Iterable[str]) -> frozenset[tuple[str, ...]]:
    """The sector phrases of a registry, found in its own names.

    Like byte-pair encoding: the pair of neighbouring units (syllables, or phrases found
    before) that the most names share is merged into a phrase, again and again while it
    is shared by enough names. So "nhân lực" is found first, then "nguồn nhân lực", and a
    pair that only looks frequent because two phrases meet ("mại dịch" in "thương mại
    dịch vụ") never is, nor a pair whose parts mostly stand apart ("Nhân lực" + a
    distinctive "Hưng", see :data:`COHESION`). A pair that is some company's whole
    name ("Hoàng Long") is never a sector phrase. Single words follow, counted only
    outside the phrases, so "Việt" counts in "Việt Phúc" but not in "Việt Nam".
    """
    docs = [_strip_legal(tokens(name))[0] for name in names]
    docs = [doc for doc in docs if doc]
    if not docs:
        return frozenset()
    whole_names = {tuple(doc) for doc in docs}

    def needed(share: float) -> int:
        return max(STOP_MIN_NAMES, math.ceil(share * len(docs)))

    # Words in a large share of the names that are not part of one phrase ("Mẫu" in the
    # sample list, next to a different word in every name) go first, so they do not
    # glue onto the phrases around them.
    word_count: Counter[str] = Counter(w for doc in docs for w in set(doc))
    pair_count: Counter[tuple[str, str]] = Counter(
        pair for doc in docs for pair in set(itertools.pairwise(doc))
    )
    neighbour: Counter[str] = Counter()
    for (a, b), count in pair_count.items():
        neighbour[a] = max(neighbour[a], count)
        neighbour[b] = max(neighbour[b], count)
    stops: set[tuple[str, ...]] = {
        (word,)
        for word, count in word_count.items()
        if count >= needed(STOP_SHARE_MARKER)
        and neighbour[word] < COHESION * count
        and not word.isdigit()
        and (word,) not in whole_names
    }
    units: list[list[tuple[str, ...]]] = [
        [(word,) for word in doc if (word,) not in stops] for doc in docs
    ]
    while True:
        pairs: Counter[tuple[tuple[str, ...], tuple[str, ...]]] = Counter()
        alone: Counter[tuple[str, ...]] = Counter()
        first: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
        for doc in units:
            pairs.update(set(itertools.pairwise(doc)))
            alone.update(set(doc))
            for position, pair in enumerate(itertools.pairwise(doc)):
                first[pair] = min(first.get(pair, position), position)
        # Most shared first; on a tie the shorter phrase (whole words before longer
        # phrases: "quốc tế" before "nhân lực quốc"), then the one that starts earlier
        # in the names ("nhân lực" before "lực quốc" in "Nhân lực Quốc tế").
        ranked = sorted(
            pairs.items(),
            key=lambda item: (
                -item[1],
                len(item[0][0]) + len(item[0][1]),
                first[item[0]],
                item[0],
            ),
        )
        best = next(
            (
                pair
                for pair, count in ranked
                if count >= needed(STOP_SHARE_PHRASE)
                and count >= COHESION * min(alone[pair[0]], alone[pair[1]])
                and len(pair[0]) + len(pair[1]) <= MAX_PHRASE_WORDS
                and pair[0] + pair[1] not in whole_names
            ),
            None,
        )
        if best is None:
            break
        merged = best[0] + best[1]
        stops.add(merged)
        for n, doc in enumerate(units):
            out: list[tuple[str, ...]] = []
            i = 0
            while i < len(doc):
                if i + 1 < len(doc) and (doc[i], doc[i + 1]) == best:
                    out.append(merged)
                    i += 2
                else:
                    out.append(doc[i])
                    i += 1
            units[n] = out
    singles: Counter[tuple[str, ...]] = Counter()
    for doc in units:
        singles.update({u for u in doc if len(u) == 1 and not u[0].isdigit()})
    stops |= {
        word
        for word, count in singles.items()
        if not is_syllable(word[0]) and count >= needed(STOP_SHARE_WORD) and word not in whole_names
    }
    return frozenset(stops)
