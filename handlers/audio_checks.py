"""What audio may become a spoken answer: its type read from its first bytes (not from
what the sender claims), its size and its length, with the Vietnamese refusal.

Pure: the staff chat (a voice note) and the dashboard (an uploaded file) both call
`check_audio`.
"""

from __future__ import annotations

from db.recordings import Audio

# Types a phone or a browser plays, by their magic bytes.
OGG, MPEG, MP4, WAV, WEBM, FLAC = (
    "audio/ogg",
    "audio/mpeg",
    "audio/mp4",
    "audio/wav",
    "audio/webm",
    "audio/flac",
)
EXTENSIONS = {OGG: "ogg", MPEG: "mp3", MP4: "m4a", WAV: "wav", WEBM: "webm", FLAC: "flac"}
OPUS_RATE = 48_000


class AudioRefused(ValueError):
    """Audio that is not kept; `str()` is the Vietnamese reason for the sender."""


def sniff(data: bytes) -> str | None:
    """The audio type of these bytes, or None when they are not audio we take."""
    head = data[:12]
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return MPEG
    if head[4:8] == b"ftyp":
        return MP4
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM
    if head.startswith(b"fLaC"):
        return FLAC
    return None


def duration_of(data: bytes, mime: str) -> int | None:
    """Seconds, for the formats whose length is cheap to read (OGG, WAV); else None."""
    if mime == OGG:
        return _ogg_seconds(data)
    if mime == WAV and len(data) >= 44:
        byte_rate = int.from_bytes(data[28:32], "little")
        return round((len(data) - 44) / byte_rate) if byte_rate else None
    return None


def _ogg_seconds(data: bytes) -> int | None:
    """The last page's granule position over the sample rate (Opus: 48 kHz, less the
    pre-skip; Vorbis: the rate in its header)."""
    last = data.rfind(b"OggS")
    while last > 0 and data[last + 4 : last + 5] != b"\0":  # "OggS" inside the audio
        last = data.rfind(b"OggS", 0, last)
    if last < 0 or len(data) < last + 14:
        return None
    granule = int.from_bytes(data[last + 6 : last + 14], "little", signed=True)
    opus = data.find(b"OpusHead", 0, 200)
    if opus >= 0:
        pre_skip = int.from_bytes(data[opus + 10 : opus + 12], "little")
        return max(0, round((granule - pre_skip) / OPUS_RATE))
    vorbis = data.find(b"\x01vorbis", 0, 200)
    if vorbis >= 0:
        rate = int.from_bytes(data[vorbis + 12 : vorbis + 16], "little")
        return round(granule / rate) if rate else None
    return None


def mb(limit: int) -> str:
    """Bytes as staff read a size: «2 MB»."""
    return f"{limit / (1024 * 1024):.1f}".rstrip("0").rstrip(".") + " MB"


def minutes(seconds: int) -> str:
    whole, rest = divmod(seconds, 60)
    if not whole:
        return f"{rest} giây"
    return f"{whole} phút" + (f" {rest} giây" if rest else "")


def check_size(size: int | None, duration: int | None, max_bytes: int, max_seconds: int) -> None:
    """What the platform says of a file before it is fetched."""
    if size is not None and size > max_bytes:
        raise AudioRefused(f"Tệp âm thanh quá lớn. Tối đa {mb(max_bytes)}.")
    if duration is not None and duration > max_seconds:
        raise AudioRefused(f"Đoạn ghi âm quá dài. Tối đa {minutes(max_seconds)}.")


def check_audio(
    data: bytes, max_bytes: int, max_seconds: int, duration: int | None = None
) -> Audio:
    """The audio to keep, or `AudioRefused`. `duration`: what the platform said, used
    when the format does not tell."""
    if not data:
        raise AudioRefused("Tệp trống. Bạn hãy ghi âm lại.")
    check_size(len(data), None, max_bytes, max_seconds)
    mime = sniff(data)
    if mime is None:
        raise AudioRefused(
            "Tệp này không phải âm thanh nhận được. "
            "Hãy gửi tin nhắn thoại, hoặc tệp OGG, MP3, M4A, WAV."
        )
    seconds = duration_of(data, mime)
    if seconds is None:
        seconds = duration
    check_size(None, seconds, max_bytes, max_seconds)
    return Audio(data, mime, seconds)
