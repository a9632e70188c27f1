"""Edits staff make to the FAQ content from the dashboard: a new way of asking an
entry's question, or a draft entry started from a question workers asked.

The content files are written by hand too, so an edit changes only the lines it must:
a new question is one line inserted after the entry's last question, everything else
(comments, quoting, blank lines) stays byte for byte. Before a file is replaced the
edit is checked twice: the edited file must load to exactly the old data plus the one
question, and the whole content directory with the edited file must pass
`check_content` (what `python -m bot faq check` runs). The file is then replaced
atomically (a temporary file in the same directory, fsynced, renamed), under an
exclusive lock on the directory, so two editors (threads or processes) never
interleave and a crash leaves the old file or the new one, never half of one.

Drafts go to `drafts/<topic>.yaml` beside the topic files. The loader reads only the
directory's own `*.yaml`, so a draft never reaches a worker and never makes `faq check`
fail; staff finish a draft (answer, sources, review date), move it into its topic file
and run `python -m bot faq check` and `faq reload` (or `/faqreload`).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from faq.content import check_content
from faq.normalize import fold, normalize

__all__ = [
    "DRAFTS",
    "QUESTION_MAX_CHARS",
    "Draft",
    "EditRefused",
    "Placed",
    "add_question",
    "drafts",
    "start_draft",
]

DRAFTS = "drafts"
QUESTION_MAX_CHARS = 200
_NEW_ID = re.compile(r"^new_(\d+)$")
_ITEM = re.compile(r"^(\s*)-(\s|$)")


class EditRefused(ValueError):
    """The edit was not made; the message says why, in Vietnamese, for staff."""


@dataclass(frozen=True)
class Placed:
    """Where a question now is: its file, and whether this call added it."""

    path: Path
    added: bool


@dataclass(frozen=True)
class Draft:
    id: str
    topic: str
    question: str
    path: Path


def add_question(directory: Path, entry_id: str, question: str) -> Placed:
    """Add `question` to the entry's questions in its topic file.

    Adding a question the entry already has is not an error (a retried click adds it
    once): `added` is False. A question another entry has is refused.
    """
    question = _one_line(question)
    with _locked(directory):
        files = _load_files(directory)
        owner = _question_owner(files, question)
        found = _entry_file(files, entry_id)
        if found is None:
            raise EditRefused(f"Không có mục «{entry_id}» trong nội dung hỏi đáp.")
        path, data, text = found
        if owner == entry_id:
            return Placed(path, False)
        if owner is not None:
            raise EditRefused(f"Câu hỏi này đã có trong mục «{owner}».")
        edited = _insert_question(text, entry_id, question)
        _expect(edited, _with_question(data, entry_id, question))
        _check_directory(directory, path, edited)
        _replace(path, edited)
        return Placed(path, True)


def start_draft(directory: Path, topic_id: str, question: str, note: str) -> Draft:
    """Append a draft entry holding `question` to `drafts/<topic>.yaml`."""
    question = _one_line(question)
    with _locked(directory):
        files = _load_files(directory)
        if not any(data.get("topic") == topic_id for _, data, _ in files):
            raise EditRefused(f"Không có chủ đề «{topic_id}».")
        owner = _question_owner(files, question)
        if owner is not None:
            raise EditRefused(f"Câu hỏi này đã có trong mục «{owner}».")
        folder = directory / DRAFTS
        folder.mkdir(exist_ok=True)
        path = folder / f"{topic_id}.yaml"
        existing = path.read_text(encoding="utf-8") if path.exists() else _draft_header(topic_id)
        taken = [d.id for d in drafts(directory)] + [
            str(entry.get("id")) for _, data, _ in files for entry in _entries(data)
        ]
        draft_id = f"new_{1 + max((_number(i) for i in taken), default=0)}"
        block = _draft_block(draft_id, question, note)
        edited = existing + ("" if existing.endswith("\n") else "\n") + block
        before = yaml.safe_load(existing) or {}
        after = yaml.safe_load(edited)
        if _entries(after)[:-1] != _entries(before) or _entries(after)[-1]["id"] != draft_id:
            raise EditRefused(f"Tệp nháp {path.name} có dạng lạ; hãy sửa tay.")
        _replace(path, edited)
        return Draft(draft_id, topic_id, question, path)


def drafts(directory: Path) -> list[Draft]:
    """The draft entries waiting in `drafts/` (unreadable files are skipped)."""
    found: list[Draft] = []
    for path in sorted((directory / DRAFTS).glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if not isinstance(data, dict):
            continue
        for entry in _entries(data):
            questions = entry.get("questions") or [""]
            found.append(
                Draft(str(entry.get("id")), str(data.get("topic")), str(questions[0]), path)
            )
    return found


# --- reading ------------------------------------------------------------------------
def _load_files(directory: Path) -> list[tuple[Path, dict[str, Any], str]]:
    files = []
    for path in sorted(directory.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            raise EditRefused(f"Tệp {path.name} đang có lỗi; hãy sửa tay trước.") from None
        if isinstance(data, dict):
            files.append((path, data, text))
    return files


def _entries(data: Any) -> list[dict[str, Any]]:
    entries = data.get("entries") if isinstance(data, dict) else None
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _entry_file(
    files: list[tuple[Path, dict[str, Any], str]], entry_id: str
) -> tuple[Path, dict[str, Any], str] | None:
    for path, data, text in files:
        if any(entry.get("id") == entry_id for entry in _entries(data)):
            return path, data, text
    return None


def _question_owner(files: list[tuple[Path, dict[str, Any], str]], question: str) -> str | None:
    """The entry that already has this question, as the matcher reads it (so "Vay có
    cần thế chấp không?" and "vay co can the chap khong" are one question)."""
    key = _same(question)
    for _, data, _ in files:
        for entry in _entries(data):
            questions = entry.get("questions")
            if isinstance(questions, list) and any(
                isinstance(q, str) and _same(q) == key for q in questions
            ):
                return str(entry.get("id"))
    return None


def _same(question: str) -> str:
    return normalize(question) or fold(question)


def _number(entry_id: str) -> int:
    match = _NEW_ID.match(entry_id)
    return int(match.group(1)) if match else 0


def _one_line(question: str) -> str:
    question = " ".join(question.split())
    if not question or len(question) > QUESTION_MAX_CHARS:
        raise EditRefused(f"Câu hỏi phải có từ 1 đến {QUESTION_MAX_CHARS} ký tự.")
    return question


# --- the edit -------------------------------------------------------------------------
def _insert_question(text: str, entry_id: str, question: str) -> str:
    """The file's text with one more question line in the entry's `questions` list."""
    lines = text.splitlines(keepends=True)
    start = _entry_start(lines, entry_id)
    end = _entry_end(lines, start)
    key = next((n for n in range(start, end) if re.match(r"^\s*(-\s+)?questions:", lines[n])), None)
    if key is None:
        raise EditRefused(f"Mục «{entry_id}» không có danh sách câu hỏi.")
    quoted = json.dumps(question, ensure_ascii=False)  # a JSON string is a YAML string
    rest = lines[key].split("questions:", 1)[1].strip()
    if rest.startswith("["):
        return _insert_flow(lines, key, rest, quoted)
    if rest and not rest.startswith("#"):
        raise EditRefused(f"Danh sách câu hỏi của mục «{entry_id}» có dạng lạ; hãy sửa tay.")
    last, indent = _last_item(lines, key, end)
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    lines.insert(last + 1, f"{' ' * indent}- {quoted}\n")
    return "".join(lines)


def _insert_flow(lines: list[str], key: int, rest: str, quoted: str) -> str:
    """`questions: ["a", "b"]` on one line → the same with the question appended."""
    line = lines[key].rstrip("\n")
    if not rest.endswith("]") or "#" in rest:
        raise EditRefused("Danh sách câu hỏi có dạng lạ; hãy sửa tay.")
    head = line[: line.rindex("]")].rstrip()
    separator = "" if head.endswith("[") else ", "
    lines[key] = f"{head}{separator}{quoted}]" + ("\n" if lines[key].endswith("\n") else "")
    return "".join(lines)


def _entry_start(lines: list[str], entry_id: str) -> int:
    pattern = re.compile(rf"^\s*-\s+id:\s*(['\"]?){re.escape(entry_id)}\1\s*(#.*)?$")
    for number, line in enumerate(lines):
        if pattern.match(line.rstrip("\n")):
            return number
    raise EditRefused(f"Không tìm thấy dòng «id: {entry_id}»; hãy sửa tay.")


def _entry_end(lines: list[str], start: int) -> int:
    """The line after the entry: the next line indented no deeper than its dash."""
    dash = len(lines[start]) - len(lines[start].lstrip())
    for number in range(start + 1, len(lines)):
        stripped = lines[number].strip()
        if stripped and not stripped.startswith("#"):
            if len(lines[number]) - len(lines[number].lstrip()) <= dash:
                return number
    return len(lines)


def _last_item(lines: list[str], key: int, end: int) -> tuple[int, int]:
    """The last line of the block list after `questions:`, and its items' indent."""
    key_indent = len(lines[key]) - len(lines[key].lstrip(" -"))
    indent: int | None = None
    last = key
    for number in range(key + 1, end):
        line = lines[number]
        if not line.strip() or line.strip().startswith("#"):
            continue
        here = len(line) - len(line.lstrip())
        item = _ITEM.match(line)
        if indent is None:
            if item is None or here < key_indent:
                break
            indent = here
        elif not ((item and here == indent) or here > indent):
            break
        last = number
    if indent is None:
        raise EditRefused("Danh sách câu hỏi đang trống hoặc có dạng lạ; hãy sửa tay.")
    return last, indent


def _with_question(data: dict[str, Any], entry_id: str, question: str) -> dict[str, Any]:
    expected = json.loads(json.dumps(data, default=str))
    for entry in _entries(expected):
        if entry.get("id") == entry_id:
            entry["questions"] = [*entry["questions"], question]
    return expected


def _expect(edited: str, expected: dict[str, Any]) -> None:
    """The edited text must load to exactly the expected data."""
    try:
        loaded = json.loads(json.dumps(yaml.safe_load(edited), default=str))
    except yaml.YAMLError:
        loaded = None
    if loaded != expected:
        raise EditRefused("Không sửa được tệp nội dung một cách an toàn; hãy sửa tay.")


def _check_directory(directory: Path, path: Path, edited: str) -> None:
    """The whole content, with the edited file, must pass `faq check`."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch)
        for source in directory.glob("*.yaml"):
            shutil.copyfile(source, copy / source.name)
        (copy / path.name).write_text(edited, encoding="utf-8")
        problems = check_content(copy)
    if problems:
        raise EditRefused("Nội dung sau khi sửa không hợp lệ: " + "; ".join(problems[:3]))


# --- writing ------------------------------------------------------------------------
@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock on the content directory, for threads and processes alike."""
    handle = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _replace(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, keeping the file's permissions."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        else:
            os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _draft_header(topic_id: str) -> str:
    return (
        f"# Draft FAQ entries for topic {topic_id!r}, started on the staff dashboard from\n"
        "# questions workers asked. Drafts are never served. To publish one: write its\n"
        "# answer (and `more`), sources and the review date, give it a real id, move it into\n"
        f"# the topic's file (../*.yaml with `topic: {topic_id}`), delete it here, then run\n"
        "# `python -m bot faq check` and `python -m bot faq reload` (or /faqreload).\n"
        f"topic: {topic_id}\n"
        "entries:\n"
    )


def _draft_block(draft_id: str, question: str, note: str) -> str:
    return (
        f"  - id: {draft_id}\n"
        f"    # {' '.join(note.split())}\n"
        "    questions:\n"
        f"      - {json.dumps(question, ensure_ascii=False)}\n"
        '    answer: ""\n'
        "    sources: []\n"
        f"    reviewed: null  # set to the day the answer is checked, e.g. {dt.date.today()}\n"
    )
