"""Question sets for `bench/faq.py`: the evaluation files, our own questions, leave-one-out.

A case knows how to judge an answer: evaluation cases by the facts the answer
text must contain (`must`, compared folded, as `/work/shared/eval/README.md`
says), our own cases and leave-one-out cases by the entry ids that answer them
(an empty list means nothing in the content answers it: the right move is to
abstain).
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from faq.content import Entry, KnowledgeBase, render_text
from faq.normalize import fold, normalize, tokens

REPO_ROOT = Path(__file__).resolve().parents[1]
OWN_QUESTIONS = Path(__file__).parent / "data" / "faq-own.jsonl"
# Values for the placeholders; they only need to look like real centre data.
SAMPLE_CENTRE = {
    "centre_name": "Trung tâm Dịch vụ việc làm tỉnh",
    "centre_phone": "0200 3800 000",
    "centre_address": "số 1 đường Trần Phú",
    "centre_hours": "7h30-17h thứ Hai đến thứ Sáu",
    "province": "tỉnh",
}
# Near copies (see Copies): one word apart, or this alike as normalised text.
NEAR_MIN_WORDS = 4
NEAR_RATIO = 90.0


@dataclass(frozen=True)
class Case:
    """One question and how to judge the entry chosen for it."""

    question: str
    must: tuple[tuple[str, ...], ...] = ()
    ids: tuple[str, ...] = ()
    by_facts: bool = False

    def passes(self, entry: Entry | None) -> bool:
        """True when this entry is a right answer to the question."""
        if entry is None:
            return False
        if self.by_facts:
            answer = fold(render_text(entry.answer, SAMPLE_CENTRE))
            return all(any(fold(p) in answer for p in group) for group in self.must)
        return entry.id in self.ids

    @property
    def answerable(self) -> bool:
        """False when the content holds no answer (abstaining is right)."""
        return self.by_facts or bool(self.ids)


def eval_dir() -> Path:
    """`FAQ_EVAL_DIR`, else the first `shared/eval` above the repository."""
    configured = os.environ.get("FAQ_EVAL_DIR")
    if configured:
        return Path(configured)
    for parent in REPO_ROOT.parents:
        candidate = parent / "shared" / "eval"
        if candidate.is_dir():
            return candidate
    return REPO_ROOT.parent / "shared" / "eval"


def load_eval(path: Path, kind: str | None = None) -> list[Case]:
    """Evaluation cases of one file (optionally only one `kind`: real or derived)."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        if kind is not None and item.get("kind") != kind:
            continue
        must = tuple(tuple(group) for group in item["must"])
        cases.append(Case(item["q"], must=must, by_facts=True))
    return cases


def load_own(split: str, path: Path = OWN_QUESTIONS) -> list[Case]:
    """Our own questions of one split ("dev" for tuning, "held" kept aside)."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            if item["split"] == split:
                cases.append(Case(item["q"], ids=tuple(item["ids"])))
    return cases


class Copies:
    """Recognises content variants that are (or contain, or nearly are) one of the given questions.

    A copy is the same text folded or normalised, or a variant containing the
    question. With ``near`` (the default) a variant that differs from a
    question by one word (for questions of NEAR_MIN_WORDS words or more), or
    whose normalised text is at least NEAR_RATIO% alike, is a copy too: an
    abbreviation expanded or a particle added ("ttdvvl o cho nao" for
    "trung tâm dịch vụ việc làm ở đâu") must not stay in the index.
    """

    def __init__(self, questions: Iterable[str], near: bool = True) -> None:
        asked = list(questions)
        self._folded = {fold(q) for q in asked}
        self._normalised = {normalize(q) for q in asked}
        self._long = [f for f in self._folded if len(f) >= 12]
        self._words = [tuple(tokens(q)) for q in asked] if near else []

    def __call__(self, variant: str) -> bool:
        folded = fold(variant)
        return (
            folded in self._folded
            or normalize(variant) in self._normalised
            or any(q in folded for q in self._long)
            or self._near(tuple(tokens(variant)))
        )

    def _near(self, words: tuple[str, ...]) -> bool:
        if not self._words:
            return False
        text = " ".join(words)
        for question in self._words:
            if len(question) >= NEAR_MIN_WORDS and Levenshtein.distance(question, words) <= 1:
                return True
            if fuzz.ratio(" ".join(question), text, score_cutoff=NEAR_RATIO):
                return True
        return False


def without_questions(
    kb: KnowledgeBase, questions: Iterable[str], near: bool = True
) -> KnowledgeBase:
    """The content without the variants that copy any of these questions.

    An entry keeps its canonical question if every variant would go, so no
    entry disappears (the canonical question must then not be a copy).
    """
    is_copy = Copies(questions, near)
    topics = []
    for topic in kb.topics:
        entries = []
        for entry in topic.entries:
            kept = tuple(v for v in entry.questions if not is_copy(v))
            entries.append(dataclasses.replace(entry, questions=kept or entry.questions[:1]))
        topics.append(dataclasses.replace(topic, entries=tuple(entries)))
    return KnowledgeBase(topics)


def copies(kb: KnowledgeBase, questions: Iterable[str], near: bool = True) -> list[tuple[str, str]]:
    """(entry id, variant) pairs that still copy a question; must be empty to measure."""
    is_copy = Copies(questions, near)
    return [
        (entry.id, variant)
        for entry in kb.entries.values()
        for variant in entry.questions
        if is_copy(variant)
    ]


def folds(kb: KnowledgeBase, count: int) -> list[tuple[KnowledgeBase, list[Case]]]:
    """Leave-one-out in `count` folds over the content's own question variants.

    Each variant is asked once, by an index built without it; an entry loses at
    most one variant per fold and entries with a single question are not asked
    (removing it would remove the entry).
    """
    result = []
    for fold_number in range(count):
        asked: list[Case] = []
        topics = []
        for topic in kb.topics:
            entries = []
            for offset, entry in enumerate(topic.entries):
                if len(entry.questions) < 2:
                    entries.append(entry)
                    continue
                position = (fold_number + offset) % count
                if position < len(entry.questions):
                    question = entry.questions[position]
                    asked.append(Case(question, ids=(entry.id,)))
                    rest = entry.questions[:position] + entry.questions[position + 1 :]
                    entries.append(dataclasses.replace(entry, questions=rest))
                else:
                    entries.append(entry)
            topics.append(dataclasses.replace(topic, entries=tuple(entries)))
        result.append((KnowledgeBase(topics), asked))
    return result


def scaled(kb: KnowledgeBase, factor: int, seed: int = 16) -> KnowledgeBase:
    """A knowledge base `factor` times larger: the real entries plus look-alike ones.

    Each copy keeps the shape of a real entry (same number of questions, words
    and sentences) with about half of its words replaced by made-up syllables,
    so the index's vocabulary, postings and IDF grow as with real new content.
    """
    rng = random.Random(seed)
    syllables = _syllables(rng, 3000)
    topics = list(kb.topics)
    for copy in range(1, factor):
        for topic in kb.topics:
            entries = tuple(
                dataclasses.replace(
                    entry,
                    id=f"{entry.id}_x{copy}"[:32],
                    questions=tuple(_blur(q, rng, syllables) for q in entry.questions),
                    answer=_blur(entry.answer, rng, syllables),
                    more=_blur(entry.more, rng, syllables),
                    related=(),
                )
                for entry in topic.entries
            )
            topics.append(dataclasses.replace(topic, id=f"{topic.id}_x{copy}", entries=entries))
    return KnowledgeBase(topics)


def _syllables(rng: random.Random, count: int) -> list[str]:
    onsets = ["b", "c", "d", "g", "h", "k", "l", "m", "n", "p", "s", "t", "v", "x", "ch", "kh"]
    vowels = ["a", "e", "i", "o", "u", "ia", "ua", "oa", "uo", "ie"]
    codas = ["", "", "n", "m", "ng", "nh", "t", "c", "p"]
    made: set[str] = set()
    while len(made) < count:
        # two made-up halves ("kiang" + "bo"): 1,120² possible, never a real syllable
        first = rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
        made.add(first + rng.choice(onsets) + rng.choice(vowels))
    return sorted(made)


def _blur(text: str, rng: random.Random, syllables: Sequence[str]) -> str:
    """Replace about half of the words with made-up syllables (placeholders kept)."""
    words = text.split(" ")
    return " ".join(
        rng.choice(syllables) if "{" not in w and rng.random() < 0.5 else w for w in words
    )
