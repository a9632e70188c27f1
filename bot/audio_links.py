"""Signed, expiring links to spoken answers, for channels that cannot take a voice note
(Zalo OA's cs API sends no audio; the Zalo Bot API documents none): the worker gets a
link to `/audio/…` on our web server, which plays it in the phone's browser.

A link names the recording, the first bytes of its audio's SHA-256 (a replaced
recording's old links stop working) and when it expires, signed with HMAC-SHA256 under
a key derived from the dashboard's session key (dashboard/security.py), so nobody can
make a link to another recording or stretch one's life.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from db.clock import utcnow

PATH = "/audio/{recording}/{expires}/{tag}/{signature}"
TAG_CHARS = 16


def _epoch(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1)).total_seconds())


@dataclass
class AudioLinks:
    """Makes and checks the links; `secret` is read once, when first needed."""

    secret: Callable[[], bytes]
    base_url: str
    ttl: timedelta
    _key: bytes | None = field(default=None, repr=False)

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = hashlib.sha256(b"audio-links\0" + self.secret()).digest()
        return self._key

    def _sign(self, recording: int, expires: int, tag: str) -> str:
        message = f"{recording}.{expires}.{tag}".encode()
        digest = hmac.new(self.key, message, hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def url(self, recording: int, sha256: str, now: datetime | None = None) -> str | None:
        """The link, or None when this server has no public address (PUBLIC_BASE_URL)."""
        if not self.base_url:
            return None
        expires = _epoch((now or utcnow()) + self.ttl)
        tag = sha256[:TAG_CHARS]
        path = PATH.format(
            recording=recording,
            expires=expires,
            tag=tag,
            signature=self._sign(recording, expires, tag),
        )
        return self.base_url.rstrip("/") + path

    def check(
        self, recording: str, expires: str, tag: str, signature: str, now: datetime | None = None
    ) -> tuple[int, str, bool] | None:
        """For a genuine link: the recording id, the audio tag it names and whether it has
        expired; None for anything we did not sign."""
        if not (recording.isascii() and recording.isdigit() and len(recording) <= 18):
            return None
        if not (expires.isascii() and expires.isdigit() and len(expires) <= 12):
            return None
        expected = self._sign(int(recording), int(expires), tag)
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return None
        return int(recording), tag, int(expires) < _epoch(now or utcnow())
