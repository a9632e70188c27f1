"""Benchmark the recruiter registry matcher against a plain rapidfuzz baseline.

Run ``.venv/bin/python -m bench.recruiters`` from the repository root. It
builds a deterministic synthetic registry of 1,000 companies (names made of
Vietnamese syllables and legal forms, licence numbers "TH-0001/GP": clearly
not the real list) plus the 20 rows of ``faq/data/recruiters_SAMPLE.csv``,
then prints one table for

* ``faq.recruiters`` (ours), and
* rapidfuzz ``process.extract`` with ``fuzz.WRatio`` over the raw names (no
  normalisation; licence numbers are not searched),

with top-1 / top-3 accuracy on 50 hand-written misspelt queries
(``bench/data/recruiters_misspelled.txt``) and the share of them answered
"found" with the right company (the rest are "choose": typos are confirmed
by a button on purpose), how often 50 made-up names
(``bench/data/recruiters_madeup.txt``) are wrongly reported as "found" (and
as "choose"), median and p99 lookup time over all queries repeated, and the
index build time. The baseline has no decision rule of its own; it gets the
one a naive bot would use: "found" when WRatio >= 90, "choose" when >= 75.

``--list N`` prints the first N synthetic names instead (to write queries).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz import fuzz, process

from faq.recruiters import Recruiter, RegistryIndex, decide, parse_registry

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CSV = REPO_ROOT / "faq" / "data" / "recruiters_SAMPLE.csv"
DATA_DIR = Path(__file__).resolve().parent / "data"
MISSPELLED = DATA_DIR / "recruiters_misspelled.txt"
MADE_UP = DATA_DIR / "recruiters_madeup.txt"
SYNTHETIC_SIZE = 1000
SEED = 20250901
REPEATS = 20  # timing repeats per query, so p99 is not one slow call
BUILD_REPEATS = 5
BASELINE_FOUND = 90.0
BASELINE_CHOOSE = 75.0
SYNTHETIC_SOURCE = "DỮ LIỆU TỔNG HỢP cho benchmark – không phải danh sách chính thức"

# Syllables common in Vietnamese company names (folded spelling is not used:
# the registry has diacritics, queries often do not).
SYLLABLES = (
    "An", "Anh", "Bảo", "Bình", "Cát", "Châu", "Chiến", "Công", "Cường", "Đại", "Đạt",
    "Điền", "Đông", "Đức", "Dương", "Gia", "Giang", "Hà", "Hải", "Hạnh", "Hào", "Hiệp",
    "Hòa", "Hoàng", "Hồng", "Hưng", "Hương", "Huy", "Khang", "Khánh", "Khoa", "Kiên",
    "Kim", "Lâm", "Lộc", "Long", "Mai", "Minh", "Mỹ", "Nam", "Ngân", "Nghĩa",
    "Ngọc", "Nguyên", "Nhật", "Phát", "Phong", "Phú", "Phúc", "Phước", "Quang", "Quý",
    "Sơn", "Tài", "Tâm", "Tân", "Thái", "Thắng", "Thành", "Thịnh", "Thuận", "Tiến",
    "Toàn", "Trí", "Trung", "Trường", "Tuấn", "Uy", "Vân", "Việt", "Vinh", "Vĩnh", "Vũ",
    "Vượng", "Xuân", "Yên",
)  # fmt: skip
LEGAL_FORMS = (
    "Công ty Cổ phần", "Công ty TNHH", "Công ty TNHH MTV", "Công ty TNHH Một thành viên",
    "Tổng công ty", "Công ty CP",
)  # fmt: skip
GENERIC_WORDS = (
    "", "", "", "Xuất khẩu Lao động", "Cung ứng Nhân lực", "Thương mại và Dịch vụ",
    "Đầu tư Phát triển", "Nhân lực Quốc tế", "Hợp tác Quốc tế", "Dịch vụ Việc làm",
)  # fmt: skip
SUFFIXES = ("", "", "", "", " Việt Nam", " Group", " Quốc tế")


@dataclass(frozen=True)
class Query:
    """A typed query and the licence number of the company meant (empty: made up)."""

    text: str
    expected: str


@dataclass(frozen=True)
class Row:
    """One line of the result table."""

    method: str
    top1: float
    top3: float
    found: float
    false_found: float
    false_choose: float
    median_ms: float
    p99_ms: float
    build_ms: float


# A searcher returns (licence numbers best first, decision) for a query.
Searcher = Callable[[str], tuple[list[str], str]]


def synthetic_registry(size: int = SYNTHETIC_SIZE, seed: int = SEED) -> list[Recruiter]:
    """Deterministic, clearly synthetic registry: distinct 2-3 syllable names, fake licences."""
    rng = random.Random(seed)
    seen: set[frozenset[str]] = set()
    rows: list[Recruiter] = []
    list_date = dt.date(2025, 9, 1)
    while len(rows) < size:
        n = len(rows) + 1
        core = tuple(rng.sample(SYLLABLES, rng.choice((2, 2, 3))))
        if frozenset(core) in seen:  # same syllables in another order: too confusing
            continue
        seen.add(frozenset(core))
        generic = rng.choice(GENERIC_WORDS)
        name = " ".join(
            part for part in (rng.choice(LEGAL_FORMS), generic, " ".join(core)) if part
        ) + rng.choice(SUFFIXES)
        short = ""
        if n % 7 == 0 and len(core) == 3:
            short = "".join(s[0] for s in core).upper() + " JSC"
        elif n % 11 == 0:
            short = "".join(core).upper()
        roll = rng.random()
        status = "active" if roll < 0.85 else "suspended" if roll < 0.95 else "revoked"
        rows.append(
            Recruiter(
                name=name,
                short_name=short,
                licence_number=f"TH-{n:04d}/GP",
                licence_date=dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3650)),
                address=f"Số {n} đường Tổng Hợp (DỮ LIỆU TỔNG HỢP)",
                status=status,
                status_date=None if status == "active" else dt.date(2025, 1, 1),
                source=SYNTHETIC_SOURCE,
                list_date=list_date,
            )
        )
    return rows


def read_queries(path: Path) -> list[Query]:
    """Lines "query | licence" ("#" comments); made-up names have no licence."""
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        text, _, expected = line.partition("|")
        queries.append(Query(text.strip(), expected.strip()))
    return queries


def ours(recruiters: Sequence[Recruiter]) -> tuple[Searcher, Callable[[], object]]:
    """Our matcher as a searcher, and its index builder."""
    index = RegistryIndex.build(recruiters)

    def search(text: str) -> tuple[list[str], str]:
        matches = index.lookup(text, limit=5)
        return [m.recruiter.licence_number for m in matches], decide(matches)

    return search, lambda: RegistryIndex.build(recruiters)


def baseline(recruiters: Sequence[Recruiter]) -> tuple[Searcher, Callable[[], object]]:
    """rapidfuzz WRatio over raw names: what one would write in five minutes."""
    names = [r.name for r in recruiters]

    def search(text: str) -> tuple[list[str], str]:
        hits = process.extract(text, names, scorer=fuzz.WRatio, limit=5)
        ranked = [recruiters[k].licence_number for _, _, k in hits]
        best = hits[0][1] if hits else 0.0
        second = hits[1][1] if len(hits) > 1 else 0.0
        if best >= BASELINE_FOUND and best > second:
            return ranked, "found"
        return ranked, "choose" if best >= BASELINE_CHOOSE else "none"

    return search, lambda: list(names)


def evaluate(
    method: str,
    make: Callable[[Sequence[Recruiter]], tuple[Searcher, Callable[[], object]]],
    recruiters: Sequence[Recruiter],
    targeted: Sequence[Query],
    made_up: Sequence[Query],
) -> Row:
    """Accuracy, false positives and timings of one method."""
    builds = []
    for _ in range(BUILD_REPEATS):
        start = time.perf_counter()
        search, _build = make(recruiters)
        builds.append(time.perf_counter() - start)
    top1 = top3 = found = 0
    for q in targeted:
        ranked, decision = search(q.text)
        top1 += bool(ranked) and ranked[0] == q.expected
        found += decision == "found" and ranked[0] == q.expected
        top3 += q.expected in ranked[:3]
    decisions = [search(q.text)[1] for q in made_up]
    timings = []
    for q in [*targeted, *made_up]:
        for _ in range(REPEATS):
            start = time.perf_counter()
            search(q.text)
            timings.append(time.perf_counter() - start)
    timings.sort()
    return Row(
        method=method,
        top1=top1 / len(targeted),
        top3=top3 / len(targeted),
        found=found / len(targeted),
        false_found=decisions.count("found") / len(made_up),
        false_choose=decisions.count("choose") / len(made_up),
        median_ms=statistics.median(timings) * 1000,
        p99_ms=timings[int(0.99 * (len(timings) - 1))] * 1000,
        build_ms=statistics.median(builds) * 1000,
    )


def print_table(rows: Sequence[Row], size: int, n_targeted: int, n_made_up: int) -> None:
    """One plain-text table (Markdown-compatible)."""
    print(
        f"registry: {size} companies ({SYNTHETIC_SIZE} synthetic + sample); "
        f"{n_targeted} misspelt queries, {n_made_up} made-up names, timing x{REPEATS}"
    )
    head = ("method", "top-1", "top-3", "found & right", "made-up→found", "made-up→choose",
            "median ms", "p99 ms", "build ms")  # fmt: skip
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        cells = (r.method, f"{r.top1:.0%}", f"{r.top3:.0%}", f"{r.found:.0%}",
                 f"{r.false_found:.0%}", f"{r.false_choose:.0%}", f"{r.median_ms:.3f}",
                 f"{r.p99_ms:.3f}", f"{r.build_ms:.1f}")  # fmt: skip
        print("| " + " | ".join(cells) + " |")


def details(
    recruiters: Sequence[Recruiter], targeted: Sequence[Query], made_up: Sequence[Query]
) -> None:
    """Our misses and false positives, for tuning."""
    search, _ = ours(recruiters)
    for q in targeted:
        ranked, decision = search(q.text)
        if not ranked or ranked[0] != q.expected:
            print(f"miss  {q.text!r}: expected {q.expected}, got {ranked[:3]} ({decision})")
    for q in made_up:
        ranked, decision = search(q.text)
        if decision != "none":
            print(f"made-up {q.text!r}: {decision} {ranked[:3]}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: print the table (or the synthetic names with --list)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", type=int, metavar="N", help="print N synthetic names and exit")
    parser.add_argument("--details", action="store_true", help="also print our misses")
    args = parser.parse_args(argv)
    synthetic = synthetic_registry()
    if args.list:
        for r in synthetic[: args.list]:
            print(f"{r.licence_number} | {r.name} | {r.short_name}")
        return 0
    recruiters = [*synthetic, *parse_registry(SAMPLE_CSV)]
    targeted = read_queries(MISSPELLED)
    made_up = read_queries(MADE_UP)
    rows = [
        evaluate("faq.recruiters", ours, recruiters, targeted, made_up),
        evaluate("WRatio baseline", baseline, recruiters, targeted, made_up),
    ]
    print_table(rows, len(recruiters), len(targeted), len(made_up))
    if args.details:
        details(recruiters, targeted, made_up)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
