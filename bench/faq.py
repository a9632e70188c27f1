"""Benchmark the FAQ matcher against BM25 and the previous matcher, in one run.

Run ``.venv/bin/python -m bench.faq`` from the repository root. For every set
it prints, per method:

* **top-1**: the best entry is a right answer (evaluation sets: its answer
  text holds every `must` fact; our own and leave-one-out sets: it is the
  expected entry); a suggestion counts by its first entry, so the figure is
  the ranking's quality, comparable with BM25, which always answers;
* **top-3**: one of the first three entries is right;
* **answered**: the worker got a direct answer and it was right (for our
  matcher, a message with two questions gets two answers: it counts as right
  when one of them is, as the worker reads both);
* **wrong**: "answered but wrong", a direct answer that is not right (share of
  all questions; BM25 and the old matcher's answers count as direct);
* **none**: no answer and no suggestion;
* median and p99 lookup time (wall clock), p99 of the lookup's own CPU time
  (the same without the waits a shared machine adds), and the index build time.

Sets: ``faq-dev`` (short questions), ``real-dev`` split into ``real`` and
``derived`` (`/work/shared/eval/`, or ``FAQ_EVAL_DIR``), both measured on the
content with every copy of an evaluation question removed (asserted);
``own-dev`` / ``own-held``, the project's own development questions
(`bench/data/faq-own.jsonl`; ``held`` was kept aside while tuning);
``leave-one-out``, the content's own question variants, each asked of an index
built without it; and ``faq-dev ×10``, the short questions against a
knowledge base ten times today's (generated), for build time and latency,
and ``real-dev: real`` (the longest messages) against it.

``--quick`` runs a tiny budget (for the smoke test).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.faq_baseline.matcher import FaqIndex as BaselineIndex
from bench.faq_sets import (
    Case,
    copies,
    eval_dir,
    folds,
    load_eval,
    load_own,
    scaled,
    without_questions,
)
from faq.content import DEFAULT_CONTENT_DIR, Entry, KnowledgeBase, parse_content
from faq.lexicon import DEFAULT_LEXICON, Lexicon, load_lexicon
from faq.matcher import FaqIndex
from faq.normalize import fold

# Timing repeats per question so that p99 is not the single slowest call.
REPEATS = 10
LOO_FOLDS = 10
SCALE = 10


@dataclass(frozen=True)
class Answer:
    """A method's reply to one question: ranked entries and whether it answered."""

    ranked: tuple[Entry, ...]
    kind: str  # answer | suggest | none
    extra: tuple[Entry, ...] = ()  # a second question's answer (ours only)


# A method builds a searcher from a knowledge base; the searcher answers questions.
Searcher = Callable[[str], Answer]
Method = Callable[[KnowledgeBase], Searcher]


@dataclass(frozen=True)
class Row:
    """One method on one set."""

    method: str
    total: int
    top1: int
    top3: int
    answered: int
    wrong: int
    none: int
    median_ms: float
    p99_ms: float
    p99_cpu_ms: float
    build_ms: float
    failures: tuple[tuple[Case, Answer], ...]


def ours(lexicon: Lexicon) -> Method:
    """The current matcher; a second question's answer is kept apart."""

    def method(kb: KnowledgeBase) -> Searcher:
        index = FaqIndex.build(kb, lexicon)

        def search(question: str) -> Answer:
            lookups = index.read(question)
            main = max(lookups, key=lambda lk: lk.matches[0].score if lk.matches else -1)
            extra = tuple(
                lk.matches[0].entry for lk in lookups if lk is not main and lk.kind == "answer"
            )
            return Answer(tuple(m.entry for m in main.matches), main.kind, extra)

        return search

    return method


def baseline(kb: KnowledgeBase) -> Searcher:
    """The matcher before issue 16 (frozen in bench/faq_baseline)."""
    index = BaselineIndex.build(kb)

    def search(question: str) -> Answer:
        found = index.lookup(question)
        return Answer(tuple(m.entry for m in found.matches), found.kind)

    return search


def bm25(kb: KnowledgeBase) -> Searcher:
    """BM25 (bm25s) over folded questions + answer per entry; it always answers."""
    import bm25s  # dev dependency, only needed here

    entries = list(kb.entries.values())
    corpus = [fold(" ".join((*e.questions, e.answer, e.more))).split() for e in entries]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    vocabulary = retriever.vocab_dict

    def search(question: str) -> Answer:
        words = [w for w in fold(question).split() if w in vocabulary]
        if not words:
            return Answer((), "none")
        k = min(3, len(entries))
        documents, scores = retriever.retrieve([words], k=k, show_progress=False)
        ranked = tuple(
            entries[int(d)] for d, s in zip(documents[0], scores[0], strict=True) if s > 0
        )
        return Answer(ranked, "answer" if ranked else "none")

    return search


def run(name: str, method: Method, runs: Sequence[tuple[KnowledgeBase, Sequence[Case]]]) -> Row:
    """Time builds and lookups of one method over one or more (content, cases) runs."""
    builds: list[float] = []
    times: list[float] = []
    cpu: list[float] = []
    results: list[tuple[Case, Answer]] = []
    for kb, cases in runs:
        start = time.perf_counter()
        search = method(kb)
        builds.append(time.perf_counter() - start)
        for case in cases:
            results.append((case, search(case.question)))
            for _ in range(REPEATS):
                start, start_cpu = time.perf_counter(), time.process_time()
                search(case.question)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
    p99, p99_cpu = _p99(times), _p99(cpu)
    top1 = top3 = answered = wrong = none = 0
    failures = []
    for case, answer in results:
        first = answer.ranked[0] if answer.ranked else None
        right = case.passes(first)
        top1 += right
        top3 += any(case.passes(e) for e in answer.ranked[:3])
        if answer.kind == "answer":
            seen = right or any(case.passes(e) for e in answer.extra)
            answered += seen
            wrong += not seen
        none += answer.kind == "none"
        if not right if case.answerable else answer.kind == "answer":
            failures.append((case, answer))
    return Row(
        name,
        len(results),
        top1,
        top3,
        answered,
        wrong,
        none,
        statistics.median(times) * 1000 if times else 0.0,
        p99 * 1000,
        p99_cpu * 1000,
        statistics.median(builds) * 1000 if builds else 0.0,
        tuple(failures),
    )


def _p99(values: list[float]) -> float:
    """The 99th percentile (0 for no values)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0


def format_rows(title: str, rows: Sequence[Row]) -> str:
    """One table section: a title line and a row per method."""

    def pct(count: int, total: int) -> str:
        return f"{100 * count / total:5.1f}%" if total else "    -"

    lines = [f"\n{title}"]
    for row in rows:
        lines.append(
            f"  {row.method:<22} {row.total:>5} {pct(row.top1, row.total):>7} "
            f"{pct(row.top3, row.total):>7} {pct(row.answered, row.total):>8} "
            f"{pct(row.wrong, row.total):>7} {pct(row.none, row.total):>6} "
            f"{row.median_ms:>9.2f} {row.p99_ms:>8.2f} {row.p99_cpu_ms:>8.2f} {row.build_ms:>9.1f}"
        )
    return "\n".join(lines)


HEADER = (
    f"  {'method':<22} {'n':>5} {'top-1':>7} {'top-3':>7} {'answered':>8} {'wrong':>7} "
    f"{'none':>6} {'median ms':>9} {'p99 ms':>8} {'p99 cpu':>8} {'build ms':>9}"
)


def format_failures(row: Row) -> str:
    """Questions a method got wrong, with what it returned (for development)."""
    lines = [f"  failures of {row.method}:"]
    for case, answer in row.failures:
        got = ", ".join(e.id for e in answer.ranked[:3]) or "-"
        lines.append(f"    [{answer.kind:<7}] {case.question[:90]!r} -> {got}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run every method on every set and print the tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT_DIR)
    parser.add_argument("--lexicon", type=Path, default=DEFAULT_LEXICON)
    parser.add_argument("--eval-dir", type=Path, default=None, help="default: shared/eval")
    parser.add_argument("--quick", action="store_true", help="a tiny budget (smoke test)")
    parser.add_argument("--failures", action="store_true", help="list our failures")
    parser.add_argument(
        "--exact-copies",
        action="store_true",
        help="remove only exact copies of the questions (default: near copies too)",
    )
    args = parser.parse_args(argv)
    global REPEATS
    if args.quick:
        REPEATS = 1
    kb, problems = parse_content(args.content)
    if problems:
        print(f"warning: {len(problems)} content problem(s); benchmarking the valid entries")
    lexicon = load_lexicon(args.lexicon)
    directory = args.eval_dir or eval_dir()
    sets: list[tuple[str, list[Case]]] = []
    if directory.is_dir():
        sets += [
            ("faq-dev", load_eval(directory / "faq-dev.jsonl")),
            ("real-dev: real", load_eval(directory / "faq-real-dev.jsonl", "real")),
            ("real-dev: derived", load_eval(directory / "faq-real-dev.jsonl", "derived")),
        ]
    else:
        print(f"warning: no evaluation sets in {directory}")
    sets += [("own-dev", load_own("dev")), ("own-held", load_own("held"))]
    if args.quick:
        sets = [(name, cases[:4]) for name, cases in sets]
    asked = [c.question for _, cases in sets for c in cases]
    near = not args.exact_copies
    clean = without_questions(kb, asked, near)
    leaked = copies(clean, asked, near)
    assert not leaked, f"evaluation questions still in the content: {leaked[:5]}"
    methods: list[tuple[str, Method]] = [
        ("ours (faq.matcher)", ours(lexicon)),
        ("bm25s", bm25),
        ("previous matcher", baseline),
    ]
    before = sum(len(e.questions) for e in kb.entries.values())
    after = sum(len(e.questions) for e in clean.entries.values())
    print(
        f"{len(clean.entries)} entries in {len(clean.topics)} topics; {after} question variants "
        f"after removing {before - after} {'exact' if args.exact_copies else 'exact or near'} "
        f"copies of the sets' questions; {len(lexicon.rewrites)} lexicon phrases"
    )
    print(HEADER)
    ours_rows: list[Row] = []
    for name, cases in sets:
        rows = [run(label, method, [(clean, cases)]) for label, method in methods]
        ours_rows.append(rows[0])
        print(format_rows(f"{name}", rows))
    loo = folds(clean, 1 if args.quick else LOO_FOLDS)
    if args.quick:
        loo = [(kb_fold, cases[:4]) for kb_fold, cases in loo]
    rows = [run(label, method, loo) for label, method in methods]
    ours_rows.append(rows[0])
    print(format_rows(f"leave-one-out ({len(loo)} folds)", rows))
    if not args.quick and sets:
        big = scaled(clean, SCALE)
        for name, cases in sets[:2] if len(sets) > 4 else sets[:1]:
            rows = [run(label, method, [(big, cases)]) for label, method in methods]
            title = f"{name} on ×{SCALE} content ({len(big.entries)} entries)"
            print(format_rows(title, rows))
    if args.failures:
        for (name, _), row in zip([*sets, ("leave-one-out", [])], ours_rows, strict=True):
            print(f"\n{name}")
            print(format_failures(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
