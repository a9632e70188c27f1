"""Spoken answers on the dashboard: each FAQ entry's page (its text, its translations,
and per language a player, «Xoá» and an upload form), the audio itself for the player,
and the page of which entries have a recording in which language, most-asked first.

An upload is checked like a voice note from the staff chat (handlers/audio_checks.py:
the type read from the bytes, VOICE_MAX_BYTES, VOICE_MAX_SECONDS) and kept with
`source` "web". The guard (dashboard/app.py) lets an upload's body be as large as
VOICE_MAX_BYTES allows (`upload_limit`).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from dashboard import pages as core
from db import recordings
from db.models import Recording
from faq.content import Entry
from faq.service import FaqService
from handlers.audio_checks import AudioRefused, check_audio, minutes

ENTRY = "/faq/entries/{entry_id}"
UPLOAD_SUFFIX = "/recording"
# Room for the form's other fields and the multipart framing around the file.
FORM_OVERHEAD = 64 * 1024


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/faq/recordings", coverage)
    router.add_get(ENTRY, entry_page)
    router.add_get(ENTRY + "/audio/{language}", audio)
    router.add_post(ENTRY + UPLOAD_SUFFIX, upload)
    router.add_post(ENTRY + "/recording/{language}/delete", delete)


def upload_limit(path: str, max_bytes: int) -> int | None:
    """The body size an upload to `path` may have (None: not an upload)."""
    if path.startswith(f"{core.PREFIX}/faq/entries/") and path.endswith(UPLOAD_SUFFIX):
        return max_bytes + FORM_OVERHEAD
    return None


def _faq(request: web.Request) -> FaqService:
    faq = core.faq_service(request)
    if faq is None:
        raise web.HTTPServiceUnavailable(text="Nội dung hỏi đáp chưa được nạp.")
    return faq


def _entry(request: web.Request) -> Entry:
    entry = _faq(request).kb.entries.get(request.match_info["entry_id"])
    if entry is None:
        raise web.HTTPNotFound(text="Không có câu hỏi này (nội dung có thể đã đổi).")
    return entry


def _language(request: web.Request, value: str | None) -> str:
    labels = request.app[core.SETTINGS].voice_language_labels
    if value not in labels:
        raise web.HTTPBadRequest(text="Ngôn ngữ này chưa có trong VOICE_LANGUAGES.")
    return value


@dataclass
class Slot:
    """One language of an entry: its recording, if any."""

    code: str
    label: str
    recording: Recording | None

    @property
    def length(self) -> str:
        if self.recording is None or self.recording.duration is None:
            return ""
        return minutes(self.recording.duration)


async def entry_page(request: web.Request) -> web.Response:
    entry = _entry(request)
    settings = request.app[core.SETTINGS]
    async with request.app[core.SESSIONS]() as db:
        found = {r.language: r for r in await recordings.listing(db) if r.entry_id == entry.id}
    slots = [
        Slot(code, label, found.get(code)) for code, label in settings.voice_language_labels.items()
    ]
    return await core.render(
        request,
        "faq_entry.html",
        {
            "entry": entry,
            "slots": slots,
            "max_size": f"{settings.voice_max_bytes / (1024 * 1024):.1f}".rstrip("0").rstrip("."),
            "max_length": minutes(settings.voice_max_seconds),
        },
    )


async def audio(request: web.Request) -> web.Response:
    entry = _entry(request)
    language = _language(request, request.match_info["language"])
    async with request.app[core.SESSIONS]() as db:
        row = await recordings.get(db, entry.id, language)
        loaded = await recordings.audio_of(db, row.id) if row is not None else None
    if loaded is None:
        raise web.HTTPNotFound(text="Chưa có bản ghi âm này.")
    return web.Response(body=loaded.audio, content_type=loaded.mime_type)


async def upload(request: web.Request) -> web.Response:
    entry = _entry(request)
    form = await request.post()
    language = _language(request, str(form.get("language") or ""))
    field = form.get("audio")
    target = f"{core.PREFIX}/faq/entries/{entry.id}"
    if not isinstance(field, web.FileField):
        await core.flash(request, "Bạn chưa chọn tệp âm thanh.")
        raise web.HTTPFound(target)
    settings = request.app[core.SETTINGS]
    try:
        checked = check_audio(
            field.file.read(), settings.voice_max_bytes, settings.voice_max_seconds
        )
    except AudioRefused as refused:
        await core.flash(request, f"Chưa lưu: {refused}")
        raise web.HTTPFound(target) from None
    who = f"web:{core.current(request).username}"
    async with request.app[core.SESSIONS].begin() as db:
        _, replaced = await recordings.save(db, entry.id, language, checked, who, "web")
    label = settings.voice_language_labels[language]
    done = "Đã thay bản ghi âm" if replaced else "Đã lưu bản ghi âm"
    await core.flash(request, f"✓ {done} {label}.")
    raise web.HTTPFound(target)


async def delete(request: web.Request) -> web.Response:
    """Also for an entry the content no longer has (listed on the coverage page)."""
    entry_id = request.match_info["entry_id"]
    language = request.match_info["language"]
    async with request.app[core.SESSIONS].begin() as db:
        removed = await recordings.remove(db, entry_id, language)
    label = request.app[core.SETTINGS].voice_language_labels.get(language, language)
    await core.flash(request, f"Đã xoá bản ghi âm {label}." if removed else "Không có gì để xoá.")
    if _faq(request).kb.entries.get(entry_id) is None:
        raise web.HTTPFound(f"{core.PREFIX}/faq/recordings")
    raise web.HTTPFound(f"{core.PREFIX}/faq/entries/{entry_id}")


@dataclass
class Row:
    entry: Entry
    answered: int
    languages: list[bool]


async def coverage(request: web.Request) -> web.Response:
    faq = _faq(request)
    labels = request.app[core.SETTINGS].voice_language_labels
    async with request.app[core.SESSIONS]() as db:
        counts = await recordings.answer_counts(db)
        kept = await recordings.listing(db)
    have = {(r.entry_id, r.language) for r in kept}
    # Recordings of entries the content no longer has: never offered, shown to delete.
    orphans = [r for r in kept if r.entry_id not in faq.kb.entries]
    entries = sorted(faq.kb.entries.values(), key=lambda e: (-counts.get(e.id, 0), e.id))
    rows = [Row(e, counts.get(e.id, 0), [(e.id, code) in have for code in labels]) for e in entries]
    totals = [sum(row.languages[i] for row in rows) for i in range(len(labels))]
    return await core.render(
        request,
        "faq_recordings.html",
        {"rows": rows, "labels": list(labels.values()), "totals": totals, "orphans": orphans},
    )
