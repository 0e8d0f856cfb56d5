"""One place that wires Backtrack together: settings in, a running `App` out."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from core.config import Settings
from core.conversation.assistant import Assistant
from core.engine import Engine
from core.errors import ConfigError
from core.janitor import sweep
from core.kept import local_max_age_seconds
from core.limits import Gate
from core.links import LinkSigner, link_secret
from core.logs import register_secret
from core.ports import FileStore, Store
from core.renders import Renders
from storage.backend import open_store
from storage.files import open_files

log = logging.getLogger("backtrack.bootstrap")

KEEP_UPDATE_IDS_SECONDS = 7 * 24 * 3600.0
"""Processed platform update ids are kept this long (platforms re-deliver within hours)."""


@dataclass
class App:
    """Everything a way in (console, Telegram, Discord) needs, and one way to close it."""

    settings: Settings
    store: Store
    engine: Engine
    assistant: Assistant
    gate: Gate
    signer: LinkSigner | None
    files: FileStore | None = None
    """Where files are kept: the data folder, or object storage (`BACKTRACK_STORAGE_URL`)."""

    async def aclose(self) -> None:
        """Turns first (they use the engine and the store), then the engine, then the store."""
        try:
            await self.assistant.aclose()
        finally:
            try:
                await self.engine.aclose()
            finally:
                try:
                    await self.store.close()
                finally:
                    if self.files is not None:
                        await self.files.close()


def make_engine(settings: Settings, store: Store, files: FileStore | None = None,
                elsewhere: Renders | None = None) -> Engine:
    """The engine named by `BACKTRACK_ENGINE`; each is imported only when chosen. The local
    engine renders `elsewhere` (render workers) when given."""
    if settings.engine == "nemo":
        from core.nemo.engine import NemoEngine

        return NemoEngine(settings, store)
    from core.local.engine import LocalEngine

    return LocalEngine(settings, store, files=files, elsewhere=elsewhere)


async def open_workers(settings: Settings) -> Renders | None:
    """With a database URL, the local engine's renders go to `backtrack worker` processes
    (procrastinate jobs on that PostgreSQL); without, they run in this process."""
    if settings.database_url is None or settings.engine != "local":
        return None
    from storage.render_jobs import WorkerRenders

    try:
        return await WorkerRenders.open(settings.database_url.get_secret_value(),
                                        settings.data_dir)
    except Exception as exc:  # procrastinate's own errors: one line naming the setting
        raise ConfigError(f"BACKTRACK_DATABASE_URL: the render queue cannot be set up: "
                          f"{' '.join(str(exc).split())}") from exc


async def open_checked_files(settings: Settings) -> FileStore:
    """The file store; object storage is checked now, so bad settings (a missing bucket,
    refused keys, an unreachable endpoint) stop start-up with one line naming the setting."""
    files = open_files(settings)
    try:
        await files.check()
    except BaseException:
        await files.close()
        raise
    return files


async def build_app(settings: Settings, *, engine: Engine | None = None,
                    recover: bool = False) -> App:
    """Open the store, pick the engine, sign links and sweep old files.

    Ways in call `app.assistant.recover()` once their notifier is registered (or pass
    `recover=True`). Recovery is idempotent, and notices for a platform without a notifier
    wait for its `add_notifier`, so several ways in may each call it. An `engine` passed in
    belongs to the app from then on: closed with it, or here when building fails.
    """
    await asyncio.to_thread(settings.data_dir.mkdir, parents=True, exist_ok=True)
    files = await open_checked_files(settings)
    try:
        store = await open_store(settings)
    except BaseException:
        await files.close()
        raise
    try:
        engine = engine or make_engine(settings, store, files, await open_workers(settings))
        signer = None
        if settings.link_public_url:
            configured = settings.link_secret.get_secret_value() if settings.link_secret else None
            secret = await link_secret(store, configured)
            register_secret(secret.decode("utf-8"))
            signer = LinkSigner(secret, settings.link_public_url, settings.link_ttl_seconds)
        forgotten = await store.forget_updates(before=time.time() - KEEP_UPDATE_IDS_SECONDS)
        if forgotten:
            log.info("forgot %d processed update ids older than a week", forgotten)
        gate = Gate(settings, store, rates=store)
        await sweep(settings.data_dir, settings.data_max_bytes,
                    local_max_age_seconds(settings))  # logs what it freed
        assistant = Assistant(settings, store, engine, gate=gate, signer=signer, files=files)
    except BaseException:
        try:
            if engine is not None:  # its HTTP clients (NemoVideo) would be left open
                await engine.aclose()
        finally:
            try:
                await store.close()
            finally:
                await files.close()
        raise
    app = App(settings, store, engine, assistant, gate, signer, files)
    if recover:
        try:
            await assistant.recover()
        except BaseException:
            await app.aclose()
            raise
    return app
