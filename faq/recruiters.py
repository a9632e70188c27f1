"""Check what a worker types against the official list of licensed recruiters.

Scammers who send people abroad without a licence are the main danger for the centre's
users, and they borrow the names of licensed companies: "Sông Hồng Group" next to a
licensed "Sông Hồng", a word added or swapped, another legal form. A green tick from the
centre's assistant is a promise, so a lookup has three outcomes (:func:`decide`):

* **certain** — the licence number matches, or the distinctive part of the name (the name
  without legal forms and the sector words most names share, see
  ``faq/company_names.py``) is exactly the registered one and the query adds no word of
  its own: every sector word typed is in the registered name, in the same order, and a
  typed legal form is the registered one. Diacritics, case, the registry's own short
  names ("VIPHUCO"), abbreviations ("cty cp", "XKLĐ"), words typed together
  ("tanminhson") and small typos that are not Vietnamese syllables ("hongg", "sn") are
  allowed. Two companies with the same distinctive part give **choose** (the worker
  picks one by a button).
* **lookalike** — close but not certain: "tên gần giống", never a tick.
* **none** — nothing close: not on the list.

Pure: no database, no network. The registry file is read by ``faq/registry_file.py``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Levenshtein

from faq.company_names import (
    ACTIVITY,
    NameParts,
    derive_stop_phrases,
    is_syllable,
    legal_compatible,
    split_words,
    tokens,
)
from faq.normalize import fold

__all__ = [
    "LOOKALIKE_MIN_SCORE",
    "Recruiter",
    "RecruiterMatch",
    "RegistryIndex",
    "Status",
    "Verdict",
    "choices",
    "decide",
    "licence_key",
]

Status = Literal["active", "suspended", "revoked"]
Verdict = Literal["certain", "choose", "lookalike", "none"]

# --- look-alike thresholds (scores are 0..100) ---------------------------------------
# A look-alike shares most of its distinctive syllables with a registered name: one word
# added to or dropped from a two-syllable name scores 75-83, a swap 88, a one-letter
# change 80; a made-up name sharing one syllable of two scores about 50.
LOOKALIKE_MIN_SCORE = 75.0
# Candidates far below the best one are noise; more than a few is a list nobody reads.
LOOKALIKE_WINDOW = 15.0
MAX_LOOKALIKES = 3
# Matches below this are not returned by lookup at all.
LOOKUP_FLOOR = 50.0
# A syllable with edits counts 1 - EDIT_PENALTY * edits / length in a score.
EDIT_PENALTY = 1.6
# Syllables in another order: "Hòa Mai" is not "Mai Hòa".
ORDER_FACTOR = 0.88
# Whole-string similarity (spaces removed) cannot tell "Minh Phú" from "Minh Phúc".
STRING_FACTOR = 0.85
STRING_MIN_LEN = 4
# Initials ("TMS" for "Tân Minh Sơn") that are not the registry's own short name.
INITIALS_SCORE = 80.0
INITIALS_LEN = (2, 5)
# A typo is corrected only inside a registered syllable at least this long.
TYPO_MIN_LEN = 3

_DIGITS_RE = re.compile(r"[0-9]+")
# Licence numbers split letters from digits: "MAU001" is "MAU" + "001".
_LICENCE_TOKEN_RE = re.compile(r"[a-z]+|[0-9]+")
# Words around a licence number: "GP", "số", the issuing ministry.
_LICENCE_WORDS: frozenset[str] = frozenset(
    {"so", "giay", "phep", "gp", "gphd", "gpxk", "gphdxk", "ldtbxh", "bldtbxh", "ld", "tbxh",
     "bnv", "nv", "dolab", "qlldnn", "cuc", "no", "number", "licence", "license"}
)  # fmt: skip


# --- data ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recruiter:
    """One row of the official list of licensed recruiters."""

    name: str
    short_name: str
    licence_number: str
    licence_date: dt.date | None
    address: str
    status: Status
    status_date: dt.date | None
    source: str
    list_date: dt.date


@dataclass(frozen=True, slots=True)
class RecruiterMatch:
    """A candidate for a lookup; ``certain`` means licence or distinctive name matched."""

    recruiter: Recruiter
    score: float
    certain: bool


def licence_key(text: str) -> str:
    """Canonical licence number: "123/LĐTBXH-GP", "123 LDTBXH GP", "GP số 123" -> "123".

    Letters around the number that are not licence words ("MAU" in "MAU-001/GP") are
    kept; leading zeros are dropped.
    """
    parts = []
    for token in _LICENCE_TOKEN_RE.findall(fold(text)):
        if token.isdigit():
            parts.append(str(int(token)))
        elif token not in _LICENCE_WORDS:
            parts.append(token)
    return "".join(parts)


def _licence_number(text: str) -> str:
    """The first number of a licence ("123" for "123/LĐTBXH-GP"), leading zeros dropped."""
    match = _DIGITS_RE.search(fold(text))
    return str(int(match[0])) if match else ""


def _is_subsequence(short: Sequence[object], long: Sequence[object]) -> bool:
    remaining = iter(long)
    return all(any(item == other for other in remaining) for item in short)


def _usable_short(short: NameParts) -> bool:
    """A short name that can identify a company: not a lone Vietnamese syllable."""
    return not (len(short.distinctive) == 1 and is_syllable(short.distinctive[0]))


def _allowed_edits(length: int) -> int:
    """Edits tolerated in a syllable when scoring: none up to 3 letters ("an" vs "anh")."""
    return 0 if length <= 3 else 1 if length <= 7 else 2


def _name_score(weights: Sequence[Mapping[str, float]], names: Sequence[str]) -> float:
    """Score 0..100 of one registered distinctive name for typed syllables.

    The mean of the share of the typed syllables found in the name and the share of the
    name typed (so a word added and a word dropped cost alike), scaled down when the
    order differs.
    """
    matched_query = 0.0
    positions: list[int] = []
    for similar in weights:
        best, where = 0.0, -1
        last = positions[-1] if positions else -1
        for position, name in enumerate(names):
            weight = similar.get(name, 0.0)
            # On a tie, the syllable after the last one matched keeps the order.
            if weight > best or (weight == best > 0 and where <= last < position):
                best, where = weight, position
        if where >= 0:
            positions.append(where)
        matched_query += best
    matched_name = sum(max(similar.get(name, 0.0) for similar in weights) for name in names)
    score = 50.0 * (matched_query / len(weights) + min(1.0, matched_name / len(names)))
    if any(b <= a for a, b in itertools.pairwise(positions)):
        score *= ORDER_FACTOR
    return score


# --- index -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    recruiter: Recruiter
    names: tuple[NameParts, ...]  # the name, and the short name when there is one
    legal: frozenset[str]
    initials: str


@dataclass(frozen=True, slots=True)
class RegistryIndex:
    """Immutable lookup structures over one registry; build with :meth:`build`."""

    entries: tuple[_Entry, ...]
    stop_phrases: frozenset[tuple[str, ...]]
    by_distinctive: Mapping[tuple[str, ...], tuple[int, ...]]
    by_compact: Mapping[str, tuple[int, ...]]
    by_token: Mapping[str, tuple[int, ...]]
    vocab: tuple[str, ...]
    by_licence: Mapping[str, tuple[int, ...]]
    by_number: Mapping[str, tuple[int, ...]]
    by_initials: Mapping[str, tuple[int, ...]]
    compacts: tuple[str, ...] = field(repr=False)
    compact_owner: tuple[int, ...] = field(repr=False)

    @classmethod
    def build(cls, recruiters: Iterable[Recruiter]) -> RegistryIndex:
        """Derive the sector words from the names, then index every row's parts."""
        rows = list(recruiters)
        stops = derive_stop_phrases(r.name for r in rows)
        entries: list[_Entry] = []
        by_distinctive: dict[tuple[str, ...], set[int]] = defaultdict(set)
        by_compact: dict[str, set[int]] = defaultdict(set)
        by_token: dict[str, set[int]] = defaultdict(set)
        by_licence: dict[str, list[int]] = defaultdict(list)
        by_number: dict[str, list[int]] = defaultdict(list)
        by_initials: dict[str, list[int]] = defaultdict(list)
        compacts: list[str] = []
        owners: list[int] = []
        for i, recruiter in enumerate(rows):
            names = [split_words(tokens(recruiter.name), stops)]
            if recruiter.short_name:
                short = split_words(tokens(recruiter.short_name), stops)
                if short.words:
                    names.append(short)
            legal = frozenset().union(*(n.legal for n in names))
            core = names[0].distinctive
            initials = "".join(t[0] for t in core) if len(core) > 1 else ""
            entries.append(_Entry(recruiter, tuple(names), legal, initials))
            for name in names:
                by_distinctive[name.distinctive].add(i)
                by_compact["".join(name.distinctive)].add(i)
                for token in name.distinctive:
                    by_token[token].add(i)
            by_licence[licence_key(recruiter.licence_number)].append(i)
            by_number[_licence_number(recruiter.licence_number)].append(i)
            if INITIALS_LEN[0] <= len(initials) <= INITIALS_LEN[1]:
                by_initials[initials].append(i)
            for key in {"".join(n.distinctive) for n in names} - {""}:
                compacts.append(key)
                owners.append(i)

        def freeze(d: Mapping[str, Iterable[int]]) -> Mapping[str, tuple[int, ...]]:
            return MappingProxyType({k: tuple(sorted(v)) for k, v in d.items()})

        return cls(
            entries=tuple(entries),
            stop_phrases=stops,
            by_distinctive=MappingProxyType(
                {k: tuple(sorted(v)) for k, v in by_distinctive.items()}
            ),
            by_compact=freeze(by_compact),
            by_token=freeze(by_token),
            vocab=tuple(sorted(by_token)),
            by_licence=freeze(by_licence),
            by_number=freeze(by_number),
            by_initials=freeze(by_initials),
            compacts=tuple(compacts),
            compact_owner=tuple(owners),
        )

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, text: str, limit: int = 5) -> list[RecruiterMatch]:
        """Candidates for what the worker typed: certain ones first, then by score."""
        found: dict[int, tuple[bool, float]] = {}

        def offer(i: int, certain: bool, score: float) -> None:
            old = found.get(i)
            if old is None or (certain, score) > old:
                found[i] = (certain, score)

        licence_hits = self._licence_hits(text)
        for i in licence_hits:
            offer(i, True, 100.0)
        words = [self._correct(word) for word in tokens(text)]
        if licence_hits and all(w.isdigit() or w in _LICENCE_WORDS for w in words):
            words = []  # a licence number alone, not a name
        as_typed = split_words(words, self.stop_phrases)
        for variant in self._variants(words):
            query = split_words(variant, self.stop_phrases)
            if not query.words:
                continue
            for i in self._certain(query, as_typed):
                offer(i, True, 100.0)
            for i, score in self._scored(query.distinctive):
                offer(i, False, score)
        ranked = sorted(
            (item for item in found.items() if item[1][0] or item[1][1] >= LOOKUP_FLOOR),
            key=lambda item: (
                not item[1][0],
                -item[1][1],
                self.entries[item[0]].recruiter.name,
            ),
        )
        return [
            RecruiterMatch(self.entries[i].recruiter, round(score, 1), certain)
            for i, (certain, score) in ranked[:limit]
        ]

    # --- certain matches ----------------------------------------------------------------

    def _variants(self, words: list[str]) -> list[list[str]]:
        """The query as typed, and without the generic "XKLĐ" (see ``ACTIVITY``)."""
        variants = [words]
        for i in range(len(words) - len(ACTIVITY) + 1):
            if tuple(words[i : i + len(ACTIVITY)]) == ACTIVITY:
                variants.append(words[:i] + words[i + len(ACTIVITY) :])
                break
        return variants

    def _certain(self, query: NameParts, as_typed: NameParts) -> set[int]:
        """Rows whose distinctive part the query names exactly, adding nothing of its own.

        Adding nothing: every typed word is in the registered name, in the same order
        (so "Phúc Việt" is not "Việt Phúc" even when "Việt" is a sector word), and a
        typed legal form is the registered one. A short name ("VIPHUCO") must be typed as
        it is (``as_typed``: not even "XKLĐ" added), is not used when it is one Vietnamese
        syllable ("HA", "AN": too easily another name), and gives way when the typed name
        is some company's own name.
        """
        hits: set[int] = set()
        named = False
        for i in self.by_distinctive.get(query.distinctive, ()):
            entry = self.entries[i]
            main = entry.names[0]
            if main.distinctive != query.distinctive:
                continue
            named = True
            if legal_compatible(query.legal, entry.legal) and _is_subsequence(
                query.words, main.words
            ):
                hits.add(i)
        if not named:
            for i in self.by_distinctive.get(as_typed.distinctive, ()):
                entry = self.entries[i]
                if legal_compatible(as_typed.legal, entry.legal) and any(
                    short.distinctive == as_typed.distinctive
                    and _is_subsequence(as_typed.words, short.words)
                    and _usable_short(short)
                    for short in entry.names[1:]
                ):
                    hits.add(i)
        if len(query.distinctive) == 1:  # words typed together: "tanminhson"
            typed = query.distinctive[0]
            rest = [word for word in query.words if word != typed]
            for i in self.by_compact.get(typed, ()):
                entry = self.entries[i]
                main = entry.names[0]
                if (
                    len(main.distinctive) > 1
                    and "".join(main.distinctive) == typed
                    and legal_compatible(query.legal, entry.legal)
                    and _is_subsequence(rest, main.words)
                ):
                    hits.add(i)
        return hits

    def _correct(self, word: str) -> str:
        """A typo inside a registered syllable ("hongg", "sonr", "sn"), corrected.

        Only a word that cannot be a Vietnamese syllable is a typo, and it is corrected
        only to a registered syllable one edit away that is the only one of its kind: a
        letter too many (a doubled letter, a Telex key left in) is tried first, then any
        single edit. "long" is never read as "hong".
        """
        if word in self.by_token or word.isdigit() or is_syllable(word):
            return word
        deletions = {
            word[:i] + word[i + 1 :]
            for i in range(len(word))
            if word[:i] + word[i + 1 :] in self.by_token
        }
        close = [w for w in deletions if len(w) >= TYPO_MIN_LEN and is_syllable(w)]
        if not close:
            close = [
                other
                for other, _, _ in process.extract(
                    word, self.vocab, scorer=OSA.distance, score_cutoff=1, limit=None
                )
                if len(other) >= TYPO_MIN_LEN and is_syllable(other)
            ]
        return close[0] if len(close) == 1 else word

    # --- look-alikes ------------------------------------------------------------------

    def _scored(self, core: Sequence[str]) -> Iterable[tuple[int, float]]:
        """Rows whose distinctive part is close to the typed one, with a score."""
        if not core:
            return
        weights = [self._similar_tokens(token) for token in core]
        totals: dict[int, float] = defaultdict(float)
        for similar in weights:
            best: dict[int, float] = {}
            for token, weight in similar.items():
                for i in self.by_token[token]:
                    best[i] = max(best.get(i, 0.0), weight)
            for i, weight in best.items():
                totals[i] += weight
        # The score is at most 50 x (share of the typed syllables matched + 1): a row that
        # matches too few of them cannot be a look-alike.
        least = LOOKALIKE_MIN_SCORE / 50.0 - 1.0
        for i, total in totals.items():
            if total / len(core) < least:
                continue
            entry = self.entries[i]
            yield i, max(_name_score(weights, name.distinctive) for name in entry.names)
        compact = "".join(core)
        if len(compact) >= STRING_MIN_LEN:
            cutoff = LOOKUP_FLOOR / STRING_FACTOR
            for _, ratio, k in process.extract(
                compact, self.compacts, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
            ):
                yield self.compact_owner[k], ratio * STRING_FACTOR
        if len(core) == 1 and INITIALS_LEN[0] <= len(core[0]) <= INITIALS_LEN[1]:
            for i in self.by_initials.get(core[0], ()):
                yield i, INITIALS_SCORE

    def _similar_tokens(self, token: str) -> dict[str, float]:
        """Registered syllables close to one typed syllable, with their weight (1 = same)."""
        similar = {token: 1.0} if token in self.by_token else {}
        budget = _allowed_edits(len(token) + 1)
        if budget:
            for other, edits, _ in process.extract(
                token, self.vocab, scorer=Levenshtein.distance, score_cutoff=budget, limit=None
            ):
                longest = max(len(token), len(other))
                if 0 < edits <= _allowed_edits(longest):
                    similar[other] = 1.0 - EDIT_PENALTY * edits / longest
        return similar

    def _licence_hits(self, text: str) -> tuple[int, ...]:
        """Rows with this licence: the exact key, or the number when only a number was typed."""
        folded = fold(text)
        if not _DIGITS_RE.search(folded):
            return ()
        hits = self.by_licence.get(licence_key(text), ())
        if hits:
            return hits
        words = [t for t in _LICENCE_TOKEN_RE.findall(folded) if not t.isdigit()]
        if all(w in _LICENCE_WORDS for w in words):
            return self.by_number.get(_licence_number(text), ())
        return ()


# --- decision ---------------------------------------------------------------------------


def decide(matches: Sequence[RecruiterMatch]) -> Verdict:
    """certain: one certain match; choose: several; lookalike: close ones; none: nothing."""
    certain = sum(m.certain for m in matches)
    if certain == 1:
        return "certain"
    if certain > 1:
        return "choose"
    if matches and matches[0].score >= LOOKALIKE_MIN_SCORE:
        return "lookalike"
    return "none"


def choices(matches: Sequence[RecruiterMatch]) -> list[RecruiterMatch]:
    """What to show: the certain matches, else the close look-alikes (at most a few)."""
    certain = [m for m in matches if m.certain]
    if certain:
        return certain
    if not matches:
        return []
    floor = max(LOOKALIKE_MIN_SCORE, matches[0].score - LOOKALIKE_WINDOW)
    return [m for m in matches if m.score >= floor][:MAX_LOOKALIKES]
