"""`backtrack worker [--concurrency N]`: a render worker for the bots sharing one PostgreSQL
(`BACKTRACK_DATABASE_URL`). Any number of them may run, on any machine that sees the data
folder; each renders up to N videos at once and stops cleanly on SIGINT/SIGTERM (a render cut
off then runs again on another worker)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from core.config import Settings
from core.errors import BacktrackError, ConfigError

NEEDS_DATABASE = ("backtrack worker needs BACKTRACK_DATABASE_URL (a PostgreSQL the bots share); "
                  "without it the bots render in their own process.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--concurrency", type=int, default=None, metavar="N",
                        help="renders at once (default: BACKTRACK_MAX_RENDERS)")


async def work(settings: Settings, concurrency: int) -> None:
    from bots.bootstrap import open_checked_files
    from core.local.engine import LocalEngine
    from core.local.render_queue import RenderQueue
    from storage.backend import open_store
    from storage.render_jobs import run_worker

    assert settings.database_url is not None
    await asyncio.to_thread(settings.data_dir.mkdir, parents=True, exist_ok=True)
    files = await open_checked_files(settings)
    try:
        store = await open_store(settings)
        engine = LocalEngine(settings, store, files=files, queue=RenderQueue(concurrency))
        try:
            await run_worker(settings.database_url.get_secret_value(), engine,
                             settings.data_dir, concurrency)
        finally:
            await store.close()
    finally:
        await files.close()


def run(args: argparse.Namespace) -> int:
    from bots.adapter import settings_or_none
    from core.logs import setup_logging

    settings = settings_or_none()
    if settings is None:
        return 2
    if settings.database_url is None:
        print(NEEDS_DATABASE, file=sys.stderr)
        return 2
    concurrency = args.concurrency or settings.max_concurrent_renders
    if concurrency < 1:
        print("--concurrency must be at least 1", file=sys.stderr)
        return 2
    setup_logging(settings)
    try:
        asyncio.run(work(settings, concurrency))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except BacktrackError as exc:
        print(f"The worker stopped: {exc}", file=sys.stderr)
        return 1
    return 0
