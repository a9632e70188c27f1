"""Spoken answers, the worker's side: the language they listen in, and «🔊 Nghe».

At first contact, after the greeting, one question: which language the worker would
like to *listen* in (written answers stay Vietnamese unless staff wrote a translation);
`/ngonngu` changes it. Under a written answer that has a recording in that language, or
in Vietnamese, «🔊 Nghe» sends the recording: a voice note on Telegram, a signed link
on the Zalo channels (the outbox decides by the channel: bot/outbox.py). Only audio a
staff member recorded or uploaded is ever sent: the button names an FAQ entry, never a
file.

Answers are found by their «Nguồn» button (`ShowSources`): every answer has one, so
this module adds its button, the worker's written translation and the answer count
without the FAQ flow knowing about recordings.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from db import recordings
from faq.content import Entry
from handlers.actions import Action, Text
from handlers.context import DRAFT_PREFIX, Context
from handlers.faq_render import fill_centre, heading
from handlers.languages import VIETNAMESE
from handlers.router import Router
from handlers.types import Button, Incoming, Reply

router = Router("listen")
ASKED = DRAFT_PREFIX + "listen_asked"  # kept across flows: the question is asked once
EntryId = Annotated[str, Text(32)]


class Listen(Action, prefix="nghe"):
    """«🔊 Nghe»: the entry's recording in the worker's language (else Vietnamese)."""

    entry_id: EntryId


class ChooseLanguage(Action, prefix="lang"):
    """The language the worker listens in (a code of VOICE_LANGUAGES)."""

    code: Annotated[str, Text(8)]


def question(ctx: Context) -> Reply:
    labels = ctx.settings.voice_language_labels
    buttons = tuple(Button(label, ChooseLanguage(code).pack()) for code, label in labels.items())
    return Reply(
        "Bạn muốn nghe câu trả lời bằng tiếng nào?\n"
        "Cán bộ trung tâm ghi âm câu trả lời. Chữ vẫn là tiếng Việt.",
        buttons,
    )


def ask_once(ctx: Context) -> list[Reply]:
    """At first contact: the language question, when there is a choice and it was
    never asked or answered."""
    data = ctx.state.data or {}
    if len(ctx.settings.voice_language_labels) < 2:
        return []
    if ctx.user.listen_language is not None or data.get(ASKED):
        return []
    ctx.state.data = {**data, ASKED: True}
    return [question(ctx)]


@router.command("ngonngu", help="/ngonngu: chọn tiếng để nghe câu trả lời")
def language_command(ctx: Context, incoming: Incoming, args: str) -> list[Reply]:
    return [question(ctx)]


@router.action(ChooseLanguage)
def choose_language(ctx: Context, incoming: Incoming, action: ChooseLanguage) -> list[Reply]:
    labels = ctx.settings.voice_language_labels
    if action.code not in labels:  # a language no longer offered: ask again
        return [question(ctx)]
    ctx.user.listen_language = action.code
    label = labels[action.code]
    lines = [f"Đã chọn: {label}."]
    if action.code != VIETNAMESE:
        lines.append(
            f"Câu trả lời nào có bản ghi âm {label} sẽ có nút «🔊 Nghe». "
            "Câu chưa có thì bạn nghe bằng tiếng Việt."
        )
    else:
        lines.append("Câu trả lời nào có bản ghi âm sẽ có nút «🔊 Nghe».")
    lines.append("Bạn gõ câu hỏi nhé. Muốn đổi tiếng, gõ /ngonngu.")
    return [Reply("\n".join(lines))]


def languages_for(ctx: Context) -> list[str]:
    """The worker's language first, then Vietnamese."""
    chosen = ctx.user.listen_language or VIETNAMESE
    return list(dict.fromkeys((chosen, VIETNAMESE)))


@router.action(Listen)
async def listen(ctx: Context, incoming: Incoming, action: Listen) -> list[Reply]:
    entry = ctx.faq.kb.entries.get(action.entry_id) if ctx.faq else None
    languages = languages_for(ctx)
    found = await recordings.available(ctx.session, [action.entry_id], languages)
    language = next((lang for lang in languages if (action.entry_id, lang) in found), None)
    if entry is None or language is None:
        return [Reply("Câu này chưa có bản ghi âm. Bạn đọc câu trả lời bằng chữ nhé.")]
    label = ctx.settings.voice_language_labels.get(language, language)
    ctx.events.append(f"voice:{language}")  # metrics
    return [Reply(f"🔊 {heading(entry)} ({label})", recording=found[(action.entry_id, language)])]


def _answered(reply: Reply) -> str | None:
    """The entry an answer reply answers (from its «Nguồn» button)."""
    from handlers.faq_flow import ShowSources  # faq_flow imports this module

    for button in reply.buttons:
        action = ShowSources.unpack(button.action)
        if action is not None:
            return action.entry_id
    return None


async def offer(ctx: Context, replies: list[Reply]) -> list[Reply]:
    """The FAQ's answers as this worker gets them: a written translation in their
    language where staff wrote one, «🔊 Nghe» where a recording exists; each answer
    counted (the dashboard lists the most-asked entries first)."""
    if ctx.faq is None:
        return replies
    answered = {i: e for i, r in enumerate(replies) if (e := _answered(r)) is not None}
    if not answered:
        return replies
    await recordings.count_answered(ctx.session, answered.values())
    languages = languages_for(ctx)
    found = await recordings.available(ctx.session, set(answered.values()), languages)
    out = list(replies)
    for index, entry_id in answered.items():
        shown = ctx.faq.kb.entries.get(entry_id)
        if shown is None:
            continue
        reply = _translated(ctx, out[index], shown)
        spoken = [lang for lang in languages if (entry_id, lang) in found]
        if spoken:
            reply = replace(
                reply, buttons=(_listen_button(ctx, entry_id, spoken[0]), *reply.buttons)
            )
        out[index] = reply
    return out


def _listen_button(ctx: Context, entry_id: str, language: str) -> Button:
    chosen = ctx.user.listen_language or VIETNAMESE
    label = "🔊 Nghe"
    if language != chosen:  # the worker's language has none: say which one they hear
        label += f" ({ctx.settings.voice_language_labels.get(language, language)})"
    return Button(label, Listen(entry_id).pack())


def _translated(ctx: Context, reply: Reply, entry: Entry) -> Reply:
    """The answer in the worker's language, when staff wrote it (the heading stays)."""
    translation = entry.translation(ctx.user.listen_language)
    if translation is None:
        return reply
    body = fill_centre(translation.answer, ctx.settings.centre_facts())
    return replace(reply, text=f"{heading(entry)}\n{body}")


def translate_more(ctx: Context, replies: list[Reply]) -> list[Reply]:
    """«Xem thêm» in the worker's language, when the translation has its details."""
    if ctx.faq is None:
        return replies
    out = []
    for reply in replies:
        entry = ctx.faq.kb.entries.get(_answered(reply) or "")
        translation = entry.translation(ctx.user.listen_language) if entry else None
        if entry is not None and translation is not None and translation.more:
            body = fill_centre(translation.more, ctx.settings.centre_facts())
            reply = replace(reply, text=f"{heading(entry)}\n{body}")
        out.append(reply)
    return out
