"""The loaded knowledge base, lexicon and index, swapped as a whole on reload.

Built once at start; `reload()` re-reads the YAML files and replaces all three only
when the new content and lexicon are valid, so a typo in an edited file never takes
the FAQ down.
"""

from __future__ import annotations

import logging
from pathlib import Path

from faq.content import DEFAULT_CONTENT_DIR, KnowledgeBase, load_content
from faq.lexicon import DEFAULT_LEXICON, Lexicon, load_lexicon
from faq.matcher import FaqIndex

log = logging.getLogger(__name__)


class FaqService:
    def __init__(
        self, directory: Path = DEFAULT_CONTENT_DIR, lexicon_path: Path = DEFAULT_LEXICON
    ) -> None:
        self.directory = directory
        self.lexicon_path = lexicon_path
        self.kb: KnowledgeBase
        self.lexicon: Lexicon
        self.index: FaqIndex
        self.reload()

    def reload(self) -> int:
        """Re-read content and lexicon; keeps the old ones and raises if either is invalid."""
        kb = load_content(self.directory)
        lexicon = load_lexicon(self.lexicon_path)
        index = FaqIndex.build(kb, lexicon)
        self.kb, self.lexicon, self.index = kb, lexicon, index
        log.info(
            "FAQ loaded: %d entries from %s, %d lexicon phrases",
            len(kb.entries),
            self.directory,
            len(lexicon.rewrites),
        )
        return len(kb.entries)
