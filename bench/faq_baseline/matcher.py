"""Frozen baseline (commit f2e141b): match a worker's chat message to FAQ entries.

Two signals are combined because each fails alone:

* **keyword coverage** — the share of the message's informative words (and
  word pairs, since Vietnamese words are mostly two syllables: "lai suat",
  "han quoc") found in an entry, each weighted by IDF over the entries. Rare
  entity words ("dai loan", "ky quy", "the chap") decide the entry, frequent
  ones ("di", "lao dong", "khong") barely count, pure filler ("cho em hoi",
  "ad oi") is dropped before scoring.
* **fuzzy similarity** (rapidfuzz) of the message to the entry's closest
  question variant, which rewards the same wording and tolerates typos.

Both sides go through :func:`faq.normalize.tokens`, so abbreviations and
missing diacritics meet the canonical words. Thresholds are named constants
tuned on the development set (``python -m bench.faq``).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from bench.faq_baseline.normalize import tokens
from faq.content import Entry, KnowledgeBase

__all__ = [
    "ANSWER_MARGIN",
    "ANSWER_MIN_SCORE",
    "SUGGEST_MIN_SCORE",
    "FaqIndex",
    "Lookup",
    "Match",
]

# --- decision thresholds (scores are 0..100) -------------------------------
# Answer directly only when the best entry is good *and* clearly ahead of the
# runner-up; a wrong confident answer about fees or loans does real harm.
ANSWER_MIN_SCORE = 55.0
ANSWER_MARGIN = 10.0
# Below this nothing is shown; the bot offers the menu / a human instead.
SUGGEST_MIN_SCORE = 35.0
# Suggestions far below the best one are noise.
SUGGEST_WINDOW = 25.0

# --- scoring weights --------------------------------------------------------
KEYWORD_WEIGHT = 0.6  # share of the final score from IDF keyword coverage
# Wordings are compared regardless of word order (token_sort_ratio; the
# tokens are sorted once at build time so plain ratio does the same faster).
# WRatio and partial scorers over-reward a short message inside a long question.
FUZZY_SCORER = fuzz.ratio
# Unrelated short strings still score 40-55 at character level; similarity
# is rescaled so that this floor maps to 0 and only real likeness counts.
FUZZY_FLOOR = 45.0
ANSWER_TEXT_WEIGHT = 0.6  # a word found only in the answer counts this much
BIGRAM_WEIGHT = 1.0  # multiplier of a word pair's IDF relative to a syllable
# A message needs at least this much informative weight to be matched at all,
# so "di", "ok" or "ad oi" give "none" instead of a random entry.
MIN_QUERY_WEIGHT = 1.5
# Weight of a syllable absent from all content, relative to the rarest IDF.
UNKNOWN_WORD_FACTOR = 1.0
# Share of the final score from how much of the best question the message
# covers; candidates re-ranked this way are the top ones plus RERANK_EXTRA.
PRECISION_WEIGHT = 0.15
RERANK_EXTRA = 5
# Typo correction of unknown query syllables against the content vocabulary.
TYPO_MIN_LEN = 4
TYPO_MIN_RATIO = 80.0
# Long messages are cut before matching: the question is at the start and
# the fuzzy scorers are quadratic in length.
MAX_QUERY_CHARS = 400
MAX_QUERY_TOKENS = 40

# Answers are country specific: an entry whose questions name other
# countries than the message does is scaled down by this factor.
COUNTRY_MISMATCH_FACTOR = 0.75
# Features that name a destination (market), mapped to one key per market.
COUNTRIES: Mapping[str, str] = {
    "han quoc": "kr", "eps": "kr", "tieng han": "kr", "eps topik": "kr", "topik": "kr",
    "nhat ban": "jp", "tieng nhat": "jp", "im japan": "jp", "tokutei": "jp",
    "dai loan": "tw", "malaysia": "my", "uc": "au", "duc": "de",
    "trung dong": "me", "saudi": "me", "a rap": "me", "ba lan": "eu", "rumani": "eu",
    "chau au": "eu", "singapore": "sg", "trung quoc": "cn",
}  # fmt: skip

# Politeness, pronouns and particles that carry no topic.
STOPWORDS: frozenset[str] = frozenset(
    {
        "cho", "em", "hoi", "xin", "chao", "a", "admin", "oi", "anh", "minh", "nhe",
        "nhi", "ha", "ui", "alo", "ok", "u", "day", "nay", "ay", "vui", "long",
        "ban", "toi", "chi", "voi", "la", "co", "ko", "khong", "duoc", "gi",
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
        "bay", "nay", "biet", "neu", "minh", "toi", "em", "nen",
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
        ("khong", "duoc"), ("duoc", "khong"), ("vay", "toi"),
    }
)  # fmt: skip
# Filler phrases removed before scoring ("cảm ơn", "sao vậy").
FILLER_PAIRS: frozenset[tuple[str, str]] = frozenset(
    {("cam", "on"), ("sao", "vay"), ("the", "vay"), ("nhu", "vay"), ("vui", "long")}
)


@dataclass(frozen=True)
class Match:
    """One candidate entry; ``question`` is the variant that matched best."""

    entry: Entry
    score: float
    question: str


@dataclass(frozen=True)
class Lookup:
    """Result of :meth:`FaqIndex.lookup`, matches sorted best first."""

    kind: Literal["answer", "suggest", "none"]
    matches: tuple[Match, ...] = ()


@dataclass(frozen=True)
class _Query:
    """A message reduced to what the scorers need."""

    text: str
    features: tuple[str, ...]
    countries: frozenset[str]


class FaqIndex:
    """Immutable search index over every question variant of a knowledge base.

    Build a new one when content changes; lookups never mutate it, so an old
    index can keep serving while a new one is built.
    """

    def __init__(
        self,
        entries: Sequence[Entry],
        choices: Sequence[str],
        owners: Sequence[int],
        postings: Mapping[str, Mapping[int, float]],
        idf: Mapping[str, float],
        vocabulary: Sequence[str],
        countries: Sequence[frozenset[str]],
    ) -> None:
        self._entries = tuple(entries)
        self._choices = list(choices)
        self._owners = tuple(owners)
        self._first_choice = {n: owners.index(n) for n in set(owners)}
        self._postings = postings
        self._idf = idf
        self._vocabulary = list(vocabulary)
        self._vocabulary_set = frozenset(vocabulary)
        self._countries = tuple(countries)
        self._choice_features: tuple[frozenset[str], ...] = ()
        self._unknown_idf = math.log((len(self._entries) + 1) / 0.5) * UNKNOWN_WORD_FACTOR

    @classmethod
    def build(cls, kb: KnowledgeBase) -> FaqIndex:
        """Normalise every question once and precompute IDF postings."""
        entries = [entry for topic in kb.topics for entry in topic.entries]
        choices: list[str] = []
        owners: list[int] = []
        question_features: list[set[str]] = []
        answer_features: list[set[str]] = []
        vocabulary: set[str] = set(STOPWORDS)
        choice_features: list[frozenset[str]] = []
        for number, entry in enumerate(entries):
            features: set[str] = set()
            for question in entry.questions:
                words = _content_words(tokens(question))
                choices.append(_fuzzy_text(words))
                choice_features.append(frozenset(_features(words)))
                owners.append(number)
                features.update(_features(words))
                vocabulary.update(words)
            answer_words = _content_words(tokens(entry.answer))
            vocabulary.update(answer_words)
            question_features.append(features)
            answer_features.append(set(_features(answer_words)))
        idf = _idf(question_features, answer_features)
        postings = _postings(question_features, answer_features)
        countries = [_countries_of(features) for features in question_features]
        index = cls(entries, choices, owners, postings, idf, sorted(vocabulary), countries)
        index._choice_features = tuple(choice_features)
        return index

    def lookup(self, text: str, limit: int = 3) -> Lookup:
        """Classify a message as a confident answer, suggestions, or nothing."""
        query = self._query(text)
        if query is None:
            return Lookup("none")
        # One extra candidate so the margin to the runner-up is known.
        scored = self._score(query, max(limit, 1) + 1)
        if not scored or scored[0].score < SUGGEST_MIN_SCORE:
            return Lookup("none")
        best = scored[0].score
        runner_up = scored[1].score if len(scored) > 1 else 0.0
        if best >= ANSWER_MIN_SCORE and best - runner_up >= ANSWER_MARGIN:
            return Lookup("answer", tuple(scored[: max(limit, 0)]))
        close = [m for m in scored if m.score >= max(SUGGEST_MIN_SCORE, best - SUGGEST_WINDOW)]
        return Lookup("suggest", tuple(close[: max(limit, 0)]))

    def _query(self, text: str) -> _Query | None:
        """Normalise, drop filler, fix typos; None when nothing informative is left."""
        words = _content_words(tokens(text[:MAX_QUERY_CHARS])[:MAX_QUERY_TOKENS])
        words = [self._correct(w) for w in words]
        features = tuple(dict.fromkeys(_features(words)))
        weight = sum(self._idf.get(f, 0.0) for f in features)  # known words only
        if not features or weight < MIN_QUERY_WEIGHT:
            return None
        return _Query(_fuzzy_text(words), features, _countries_of(features))

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
        """Map an unknown syllable to the closest known one (typos like "luog")."""
        if word in self._vocabulary_set or len(word) < TYPO_MIN_LEN or not word.isalpha():
            return word
        found = process.extractOne(
            word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_MIN_RATIO
        )
        return found[0] if found else word

    def _score(self, query: _Query, limit: int) -> list[Match]:
        """Combine keyword coverage and fuzzy similarity per entry; best ``limit`` first."""
        coverage = self._coverage(query.features)
        fuzzy = self._fuzzy(query.text)
        scores: list[tuple[float, str, int]] = []
        for number in coverage.keys() | fuzzy.keys():
            keyword = 100.0 * coverage.get(number, 0.0)
            similarity = fuzzy.get(number, (0.0, -1))[0]
            score = KEYWORD_WEIGHT * keyword + (1.0 - KEYWORD_WEIGHT) * similarity
            entry_countries = self._countries[number]
            if query.countries and entry_countries and not query.countries & entry_countries:
                score *= COUNTRY_MISMATCH_FACTOR
            scores.append((-round(score, 2), self._entries[number].id, number))
        shortlist = heapq.nsmallest(limit + RERANK_EXTRA, scores)
        features = set(query.features)
        reranked = sorted(
            (
                round(
                    (1.0 - PRECISION_WEIGHT) * -negative
                    + PRECISION_WEIGHT * 100.0 * self._precision(number, features),
                    2,
                ),
                entry_id,
                number,
            )
            for negative, entry_id, number in shortlist
        )
        reranked.sort(key=lambda item: (-item[0], item[1]))
        return [
            self._match(number, score, fuzzy.get(number, (0.0, -1))[1])
            for score, _id, number in reranked[:limit]
        ]

    def _precision(self, number: int, features: set[str]) -> float:
        """Best share of one question's weight that the message covers.

        Breaks ties between entries that both contain the message's words in
        favour of the one whose question is *about* them ("EPS là gì" goes to
        the entry asking exactly that, not one that merely mentions EPS).
        """
        best = 0.0
        start = self._first_choice[number]
        for position in range(start, len(self._owners)):
            if self._owners[position] != number:
                break
            own = self._choice_features[position]
            total = sum(self._weight(f) for f in own)
            if total:
                best = max(best, sum(self._weight(f) for f in own & features) / total)
        return best

    def _match(self, number: int, score: float, choice: int) -> Match:
        """Build the public result for one entry."""
        entry = self._entries[number]
        position = choice - self._first_choice[number] if choice >= 0 else 0
        return Match(entry, score, entry.questions[position])

    def _coverage(self, features: Iterable[str]) -> dict[int, float]:
        """Share of the query's IDF weight that each entry covers (0..1)."""
        total = 0.0
        covered: dict[int, float] = defaultdict(float)
        for feature in features:
            weight = self._weight(feature)
            total += weight
            for number, share in self._postings.get(feature, {}).items():
                covered[number] += weight * share
        if not total:
            return {}
        return {number: value / total for number, value in covered.items()}

    def _fuzzy(self, text: str) -> dict[int, tuple[float, int]]:
        """Best fuzzy score per entry and the index of the question giving it."""
        best: dict[int, tuple[float, int]] = {}
        if not text:
            return best
        results = process.extract(
            text, self._choices, scorer=FUZZY_SCORER, limit=None, score_cutoff=FUZZY_FLOOR
        )
        for _choice, raw, position in results:
            similarity = 100.0 * (raw - FUZZY_FLOOR) / (100.0 - FUZZY_FLOOR)
            number = self._owners[position]
            if similarity > best.get(number, (-1.0, -1))[0]:
                best[number] = (similarity, position)
        return best


def _countries_of(features: Iterable[str]) -> frozenset[str]:
    """Markets named by a set of features."""
    return frozenset(COUNTRIES[f] for f in features if f in COUNTRIES)


def _fuzzy_text(words: Iterable[str]) -> str:
    """The string compared by the fuzzy scorer: sorted words without stopwords."""
    return " ".join(sorted(w for w in words if w not in STOPWORDS))


def _content_words(words: Sequence[str]) -> list[str]:
    """Drop filler pairs; stopwords stay for now so that pairs can be built."""
    out: list[str] = []
    i = 0
    while i < len(words):
        if tuple(words[i : i + 2]) in FILLER_PAIRS:
            i += 2
            continue
        out.append(words[i])
        i += 1
    return out


def _features(words: Sequence[str]) -> list[str]:
    """Informative syllables plus adjacent pairs (the real Vietnamese words)."""
    features = [w for w in words if w not in STOPWORDS]
    for first, second in itertools.pairwise(words):
        pair = (first, second)
        if pair in KEEP_PAIRS or (first not in STOPWORDS and second not in STOPWORDS):
            features.append(f"{first} {second}")
    return features


def _idf(
    question_features: Sequence[set[str]], answer_features: Sequence[set[str]]
) -> dict[str, float]:
    """Smoothed IDF over entries.

    A feature used in questions is weighed by how many entries *ask* about it
    (answers mention "chi phi" or "han quoc" everywhere, which would drown the
    signal); a feature seen only in answers falls back to all text.
    """
    count = len(question_features)
    in_questions = _document_frequency(question_features)
    both = [q | a for q, a in zip(question_features, answer_features, strict=True)]
    anywhere = _document_frequency(both)
    idf = {}
    for feature, df in anywhere.items():
        df = in_questions.get(feature, df)
        value = max(math.log((count + 1) / (df + 0.5)), 0.05)
        if " " in feature:
            value *= BIGRAM_WEIGHT
        if all(word in LIGHT_WORDS for word in feature.split()):
            value *= LIGHT_FACTOR
        idf[feature] = value
    return idf


def _document_frequency(documents: Iterable[set[str]]) -> dict[str, int]:
    """Number of documents containing each feature."""
    frequency: dict[str, int] = defaultdict(int)
    for document in documents:
        for feature in document:
            frequency[feature] += 1
    return frequency


def _postings(
    question_features: Sequence[set[str]], answer_features: Sequence[set[str]]
) -> dict[str, dict[int, float]]:
    """Feature -> {entry number: share}; 1 if in a question, less if only in the answer."""
    postings: dict[str, dict[int, float]] = defaultdict(dict)
    for number, features in enumerate(answer_features):
        for feature in features:
            postings[feature][number] = ANSWER_TEXT_WEIGHT
    for number, features in enumerate(question_features):
        for feature in features:
            postings[feature][number] = 1.0
    return dict(postings)
