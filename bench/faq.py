"""Benchmark the FAQ matcher on the development set against two baselines.

Run ``.venv/bin/python -m bench.faq`` (or ``python bench/faq.py``) from the
repository root. It prints one table: top-1 pass rate, answer/suggest/none
shares, median and p99 lookup time and index build time for

* ``faq.matcher`` (ours: normalisation + IDF keywords + rapidfuzz),
* rapidfuzz ``process.extractOne`` with ``WRatio`` on the raw questions,
* BM25 (``bm25s``) over folded questions + answer per entry,

then the development questions our matcher fails, for tuning.

The content editors copied many development questions into the FAQ as
question variants, which makes every method look perfect. A second table
therefore repeats the run with those variants removed (``--no-leak-table``
skips it): the honest estimate of how new questions will fare.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz import fuzz, process

from faq.content import DEFAULT_CONTENT_DIR, Entry, KnowledgeBase, parse_content
from faq.content import render_answer as render
from faq.matcher import FaqIndex
from faq.normalize import fold, normalize

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEV = REPO_ROOT.parent / "shared" / "eval" / "faq-dev.jsonl"
# Timing repeats per question so that p99 is not the single slowest call.
REPEATS = 20
BUILD_REPEATS = 3
# Values for the placeholders; they only need to look like real centre data.
SAMPLE_CENTRE = {
    "centre_name": "Trung tâm Dịch vụ việc làm tỉnh",
    "centre_phone": "0200 3800 000",
    "centre_address": "số 1 đường Trần Phú",
    "centre_hours": "7h30-17h thứ Hai đến thứ Sáu",
    "province": "tỉnh",
}

# A searcher answers (entry or None, kind) for one question.
Searcher = Callable[[str], tuple[Entry | None, str]]


@dataclass(frozen=True)
class Case:
    """One development question and the phrase groups its answer must contain."""

    question: str
    must: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Outcome:
    """What one method did on one case."""

    case: Case
    entry: Entry | None
    kind: str
    missing: tuple[tuple[str, ...], ...]

    @property
    def passed(self) -> bool:
        """True when every must group is satisfied by the top-1 answer."""
        return self.entry is not None and not self.missing


@dataclass(frozen=True)
class Row:
    """One line of the result table."""

    name: str
    outcomes: tuple[Outcome, ...]
    median_ms: float
    p99_ms: float
    build_ms: float


def load_cases(path: Path) -> list[Case]:
    """Read the JSON-lines development set."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            cases.append(Case(item["q"], tuple(tuple(group) for group in item["must"])))
    return cases


def missing_groups(entry: Entry | None, case: Case) -> tuple[tuple[str, ...], ...]:
    """Must groups that the entry's rendered answer does not satisfy."""
    if entry is None:
        return case.must
    answer = fold(render(entry, SAMPLE_CENTRE))
    return tuple(g for g in case.must if not any(fold(p) in answer for p in g))


def without_dev_questions(kb: KnowledgeBase, cases: Sequence[Case]) -> KnowledgeBase:
    """Remove question variants that are development questions (after normalising).

    An entry keeps its canonical question if every variant would go, so no
    entry disappears.
    """
    leaked = {normalize(case.question) for case in cases}
    topics = []
    for topic in kb.topics:
        entries = []
        for entry in topic.entries:
            kept = tuple(q for q in entry.questions if normalize(q) not in leaked)
            entries.append(dataclasses.replace(entry, questions=kept or entry.questions[:1]))
        topics.append(dataclasses.replace(topic, entries=tuple(entries)))
    return KnowledgeBase(topics)


def run_all(kb: KnowledgeBase, cases: Sequence[Case]) -> list[Row]:
    """Our matcher and both baselines on one knowledge base."""
    return [
        run("faq.matcher (ours)", ours, kb, cases),
        run("rapidfuzz WRatio, raw", wratio_baseline, kb, cases),
        run("bm25s, folded", bm25_baseline, kb, cases),
    ]


def ours(kb: KnowledgeBase) -> Searcher:
    """Our matcher; a "suggest" counts by its top-1 entry."""
    index = FaqIndex.build(kb)

    def search(question: str) -> tuple[Entry | None, str]:
        found = index.lookup(question)
        return (found.matches[0].entry if found.matches else None), found.kind

    return search


def wratio_baseline(kb: KnowledgeBase) -> Searcher:
    """rapidfuzz extractOne + WRatio over the raw question strings, no normalisation."""
    pairs = [(q, e) for e in kb.entries.values() for q in e.questions]
    choices, owners = [q for q, _ in pairs], [e for _, e in pairs]

    def search(question: str) -> tuple[Entry | None, str]:
        found = process.extractOne(question, choices, scorer=fuzz.WRatio)
        return (owners[found[2]], "answer") if found else (None, "none")

    return search


def bm25_baseline(kb: KnowledgeBase) -> Searcher:
    """BM25 over folded questions + answer text per entry, whitespace tokens."""
    import bm25s  # dev dependency, only needed here

    entries = list(kb.entries.values())
    corpus = [fold(" ".join((*e.questions, e.answer))).split() for e in entries]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    vocabulary = retriever.vocab_dict

    def search(question: str) -> tuple[Entry | None, str]:
        words = [w for w in fold(question).split() if w in vocabulary]
        if not words:
            return None, "none"
        documents, scores = retriever.retrieve([words], k=1, show_progress=False)
        if scores[0][0] <= 0:
            return None, "none"
        return entries[int(documents[0][0])], "answer"

    return search


def run(
    name: str,
    factory: Callable[[KnowledgeBase], Searcher],
    kb: KnowledgeBase,
    cases: Sequence[Case],
) -> Row:
    """Time the build and every lookup of one method and score its answers."""
    build_times = []
    for _ in range(BUILD_REPEATS):
        start = time.perf_counter()
        search = factory(kb)
        build_times.append(time.perf_counter() - start)
    outcomes, times = [], []
    for case in cases:
        entry, kind = search(case.question)
        for _ in range(REPEATS):
            start = time.perf_counter()
            search(case.question)
            times.append(time.perf_counter() - start)
        outcomes.append(Outcome(case, entry, kind, missing_groups(entry, case)))
    times.sort()
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
    return Row(
        name,
        tuple(outcomes),
        statistics.median(times) * 1000,
        p99 * 1000,
        statistics.median(build_times) * 1000,
    )


def format_table(rows: Sequence[Row], total: int) -> str:
    """Render the comparison table."""
    head = (
        f"{'method':<28} {'pass':>11} {'answer':>7} {'suggest':>8} {'none':>5} "
        f"{'median ms':>10} {'p99 ms':>8} {'build ms':>9}"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        passed = sum(o.passed for o in row.outcomes)
        kinds = Counter(o.kind for o in row.outcomes)
        share = {k: f"{100 * kinds[k] / total:.0f}%" for k in ("answer", "suggest", "none")}
        lines.append(
            f"{row.name:<28} {passed:>3}/{total:<3}{100 * passed / total:>4.0f}% "
            f"{share['answer']:>7} {share['suggest']:>8} {share['none']:>5} "
            f"{row.median_ms:>10.3f} {row.p99_ms:>8.3f} {row.build_ms:>9.1f}"
        )
    return "\n".join(lines)


def format_failures(row: Row) -> str:
    """List the failed questions with what was returned and what was missing."""
    lines = [f"\nFailing dev questions ({row.name}):"]
    for o in row.outcomes:
        if not o.passed:
            got = o.entry.id if o.entry else "-"
            missing = " & ".join("/".join(g) for g in o.missing)
            lines.append(f"  [{o.kind:<7}] {o.case.question!r} -> {got}; missing: {missing}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the three methods and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV, help="dev set (JSON lines)")
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT_DIR)
    parser.add_argument(
        "--no-leak-table", action="store_true", help="skip the run without dev questions"
    )
    args = parser.parse_args(argv)
    kb, problems = parse_content(args.content)
    if problems:
        print(f"warning: {len(problems)} content problem(s); benchmarking the valid entries")
    cases = load_cases(args.dev)
    print(f"{len(kb.entries)} entries in {len(kb.topics)} topics, {len(cases)} dev questions\n")
    rows = run_all(kb, cases)
    print(format_table(rows, len(cases)))
    print(format_failures(rows[0]))
    if not args.no_leak_table:
        print("\nSame, with development questions removed from the content's variants:\n")
        held_out = run_all(without_dev_questions(kb, cases), cases)
        print(format_table(held_out, len(cases)))
        print(format_failures(held_out[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
