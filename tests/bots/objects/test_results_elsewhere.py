"""A result rendered on another machine (as a render worker does) reaches the chat as a file
through object storage: delivery brings the bucket's copy to this machine's scratch folder."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

from core.config import Settings
from core.conversation.assistant import Assistant
from core.conversation.turn import Problem, Turn, Video
from core.engine import EngineEvent, ExportOptions, Rendered, SessionRef
from core.ports import FileStore
from storage.s3 import S3Files
from tests.core.assistant.conftest import KEY, attach, collect, fake_probe
from tests.fakes.fake_engine import FakeEngine
from tests.fakes.memory_store import MemoryStore
from tests.fakes.s3 import FakeS3


class ElsewhereEngine(FakeEngine):
    """Renders, puts the result in the bucket and drops the local file, as if another machine
    had rendered it (or `lost` = it never reached the bucket)."""

    def __init__(self, render_dir: Path, files: FileStore, lost: bool = False) -> None:
        super().__init__(render_dir, name="local")
        self.files = files
        self.lost = lost
        self.render_size = 3000

    async def export(self, session: SessionRef,
                     options: ExportOptions) -> AsyncIterator[EngineEvent]:
        async for event in super().export(session, options):
            if isinstance(event, Rendered) and event.path is not None:
                event.path.write_bytes(os.urandom(event.size or 1))
                if not self.lost:
                    await self.files.put(f"renders/{event.path.name}", event.path)
                event.path.unlink()
            yield event


async def run(fake_s3: FakeS3, tmp_path: Path, clip: Path, lost: bool) -> tuple[list[object],
                                                                                   FakeS3, str]:
    bucket = fake_s3.new_bucket()
    settings = Settings(_env_file=None, BACKTRACK_DATA_DIR=tmp_path / "data",  # type: ignore[call-arg]
                        **fake_s3.settings(bucket))
    files = S3Files.from_settings(settings, attempts=1)
    renders = settings.data_dir / "renders"
    renders.mkdir(parents=True)
    engine = ElsewhereEngine(renders, files, lost=lost)
    assistant = Assistant(settings, MemoryStore(), engine, probe=fake_probe, files=files)
    try:
        await collect(assistant, Turn(KEY, "", (attach(clip, "clip.mp4"),)))
        replies = await collect(assistant, Turn(KEY, "export", upload_limit=50_000))
    finally:
        await assistant.aclose()
        await files.close()
    return list(replies), fake_s3, bucket


async def test_a_result_from_another_machine_is_sent_as_a_file(fake_s3: FakeS3, tmp_path: Path,
                                                               clip: Path) -> None:
    replies, s3, bucket = await run(fake_s3, tmp_path, clip, lost=False)
    videos = [r for r in replies if isinstance(r, Video)]
    assert len(videos) == 1 and videos[0].path is not None
    key = next(k for k in s3.keys(bucket) if k.startswith("bt/renders/"))
    stored = s3.client().get_object(Bucket=bucket, Key=key)["Body"].read()
    sent = await asyncio.to_thread(videos[0].path.read_bytes)
    assert sent == stored and len(sent) == 3000


async def test_a_result_missing_everywhere_is_an_apology(fake_s3: FakeS3, tmp_path: Path,
                                                         clip: Path) -> None:
    replies, _s3, _bucket = await run(fake_s3, tmp_path, clip, lost=True)
    assert not any(isinstance(r, Video) for r in replies)
    assert any(isinstance(r, Problem) and "something went wrong" in r.text for r in replies)
