"""FAQ content: YAML topic files loaded into immutable, validated objects.

The answers give legal and financial facts to people about to borrow money
and go abroad, so content is checked strictly before it is served: every
entry needs sources and a review date, placeholders must be known, ids and
questions must be unique. :func:`check_content` reports *all* problems at
once (for editors and CI); :func:`load_content` refuses to load content that
has any.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from faq.normalize import fold

__all__ = [
    "ALLOWED_PLACEHOLDERS",
    "ANSWER_MAX_CHARS",
    "DEFAULT_CONTENT_DIR",
    "FIRST_MESSAGE_MAX_CHARS",
    "MORE_MAX_CHARS",
    "OPTIONAL_PLACEHOLDERS",
    "TITLE_MAX_CHARS",
    "ContentError",
    "Entry",
    "KnowledgeBase",
    "Topic",
    "Translation",
    "check_content",
    "first_message_chars",
    "heading",
    "load_content",
    "parse_content",
    "render_answer",
    "render_text",
]

DEFAULT_CONTENT_DIR = Path(__file__).parent / "content"
# The first message of an answer must fit one screen of a cheap phone: the most
# important fact first, details in ``more`` (shown behind «Xem thêm»).
ANSWER_MAX_CHARS = 600
# That first message is «Về: <question>», a line break and the answer with the
# centre's facts filled in; all of it must fit in this many characters.
FIRST_MESSAGE_MAX_CHARS = 600
# The heading names the question in at most this many characters.
HEADING_CHARS = 70
# Room a centre fact takes in the first message when `faq check` counts it (the
# default name, "Trung tâm Dịch vụ việc làm tỉnh Lào Cai", is 39 characters).
PLACEHOLDER_CHARS: Mapping[str, int] = {
    "centre_name": 45,
    "centre_phone": 14,
    "centre_address": 60,
    "centre_hours": 40,
    "province": 10,
}
# «Xem thêm» is one more message; longer than this and readers give up.
MORE_MAX_CHARS = 1500
# Topic titles are button labels; longer ones get cut on narrow phones.
TITLE_MAX_CHARS = 40
ALLOWED_PLACEHOLDERS: frozenset[str] = frozenset(
    {"centre_name", "centre_phone", "centre_address", "centre_hours", "province"}
)
# Centre facts an operator may leave unset. A line that holds one of them is
# left out of the reply when it is empty, so it must be a line of its own: one
# sentence, one such placeholder, and never the whole text.
OPTIONAL_PLACEHOLDERS: frozenset[str] = frozenset(
    {"centre_phone", "centre_address", "centre_hours"}
)
_ID_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
# A sentence end followed by more text on the same line ("Gọi {centre_phone}. Mang CCCD.").
_SENTENCE_BREAK_RE = re.compile(r"[.!?…]\s+\S")
# A list marker at the start of a line ("• ", "- ", "2. ", "3) ") is not a sentence end.
_LIST_MARKER_RE = re.compile(r"^(?:[•\-–*]|\d{1,2}[.)])\s+")
_TOPIC_KEYS = frozenset({"topic", "title", "order", "entries"})
_ENTRY_KEYS = frozenset(
    {"id", "questions", "answer", "more", "sources", "reviewed", "related", "translations"}
)
_REQUIRED_ENTRY_KEYS = _ENTRY_KEYS - {"related", "more", "translations"}
# A staff-written translation of an entry: checked like the Vietnamese text.
_TRANSLATION_KEYS = frozenset({"answer", "more", "sources", "reviewed"})
_LANGUAGE_RE = re.compile(r"^[a-z]{2,8}$")


@dataclass(frozen=True)
class Translation:
    """An entry's answer written by staff in a worker's language (`language`: a code of
    VOICE_LANGUAGES), shown instead of the Vietnamese text to workers who chose it."""

    language: str
    answer: str
    sources: tuple[str, ...]
    reviewed: dt.date
    more: str = ""


@dataclass(frozen=True)
class Entry:
    """One question/answer pair; ``questions[0]`` is the canonical wording."""

    id: str
    topic: str
    questions: tuple[str, ...]
    answer: str
    sources: tuple[str, ...]
    reviewed: dt.date
    related: tuple[str, ...] = ()
    # Details shown behind «Xem thêm»; ``answer`` is what fits one phone screen.
    more: str = ""
    # Staff-written translations, one per language.
    translations: tuple[Translation, ...] = ()

    def translation(self, language: str | None) -> Translation | None:
        """The entry's written translation into `language`, if staff wrote one."""
        return next((t for t in self.translations if t.language == language), None)


@dataclass(frozen=True)
class Topic:
    """A group of entries shown as one menu button."""

    id: str
    title: str
    order: int
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class KnowledgeBase:
    """All topics, sorted for menus, with entries indexed by id."""

    topics: tuple[Topic, ...]
    entries: Mapping[str, Entry] = field(init=False, repr=False, compare=False)

    def __init__(self, topics: Iterable[Topic]) -> None:
        ordered = tuple(sorted(topics, key=lambda t: (t.order, t.id)))
        object.__setattr__(self, "topics", ordered)
        by_id = {entry.id: entry for topic in ordered for entry in topic.entries}
        object.__setattr__(self, "entries", MappingProxyType(by_id))

    def topic(self, topic_id: str) -> Topic:
        """Return the topic with this id (KeyError if unknown)."""
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)


class ContentError(ValueError):
    """Raised by :func:`load_content`; ``problems`` lists every issue found."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        lines = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} content problem(s):\n{lines}")


def load_content(
    directory: Path = DEFAULT_CONTENT_DIR, today: dt.date | None = None
) -> KnowledgeBase:
    """Load and validate every ``*.yaml`` topic file in ``directory``.

    Raises :class:`ContentError` listing every problem rather than the first,
    so an editor can fix a file in one go.
    """
    kb, problems = parse_content(directory, today)
    if problems:
        raise ContentError(problems)
    return kb


def check_content(directory: Path = DEFAULT_CONTENT_DIR, today: dt.date | None = None) -> list[str]:
    """Return human-readable problems in the content (empty list when valid)."""
    return parse_content(directory, today)[1]


def parse_content(
    directory: Path = DEFAULT_CONTENT_DIR, today: dt.date | None = None
) -> tuple[KnowledgeBase, list[str]]:
    """Return a best-effort knowledge base (valid entries only) and the problems.

    For tools such as the benchmark that must run while content is being
    written; the bot itself should use :func:`load_content`.
    """
    topics, problems = _parse_directory(Path(directory), today or dt.date.today())
    return KnowledgeBase(topics), problems


def render_answer(entry: Entry, centre: Mapping[str, str]) -> str:
    """Fill the centre placeholders of an answer (see :func:`render_text`)."""
    return render_text(entry.answer, centre)


def render_text(text: str, centre: Mapping[str, str]) -> str:
    """Fill the centre placeholders of an answer or its «Xem thêm» part.

    Only the allowed names are replaced (other braces are left alone, the
    checker already rejects them). A missing value raises KeyError because
    sending "{centre_phone}" to a worker is worse than failing loudly in tests.
    A line holding an optional placeholder whose value is empty is left out:
    the checker makes sure such a line is a sentence of its own.
    """

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in ALLOWED_PLACEHOLDERS:
            return match.group(0)
        return str(centre[name])

    kept = [line for line in text.split("\n") if not _has_empty_optional(line, centre)]
    return _PLACEHOLDER_RE.sub(fill, "\n".join(kept))


def _has_empty_optional(line: str, centre: Mapping[str, str]) -> bool:
    """True when the line names an optional centre fact that is set to nothing."""
    return any(
        name in OPTIONAL_PLACEHOLDERS and not str(centre[name]).strip()
        for name in _PLACEHOLDER_RE.findall(line)
    )


def _parse_directory(directory: Path, today: dt.date) -> tuple[list[Topic], list[str]]:
    """Parse all files, then run the checks that span files."""
    problems: list[str] = []
    if not directory.is_dir():
        return [], [f"{directory}: content directory does not exist"]
    files = sorted(directory.glob("*.yaml"))
    if not files:
        return [], [f"{directory}: no *.yaml content files"]
    topics: list[Topic] = []
    for path in files:
        topic, file_problems = _parse_file(path, today)
        problems.extend(file_problems)
        if topic is not None:
            topics.append(topic)
    problems.extend(_cross_file_problems(topics))
    return topics, problems


def _parse_file(path: Path, today: dt.date) -> tuple[Topic | None, list[str]]:
    """Parse one topic file; returns the topic only if its header is usable."""
    name = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return None, [f"{name}: YAML error: {' '.join(str(exc).split())}"]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{name}: cannot read: {exc}"]
    if not isinstance(data, dict):
        return None, [f"{name}: top level must be a mapping with topic, title, order, entries"]
    problems = _topic_header_problems(name, data)
    topic_id: str = data["topic"] if isinstance(data.get("topic"), str) else path.stem
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        problems.append(f"{name}: 'entries' must be a non-empty list")
        raw_entries = []
    entries: list[Entry] = []
    for position, raw in enumerate(raw_entries, start=1):
        entry, entry_problems = _parse_entry(name, position, topic_id, raw, today)
        problems.extend(entry_problems)
        if entry is not None:
            entries.append(entry)
    title: str = data["title"] if isinstance(data.get("title"), str) else topic_id
    order: int = data["order"] if _is_int(data.get("order")) else 0
    return Topic(topic_id, title, order, tuple(entries)), problems


def _topic_header_problems(name: str, data: dict[str, Any]) -> list[str]:
    """Check the topic-level keys of one file."""
    problems = [f"{name}: unknown key '{key}'" for key in sorted(set(data) - _TOPIC_KEYS, key=str)]
    topic_id = data.get("topic")
    if not isinstance(topic_id, str) or not _ID_RE.match(topic_id):
        problems.append(f"{name}: 'topic' must match {_ID_RE.pattern}, got {topic_id!r}")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(f"{name}: 'title' must be a non-empty string")
    elif len(title) > TITLE_MAX_CHARS:
        problems.append(f"{name}: title is {len(title)} characters, max {TITLE_MAX_CHARS}")
    if not _is_int(data.get("order")):
        problems.append(f"{name}: 'order' must be an integer")
    return problems


def _parse_entry(
    name: str, position: int, topic_id: str, raw: Any, today: dt.date
) -> tuple[Entry | None, list[str]]:
    """Validate one entry mapping and build it when its fields have the right types."""
    if not isinstance(raw, dict):
        return None, [f"{name}: entry #{position} must be a mapping"]
    entry_id = raw.get("id")
    label = repr(entry_id) if isinstance(entry_id, str) else f"#{position}"
    where = f"{name}: entry {label}"
    problems = [f"{where}: unknown key '{key}'" for key in sorted(set(raw) - _ENTRY_KEYS, key=str)]
    problems += [f"{where}: missing '{key}'" for key in sorted(_REQUIRED_ENTRY_KEYS - set(raw))]
    if "id" in raw and (not isinstance(entry_id, str) or not _ID_RE.match(entry_id)):
        problems.append(f"{where}: id must match {_ID_RE.pattern}")
    questions = _string_list(raw.get("questions"))
    if "questions" in raw and not questions:
        problems.append(f"{where}: 'questions' must be a non-empty list of non-empty strings")
    sources = _string_list(raw.get("sources"))
    if "sources" in raw and not sources:
        problems.append(f"{where}: 'sources' must be a non-empty list of non-empty strings")
    related = _string_list(raw.get("related", []), allow_empty=True)
    if related is None:
        problems.append(f"{where}: 'related' must be a list of entry ids")
    answer = raw.get("answer")
    problems += _answer_problems(where, answer) if "answer" in raw else []
    more = raw.get("more", "")
    if not isinstance(more, str):
        problems.append(f"{where}: 'more' must be a string")
    else:
        problems += _more_problems(where, more)
    reviewed, date_problem = _reviewed_date(raw.get("reviewed"), today)
    if "reviewed" in raw and date_problem:
        problems.append(f"{where}: {date_problem}")
    translations, translation_problems = _translations(where, raw.get("translations", {}), today)
    problems += translation_problems
    if problems or not isinstance(entry_id, str) or not questions or not sources:
        return None, problems
    assert isinstance(answer, str) and reviewed is not None and related is not None
    assert isinstance(more, str)
    entry = Entry(
        entry_id,
        topic_id,
        questions,
        answer,
        sources,
        reviewed,
        related,
        more.strip(),
        translations,
    )
    for text, what in [(answer, "the answer")] + [
        (t.answer, f"the {t.language!r} translation") for t in translations
    ]:
        length = first_message_chars(entry, text)
        if length > FIRST_MESSAGE_MAX_CHARS:
            problems.append(
                f"{where}: the first message of {what} («Về: …» and the answer, centre facts "
                f"counted at typical length) is {length} characters, max "
                f"{FIRST_MESSAGE_MAX_CHARS}; move details to 'more'"
            )
    return entry, problems


def heading(entry: Entry) -> str:
    """«Về: …»: the question an answer answers, so a reader sees at once if it is theirs."""
    question = entry.questions[0]
    if len(question) > HEADING_CHARS:
        question = question[: HEADING_CHARS - 1].rstrip() + "…"
    return f"Về: {question}"


def first_message_chars(entry: Entry, answer: str | None = None) -> int:
    """Length of the first message of an answer (the entry's own, or a translation's),
    centre facts at PLACEHOLDER_CHARS."""
    text = entry.answer if answer is None else answer
    filled = render_text(text, {name: "x" * n for name, n in PLACEHOLDER_CHARS.items()})
    return len(heading(entry)) + 1 + len(filled)


def _translations(
    where: str, raw: Any, today: dt.date
) -> tuple[tuple[Translation, ...], list[str]]:
    """`translations: {hmn: {answer, more, sources, reviewed}}`, each checked like the
    Vietnamese text (length, placeholders, sources, review date)."""
    if not isinstance(raw, dict):
        return (), [f"{where}: 'translations' must map a language code to a translation"]
    found: list[Translation] = []
    problems: list[str] = []
    for language, item in raw.items():
        at = f"{where}: translation {language!r}"
        if not isinstance(language, str) or not _LANGUAGE_RE.match(language):
            problems.append(f"{at}: the language must be a code of 2 to 8 letters a-z")
            continue
        translation, item_problems = _translation(at, language, item, today)
        problems += item_problems
        if translation is not None:
            found.append(translation)
    return tuple(found), problems


def _translation(
    at: str, language: str, item: Any, today: dt.date
) -> tuple[Translation | None, list[str]]:
    if not isinstance(item, dict):
        return None, [f"{at}: must be a mapping with answer, sources, reviewed"]
    problems = [f"{at}: unknown key '{key}'" for key in sorted(set(item) - _TRANSLATION_KEYS)]
    problems += [
        f"{at}: missing '{key}'" for key in ("answer", "sources", "reviewed") if key not in item
    ]
    answer, more = item.get("answer"), item.get("more", "")
    problems += _answer_problems(at, answer) if "answer" in item else []
    if not isinstance(more, str):
        problems.append(f"{at}: 'more' must be a string")
    else:
        problems += _more_problems(at, more)
    sources = _string_list(item.get("sources"))
    if "sources" in item and not sources:
        problems.append(f"{at}: 'sources' must be a non-empty list of non-empty strings")
    reviewed, date_problem = _reviewed_date(item.get("reviewed"), today)
    if "reviewed" in item and date_problem:
        problems.append(f"{at}: {date_problem}")
    if problems or not isinstance(answer, str) or not sources or reviewed is None:
        return None, problems
    assert isinstance(more, str)
    return Translation(language, answer, sources, reviewed, more.strip()), []


def _answer_problems(where: str, answer: Any) -> list[str]:
    """Check length and placeholders of an answer text."""
    if not isinstance(answer, str) or not answer.strip():
        return [f"{where}: 'answer' must be a non-empty string"]
    problems = []
    if len(answer) > ANSWER_MAX_CHARS:
        problems.append(f"{where}: answer is {len(answer)} characters, max {ANSWER_MAX_CHARS}")
    problems += _placeholder_problems(where, answer)
    return problems + _droppable_line_problems(where, "answer", answer)


def _more_problems(where: str, more: str) -> list[str]:
    """Check length and placeholders of the «Xem thêm» text (empty is fine)."""
    problems = []
    if len(more) > MORE_MAX_CHARS:
        problems.append(f"{where}: more is {len(more)} characters, max {MORE_MAX_CHARS}")
    problems += _placeholder_problems(where, more)
    return problems + _droppable_line_problems(where, "more", more)


def _droppable_line_problems(where: str, field_name: str, text: str) -> list[str]:
    """Lines with an optional placeholder must be removable without losing anything else.

    The renderer leaves such a line out when the centre has not set the value,
    so the line may hold only that one sentence and one optional placeholder,
    and the text must say something without it.
    """
    problems = []
    lines = [line.strip() for line in text.strip().split("\n") if line.strip()]
    optional_lines = 0
    for line in lines:
        names = [n for n in _PLACEHOLDER_RE.findall(line) if n in OPTIONAL_PLACEHOLDERS]
        if not names:
            continue
        optional_lines += 1
        shown = line if len(line) <= 60 else line[:57] + "..."
        if len(names) > 1:
            problems.append(
                f"{where}: {field_name} line {shown!r} holds {len(names)} optional placeholders; "
                "put each on its own line"
            )
        body = _LIST_MARKER_RE.sub("", line).rstrip(".!?… ")
        if _SENTENCE_BREAK_RE.search(body):
            problems.append(
                f"{where}: {field_name} line {shown!r} has more than one sentence; "
                "put the placeholder's sentence on its own line (it is dropped when unset)"
            )
    if lines and optional_lines == len(lines):
        problems.append(
            f"{where}: {field_name} has nothing left when the optional centre facts are unset"
        )
    return problems


def _placeholder_problems(where: str, text: str) -> list[str]:
    """Report placeholders other than the centre's own."""
    problems = []
    unknown = sorted(set(_PLACEHOLDER_RE.findall(text)) - ALLOWED_PLACEHOLDERS)
    if unknown:
        names = ", ".join("{" + u + "}" for u in unknown)
        allowed = ", ".join("{" + a + "}" for a in sorted(ALLOWED_PLACEHOLDERS))
        problems.append(f"{where}: unknown placeholder(s) {names}; allowed: {allowed}")
    return problems


def _reviewed_date(value: Any, today: dt.date) -> tuple[dt.date | None, str]:
    """Accept a YAML date or an ISO string; reject future dates."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            return None, f"'reviewed' is not a YYYY-MM-DD date: {value!r}"
    if not isinstance(value, dt.date):
        return None, f"'reviewed' must be a YYYY-MM-DD date, got {value!r}"
    if value > today:
        return None, f"'reviewed' date {value.isoformat()} is in the future"
    return value, ""


def _cross_file_problems(topics: list[Topic]) -> list[str]:
    """Checks that need every entry: duplicate ids/questions, dangling related ids."""
    problems: list[str] = []
    topic_seen: set[str] = set()
    for topic in topics:
        if topic.id in topic_seen:
            problems.append(f"duplicate topic id '{topic.id}'")
        topic_seen.add(topic.id)
    owner: dict[str, str] = {}
    question_owner: dict[str, str] = {}
    for topic in topics:
        for entry in topic.entries:
            if entry.id in owner:
                problems.append(
                    f"duplicate entry id '{entry.id}' (topics {owner[entry.id]}, {topic.id})"
                )
            owner.setdefault(entry.id, topic.id)
            problems += _duplicate_questions(entry, question_owner)
    for topic in topics:
        for entry in topic.entries:
            problems += [
                f"entry '{entry.id}': related id '{rel}' does not exist"
                for rel in entry.related
                if rel not in owner
            ]
            if entry.id in entry.related:
                problems.append(f"entry '{entry.id}': lists itself as related")
    return problems


def _duplicate_questions(entry: Entry, question_owner: dict[str, str]) -> list[str]:
    """Report questions that fold to one already used (the matcher could not tell them apart)."""
    problems = []
    for question in entry.questions:
        key = fold(question)
        previous = question_owner.get(key)
        if previous is not None:
            problems.append(
                f"entry '{entry.id}': question {question!r} duplicates one of entry '{previous}'"
            )
        else:
            question_owner[key] = entry.id
    return problems


def _string_list(value: Any, allow_empty: bool = False) -> tuple[str, ...] | None:
    """Return the value as a tuple of stripped strings, or None if it is not one."""
    if not isinstance(value, list):
        return None
    if not value and not allow_empty:
        return None
    if not all(isinstance(item, str) and item.strip() for item in value):
        return None
    return tuple(item.strip() for item in value)


def _is_int(value: Any) -> bool:
    """True for real integers (YAML booleans are ints in Python; reject them)."""
    return isinstance(value, int) and not isinstance(value, bool)
