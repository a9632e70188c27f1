"""Benchmark the company check: false ✅ on look-alikes next to recall of true short forms.

Run ``.venv/bin/python -m bench.recruiters`` from the repository root. It builds a
deterministic *realistic* test registry (:func:`realistic_registry`: 500 companies whose
names are built the way the names on DOLAB's list are — legal form, sector words,
distinctive part, sometimes "Việt Nam" or an English brand, a short name for about a third;
made-up names and licence numbers, source marked "DỮ LIỆU THỬ"), then asks

* **adversarial look-alikes** of licensed names, the way scammers name themselves: an
  extra syllable, two words swapped, a brand word added ("Group", "Land", "Holdings",
  "Việt", "Quốc tế Việt Nam"…), one word dropped, the licensed name with a different legal
  form; a query that happens to be another licensed company's exact name is skipped;
* **true short forms** of licensed names, the way workers type them: "cty" + the
  distinctive part without diacritics, with diacritics, with the right legal form
  ("JSC", "CTY CP"), the full name, the registry's short name, "xkld" + name, a typo
  inside a syllable, the words typed together, the licence number;
* 50 **made-up names** (``bench/data/recruiters_madeup.txt``).

It prints, for our matcher and a plain rapidfuzz baseline (WRatio over the raw names,
✅ at >= 90 and clearly ahead), the false ✅ rate per kind of look-alike (target 0) and
the recall per kind of short form (target >= 95% overall), and lookup times.
``--details`` prints every false ✅ and every miss; ``--seed N`` generates another
registry (and queries) of the same kind; ``--write-csv PATH`` writes the registry as an
importable CSV (``tests/data/recruiters/realistic_registry.csv`` is that file).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz import fuzz, process

from faq.company_names import is_syllable, tokens, without_legal_forms
from faq.normalize import fold
from faq.recruiters import Recruiter, RegistryIndex, decide

DATA_DIR = Path(__file__).resolve().parent / "data"
MADE_UP = DATA_DIR / "recruiters_madeup.txt"
REGISTRY_SIZE = 500
SEED = 20260101
REPEATS = 5  # timing repeats per query
BASELINE_CERTAIN = 90.0
BASELINE_MARGIN = 5.0
TEST_SOURCE = "DỮ LIỆU THỬ – tên giả lập cho kiểm thử, không phải danh sách chính thức"
LIST_DATE = dt.date(2026, 11, 1)

# Distinctive parts are built from syllables common in Vietnamese company names.
FIRST = (
    "Hoàng", "Thăng", "Sao", "Hà", "Tây", "Đông", "Nam", "Bắc", "Hồng", "Kim", "Phú",
    "Minh", "An", "Hưng", "Thành", "Đại", "Việt", "Nhật", "Trí", "Tâm", "Tân", "Thái",
    "Bảo", "Gia", "Hải", "Hòa", "Khánh", "Lạc", "Ngọc", "Phúc", "Quang", "Sông", "Thiên",
    "Tiến", "Toàn", "Trường", "Vạn", "Vĩnh", "Xuân", "Hùng", "Đức", "Lâm", "Mai", "Kiên",
    "Phong", "Thịnh", "Uy", "Hợp", "Châu", "Lam",
)  # fmt: skip
SECOND = (
    "Long", "Mai", "Việt", "Phát", "Thịnh", "Anh", "Dương", "Hà", "Sơn", "Giang", "Lộc",
    "Khang", "An", "Hưng", "Đạt", "Thành", "Tín", "Nguyên", "Phong", "Á", "Châu", "Hải",
    "Hồng", "Minh", "Quý", "Tâm", "Trung", "Vượng", "Bình", "Cường", "Lợi", "Nghĩa",
    "Ngân", "Hoa", "Linh", "Khoa", "Tiến", "Đô", "Lực", "Kỳ",
)  # fmt: skip
THIRD = ("Việt", "Xanh", "Vàng", "Mới", "Phát", "Hưng", "Sơn", "Star", "Á", "Thịnh")
BRANDS = (
    "Sakura", "Kanto", "Fuji", "Osaka", "Sun Star", "Global Link", "Asia Pacific",
    "Bright Future", "Vinastaff", "Vietcare", "Intermex", "Eurocare", "Kaizen", "Ocean",
    "Phoenix", "Hope Way", "Vinajobs", "Unimex", "Tokyo Bridge", "Seoul Link", "Mekong",
    "Daiichi", "Hikari", "Nippon Việt", "Kobe",
)  # fmt: skip
ACRONYMS = ("TMS", "HLC", "VJC", "LOD", "TTC", "IVS", "AHC", "BTC", "SGC", "KVN", "HTD", "MVC")
# (legal form as written, its class, weight)
LEGAL = (
    ("Công ty Cổ phần", "cp", 40), ("Công ty CP", "cp", 6), ("Công ty TNHH", "tnhh", 24),
    ("Công ty TNHH MTV", "mtv", 12), ("Công ty TNHH Một thành viên", "mtv", 4),
    ("Công ty TNHH Hai thành viên trở lên", "2tv", 2), ("Tổng công ty", "tct", 3),
)  # fmt: skip
SECTORS = (
    ("Xuất khẩu Lao động", 10), ("Cung ứng Nhân lực", 10), ("Nhân lực", 8),
    ("Phát triển Nhân lực", 4), ("Nguồn Nhân lực", 3), ("Đầu tư", 6), ("Thương mại", 6),
    ("Dịch vụ", 4), ("Thương mại và Dịch vụ", 6), ("Hợp tác Quốc tế", 5), ("Quốc tế", 4),
    ("Đào tạo", 3), ("Giáo dục", 2), ("Tư vấn", 3), ("Du lịch", 2), ("Xây dựng", 3),
    ("Kỹ thuật", 2), ("Công nghệ", 2), ("Xuất nhập khẩu", 3), ("Hợp tác Lao động", 4),
    ("Cung ứng Lao động", 3), ("Dịch vụ Việc làm", 2), ("Đầu tư Phát triển", 4),
    ("Nhân lực Quốc tế", 5), ("Phát triển Nguồn nhân lực", 2),
    ("Đầu tư Thương mại và Dịch vụ Quốc tế", 2), ("Hợp tác Lao động và Thương mại", 2),
)  # fmt: skip
# Words scammers add to a licensed name.
BRAND_WORDS = ("Group", "Land", "Holdings", "Việt", "Quốc tế Việt Nam", "Japan", "Global",
               "Invest", "HR", "Việt Nhật")  # fmt: skip
EXTRA_SYLLABLES = ("Phát", "Xanh", "Mới", "Vàng", "Thịnh", "Hưng", "Lộc", "Star", "Sơn")
# Companies the dialog tests name (they are in the generated list at these positions).
ANCHORS = (
    # (legal form, class, rest of the name, core, short name, status)
    ("Công ty Cổ phần", "cp", "Cung ứng Nhân lực Sông Hồng", ("Sông", "Hồng"), "SONG HONG JSC",
     "active"),
    ("Công ty TNHH", "tnhh", "Xuất khẩu Lao động Tân Minh", ("Tân", "Minh"), "", "active"),
    ("Công ty Cổ phần", "cp", "Nhân lực Việt Phúc", ("Việt", "Phúc"), "VIPHUCO", "active"),
    ("Công ty TNHH MTV", "mtv", "Hợp tác Quốc tế Hoàng Liên", ("Hoàng", "Liên"), "", "revoked"),
    ("Công ty Cổ phần", "cp", "Đầu tư Phát triển Hoàng Liên Sơn", ("Hoàng", "Liên", "Sơn"), "",
     "suspended"),
)  # fmt: skip
LEGAL_WRITTEN = {"cp": "Công ty Cổ phần", "tnhh": "Công ty TNHH", "mtv": "Công ty TNHH MTV"}


@dataclass(frozen=True)
class Company:
    """A generated registry row with what the generator knows: the distinctive words."""

    recruiter: Recruiter
    core: tuple[str, ...]  # with diacritics, e.g. ("Sông", "Hồng")
    legal: str  # class: cp, tnhh, mtv, 2tv, tct
    rest: str  # the name without its legal form


@dataclass(frozen=True)
class Query:
    """A typed query, its kind, and the licence of the company meant ("" for none)."""

    kind: str
    text: str
    expected: str


def _weighted(rng: random.Random, items: Sequence[tuple[object, ...]]) -> tuple[object, ...]:
    return rng.choices(items, weights=[int(str(item[-1])) for item in items])[0]


def _key(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(fold(" ".join(words)).split())


def _core(rng: random.Random) -> tuple[str, ...]:
    roll = rng.random()
    if roll < 0.06:
        return tuple(rng.choice(BRANDS).split())
    if roll < 0.09:
        return (rng.choice(ACRONYMS),)
    if roll < 0.14:
        return (rng.choice(FIRST),)
    first, second = rng.choice(FIRST), rng.choice(SECOND)
    if fold(first) == fold(second):
        return (first,)
    if roll < 0.80:
        return (first, second)
    third = rng.choice(THIRD)
    return (first, second) if fold(third) in (fold(first), fold(second)) else (first, second, third)


def _short(rng: random.Random, core: tuple[str, ...], legal: str) -> str:
    roll = rng.random()
    if roll > 0.35:
        return ""
    suffix = " JSC" if legal == "cp" else " CO., LTD" if legal in ("tnhh", "mtv", "2tv") else ""
    if len(core) >= 2 and roll < 0.15:
        return "".join(w[0] for w in fold(" ".join(core)).split()).upper() + suffix
    if roll < 0.25:
        return "".join(fold(" ".join(core)).split()).upper()
    return " ".join(core).upper() + suffix


def realistic_registry(size: int = REGISTRY_SIZE, seed: int = SEED) -> list[Company]:
    """A deterministic list shaped like DOLAB's: made-up names, fake licence numbers.

    Distinctive parts are unique except for three deliberate pairs (one distinctive name
    registered by two companies, as happens), and some names extend another one
    ("Hoàng Long" and "Hoàng Long Phát"); two names are made only of sector words.
    """
    rng = random.Random(seed)
    cores: list[tuple[str, ...]] = []
    seen: set[tuple[str, ...]] = {_key(anchor[3]) for anchor in ANCHORS}
    while len(cores) < size - 8 - len(ANCHORS):
        core = _core(rng)
        if _key(core) not in seen:
            seen.add(_key(core))
            cores.append(core)
    for base in rng.sample([c for c in cores if len(c) == 2], 3):
        cores.append(base + (rng.choice(THIRD),))  # families: a name and a longer one
    cores += [cores[5], cores[17], cores[29]]  # the same distinctive part twice
    cores += [(), ()]  # names made only of sector words
    companies: list[Company] = []
    short_names: set[str] = {fold(anchor[4]) for anchor in ANCHORS}
    all_sector = ["Đầu tư Quốc tế Việt Nam", "Hợp tác Lao động Quốc tế"]
    for n, core in enumerate(cores, start=1 + len(ANCHORS)):
        form, legal, _ = _weighted(rng, LEGAL)
        if not core:
            rest = all_sector.pop()
        else:
            sector = str(_weighted(rng, SECTORS)[0])
            layout = rng.random()
            if layout < 0.70:
                rest = f"{sector} {' '.join(core)}"
            elif layout < 0.85:
                rest = f"{' '.join(core)} {sector}"
            elif layout < 0.93:
                rest = f"{sector} {' '.join(core)} Việt Nam"
            else:
                rest = " ".join(core)
            if rng.random() < 0.03:
                rest += " Group"
        status_roll = rng.random()
        status = (
            "active" if status_roll < 0.85 else "suspended" if status_roll < 0.93 else "revoked"
        )
        number = 2000 + n
        licence = f"{number}/LĐTBXH-GP" if n % 5 else f"{number}/BNV-GP"
        short = _short(rng, core, str(legal)) if core else ""
        if fold(short) in short_names:
            short = ""  # short names on the list are unique
        short_names.add(fold(short))
        recruiter = Recruiter(
            name=f"{form} {rest}",
            short_name=short,
            licence_number=licence,
            licence_date=dt.date(2016, 1, 1) + dt.timedelta(days=rng.randrange(3500)),
            address=f"Số {n}, phố Thử Nghiệm, phường Giả Lập, Hà Nội (DỮ LIỆU THỬ)",
            status=status,  # type: ignore[arg-type]
            status_date=None if status == "active" else dt.date(2026, 3, 1),
            source=TEST_SOURCE,
            list_date=LIST_DATE,
        )
        companies.append(Company(recruiter, core, str(legal), rest))
    for n, (form, legal, rest, core, short, status) in enumerate(ANCHORS, start=1):
        recruiter = Recruiter(
            name=f"{form} {rest}",
            short_name=short,
            licence_number=f"{2000 + n}/LĐTBXH-GP",
            licence_date=dt.date(2018, n, 10),
            address=f"Số {n}, phố Thử Nghiệm, phường Giả Lập, Hà Nội (DỮ LIỆU THỬ)",
            status=status,  # type: ignore[arg-type]
            status_date=None if status == "active" else dt.date(2026, 3, 1),
            source=TEST_SOURCE,
            list_date=LIST_DATE,
        )
        companies.insert(n - 1, Company(recruiter, core, legal, rest))
    return companies


def write_csv(path: Path, companies: Sequence[Company]) -> None:
    """The registry in the official list's Vietnamese columns (importable)."""
    header = ("STT", "Tên doanh nghiệp", "Tên viết tắt", "Số giấy phép", "Ngày cấp",
              "Địa chỉ trụ sở chính", "Tình trạng", "Ngày", "Nguồn", "Ngày danh sách")  # fmt: skip
    status = {"active": "Đang hoạt động", "suspended": "Tạm đình chỉ", "revoked": "Thu hồi"}

    def day(value: dt.date | None) -> str:
        return f"{value:%d/%m/%Y}" if value else ""

    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for n, company in enumerate(companies, start=1):
            r = company.recruiter
            writer.writerow(
                (n, r.name, r.short_name, r.licence_number, day(r.licence_date), r.address,
                 status[r.status], day(r.status_date), r.source, day(r.list_date))
            )  # fmt: skip


# --- queries ------------------------------------------------------------------------


def _owners(companies: Sequence[Company]) -> dict[tuple[str, ...], list[Company]]:
    owners: dict[tuple[str, ...], list[Company]] = defaultdict(list)
    for company in companies:
        if company.core:
            owners[_key(company.core)].append(company)
    return owners


def true_short_forms(companies: Sequence[Company], seed: int = SEED) -> list[Query]:
    """How workers type a licensed name (only names no other company shares)."""
    rng = random.Random(seed + 1)
    owners = _owners(companies)
    queries: list[Query] = []
    for company in companies:
        r = company.recruiter
        if not company.core or len(owners[_key(company.core)]) > 1:
            continue
        core = " ".join(company.core)
        plain = fold(core)
        licence = r.licence_number
        queries += [
            Query("cty + name, no diacritics", f"cty {plain}", licence),
            Query("name with diacritics", core, licence),
            Query("full registered name", r.name, licence),
            Query("xkld + name", f"xkld {plain}", licence),
            Query("licence number", f"giấy phép số {licence}", licence),
            Query("licence number", f"GP {licence.split('/')[0]}", licence),
        ]
        if company.legal == "cp":
            queries += [
                Query("name + legal form", f"{core} JSC", licence),
                Query("name + legal form", f"CTY CP {plain.upper()}", licence),
            ]
        elif company.legal in ("tnhh", "mtv"):
            queries.append(Query("name + legal form", f"cty tnhh {plain}", licence))
        if r.short_name:
            queries.append(Query("registry short name", r.short_name.lower(), licence))
        words = plain.split()
        if len(words) >= 2:
            queries.append(Query("typed together", "".join(words), licence))
        typo = _typo(rng, words)
        if typo:
            queries.append(Query("typo inside a syllable", f"cty {typo}", licence))
    return queries


def _typo(rng: random.Random, words: list[str]) -> str:
    """One slip inside a Vietnamese syllable that leaves no syllable: a doubled last letter
    or a Telex tone key left in ("hongg", "sonr")."""
    candidates = [i for i, w in enumerate(words) if len(w) >= 3 and is_syllable(w)]
    if not candidates:
        return ""
    i = rng.choice(candidates)
    slip = words[i] + (words[i][-1] if rng.random() < 0.5 else rng.choice("sfrxj"))
    return " ".join([*words[:i], slip, *words[i + 1 :]])


def adversarial_lookalikes(companies: Sequence[Company], seed: int = SEED) -> list[Query]:
    """Scammer names built from licensed ones; none is any licensed company's name."""
    rng = random.Random(seed + 2)
    owners = _owners(companies)
    licensed = set(owners) | {  # the registry's own short names are licensed names too
        tuple(without_legal_forms(tokens(c.recruiter.short_name)))
        for c in companies
        if c.recruiter.short_name
    }
    queries: list[Query] = []

    def add(kind: str, words: Sequence[str], text: str) -> None:
        if _key(words) not in licensed:
            queries.append(Query(kind, text, ""))

    for company in companies:
        core = list(company.core)
        if not core:
            continue
        plain = fold(" ".join(core))
        extra = rng.choice([w for w in EXTRA_SYLLABLES if fold(w) not in plain.split()])
        add("extra syllable", [*core, extra], f"cty {fold(' '.join([*core, extra]))}")
        brand = rng.choice([w for w in BRAND_WORDS if fold(w) not in fold(company.rest)])
        add("brand word added", [*core, *brand.split()], f"Công ty {' '.join(core)} {brand}")
        if len(core) >= 2:
            add("swapped words", core[::-1], f"cty {fold(' '.join(core[::-1]))}")
            drop = rng.randrange(len(core))
            dropped = core[:drop] + core[drop + 1 :]
            add("one word dropped", dropped, f"cty {fold(' '.join(dropped))}")
        if len(owners[_key(core)]) == 1:  # not when another company has this name
            other = {"cp": "tnhh", "tnhh": "cp", "mtv": "cp", "2tv": "cp", "tct": "cp"}
            form = LEGAL_WRITTEN[other[company.legal]]
            queries.append(Query("other legal form", f"{form} {company.rest}", ""))
    return queries


def read_made_up(companies: Sequence[Company] = (), path: Path = MADE_UP) -> list[Query]:
    """Hand-written names of no company ("#" comments), less any a generated list has."""
    licensed = {_key(c.core) for c in companies if c.core}
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [
        Query("made-up name", line, "")
        for line in lines
        if line
        and not line.startswith("#")
        and tuple(without_legal_forms(tokens(line))) not in licensed
    ]


# --- evaluation ----------------------------------------------------------------------

# A checker returns (licence numbers of the ✅ answers, ranked licence numbers, verdict).
Checker = Callable[[str], tuple[list[str], list[str], str]]


def ours(recruiters: Sequence[Recruiter]) -> Checker:
    index = RegistryIndex.build(recruiters)

    def check(text: str) -> tuple[list[str], list[str], str]:
        matches = index.lookup(text)
        verdict = decide(matches)
        ticks = [m.recruiter.licence_number for m in matches if m.certain]
        ranked = [m.recruiter.licence_number for m in matches]
        return (ticks if verdict in ("certain", "choose") else []), ranked, verdict

    return check


def baseline(recruiters: Sequence[Recruiter]) -> Checker:
    """rapidfuzz WRatio over raw names: what one would write in five minutes."""
    names = [r.name for r in recruiters]

    def check(text: str) -> tuple[list[str], list[str], str]:
        hits = process.extract(text, names, scorer=fuzz.WRatio, limit=5)
        ranked = [recruiters[k].licence_number for _, _, k in hits]
        best = hits[0][1] if hits else 0.0
        second = hits[1][1] if len(hits) > 1 else 0.0
        certain = best >= BASELINE_CERTAIN and best - second >= BASELINE_MARGIN
        verdict = "certain" if certain else "lookalike" if best >= 75 else "none"
        return (ranked[:1] if certain else []), ranked, verdict

    return check


@dataclass(frozen=True)
class Result:
    method: str
    false_tick: dict[str, tuple[int, int]]  # kind -> (false ✅, total)
    warned: dict[str, tuple[int, int]]  # kind -> (answered «tên gần giống», total)
    recall: dict[str, tuple[int, int]]  # kind -> (right ✅, total)
    median_ms: float
    p99_ms: float


def evaluate(
    method: str, checker: Checker, positives: Sequence[Query], negatives: Sequence[Query]
) -> Result:
    false_tick: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    warned: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    recall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for q in negatives:
        ticks, _, verdict = checker(q.text)
        false_tick[q.kind][0] += bool(ticks)
        false_tick[q.kind][1] += 1
        warned[q.kind][0] += verdict == "lookalike"
        warned[q.kind][1] += 1
    for q in positives:
        ticks, _, _ = checker(q.text)
        recall[q.kind][0] += ticks == [q.expected]
        recall[q.kind][1] += 1
    timings = []
    for q in [*positives[::7], *negatives[::7]]:
        for _ in range(REPEATS):
            start = time.perf_counter()
            checker(q.text)
            timings.append(time.perf_counter() - start)
    timings.sort()
    return Result(
        method,
        {k: (v[0], v[1]) for k, v in false_tick.items()},
        {k: (v[0], v[1]) for k, v in warned.items()},
        {k: (v[0], v[1]) for k, v in recall.items()},
        statistics.median(timings) * 1000,
        timings[int(0.99 * (len(timings) - 1))] * 1000,
    )


def _rate(pairs: Sequence[tuple[int, int]]) -> str:
    hit, total = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
    return f"{hit}/{total} ({hit / total:.1%})" if total else "-"


def print_results(results: Sequence[Result], size: int) -> None:
    print(f"registry: {size} companies (realistic test names, DỮ LIỆU THỬ)\n")
    kinds = list(results[0].false_tick)
    print("| false ✅ on look-alikes (target 0) | " + " | ".join(r.method for r in results) + " |")
    print("|---|" + "---|" * len(results))
    for kind in kinds:
        print(f"| {kind} | " + " | ".join(_rate([r.false_tick[kind]]) for r in results) + " |")
    print("| **all look-alikes** | " + " | ".join(
        _rate(list(r.false_tick.values())) for r in results) + " |\n")  # fmt: skip
    warned = ", ".join(f"{kind} {_rate([pair])}" for kind, pair in results[0].warned.items())
    print(f"{results[0].method}: look-alikes answered «Có công ty tên gần giống» (the rest "
          f"«Không thấy»): {warned}\n")  # fmt: skip
    print("| recall of true short forms (target >= 95%) | "
          + " | ".join(r.method for r in results) + " |")  # fmt: skip
    print("|---|" + "---|" * len(results))
    for kind in results[0].recall:
        print(f"| {kind} | " + " | ".join(_rate([r.recall[kind]]) for r in results) + " |")
    print("| **all short forms** | " + " | ".join(
        _rate(list(r.recall.values())) for r in results) + " |\n")  # fmt: skip
    for r in results:
        print(f"{r.method}: lookup median {r.median_ms:.3f} ms, p99 {r.p99_ms:.3f} ms")


def details(checker: Checker, positives: Sequence[Query], negatives: Sequence[Query]) -> None:
    for q in negatives:
        ticks, ranked, _ = checker(q.text)
        if ticks:
            print(f"FALSE ✅ [{q.kind}] {q.text!r} -> {ticks}")
    for q in positives:
        ticks, ranked, _ = checker(q.text)
        if ticks != [q.expected]:
            print(f"miss [{q.kind}] {q.text!r}: expected {q.expected}, ✅ {ticks}, {ranked[:3]}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--details", action="store_true", help="print false ✅ and misses")
    parser.add_argument("--write-csv", type=Path, metavar="PATH", help="write the registry")
    parser.add_argument("--seed", type=int, default=SEED, help="another generated registry")
    args = parser.parse_args(argv)
    companies = realistic_registry(seed=args.seed)
    if args.write_csv:
        write_csv(args.write_csv, companies)
        print(f"wrote {len(companies)} companies to {args.write_csv}")
        return 0
    recruiters = [c.recruiter for c in companies]
    positives = true_short_forms(companies, args.seed)
    negatives = [*adversarial_lookalikes(companies, args.seed), *read_made_up(companies)]
    counts = Counter(q.kind for q in negatives)
    print(f"{len(positives)} short forms, {len(negatives)} look-alikes {dict(counts)}")
    results = [
        evaluate("faq.recruiters", ours(recruiters), positives, negatives),
        evaluate("WRatio baseline", baseline(recruiters), positives, negatives),
    ]
    print_results(results, len(recruiters))
    if args.details:
        details(ours(recruiters), positives, negatives)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
