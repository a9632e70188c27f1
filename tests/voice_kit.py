"""Small audio files for the spoken-answer tests: a real OGG/Opus layout (pages with
granule positions) without real sound, and other types by their magic bytes."""

from __future__ import annotations

import struct

OPUS_RATE = 48_000


def ogg_page(granule: int, payload: bytes, sequence: int) -> bytes:
    """One OGG page (CRC left zero: our reader does not check it)."""
    segments = [255] * (len(payload) // 255) + [len(payload) % 255]
    header = b"OggS" + bytes([0, 0]) + struct.pack("<qII", granule, 1, sequence)
    return header + b"\0\0\0\0" + bytes([len(segments)]) + bytes(segments) + payload


def opus(seconds: float, padding: int = 2000) -> bytes:
    """An OGG/Opus file that says it lasts `seconds` (pre-skip 312 samples)."""
    head = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", 312, OPUS_RATE, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0)
    granule = int(seconds * OPUS_RATE) + 312
    pages = [ogg_page(0, head, 0), ogg_page(0, tags, 1)]
    chunks = [min(60_000, padding - start) for start in range(0, padding, 60_000)] or [0]
    for n, size in enumerate(chunks):
        last = n == len(chunks) - 1
        pages.append(ogg_page(granule if last else 0, b"\x7f" * size, n + 2))
    return b"".join(pages)


MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\0" * 3000
PDF = b"%PDF-1.4 not audio" + b"\0" * 100


def wav(seconds: float, rate: int = 8000) -> bytes:
    """A real, playable WAV file (16-bit mono PCM, a quiet 440 Hz tone): a browser
    decodes it and reads its length."""
    import math

    count = int(seconds * rate)
    samples = b"".join(
        struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * n / rate))) for n in range(count)
    )
    header = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + b"data" + struct.pack("<I", len(samples)) + samples
