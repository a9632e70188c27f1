"""Match a worker's message to FAQ entries, reading it the way a person does.

A real message is a story with one or two questions in it. The matcher:

1. **splits** the message into clauses (:mod:`faq.clauses`) and marks those
   that ask something;
2. **normalises** each clause (:func:`faq.normalize.tokens`: no diacritics,
   chat abbreviations, typos of known words corrected with rapidfuzz) and
   **canonicalises** it with the domain lexicon (:mod:`faq.lexicon`: "cọc",
   "tiền đảm bảo" → "ký quỹ"), as every question, answer and «Xem thêm» text
   of the content was at build time;
3. **scores** every window of one to three consecutive clauses against every
   entry. A window's score combines
   * *coverage*: the share of the window's IDF weight found in the entry
     (its questions fully, its answer and «Xem thêm» text partly), so what
     the person said is explained by the entry;
   * *recall*: the share of the best question variant's weight that the
     message expresses — in the window fully, in the rest of the story
     at half weight, so a vague "vậy em bị trừ bao nhiêu?" is read with the
     story around it;
   * *context*: the share of the rest of the story the entry explains;
   * a little *fuzzy* likeness of the wording (rapidfuzz);
   and is scaled by how the entry fits the story: another market or stage
   of the journey than the message names (lexicon tags), a market or scheme
   ("thời vụ") the entry is about and the message does not name, no stage
   when the message names one, or a *defining word* of the entry (one most of
   its questions use) missing from the message; and scaled down when the
   window asks nothing while another clause does, or is only a question
   that refers back to the story ("…, có đúng luật không");
4. takes for each entry its **best window**. Adding story never lowers an
   entry's score: the question's own window is still there and the context
   terms can only add;
5. **decides**: answer the best entry when it is good and clearly ahead of
   its rivals (entries matched on the same words, except a general entry when
   the best one is about the market the message names; the next ones are
   offered as buttons); ask which one when two entries are equally likely; say
   nothing when nothing is relevant. A second question in other clauses
   gets its own answer when it is confidently about another entry, or its own
   question back (the close entries as buttons) when it is about something
   else but not clearly one entry.
   (Answering when the runner-up is a `related` entry was measured: it
   answered 2% more questions with 2.5% more wrong answers, so it is not done.)

The index is immutable; build a new one when content or lexicon change.
Thresholds are named constants, calibrated on the leave-one-out split of the
content's own question variants and the project's own development questions
(``python -m bench.faq``), not on the evaluation sets.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from faq.clauses import split_clauses
from faq.content import Entry, KnowledgeBase
from faq.lexicon import Lexicon
from faq.normalize import tokens

__all__ = [
    "ANSWER_MARGIN",
    "ANSWER_MIN_SCORE",
    "SUGGEST_MIN_SCORE",
    "FaqIndex",
    "Lookup",
    "Match",
]

# --- decision thresholds (scores are 0..100) -------------------------------
# Answer directly only when the best entry is good and clearly ahead of its
# rivals; a wrong confident answer about fees or loans does real harm.
# Calibrated on the leave-one-out split and our own development questions
# (bench/faq.py) so that fewer than 5% of questions get a wrong answer.
ANSWER_MIN_SCORE = 60.0
ANSWER_MARGIN = 12.0
# A very good match needs a smaller lead (measured: no more wrong answers).
SURE_SCORE = 75.0
SURE_MARGIN = 8.0
# A second question in the message is offered (as a question back) from this
# score, and answered like any question when it is confident.
SECOND_MIN_SCORE = 45.0
# Below this nothing is shown; the bot offers the topics and a person instead.
SUGGEST_MIN_SCORE = 32.0
# Suggestions (and alternatives under an answer) far below the best are noise.
SUGGEST_WINDOW = 20.0

# --- scoring weights (they sum to 1) ----------------------------------------
COVERAGE_WEIGHT = 0.45
RECALL_WEIGHT = 0.35
CONTEXT_WEIGHT = 0.10
FUZZY_WEIGHT = 0.10
# Words of the story outside the window count this much towards recall.
CONTEXT_FACTOR = 0.5
# The context term is full when the rest of the story shares this much IDF
# mass with an entry (about two topic words).
CONTEXT_MASS = 6.0
# A word found only in an entry's answer (or its «Xem thêm» text) covers the
# message this much compared with a word of its questions.
ANSWER_SHARE = 0.5
MORE_SHARE = 0.3
# Windows of up to this many consecutive clauses are scored.
WINDOW_CLAUSES = 3
# A window must share this much IDF mass with an entry before its score counts
# in full: a match on one light word ("đóng như thế nào") is no evidence.
EVIDENCE_MASS = 3.0
# Evidence mass at which a long window counts as fully covered, and how much
# of the coverage term such mass can earn at most.
MASS_REF = 16.0
MASS_CREDIT = 0.8
# A window that asks nothing, in a message that asks something, is a story.
STATEMENT_FACTOR = 0.9
# A short yes/no clause after a statement, read alone ("…, có đúng luật không?"),
# counts this much: its subject is in the clause before.
TAIL_FACTOR = 0.8
TAIL_TOPIC_WORDS = 2
# Words that may come before the "có" that opens such a tail ("vậy thì có…").
TAIL_LEADS: frozenset[str] = frozenset({"thi", "vay", "nhu", "the", "lieu", "nhung", "ma", "vi"})
# Entries per window whose question variants are compared in detail.
SHORTLIST = 6
TIED_SHORTLIST = 8
# Words with an IDF below this do not choose the shortlist; they still count in
# full for the entries on it.
COMMON_IDF = 0.8
# Entries kept per clause before windows are put together (a large knowledge
# base would otherwise make every window sum thousands of small matches).
CLAUSE_CANDIDATES = 32
# Answers are specific to a country and to a stage of the journey (before the
# contract, ran away, back early…): an entry whose questions name other
# markets, or another stage, than the message is scaled down by these factors
# (the tags come from the lexicon).
MISMATCH_FACTORS: Mapping[str, float] = {"market": 0.75, "stage": 0.8, "scheme": 0.8}
# An entry mostly about a market, stage or scheme the message does not name at all.
UNASKED_FACTORS: Mapping[str, float] = {"market": 0.9, "stage": 1.0, "scheme": 0.85}
# Topic words found in at least DEFINING_SHARE of an entry's questions (and at
# least this rare) define it; each one the message lacks scales the entry by
# DEFINING_FACTOR.
DEFINING_SHARE = 0.8
DEFINING_MIN_IDF = 1.5
DEFINING_FACTOR = 0.9
# A word of a question naming the market the message names in other words.
SAME_MARKET_CREDIT = 0.5
# A general entry is no rival of the best entry about the market the message names.
GENERAL_NOT_RIVAL = True
# A general entry (no market) when the message names a market.
GENERAL_FACTORS: Mapping[str, float] = {"market": 1.0, "stage": 0.9, "scheme": 1.0}
# Rapidfuzz likeness below this floor is noise (unrelated short strings score 40-55).
FUZZY_FLOOR = 45.0
# IDF: a pair of syllables (mostly one Vietnamese word) weighs half a syllable
# at most (see _idf).
BIGRAM_WEIGHT = 0.5
# A window needs this much informative weight to be matched at all, so
# "di", "ok" or "ad oi" give "none" instead of a random entry.
MIN_QUERY_WEIGHT = 1.5
# Weight of a syllable absent from all content, relative to the rarest IDF.
UNKNOWN_WORD_FACTOR = 1.0
# Typo correction of unknown syllables against the content's vocabulary.
TYPO_MIN_LEN = 4
TYPO_MIN_SIMILARITY = 0.75
# Very long messages are read from their start (the whole text stays in the inbox).
MAX_QUERY_CHARS = 2000
# A Vietnamese phone number (0 or +84 and nine digits, maybe spaced).
_PHONE_RE = re.compile(r"(?<!\d)(?:\+84|0)(?:[\s.]?\d){9}(?!\d)")
# Digits become this token, so "60 triệu" and "100 triệu" share the feature "# trieu".
NUMBER = "#"

# Politeness, pronouns and particles that carry no topic.
STOPWORDS: frozenset[str] = frozenset(
    {
        "cho", "em", "e", "hoi", "xin", "chao", "a", "admin", "oi", "anh", "minh", "nhe",
        "nhi", "ha", "ui", "alo", "ok", "u", "day", "nay", "ay", "vui", "long", "chau",
        "ban", "toi", "tui", "chi", "voi", "la", "co", "ko", "khong", "duoc", "gi", "ae",
        "nha", "ak", NUMBER,
    }
)  # fmt: skip
# Question and function words: they say what kind of answer is wanted, not
# the topic, so a feature made only of them ("co phai", "bao lau", "la gi")
# counts LIGHT_FACTOR times its IDF however rare the exact pair is.
LIGHT_WORDS: frozenset[str] = frozenset(
    {
        "co", "phai", "khong", "duoc", "la", "gi", "bao", "nhieu", "lau", "nao", "sao",
        "the", "dau", "o", "can", "lam", "thi", "nhung", "cac", "muon", "di", "ve", "de",
        "do", "khi", "hay", "nhu", "ma", "va", "cua", "roi", "chua", "se", "dang", "gio",
        "nay", "biet", "neu", "minh", "toi", "em", "nen", "bi", "het", "mat", "con", "da",
        "luc", "sang", "ben", "nua", "tat", "ca", "theo", "vi", "tu", "den", "tren", "duoi", "sau",
        "truoc", NUMBER,
    }
)  # fmt: skip
LIGHT_FACTOR = 0.5
# Stopwords that are also halves of meaningful two-syllable words; they are
# dropped as single syllables but kept inside these pairs.
KEEP_PAIRS: frozenset[tuple[str, str]] = frozenset(
    {
        ("nhat", "ban"), ("chi", "phi"), ("toi", "da"), ("la", "gi"), ("thi", "tieng"),
        ("co", "phai"), ("ban", "giao"), ("giao", "ban"), ("hoi", "nghi"),
        ("tieng", "han"), ("ho", "tro"), ("chi", "nhanh"), ("co", "nen"),
        ("khong", "duoc"), ("duoc", "khong"), ("vay", "toi"), ("chi", "tra"),
    }
)  # fmt: skip
# Filler phrases removed before scoring ("cảm ơn", "sao vậy").
FILLER_PAIRS: frozenset[tuple[str, str]] = frozenset(
    {
        ("cam", "on"),
        ("sao", "vay"),
        ("the", "vay"),
        ("nhu", "vay"),
        ("vui", "long"),
        ("luat", "su"),
        ("de", "nghi"),
    }
)


@dataclass(frozen=True)
class Match:
    """One candidate entry; ``question`` is the variant that matched best."""

    entry: Entry
    score: float
    question: str


@dataclass(frozen=True)
class Lookup:
    """What the matcher makes of one question, matches sorted best first.

    ``clause`` is the part of the message the lookup answers (empty when the
    whole message gave nothing).
    """

    kind: Literal["answer", "suggest", "none"]
    matches: tuple[Match, ...] = ()
    clause: str = ""


@dataclass(frozen=True)
class _Variant:
    """One question variant of an entry, ready for recall and fuzzy scoring."""

    question: str
    weights: tuple[tuple[str, float], ...]  # each feature with its IDF
    weight: float
    text: str


@dataclass(frozen=True)
class _Clause:
    """One clause of the message reduced to what the scorers need."""

    text: str
    asks: bool
    weights: Mapping[str, float]
    total: float
    known: float
    fuzzy: str
    covered: Mapping[int, float]
    tags: frozenset[str]
    tail: bool


@dataclass(frozen=True)
class _Story:
    """What the whole message (or the part of it that counts as story) holds."""

    weights: Mapping[str, float]
    covered: Mapping[int, float]
    tags: frozenset[str]
    # Each entry's factor for this story (markets, stages, defining words),
    # filled as entries are scored: it depends on the story alone.
    factors: dict[int, float] = field(default_factory=dict)
    # Per entry and variant: its words the message holds, and what the words
    # outside any window earn (see FaqIndex._parts).
    parts: dict[int, tuple[tuple[float, tuple[tuple[str, float], ...]], ...]] = field(
        default_factory=dict
    )

    @classmethod
    def of(cls, clauses: Iterable[_Clause]) -> _Story:
        weights: dict[str, float] = {}
        covered: dict[int, float] = defaultdict(float)
        tags: set[str] = set()
        for clause in clauses:
            weights.update(clause.weights)
            tags |= clause.tags
            for number, value in clause.covered.items():
                covered[number] += value
        return cls(weights, covered, frozenset(tags))


@dataclass(frozen=True)
class _Tags:
    """The lexicon tags of an entry: all its questions name, and most of them name."""

    named: frozenset[str]
    main: frozenset[str]


@dataclass(frozen=True)
class _Hit:
    """An entry's score on one window, and the variant that gave it."""

    score: float
    variant: int


@dataclass(frozen=True)
class _Window:
    """Clauses start..end (inclusive) and the entries scored on them."""

    start: int
    end: int
    hits: Mapping[int, _Hit]


class FaqIndex:
    """Immutable search index over every question variant of a knowledge base.

    Build a new one when content changes; lookups never mutate it, so an old
    index can keep serving while a new one is built.
    """

    def __init__(
        self,
        entries: Sequence[Entry],
        variants: Sequence[Sequence[_Variant]],
        postings: Mapping[str, Mapping[int, float]],
        idf: Mapping[str, float],
        vocabulary: Mapping[str, int],
        tags: Sequence[_Tags],
        lexicon: Lexicon,
    ) -> None:
        self._entries = tuple(entries)
        self._variants = tuple(tuple(v) for v in variants)
        self._defining = tuple(_defining(own) for own in self._variants)
        self._longest = tuple(max((len(v.text) for v in own), default=0) for own in self._variants)
        self._postings = postings
        # Words that say little ("di", "lam", "the nao": low IDF) are not walked
        # entry by entry when shortlisting; they are added to the shortlisted
        # entries' coverage exactly (a lookup per entry).
        self._common = frozenset(f for f in postings if idf.get(f, 0.0) < COMMON_IDF)
        # The same postings as two parallel tuples, for summing them in C (map/zip).
        # Each word's postings as two parallel tuples, the shares already
        # multiplied by the word's weight (a known word weighs its IDF), for
        # summing them in C (map/zip).
        self._columns = {
            f: (tuple(owners), tuple(idf.get(f, 0.0) * share for share in owners.values()))
            for f, owners in postings.items()
            if f not in self._common
        }
        self._idf = idf
        self._vocabulary = sorted(vocabulary)
        self._frequency = dict(vocabulary)
        self._tags = tuple(tags)
        self._lexicon = lexicon
        # Concepts that name a market ("eps", "han_quoc" → market:kr).
        markets = {
            concept: frozenset(t for t in tags if t.startswith("market:"))
            for concept, tags in lexicon.concept_tags.items()
            if any(t.startswith("market:") for t in tags)
        }
        # Per entry and variant: its words that name a market, with their weight.
        self._market_words = tuple(
            tuple(
                tuple((f, w, markets[f]) for f, w in variant.weights if f in markets)
                for variant in own
            )
            for own in self._variants
        )
        self._unknown_idf = math.log((len(self._entries) + 1) / 0.5) * UNKNOWN_WORD_FACTOR
        self._number = {entry.id: n for n, entry in enumerate(self._entries)}

    @classmethod
    def build(cls, kb: KnowledgeBase, lexicon: Lexicon | None = None) -> FaqIndex:
        """Normalise every text of the content once and precompute IDF postings."""
        lexicon = lexicon or Lexicon()
        entries = [entry for topic in kb.topics for entry in topic.entries]
        # Typos are corrected before the lexicon is applied: syllables, not concepts.
        vocabulary: Counter[str] = Counter(STOPWORDS) + Counter(lexicon.syllables)
        texts: list[tuple[list[list[str]], list[str], list[str]]] = []
        tags: list[_Tags] = []
        for entry in entries:
            questions: list[list[str]] = []
            entry_tags: Counter[str] = Counter()
            for question in entry.questions:
                words, named = _canonical_words(question, lexicon, vocabulary)
                questions.append(words)
                entry_tags.update(named)
            answer_words, _ = _canonical_words(entry.answer, lexicon, vocabulary)
            more_words, _ = _canonical_words(entry.more, lexicon, vocabulary)
            texts.append((questions, answer_words, more_words))
            tags.append(_about(entry_tags, len(entry.questions)))
        question_sets: list[set[str]] = []
        answer_sets: list[set[str]] = []
        more_sets: list[set[str]] = []
        variant_words: list[list[tuple[str, list[str]]]] = []
        for entry, (questions, answer_words, more_words) in zip(entries, texts, strict=True):
            own = list(zip(entry.questions, questions, strict=True))
            variant_words.append(own)
            question_sets.append({f for _, words in own for f in _features(words)})
            answer_sets.append(set(_features(answer_words)))
            more_sets.append(set(_features(more_words)))
        idf = _idf(question_sets, answer_sets, more_sets)
        variants = [
            [_variant(question, words, idf) for question, words in own] for own in variant_words
        ]
        postings = _postings(question_sets, answer_sets, more_sets)
        return cls(entries, variants, postings, idf, vocabulary, tags, lexicon)

    def lookup(self, text: str, limit: int = 3) -> Lookup:
        """The main question of a message: a confident answer, suggestions, or nothing."""
        return max(self.read(text, limit), key=_top_score)

    def read(self, text: str, limit: int = 3) -> tuple[Lookup, ...]:
        """Up to two questions of a message, in the order they were asked."""
        clauses = self._clauses(text[:MAX_QUERY_CHARS])
        if not clauses:
            return (Lookup("none"),)
        windows = self._windows(clauses)
        best = _best_hits(windows, lambda window: True)
        if not best:
            return (Lookup("none"),)
        main_window = best[self._ranked(best)[0][0]][1]
        # Rivals are other readings of the same words: entries scored on windows
        # that overlap the main one (a question elsewhere is not a rival).
        rivals = self._ranked(_best_hits(windows, lambda window: _overlap(window, main_window)))
        markets = frozenset(t for c in clauses for t in c.tags if t.startswith("market:"))
        rivals = self._without_general(rivals, markets)
        main = self._decide(rivals, limit, _window_text(clauses, main_window))
        if main.kind == "answer" and not _asks(clauses, main_window):
            # The best match is in the story. If what the worker asked points to
            # another entry, offer both instead of answering the story.
            asking = _best_hits(windows, lambda window: _asks(clauses, window))
            if asking and self._ranked(asking)[0][0] != self._number[main.matches[0].entry.id]:
                main = Lookup("suggest", main.matches, main.clause)
        if main.kind != "answer":
            return (main,)
        second = self._second(clauses, main_window, main.matches[0].entry, limit)
        if second is None:
            return (main,)
        other, other_end = second
        return (main, other) if main_window.end < other_end else (other, main)

    # --- reading the message -------------------------------------------------

    def _clauses(self, text: str) -> list[_Clause]:
        """The message's clauses with their features and what each entry covers of them."""
        out: list[_Clause] = []
        for clause in split_clauses(text):
            if _PHONE_RE.search(clause.text):
                continue  # "sđt e 0388…": contact details, not a topic
            raw = [self._correct(w) for w in tokens(clause.text)]
            words = _content_words(raw)
            words, tags = self._lexicon.canonical(words)
            weights = {f: self._weight(f) for f in dict.fromkeys(_features(words))}
            total = sum(weights.values())
            if total <= 0:
                continue
            known = sum(w for f, w in weights.items() if f in self._idf)
            covered = self._cover(weights)
            if len(covered) > CLAUSE_CANDIDATES:
                kept = sorted(covered, key=covered.__getitem__, reverse=True)[:CLAUSE_CANDIDATES]
                covered = {number: covered[number] for number in kept}
            out.append(
                _Clause(
                    clause.text,
                    clause.asks,
                    weights,
                    total,
                    known,
                    _fuzzy_text(words),
                    covered,
                    tags,
                    _tail(raw, clause.asks),
                )
            )
        return out

    def _cover(self, weights: Mapping[str, float]) -> dict[int, float]:
        """Each entry's share of the clause's weight (common words left out).

        The same sum as a loop over every posting, done with map/zip in C: a
        long message against a large knowledge base walks thousands of them.
        """
        covered: dict[int, float] = {}
        get = covered.get
        for feature in weights:
            column = self._columns.get(feature)
            if column is None:
                continue
            owners, gained = column
            if not covered:
                covered = dict(zip(owners, gained, strict=True))
                get = covered.get
                continue
            covered.update(
                zip(
                    owners,
                    map(operator.add, map(get, owners, itertools.repeat(0.0)), gained),
                    strict=True,
                )
            )
        return covered

    def _windows(self, clauses: Sequence[_Clause]) -> list[_Window]:
        """Score every window of up to WINDOW_CLAUSES consecutive clauses."""
        story = _Story.of(clauses)
        asked = any(c.asks for c in clauses)
        windows = []
        for end in range(len(clauses)):
            for start in range(max(0, end - WINDOW_CLAUSES + 1), end + 1):
                part = clauses[start : end + 1]
                if sum(c.known for c in part) < MIN_QUERY_WEIGHT:
                    continue
                hits = self._score_window(part, story)
                factor = _window_factor(clauses, start, end, asked)
                if factor < 1.0:
                    hits = {n: _Hit(h.score * factor, h.variant) for n, h in hits.items()}
                windows.append(_Window(start, end, hits))
        if len(clauses) > WINDOW_CLAUSES:
            # The whole story at once: for messages whose question is the story itself.
            windows.append(_Window(0, len(clauses) - 1, self._score_window(clauses, story)))
        return windows

    def _score_window(self, part: Sequence[_Clause], story: _Story) -> dict[int, _Hit]:
        """Score the entries that best cover one window of the message."""
        total = sum(c.total for c in part)
        covered = dict(part[0].covered)
        for clause in part[1:]:
            for number, value in clause.covered.items():
                covered[number] = covered.get(number, 0.0) + value
        ranked = sorted(covered, key=covered.__getitem__, reverse=True)
        # Entries tied with the last one are compared too (up to TIED_SHORTLIST):
        # which of equals is cut must not depend on the order entries were read.
        cut = covered[ranked[SHORTLIST - 1]] if len(ranked) > SHORTLIST else None
        best = [
            n for i, n in enumerate(ranked[:TIED_SHORTLIST]) if i < SHORTLIST or covered[n] == cut
        ]
        weights: dict[str, float] = {}
        for clause in part:
            weights.update(clause.weights)
        common = [(self._postings[f], w) for f, w in weights.items() if f in self._common]
        shortlist = [
            (number, covered[number] + sum(w * owners.get(number, 0.0) for owners, w in common))
            for number in best
        ]
        text = " ".join(c.fuzzy for c in part)
        hits: dict[int, _Hit] = {}
        for number, value in shortlist:
            # The share of the window the entry explains, or for a long story
            # the mass of evidence it shares (a share would punish the length).
            coverage = value / total
            if len(part) > 1:
                coverage = max(coverage, min(1.0, value / MASS_REF) * MASS_CREDIT)
            # How much of the rest of the story is about this entry, as a mass
            # (not a share: more story must never lower an entry's score).
            rest = max(0.0, story.covered.get(number, 0.0) - value)
            context = min(1.0, rest / CONTEXT_MASS)
            recall, likeness, variant = self._best_variant(number, weights, story, text)
            score = 100.0 * (
                COVERAGE_WEIGHT * coverage
                + RECALL_WEIGHT * recall
                + CONTEXT_WEIGHT * context
                + FUZZY_WEIGHT * likeness
            )
            score *= min(1.0, value / EVIDENCE_MASS) ** 0.5
            factor = story.factors.get(number)
            if factor is None:
                factor = story.factors[number] = self._story_factor(number, story)
            hits[number] = _Hit(score * factor, variant)
        return hits

    def _story_factor(self, number: int, story: _Story) -> float:
        """How much an entry fits the story: its markets, stages and defining words."""
        missing = sum(1 for f in self._defining[number] if f not in story.weights)
        return _mismatch(story.tags, self._tags[number]) * DEFINING_FACTOR**missing

    def _parts(
        self, number: int, story: _Story
    ) -> tuple[tuple[float, tuple[tuple[str, float], ...]], ...]:
        """For each variant of an entry: what it earns anywhere in the message, and its words there.

        A word of the variant found in the message counts CONTEXT_FACTOR of its
        weight (the rest when it is in the window too); a word naming the
        market the message names in other words ("EPS" for "Hàn Quốc") counts
        SAME_MARKET_CREDIT. Both depend on the message alone.
        """
        parts = story.parts.get(number)
        if parts is not None:
            return parts
        message, tags = story.weights, story.tags
        built = []
        for position, variant in enumerate(self._variants[number]):
            present = tuple((f, w) for f, w in variant.weights if f in message)
            base = CONTEXT_FACTOR * sum(w for _, w in present)
            for feature, weight, named in self._market_words[number][position]:
                if named & tags and feature not in message:
                    base += SAME_MARKET_CREDIT * weight
            built.append((base, present))
        parts = story.parts[number] = tuple(built)
        return parts

    def _best_variant(
        self, number: int, window: Mapping[str, float], story: _Story, text: str
    ) -> tuple[float, float, int]:
        """Recall and likeness of the entry's best question variant for this window.

        Variants are tried by recall, best first; once even a perfect likeness
        could not lift the next one to the best so far, the rest are skipped
        (the same choice as trying them all, ties to the earlier variant).
        """
        variants = self._variants[number]
        recalls = []
        for position, (base, present) in enumerate(self._parts(number, story)):
            weight = variants[position].weight
            if not weight:
                continue
            found = base
            for feature, value in present:
                if feature in window:
                    found += (1.0 - CONTEXT_FACTOR) * value
            recalls.append((found / weight, position))
        recalls.sort(key=lambda item: (-item[0], item[1]))
        # A window far longer than every variant cannot reach the fuzzy floor.
        longest = self._longest[number]
        fuzzy = len(text) <= longest or 200.0 * longest >= FUZZY_FLOOR * (len(text) + longest)
        best = (-1.0, 0.0, 0.0, 0)
        for recall, position in recalls:
            if RECALL_WEIGHT * recall + (FUZZY_WEIGHT if fuzzy else 0.0) < best[0]:
                break
            likeness = _likeness(text, variants[position].text) if fuzzy else 0.0
            value = RECALL_WEIGHT * recall + FUZZY_WEIGHT * likeness
            if value > best[0] or (value == best[0] and position < best[3]):
                best = (value, recall, likeness, position)
        return best[1], best[2], best[3]

    def _weight(self, feature: str) -> float:
        """IDF of a feature; a syllable the content never uses is as rare as it gets.

        Unknown syllables must weigh in, otherwise "mua ban xe may cu" would be
        judged by "may" alone. Unknown pairs of known syllables are only a new
        word order and are ignored.
        """
        weight = self._idf.get(feature)
        if weight is not None:
            return weight
        return 0.0 if " " in feature else self._unknown_idf

    def _correct(self, word: str) -> str:
        """Map an unknown syllable to the closest known one (typos like "luog", "chiue").

        Optimal string alignment counts a swap of two letters as one edit; among
        equally close words the one the content uses most wins.
        """
        if word in self._frequency or len(word) < TYPO_MIN_LEN or not word.isalpha():
            return word
        found = process.extract(
            word,
            self._vocabulary,
            scorer=OSA.normalized_similarity,
            score_cutoff=TYPO_MIN_SIMILARITY,
            limit=5,
        )
        if not found:
            return word
        return max(found, key=lambda item: (item[1], self._frequency[item[0]]))[0]

    # --- deciding -----------------------------------------------------------

    def _ranked(self, best: Mapping[int, tuple[_Hit, _Window]]) -> list[tuple[int, _Hit]]:
        """Entries by score, best first; ties by id so results are stable."""
        return sorted(
            ((number, hit) for number, (hit, _) in best.items()),
            key=lambda item: (-item[1].score, self._entries[item[0]].id),
        )

    def _without_general(
        self, ranked: list[tuple[int, _Hit]], markets: frozenset[str]
    ) -> list[tuple[int, _Hit]]:
        """The ranking with the general versions of the best entry moved behind it.

        When the message names a market and the best entry is about that market
        ("Muốn đi Hàn Quốc thì làm những bước nào?"), an entry about no market
        asking the same in general ("… đi làm nước ngoài …") is not a rival:
        it stays an alternative under the answer, but does not make it unsure.
        """
        if not GENERAL_NOT_RIVAL or not markets or len(ranked) < 2:
            return ranked
        if not self._tags[ranked[0][0]].main & markets:
            return ranked
        general = [
            item
            for item in ranked[1:]
            if not any(t.startswith("market:") for t in self._tags[item[0]].named)
        ]
        if not general:
            return ranked
        specific = [item for item in ranked[1:] if item not in general]
        return [ranked[0], *specific, *general]

    def _decide(self, ranked: Sequence[tuple[int, _Hit]], limit: int, clause: str) -> Lookup:
        """Answer, suggest or nothing for one question (see the module docstring)."""
        if not ranked or ranked[0][1].score < SUGGEST_MIN_SCORE:
            return Lookup("none")
        best = ranked[0][1].score
        floor = max(SUGGEST_MIN_SCORE, best - SUGGEST_WINDOW)
        close = [(n, hit) for n, hit in ranked if hit.score >= floor][: max(limit, 0)]
        runner_up = ranked[1][1].score if len(ranked) > 1 else 0.0
        margin = best - runner_up
        confident = (best >= ANSWER_MIN_SCORE and margin >= ANSWER_MARGIN) or (
            best >= SURE_SCORE and margin >= SURE_MARGIN
        )
        matches = tuple(self._match(n, hit) for n, hit in close)
        return Lookup("answer" if confident else "suggest", matches, clause)

    def _second(
        self,
        clauses: Sequence[_Clause],
        main_window: _Window,
        main_entry: Entry,
        limit: int,
    ) -> tuple[Lookup, int] | None:
        """A second question asked in other clauses, about another entry (answer or suggest).

        Its windows are scored again with the main question left out of the
        story, so the main question's words do not lend the main entry to it.
        """
        main = self._number[main_entry.id]
        rest = [c for n, c in enumerate(clauses) if not main_window.start <= n <= main_window.end]
        story = _Story.of(rest)
        found: tuple[Lookup, int] | None = None
        for end, clause in enumerate(clauses):
            if not clause.asks or clause.tail or main_window.start <= end <= main_window.end:
                continue
            windows = [
                _Window(start, end, self._score_window(clauses[start : end + 1], story))
                for start in range(max(0, end - WINDOW_CLAUSES + 1), end + 1)
                if not main_window.start <= start <= main_window.end
                and not start <= main_window.start <= end
            ]
            best = _best_hits(windows, lambda window: True)
            main_score = best.pop(main, (_Hit(0.0, 0), None))[0].score
            ranked = self._ranked(best)
            if not ranked or ranked[0][1].score < SECOND_MIN_SCORE:
                continue
            if ranked[0][1].score - main_score < ANSWER_MARGIN / 2:
                continue  # this clause is about the main entry too
            lookup = self._decide(ranked, limit, _window_text(clauses, best[ranked[0][0]][1]))
            if lookup.kind != "answer" and lookup.matches[0].entry.topic == main_entry.topic:
                continue  # not clearly another thing: the main answer's buttons cover it
            if found is None or _preference(lookup) > _preference(found[0]):
                found = (lookup, end)
        return found

    def _match(self, number: int, hit: _Hit) -> Match:
        """Build the public result for one entry."""
        entry = self._entries[number]
        return Match(entry, round(hit.score, 2), self._variants[number][hit.variant].question)


def _best_hits(
    windows: Iterable[_Window], keep: Callable[[_Window], bool]
) -> dict[int, tuple[_Hit, _Window]]:
    """Each entry's best hit over the windows that ``keep`` accepts."""
    best: dict[int, tuple[_Hit, _Window]] = {}
    for window in windows:
        if not keep(window):
            continue
        for number, hit in window.hits.items():
            if number not in best or hit.score > best[number][0].score:
                best[number] = (hit, window)
    return best


def _defining(variants: Sequence[_Variant]) -> frozenset[str]:
    """Topic words most of an entry's questions use ("vay" in every way of asking
    about the loan's papers): a message without them is less likely about it."""
    if len(variants) < 2:
        return frozenset()
    counts: Counter[str] = Counter()
    weight: dict[str, float] = {}
    for variant in variants:
        for feature, value in variant.weights:
            if " " not in feature and feature not in LIGHT_WORDS:
                counts[feature] += 1
                weight[feature] = value
    least = DEFINING_SHARE * len(variants)
    return frozenset(f for f, n in counts.items() if n >= least and weight[f] >= DEFINING_MIN_IDF)


def _about(counts: Counter[str], questions: int) -> _Tags:
    """An entry's tags: every one its questions name, and those most of them name."""
    main = frozenset(tag for tag, n in counts.items() if 2 * n >= questions)
    return _Tags(frozenset(counts), main)


def _mismatch(message: frozenset[str], entry: _Tags) -> float:
    """The factor for an entry whose markets, stages or schemes differ from the message's.

    Another value than the message's is a mismatch; a value the message does
    not name at all (an answer about the seasonal scheme to a plain question
    about Korea) is a smaller one; and a message naming a market prefers the
    entries about that market to general ones.
    """
    factor = 1.0
    for family, value in MISMATCH_FACTORS.items():
        prefix = family + ":"
        asked = {tag for tag in message if tag.startswith(prefix)}
        named = {tag for tag in entry.named if tag.startswith(prefix)}
        main = {tag for tag in entry.main if tag.startswith(prefix)}
        if asked and named and not asked & named:
            factor *= value
        elif main and not asked:
            factor *= UNASKED_FACTORS[family]
        elif asked and not named:
            factor *= GENERAL_FACTORS[family]
    return factor


def _likeness(text: str, variant: str) -> float:
    """Rapidfuzz likeness above FUZZY_FLOOR, scaled to 0..1."""
    if not text:
        return 0.0
    raw = fuzz.ratio(text, variant, score_cutoff=FUZZY_FLOOR)
    return max(0.0, (raw - FUZZY_FLOOR) / (100.0 - FUZZY_FLOOR))


def _window_factor(clauses: Sequence[_Clause], start: int, end: int, asked: bool) -> float:
    """Less weight for a story window in a message that asks, and for a bare tail.

    A tail is a short question after a statement ("…, có đúng luật không?"):
    its subject is the clause before it, so read alone it means little.
    """
    if asked and not any(c.asks for c in clauses[start : end + 1]):
        return STATEMENT_FACTOR
    if start == end and start > 0 and clauses[start].tail and not clauses[start - 1].asks:
        return TAIL_FACTOR
    return 1.0


def _tail(words: Sequence[str], asks: bool) -> bool:
    """A question that refers back to the story: "có đúng luật không", "e phải làm sao".

    It has no topic word of its own, or it opens with "có" and has at most
    TAIL_TOPIC_WORDS of them ("có quá mức trần không" names its topic: it is a
    question in itself).
    """
    while words and words[0] in TAIL_LEADS:
        words = words[1:]
    if not asks or not words:
        return False
    topic = [w for w in words if w not in LIGHT_WORDS and w not in STOPWORDS]
    return not topic or (words[0] == "co" and len(topic) <= TAIL_TOPIC_WORDS)


def _asks(clauses: Sequence[_Clause], window: _Window) -> bool:
    return any(c.asks for c in clauses[window.start : window.end + 1])


def _overlap(first: _Window, second: _Window) -> bool:
    return first.start <= second.end and second.start <= first.end


def _preference(lookup: Lookup) -> tuple[bool, float]:
    """An answer before a question back, then the better match."""
    return lookup.kind == "answer", _top_score(lookup)


def _top_score(lookup: Lookup) -> float:
    return lookup.matches[0].score if lookup.matches else -1.0


def _window_text(clauses: Sequence[_Clause], window: _Window) -> str:
    return ", ".join(c.text for c in clauses[window.start : window.end + 1])


def _canonical_words(
    text: str, lexicon: Lexicon, vocabulary: Counter[str]
) -> tuple[list[str], frozenset[str]]:
    """Normalised, filler-free, lexicon-canonical words of a content text.

    Its syllables are counted into the vocabulary that typo correction maps unknown
    words to (the count breaks ties: "chiue" is "chieu", common, not "chiu").
    """
    words = tokens(text)
    vocabulary.update(words)
    return lexicon.canonical(_content_words(words))


def _variant(question: str, words: Sequence[str], idf: Mapping[str, float]) -> _Variant:
    weights = tuple((f, idf.get(f, 0.0)) for f in dict.fromkeys(_features(words)))
    return _Variant(question, weights, sum(w for _, w in weights), _fuzzy_text(words))


def _fuzzy_text(words: Iterable[str]) -> str:
    """The string compared by the fuzzy scorer: sorted words without stopwords."""
    return " ".join(sorted(w for w in words if w not in STOPWORDS))


def _content_words(words: Sequence[str]) -> list[str]:
    """Drop filler pairs and turn numbers into one token; stopwords stay for pairs."""
    out: list[str] = []
    i = 0
    while i < len(words):
        if tuple(words[i : i + 2]) in FILLER_PAIRS:
            i += 2
            continue
        out.append(NUMBER if words[i].isdigit() else words[i])
        i += 1
    return out


def _features(words: Sequence[str]) -> list[str]:
    """Informative syllables plus adjacent pairs (the real Vietnamese words)."""
    features = [w for w in words if w not in STOPWORDS]
    for first, second in itertools.pairwise(words):
        pair = (first, second)
        if first == second == NUMBER or "_" in first or "_" in second:
            continue  # a lexicon concept is a word already
        if (
            pair in KEEP_PAIRS
            or (first not in STOPWORDS and second not in STOPWORDS)
            or (NUMBER in pair and not (STOPWORDS - {NUMBER}) & set(pair))
        ):
            features.append(f"{first} {second}")
    return features


def _idf(
    question_sets: Sequence[set[str]],
    answer_sets: Sequence[set[str]],
    more_sets: Sequence[set[str]],
) -> dict[str, float]:
    """Smoothed IDF over entries.

    A feature used in questions is weighed by how many entries *ask* about it
    (answers mention "chi phi" or "han quoc" everywhere, which would drown the
    signal); a feature seen only in answers falls back to all text.
    """
    count = len(question_sets)
    in_questions = _document_frequency(question_sets)
    anywhere = _document_frequency(
        q | a | m for q, a, m in zip(question_sets, answer_sets, more_sets, strict=True)
    )
    idf: dict[str, float] = {}
    top = math.log((count + 1) / 0.5)
    for feature, df in anywhere.items():
        df = in_questions.get(feature, df)
        value = max(top - math.log(df + 0.5), 0.05)
        if feature in LIGHT_WORDS or (" " in feature and _light_pair(feature)):
            value *= LIGHT_FACTOR
        idf[feature] = value
    for feature, value in idf.items():
        if " " in feature:
            # A pair is rare as an exact sequence far more often than it is
            # informative ("luong o", "quoc eps"): it weighs at most as much
            # as its weaker syllable, so only a pair of topic words counts.
            halves = [idf[w] for w in feature.split() if w in idf]
            cap = min(halves) if halves else value
            idf[feature] = BIGRAM_WEIGHT * min(value, cap)
    return idf


def _light_pair(feature: str) -> bool:
    first, _, second = feature.partition(" ")
    return first in LIGHT_WORDS and second in LIGHT_WORDS


def _document_frequency(documents: Iterable[set[str]]) -> Counter[str]:
    """Number of documents containing each feature."""
    return Counter(itertools.chain.from_iterable(documents))


def _postings(
    question_sets: Sequence[set[str]],
    answer_sets: Sequence[set[str]],
    more_sets: Sequence[set[str]],
) -> dict[str, dict[int, float]]:
    """Feature -> {entry number: share}: 1 in a question, less in the answer or more."""
    postings: dict[str, dict[int, float]] = defaultdict(dict)
    for share, sets in ((MORE_SHARE, more_sets), (ANSWER_SHARE, answer_sets), (1.0, question_sets)):
        for number, features in enumerate(sets):
            for feature in features:
                postings[feature][number] = share
    return dict(postings)
