"""`python -m bot ask`, `python -m bot faq check`, `faq reload`, `faq misses --export FILE`."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import TextIO

from faq import intents
from faq.content import DEFAULT_CONTENT_DIR, check_content
from faq.content_edit import DRAFTS, drafts
from faq.lexicon import DEFAULT_LEXICON, check_lexicon
from faq.service import FaqService
from handlers.faq_flow import respond
from settings import Settings


def ask(settings: Settings, source: TextIO, sink: TextIO) -> int:
    """One question per input line → one JSON object per output line.

    `answer` is exactly the text the worker sees first (the replies joined by a blank
    line: one answer, or two when the message asked two questions; «Xem thêm» and
    «Nguồn» stay behind their buttons). `faq_ids` lists every entry answered.
    """
    faq = FaqService()
    for line in source:
        question = line.strip()
        if not question:
            continue
        outcome = respond(faq, settings, question)
        record = {
            "question": question,
            "answer": "\n\n".join(reply.text for reply in outcome.replies),
            "faq_id": outcome.entry_id if outcome.kind == "answer" else None,
            "faq_ids": list(outcome.answered),
            "kind": outcome.kind,
            "score": outcome.score,
        }
        sink.write(json.dumps(record, ensure_ascii=False) + "\n")
        sink.flush()
    return 0


def check(directory: Path = DEFAULT_CONTENT_DIR, lexicon: Path = DEFAULT_LEXICON) -> int:
    """Validate the content and the matcher's lexicon; non-zero when either has problems."""
    problems = check_content(directory) + check_lexicon(lexicon)
    try:
        intents.load_intents()
    except intents.IntentRulesError as error:
        problems += [f"intents: {problem}" for problem in error.problems]
    for problem in problems:
        print(problem)
    entries = 0 if problems else len(FaqService(directory, lexicon).kb.entries)
    print(f"{len(problems)} problem(s); {entries} entries in {directory}; lexicon {lexicon}")
    waiting = drafts(directory)
    if waiting:
        names = ", ".join(f"{d.id} ({d.topic})" for d in waiting[:10])
        print(f"{len(waiting)} draft(s) in {directory / DRAFTS}, not served: {names}")
    return 1 if problems else 0


def reload(settings: Settings, directory: Path = DEFAULT_CONTENT_DIR) -> int:
    """Check the content and lexicon, then ask the running server to load them (SIGHUP)."""
    if check(directory) != 0:
        print("Not reloaded: fix the problems above first.")
        return 1
    pid_file = Path(settings.pid_file)
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        print(f"No running server found ({pid_file}); the content loads at the next start.")
        return 0
    print(f"Asked the server (pid {pid}) to reload the FAQ.")
    return 0


def misses(settings: Settings, export: Path | None, days: int) -> int:
    """Write the questions the FAQ could not answer to a CSV or XLSX file for review."""
    if export is None:
        print("Give the file to write: python -m bot faq misses --export misses.xlsx")
        return 2
    from bot.miss_export import export as write

    return write(settings, export, days)
