"""Summarise py-spy's collapsed stacks (``--format raw``): where the samples went.

    python -m bench.profile FILE [--top 40] [--only PREFIX]

Prints, per function, the share of samples in which it is on the stack (inclusive) and
at the top (self), for the busiest threads' non-idle samples.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--only", default="", help="only frames whose file contains this")
    args = parser.parse_args()
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in args.file.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        threads[frames[0]] += n
        total += n
        names = [f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].split("/")[-1] + ")"
                 if " (" in f else f for f in frames[1:]]  # fmt: skip
        for name in set(names):
            if args.only in name:
                inclusive[name] += n
        if names and args.only in names[-1]:
            self_time[names[-1]] += n
    print(f"{total} samples; threads: " + ", ".join(f"{t} {n}" for t, n in threads.most_common(5)))
    print(f"\n{'incl %':>7} {'self %':>7}  function")
    for name, n in inclusive.most_common(args.top):
        print(f"{100 * n / total:7.1f} {100 * self_time[name] / total:7.1f}  {name}")
    print(f"\nself time, top {args.top}:")
    for name, n in self_time.most_common(args.top):
        print(f"{100 * n / total:7.1f}  {name}")


if __name__ == "__main__":
    main()
