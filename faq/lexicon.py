"""The domain lexicon: words workers use for the same thing, kept as editable data.

Workers say "cọc", "đặt cọc", "tiền đảm bảo" where the law and the answers say
"ký quỹ"; "không đi nữa" where an answer says "rút hồ sơ"; "sổ đỏ" for
"tài sản bảo đảm". `faq/data/lexicon.yaml` lists such groups; the matcher
rewrites every variant to its group's canonical phrase in the content and in
the message alike, so both meet in one vocabulary. Groups may name a market
(country) or a stage of the worker's journey (before the contract, ran away,
back home early…), which the matcher uses as context: an answer about
another country or another stage than the story's is ranked lower.

The file is content: centre staff edit it, `python -m bot faq check` validates
it (:func:`check_lexicon`), and a reload picks it up with the FAQ.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from faq.normalize import PhraseTable, phrase_table, rewrite_phrases, tokens

__all__ = [
    "DEFAULT_LEXICON",
    "MARKETS",
    "SCHEMES",
    "STAGES",
    "Lexicon",
    "LexiconError",
    "check_lexicon",
    "concept",
    "load_lexicon",
    "parse_lexicon",
]

DEFAULT_LEXICON = Path(__file__).parent / "data" / "lexicon.yaml"
# Country keys a group may carry (see the file's header).
MARKETS: frozenset[str] = frozenset(
    {"kr", "jp", "tw", "my", "au", "de", "me", "eu", "sg", "cn", "kh", "la", "th", "ru"}
)
# Stages of a worker's journey a group may carry.
STAGES: frozenset[str] = frozenset(
    {"before_contract", "waiting", "ran_away", "returned_early", "returned_on_time"}
)
# Schemes (programmes within a market) a group may carry.
SCHEMES: frozenset[str] = frozenset({"seasonal", "fishing", "domestic", "study"})
# A longer "phrase" is a sentence: it would rarely match and is a sign of a mistake.
MAX_PHRASE_WORDS = 10
_TOP_KEYS = frozenset({"groups", "keep"})
_GROUP_KEYS = frozenset({"canonical", "variants", "market", "stage", "scheme", "note"})


@dataclass(frozen=True)
class Lexicon:
    """Phrase rewrites (variant → canonical phrase) and the context tags of canonical phrases.

    A canonical phrase of several words becomes one *concept* token
    ("thực tập sinh" → ``thuc_tap_sinh``), so a concept weighs as one word
    whatever the number of its syllables, and "tts", "tu nghiệp sinh" and
    "thực tập sinh" are the same feature. A canonical phrase that contains
    another group's phrase stays composed of it ("chờ xuất cảnh" → ``cho``
    ``xuat_canh``), so it still meets "xuất cảnh". Tags are "market:<key>"
    and "stage:<key>".
    """

    rewrites: Mapping[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    tags: Mapping[tuple[str, ...], frozenset[str]] = field(default_factory=dict)
    _table: PhraseTable = field(default_factory=dict, repr=False, compare=False)
    _tags: Mapping[tuple[str, ...], frozenset[str]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def build(
        cls,
        rewrites: Mapping[tuple[str, ...], tuple[str, ...]],
        tags: Mapping[tuple[str, ...], frozenset[str]],
        keep: Iterable[tuple[str, ...]] = (),
    ) -> Lexicon:
        """Index the rewrites once; lookups only read the table."""
        tokens_of = {c: _tokens_of(c, rewrites) for c in set(rewrites.values())}
        table = {phrase: tokens_of[c] for phrase, c in rewrites.items()}
        table.update({phrase: phrase for phrase in keep})
        by_tokens = {tokens_of[c]: names for c, names in tags.items() if c in tokens_of}
        return cls(dict(rewrites), dict(tags), phrase_table(table), by_tokens)

    def canonical(self, words: Sequence[str]) -> tuple[list[str], frozenset[str]]:
        """Rewrite normalised words to concept tokens; also the context tags they carry."""
        out, used = rewrite_phrases(words, self._table)
        return out, frozenset(tag for r in used for tag in self._tags.get(r, ()))

    @property
    def concept_tags(self) -> Mapping[str, frozenset[str]]:
        """The tags of each one-token concept ("eps" and "han_quoc" both name Korea)."""
        return {tokens[0]: tags for tokens, tags in self._tags.items() if len(tokens) == 1}

    @property
    def syllables(self) -> frozenset[str]:
        """Every word of every phrase (typo correction knows them)."""
        return frozenset(w for phrase in self.rewrites for w in phrase)


def concept(phrase: Sequence[str]) -> str:
    """The one token standing for a canonical phrase."""
    return "_".join(phrase)


def _tokens_of(
    canonical: tuple[str, ...], rewrites: Mapping[tuple[str, ...], tuple[str, ...]]
) -> tuple[str, ...]:
    """What a canonical phrase becomes: one concept, or the concepts of other groups in it."""
    others = {
        phrase: (concept(target),)
        for phrase, target in rewrites.items()
        if target != canonical and len(phrase) < len(canonical)
    }
    inner, used = rewrite_phrases(canonical, phrase_table(others))
    return tuple(inner) if used else (concept(canonical),)


class LexiconError(ValueError):
    """Raised by :func:`load_lexicon`; ``problems`` lists every issue found."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        lines = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} lexicon problem(s):\n{lines}")


def load_lexicon(path: Path = DEFAULT_LEXICON) -> Lexicon:
    """Load and validate the lexicon; raises :class:`LexiconError` listing every problem."""
    lexicon, problems = parse_lexicon(path)
    if problems:
        raise LexiconError(problems)
    return lexicon


def check_lexicon(path: Path = DEFAULT_LEXICON) -> list[str]:
    """Human-readable problems of the lexicon file (empty when valid)."""
    return parse_lexicon(path)[1]


def parse_lexicon(path: Path = DEFAULT_LEXICON) -> tuple[Lexicon, list[str]]:
    """Best-effort lexicon (valid groups only) and the problems found."""
    name = Path(path).name
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return Lexicon(), [f"{name}: YAML error: {' '.join(str(exc).split())}"]
    except (OSError, UnicodeDecodeError) as exc:
        return Lexicon(), [f"{name}: cannot read: {exc}"]
    if not isinstance(data, dict):
        return Lexicon(), [f"{name}: top level must be a mapping with 'groups' (and 'keep')"]
    problems = [f"{name}: unknown key '{k}'" for k in sorted(set(data) - _TOP_KEYS, key=str)]
    rewrites: dict[tuple[str, ...], tuple[str, ...]] = {}
    owner: dict[tuple[str, ...], str] = {}
    tags: dict[tuple[str, ...], frozenset[str]] = {}
    kept: list[tuple[str, ...]] = []
    keep = data.get("keep", [])
    if not isinstance(keep, list):
        problems.append(f"{name}: 'keep' must be a list of phrases")
        keep = []
    for position, phrase in enumerate(keep, start=1):
        words, problem = _phrase(phrase)
        if problem:
            problems.append(f"{name}: keep #{position}: {problem}")
            continue
        kept.append(words)
        owner[words] = "keep"
    groups = data.get("groups")
    if not isinstance(groups, list) or not groups:
        problems.append(f"{name}: 'groups' must be a non-empty list")
        groups = []
    for position, raw in enumerate(groups, start=1):
        problems += _add_group(name, position, raw, rewrites, owner, tags)
    return Lexicon.build(rewrites, tags, kept), problems


def _add_group(
    name: str,
    position: int,
    raw: Any,
    rewrites: dict[tuple[str, ...], tuple[str, ...]],
    owner: dict[tuple[str, ...], str],
    tags: dict[tuple[str, ...], frozenset[str]],
) -> list[str]:
    """Validate one group and add its rewrites; problems name the group and phrase."""
    if not isinstance(raw, dict):
        return [f"{name}: group #{position} must be a mapping"]
    label = raw.get("canonical") if isinstance(raw.get("canonical"), str) else f"#{position}"
    where = f"{name}: group {label!r}"
    problems = [f"{where}: unknown key '{k}'" for k in sorted(set(raw) - _GROUP_KEYS, key=str)]
    canonical, problem = _phrase(raw.get("canonical"))
    if problem:
        return [*problems, f"{where}: canonical: {problem}"]
    variants = raw.get("variants")
    if not isinstance(variants, list) or not variants:
        return [*problems, f"{where}: 'variants' must be a non-empty list of phrases"]
    group_tags: set[str] = set()
    for key, allowed in (("market", MARKETS), ("stage", STAGES), ("scheme", SCHEMES)):
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or value not in allowed:
            problems.append(f"{where}: {key} must be one of {', '.join(sorted(allowed))}")
        else:
            group_tags.add(f"{key}:{value}")
    phrases = [(canonical, str(raw.get("canonical")))]
    for variant in variants:
        words, problem = _phrase(variant)
        if problem:
            problems.append(f"{where}: variant {variant!r}: {problem}")
        else:
            phrases.append((words, str(variant)))
    for words, typed in phrases:
        previous = owner.get(words)
        if previous is not None and previous != label:
            problems.append(
                f"{where}: {typed!r} is already in "
                + ("the keep list" if previous == "keep" else f"group {previous!r}")
            )
            continue
        owner[words] = str(label)
        rewrites[words] = canonical
    if group_tags:
        tags[canonical] = frozenset(group_tags)
    return problems


def _phrase(value: Any) -> tuple[tuple[str, ...], str]:
    """The normalised words of a phrase, or a problem."""
    if not isinstance(value, str) or not value.strip():
        return (), "must be a non-empty text"
    words = tuple(tokens(value))
    if not words:
        return (), f"{value!r} has no letters or digits"
    if len(words) > MAX_PHRASE_WORDS:
        return (), f"{value!r} is longer than {MAX_PHRASE_WORDS} words"
    return words, ""
