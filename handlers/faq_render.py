"""FAQ entries as a cheap phone shows them: the answer first, details and sources on request.

* the first message is the entry's `answer`, headed by the question it answers
  («Về: …») so a reader sees at once whether it is their question;
* the entry's `more` text is behind «Xem thêm», its sources and review date
  behind «Nguồn», instead of long inline paragraphs;
* a centre fact that is not configured (phone, address) is left out of the
  sentence instead of showing an empty gap or a placeholder: a parenthesis or
  a comma-separated part that holds it goes, otherwise the whole sentence,
  and a line left empty goes too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from faq.content import ALLOWED_PLACEHOLDERS, Entry, heading, render_text
from settings import Settings

__all__ = ["answer_text", "fill_centre", "heading", "more_text", "sources_text"]

_PLACEHOLDER_RE = re.compile(r"\{(" + "|".join(sorted(ALLOWED_PLACEHOLDERS)) + r")\}")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])\s+")
_BARE_LINE_RE = re.compile(r"^[\s•\-–*:;,.]*$")


def answer_text(entry: Entry, settings: Settings) -> str:
    """The first message of an answer: «Về: question» and the answer."""
    return f"{heading(entry)}\n{fill_centre(entry.answer, settings.centre_facts())}"


def more_text(entry: Entry, settings: Settings) -> str:
    """The «Xem thêm» message (the answer again when the entry has no details)."""
    body = entry.more or entry.answer
    return f"{heading(entry)}\n{fill_centre(body, settings.centre_facts())}"


def sources_text(entry: Entry) -> str:
    """The «Nguồn» message: where the answer comes from and when it was checked."""
    lines = [f"📚 Nguồn của câu «{entry.questions[0]}»:"]
    lines += [f"• {source}" for source in entry.sources]
    lines.append(f"Nội dung được kiểm tra ngày {entry.reviewed:%d/%m/%Y}.")
    return "\n".join(lines)


def fill_centre(text: str, facts: Mapping[str, str]) -> str:
    """Fill the centre placeholders, leaving out the words around an empty one."""
    empty = {name for name in ALLOWED_PLACEHOLDERS if not str(facts.get(name, "")).strip()}
    if empty:
        lines = (_without_empty(line, empty) for line in text.split("\n"))
        text = "\n".join(line for line in lines if line is not None)
    return render_text(text, {name: str(facts.get(name, "")) for name in ALLOWED_PLACEHOLDERS})


def _without_empty(line: str, empty: set[str]) -> str | None:
    """The line without the parts that hold an empty placeholder; None if nothing is left."""
    if not _mentions(line, empty):
        return line
    names = "|".join(sorted(empty))
    line = re.sub(r"\s*\([^()]*\{(?:" + names + r")\}[^()]*\)", "", line)
    sentences = []
    for sentence in _SENTENCE_END_RE.split(line):
        if not _mentions(sentence, empty):
            sentences.append(sentence)
            continue
        parts = sentence.split(", ")
        if _mentions(parts[0], empty):
            continue  # the sentence is about the missing fact: leave it out
        kept = [part for part in parts if not _mentions(part, empty)]
        shortened = ", ".join(kept).rstrip(" ,;:")
        ending = sentence.rstrip()[-1:] if sentence.rstrip()[-1:] in ".!?…" else ""
        sentences.append(shortened + ending if not shortened.endswith(ending) else shortened)
    result = " ".join(sentences)
    return None if _BARE_LINE_RE.match(result) else result


def _mentions(text: str, names: set[str]) -> bool:
    return any(match.group(1) in names for match in _PLACEHOLDER_RE.finditer(text))
