"""After a restart: renders left queued/running are resumed (remote) or reported as interrupted.

Renders a clean shutdown stopped (`aclose`) are recorded as interrupted but not yet told;
the next start tells their chats too.

Notices reach chats through the notifier each platform registers. A notice for a platform with
no notifier yet is kept in memory and delivered by `add_notifier`; the render record changes
state only after its notice was handed over, so if the process dies first, the next start
reports it again: nothing is silently lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from typing import Any

from core import words
from core.config import Settings
from core.conversation.delivery import DOWNLOAD_NAME, Signer, human_duration, human_size
from core.conversation.journal import Journal, interrupted_words
from core.conversation.renders import NOT_TOLD, TOLD, RenderLog, relative_to
from core.conversation.turn import ConversationKey, Message, Notice, Notifier, Problem, Reply, Video
from core.engine import Engine, Progress, Rendered, SessionRef
from core.errors import EngineError, UserError, new_error_id
from core.ports import ACTIVE_RENDER_STATES, RenderRecord, Store

log = logging.getLogger("backtrack.recovery")

INTERRUPTED = "Your render was interrupted by a restart — send 'export' to try again."

Spawn = Callable[[Coroutine[Any, Any, Any], str], asyncio.Task[Any]]
After = Callable[[], Awaitable[None]]


class Recovery:
    """Restart recovery and the notifiers it speaks through."""

    def __init__(self, settings: Settings, store: Store, engine: Engine, signer: Signer | None,
                 spawn: Spawn, live: set[str], journal: Journal | None = None) -> None:
        self.journal = journal
        self.settings = settings
        self.store = store
        self.engine = engine
        self.signer = signer
        self._spawn = spawn
        self._live = live
        self._notifiers: dict[str, Notifier] = {}
        self._pending: dict[str, list[tuple[Notice, After | None]]] = {}
        self._seen: set[str] = set()

    def add_notifier(self, platform: str, notifier: Notifier) -> None:
        self._notifiers[platform] = notifier
        pending = self._pending.pop(platform, [])
        if pending:
            self._spawn(self._deliver_all(pending), f"notices {platform}")

    async def _deliver_all(self, pending: list[tuple[Notice, After | None]]) -> None:
        for notice, after in pending:
            await self.notify(notice, after)

    async def notify(self, notice: Notice, after: After | None = None) -> None:
        """Send a notice now, or keep it until its platform registers a notifier."""
        notifier = self._notifiers.get(notice.key.platform)
        if notifier is None:
            self._pending.setdefault(notice.key.platform, []).append((notice, after))
            return
        try:
            language = await self._language(notice.key)
            await notifier(replace(notice, replies=[words.reply(r, language)
                                                    for r in notice.replies]))
        except Exception:
            # A chat that is gone or blocked the bot: logged, not retried forever.
            log.exception("notice to %s could not be delivered", notice.key)
        if after is not None:
            await after()

    async def _language(self, key: ConversationKey) -> str:
        """The language the chat was last answered in (its conversation's), or the person's
        setting: a notice comes with no message to read the language from."""
        conversation = await self.store.get_conversation(str(key))
        mine = await self.store.get_preferences(key.person)
        return mine.reply_language(conversation.language if conversation else "en")

    async def recover(self) -> None:
        """Handle every render left queued or running by an earlier process (idempotent)."""
        stopped = [r for r in await self.store.renders_in_state("interrupted")
                   if r.error == NOT_TOLD]
        for record in [*await self.store.renders_in_state(*ACTIVE_RENDER_STATES), *stopped]:
            if record.id in self._seen or record.id in self._live:
                continue
            self._seen.add(record.id)
            try:
                key = ConversationKey.parse(record.conversation)
            except ValueError:
                log.error("render %s has a bad conversation key", record.id)
                await RenderLog(self.store, record).finish("interrupted", error="bad key")
                continue
            if record.state != "interrupted" and record.remote_id and (
                    record.engine == self.engine.name):
                self._spawn(self._resume(record, key), f"resume {record.id}")
            else:
                await self.notify(Notice(key, [Message(INTERRUPTED)]),
                                  after=_marker(RenderLog(self.store, record)))
        if self.journal is not None:
            await self._turns_left(self.journal)

    async def _turns_left(self, journal: Journal) -> None:
        """Turns an earlier process was killed in: their chats are told (renders aside:
        their records speak for them above)."""
        renders = await self.store.renders_in_state(*ACTIVE_RENDER_STATES, "interrupted")
        tell, covered = await journal.leftovers(renders)
        for turn in covered:
            await journal.marker(turn.id)()
        for turn in tell:
            try:
                key = ConversationKey.parse(turn.conversation)
            except ValueError:
                log.error("turn %s has a bad conversation key", turn.id)
                await journal.marker(turn.id)()
                continue
            await self.notify(Notice(key, [Message(interrupted_words(turn.what))]),
                              after=journal.marker(turn.id))

    async def _resume(self, record: RenderRecord, key: ConversationKey) -> None:
        assert record.remote_id is not None
        job = RenderLog(self.store, record)
        session = SessionRef(record.conversation, record.session_id)
        self._live.add(record.id)
        replies: list[Reply]
        try:
            rendered: Rendered | None = None
            async for event in self.engine.resume_export(session, record.remote_id):
                if isinstance(event, Progress):
                    await job.progress(event.percent)
                elif isinstance(event, Rendered):
                    rendered = event
            if rendered is None:
                raise EngineError("the resumed render ended without a result")
            output_path = await asyncio.to_thread(relative_to, rendered.path,
                                                  self.settings.data_dir)
            await job.finish("done", progress=100.0, output_path=output_path,
                             output_url=rendered.url)
            replies = [Message("Your render finished after a restart."),
                       self._video(rendered, record.id)]
        except asyncio.CancelledError:
            raise  # shutting down again: the record stays running for the next start
        except UserError as exc:
            await job.finish("failed", error=exc.user_message)
            replies = [Problem(exc.user_message)]
        except Exception as exc:
            error_id = new_error_id()
            log.error("resume failed ref=%s render=%s", error_id, record.id, exc_info=exc)
            await job.finish("failed", error=f"{type(exc).__name__} (ref {error_id})")
            replies = [Problem(f"Your render could not be finished after a restart (ref "
                               f"{error_id}) — send 'export' to try again.")]
        finally:
            self._live.discard(record.id)
        await self.notify(Notice(key, replies))

    def _video(self, rendered: Rendered, render_id: str) -> Video:
        """No upload limit is known here: a URL when there is one, else the file."""
        url = rendered.url
        if url is None and rendered.path is not None and self.signer is not None:
            url = self.signer.url_for(render_id, DOWNLOAD_NAME)
        facts = f"{human_size(rendered.size)}, {human_duration(rendered.duration)}"
        return Video(path=rendered.path if url is None else None, url=url,
                     size=rendered.size, duration=rendered.duration,
                     caption=f"Here is your video ({facts})." + (f" {url}" if url else ""),
                     width=rendered.width, height=rendered.height)


def _marker(job: RenderLog) -> After:
    async def mark() -> None:
        await job.finish("interrupted", error=TOLD)
    return mark
