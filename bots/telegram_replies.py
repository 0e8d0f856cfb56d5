"""Showing the assistant's replies in Telegram: one status message edited in place, then results.

The rules (status wording, text splitting, file-or-link, button data) are pure functions tested
as tables; `show_replies` is the glue. The status message and chat action live in
`bots.telegram_status`, which failures are tried again in `bots.telegram_calls`; a video
Telegram never takes is put in words, with the link when there is one.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatAction
from telegram.error import BadRequest, NetworkError

from bots import adapter
from bots.adapter import fits, status_line, upload_failed_text
from bots.retry import DEFAULT_BACKOFF, Backoff
from bots.telegram_calls import not_modified, patiently
from bots.telegram_status import EDIT_INTERVAL, StatusMessage, chat_action
from core import words
from core.conversation.delivery import human_size
from core.conversation.turn import Audio, Menu, Message, Photo, Problem, Reply, Status, Video
from core.errors import EngineError
from core.local.thumbnail import thumbnail

log = logging.getLogger(__name__)

MB = 1024 * 1024
CLOUD_DOWNLOAD_LIMIT = 20 * MB
"""getFile refuses bigger files on the cloud Bot API (a local Bot API server has no limit)."""
CLOUD_UPLOAD_LIMIT = 50 * MB
LOCAL_UPLOAD_LIMIT = 2000 * MB
MAX_TEXT = 4096
MAX_CAPTION = 1024
SAY_PREFIX = "say:"
"""callback_data of a quick-action button: pressing it sends the label as the next turn."""
TITLE_DATA = "menu"
"""callback_data of a menu's title row: pressing it does nothing (the press is answered)."""
CHOSEN = "✓ "
MENU_ROW = 5
"""Choices per keyboard row (Telegram shows at most 8; five stay readable on a phone)."""
UPLOAD_TIMEOUT = 120.0
"""Seconds Telegram gets to answer a video upload once the bytes are sent."""

TOO_BIG_TO_FETCH = (
    "Telegram lets bots fetch files up to 20 MB — send a shorter clip, or a link to the file."
)


# Pure rules ----------------------------------------------------------------------------------


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut text into messages Telegram accepts."""
    return adapter.split_text(text, limit)


def button_data(label: str) -> str:
    """callback_data for a quick action (Telegram allows 64 bytes)."""
    data = SAY_PREFIX + label
    return data.encode()[:64].decode(errors="ignore")


def label_of(data: str | None) -> str | None:
    """The label a quick-action button sends, None for data that is not ours."""
    if not data or not data.startswith(SAY_PREFIX):
        return None
    return data[len(SAY_PREFIX):].strip() or None


def keyboard(buttons: tuple[str, ...], menus: tuple[Menu, ...] = ()
             ) -> InlineKeyboardMarkup | None:
    """Quick-action buttons, two per row; then each menu as a title row and a row of its
    choices (the chosen one ticked), each choice sending its words."""
    rows = [
        [InlineKeyboardButton(text, callback_data=button_data(text)) for text in buttons[i:i + 2]]
        for i in range(0, len(buttons), 2)
    ]
    for menu in menus:
        rows.append([InlineKeyboardButton(f"— {menu.title} —", callback_data=TITLE_DATA)])
        choices = [InlineKeyboardButton((CHOSEN if o.chosen else "") + o.label,
                                        callback_data=button_data(o.say)) for o in menu.options]
        rows += [choices[i:i + MENU_ROW] for i in range(0, len(choices), MENU_ROW)]
    return InlineKeyboardMarkup(rows) if rows else None


def link_text(video: Video) -> str:
    """The message that carries a download link instead of the file."""
    size = f" ({human_size(video.size)})" if video.size else ""
    head = video.caption.strip()
    if video.url is None:
        said = f"The video{size} is too big to send here; try \"export 720p\" for a smaller file."
    else:
        said = f"Your video{size} is ready: {video.url}"
    return "\n\n".join(p for p in (head, words.localise(said, video.language)) if p)


# Glue ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outbox:
    """How replies go out in one bot: upload limit, local mode, and the upload slots."""

    upload_limit: int
    local_mode: bool
    uploads: asyncio.Semaphore
    """Bounds cloud uploads in flight: each holds its file in memory (local mode sends paths)."""
    interval: float = EDIT_INTERVAL
    backoff: Backoff = DEFAULT_BACKOFF
    upload_timeout: float = UPLOAD_TIMEOUT


async def send_text(bot: Bot, chat_id: int, text: str, buttons: tuple[str, ...] = (),
                    reply_to: int | None = None, backoff: Backoff = DEFAULT_BACKOFF,
                    menus: tuple[Menu, ...] = ()) -> None:
    chunks = split_text(text)
    for i, chunk in enumerate(chunks):
        markup = keyboard(buttons, menus) if i == len(chunks) - 1 else None
        await patiently(lambda chunk=chunk, markup=markup: bot.send_message(  # type: ignore[misc]
            chat_id, chunk, reply_markup=markup, reply_to_message_id=reply_to,
            allow_sending_without_reply=True), backoff, "telegram sendMessage")


def card_of(message: object) -> int | None:
    """The id of the settings card a button was pressed on (a text message whose keyboard
    has menu title rows), whose answer replaces it in place; None for anything else."""
    markup = getattr(message, "reply_markup", None)
    if not getattr(message, "text", None) or not isinstance(markup, InlineKeyboardMarkup):
        return None
    if any(b.callback_data == TITLE_DATA for row in markup.inline_keyboard for b in row):
        return int(getattr(message, "message_id"))  # noqa: B009 (any Message-like object)
    return None


async def edit_card(bot: Bot, chat_id: int, message_id: int, card: Message,
                    backoff: Backoff = DEFAULT_BACKOFF) -> bool:
    """Show a settings card in place of the pressed one (editMessageText with its keyboard);
    False when that message cannot take it (gone, or too long), so it is sent anew."""
    if len(split_text(card.text)) != 1:
        return False
    try:
        await patiently(lambda: bot.edit_message_text(
            card.text, chat_id, message_id, reply_markup=keyboard(card.buttons, card.menus)),
            backoff, "telegram editMessageText")
    except BadRequest as exc:
        if not_modified(exc):  # the same choice pressed again: the card is already right
            return True
        log.info("telegram: settings card not edited (%s); sending it anew", exc.message)
        return False
    return True


async def send_video(bot: Bot, chat_id: int, video: Video, outbox: Outbox) -> None:
    """The file when it fits (streamable, with duration and size; or a document, untouched,
    when the person chose files), with a still from the middle; else the link message."""
    if video.path is not None and video.size is None:
        video = dataclasses.replace(video, size=(await asyncio.to_thread(video.path.stat)).st_size)
    if not fits(video, outbox.upload_limit) or video.path is None:
        await send_text(bot, chat_id, link_text(video), video.buttons, backoff=outbox.backoff)
        return
    path = video.path
    slot = contextlib.nullcontext() if outbox.local_mode else outbox.uploads
    async with slot, chat_action(bot, chat_id, ChatAction.UPLOAD_VIDEO):
        # Cloud mode uploads the bytes (PTB would read the file in the event loop: read it in
        # a thread); local mode hands the server a file:// path.
        payload: Any = path if outbox.local_mode else await asyncio.to_thread(path.read_bytes)
        still = await thumbnail(path, video.duration)
        try:
            await patiently(lambda: _upload(bot, chat_id, video, payload, still, outbox),
                            outbox.backoff, "telegram sendDocument" if video.as_file
                            else "telegram sendVideo")
            return
        except EngineError:  # never answered: words (and the link), not an apology
            words = upload_failed_text(video, "Telegram")
        except NetworkError as exc:  # 413: the server's limit is lower than we were told
            if "too large" not in exc.message.lower():
                raise
            log.warning("telegram refused the upload as too large; sending the link instead")
            words = link_text(video)
    await send_text(bot, chat_id, words, video.buttons, backoff=outbox.backoff)


async def _upload(bot: Bot, chat_id: int, video: Video, payload: Any, still: bytes | None,
                  outbox: Outbox) -> None:
    """One try of sendVideo or sendDocument (the same file, caption, still and buttons)."""
    assert video.path is not None
    common: dict[str, Any] = {
        "caption": video.caption[:MAX_CAPTION] or None, "thumbnail": still,
        "filename": video.path.name, "reply_markup": keyboard(video.buttons),
        "read_timeout": outbox.upload_timeout, "write_timeout": 300}
    if video.as_file:
        await bot.send_document(chat_id, payload, disable_content_type_detection=True,
                                **common)
    else:
        await bot.send_video(chat_id, payload, supports_streaming=True, width=video.width,
                             height=video.height, **common,
                             duration=round(video.duration) if video.duration else None)


async def send_photo(bot: Bot, chat_id: int, photo: Photo, outbox: Outbox) -> None:
    """The timeline picture as a photo (a small PNG: read in a thread, sent as bytes)."""
    data = await asyncio.to_thread(photo.path.read_bytes)
    try:
        await patiently(lambda: bot.send_photo(
            chat_id, data, caption=photo.caption[:MAX_CAPTION] or None,
            filename=photo.path.name), outbox.backoff, "telegram sendPhoto")
    except (EngineError, BadRequest) as exc:  # the text answer already went: skip the picture
        log.warning("telegram: timeline picture not sent (%s)", type(exc).__name__)


async def send_audio(bot: Bot, chat_id: int, audio: Audio, outbox: Outbox) -> None:
    """A mood preview as an audio message (a small MP3: read in a thread, sent as bytes),
    with its title and length; one that fails is skipped, the others still go."""
    data = await asyncio.to_thread(audio.path.read_bytes)
    try:
        await patiently(lambda: bot.send_audio(
            chat_id, data, title=audio.title, performer="Backtrack", filename=audio.path.name,
            duration=round(audio.duration), caption=audio.caption[:MAX_CAPTION] or None,
            read_timeout=outbox.upload_timeout, write_timeout=300), outbox.backoff,
            "telegram sendAudio")
    except (EngineError, BadRequest) as exc:
        log.warning("telegram: preview not sent (%s)", type(exc).__name__)


async def show_replies(bot: Bot, chat_id: int, replies: AsyncIterator[Reply], outbox: Outbox,
                       reply_to: int | None = None, card: int | None = None) -> None:
    """Show every reply of one turn in the chat; the first card with menus replaces the
    message `card` (the settings card a button was pressed on) instead of a new message."""
    status = StatusMessage(bot, chat_id, interval=outbox.interval, reply_to=reply_to,
                           backoff=outbox.backoff)
    try:
        async for reply in replies:
            if isinstance(reply, Status):
                await status.show(status_line(reply))
            elif isinstance(reply, Message):
                if card is not None and reply.menus and await edit_card(
                        bot, chat_id, card, reply, outbox.backoff):
                    card = None
                    continue
                await send_text(bot, chat_id, reply.text, reply.buttons, reply_to, outbox.backoff,
                                reply.menus)
            elif isinstance(reply, Problem):
                await send_text(bot, chat_id, reply.text, (), reply_to, outbox.backoff)
            elif isinstance(reply, Video):
                await send_video(bot, chat_id, reply, outbox)
            elif isinstance(reply, Photo):
                await send_photo(bot, chat_id, reply, outbox)
            elif isinstance(reply, Audio):
                await send_audio(bot, chat_id, reply, outbox)
    finally:
        await status.close()
