"""The loaded knowledge base and its index, swapped as a whole on reload.

Built once at start; `reload()` re-reads the YAML files and replaces both only when
the new content is valid, so a typo in an edited file never takes the FAQ down.
"""

from __future__ import annotations

import logging
from pathlib import Path

from faq.content import DEFAULT_CONTENT_DIR, KnowledgeBase, load_content
from faq.matcher import FaqIndex

log = logging.getLogger(__name__)


class FaqService:
    def __init__(self, directory: Path = DEFAULT_CONTENT_DIR) -> None:
        self.directory = directory
        self.kb: KnowledgeBase
        self.index: FaqIndex
        self.reload()

    def reload(self) -> int:
        """Re-read the content; keeps the old content and raises if the new one is invalid."""
        kb = load_content(self.directory)
        index = FaqIndex.build(kb)
        self.kb, self.index = kb, index
        log.info("FAQ loaded: %d entries from %s", len(kb.entries), self.directory)
        return len(kb.entries)
