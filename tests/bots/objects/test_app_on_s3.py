"""The whole app with BACKTRACK_STORAGE_URL: a real local engine, SQLite, and moto's S3 server
on 127.0.0.1. Uploads and results land in the bucket, a link is a presigned URL of the result,
another machine (an empty data folder) renders from the bucket, a storage outage is a clear
answer with nothing half-kept, and bad settings stop start-up with one line."""

from __future__ import annotations

import asyncio
import html
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bots.bootstrap import App, build_app
from core.config import Settings
from core.conversation.turn import Attachment, ConversationKey, Problem, Reply, Status, Turn, Video
from core.errors import ConfigError
from tests.fakes.s3 import FakeS3
from tests.fakes.serve import serve_app

KEY = ConversationKey("console", "obj")


def settings_for(fake_s3: FakeS3, bucket: str, data: Path, endpoint: str | None = None,
                 **more: object) -> Settings:
    values = fake_s3.settings(bucket, **more)
    if endpoint is not None:
        values["BACKTRACK_S3_ENDPOINT_URL"] = endpoint
    return Settings(_env_file=None, BACKTRACK_DATA_DIR=data, **values)  # type: ignore[call-arg]


def attach(path: Path) -> Attachment:
    async def fetch(dest: Path) -> None:
        await asyncio.to_thread(shutil.copyfile, path, dest)

    return Attachment(name=path.name, size=path.stat().st_size, mime="video/mp4", fetch=fetch)


async def say(app: App, text: str = "", *files: Path, limit: int | None = None) -> list[Reply]:
    turn = Turn(KEY, text, tuple(attach(f) for f in files), upload_limit=limit)

    async def run() -> list[Reply]:
        return [r async for r in app.assistant.handle(turn) if r is not None]

    return await asyncio.wait_for(run(), 120)


def video(replies: list[Reply]) -> Video:
    found = [r for r in replies if isinstance(r, Video)]
    assert found, replies
    return found[0]


async def test_uploads_and_results_live_in_the_bucket(fake_s3: FakeS3, tmp_path: Path,
                                                      clip: Path) -> None:
    bucket = fake_s3.new_bucket()
    app = await build_app(settings_for(fake_s3, bucket, tmp_path / "one"))
    try:
        await say(app, "", clip)
        uploads = [k for k in fake_s3.keys(bucket) if k.startswith("bt/media/")]
        assert len(uploads) == 1
        stored = fake_s3.client().get_object(Bucket=bucket, Key=uploads[0])["Body"].read()
        assert stored == clip.read_bytes()
        # A chat that takes only small files gets a presigned link to the result.
        sent = video(await say(app, "add calm music at 30%", limit=1000))
    finally:
        await app.aclose()
    assert sent.path is None and sent.url is not None
    # The link is the player page kept beside the result, presigned like the result.
    assert sent.url.startswith(fake_s3.endpoint + f"/{bucket}/bt/renders/")
    assert "X-Amz-Signature=" in sent.url and "X-Amz-Expires=86400" in sent.url
    keys = [k for k in fake_s3.keys(bucket) if k.startswith("bt/renders/")]
    renders = [k for k in keys if k.endswith(".mp4")]
    moods = [k for k in fake_s3.keys(bucket) if k.startswith("bt/music/")]
    assert len(renders) == 1 and len(moods) == 1  # the built-in song is shared too
    stem = renders[0].removesuffix(".mp4")
    assert sorted(keys) == sorted([renders[0], f"{stem}.html", f"{stem}.poster.jpg",
                                   f"{stem}.timeline.png"])
    async with httpx.AsyncClient() as client:
        page = await client.get(sent.url)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        found = re.search(r'<video id="player"[^>]* src="([^"]+)"', page.text)
        assert found is not None
        got = await client.get(html.unescape(found.group(1)))
    assert got.status_code == 200
    assert got.headers["content-type"] == "video/mp4"
    assert got.headers["content-disposition"].startswith("inline")
    assert got.content == fake_s3.client().get_object(Bucket=bucket, Key=renders[0])["Body"].read()
    assert got.content[4:8] == b"ftyp" and len(got.content) == sent.size


async def test_another_machine_renders_from_the_bucket(fake_s3: FakeS3, tmp_path: Path,
                                                       clip: Path) -> None:
    """The second app shares the database but not the data folder, as a second machine."""
    bucket = fake_s3.new_bucket()
    database = tmp_path / "shared.sqlite3"
    first = await build_app(settings_for(fake_s3, bucket, tmp_path / "one",
                                         BACKTRACK_DATABASE=database))
    try:
        video(await say(first, "add calm music", clip))  # the mood is generated once, here
    finally:
        await first.aclose()
    second_dir = tmp_path / "two"
    second = await build_app(settings_for(fake_s3, bucket, second_dir,
                                          BACKTRACK_DATABASE=database))
    try:
        replies = await say(second, "make the music quieter")
    finally:
        await second.aclose()
    sent = video(replies)
    assert sent.path is not None and sent.path.is_relative_to(second_dir)
    assert sent.path.stat().st_size == sent.size and (sent.duration or 0) > 3.5
    assert not any("Preparing" in getattr(r, "text", "") for r in replies)  # came from the bucket
    assert len([k for k in fake_s3.keys(bucket) if k.startswith("bt/renders/")]) == 2
    assert (second_dir / "music").is_dir()  # the song came from the bucket


class Outage:
    """A proxy in front of moto that can be switched off: every request then fails."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.down = False

    async def forward(self, request: web.Request) -> web.StreamResponse:
        if self.down:
            assert request.transport is not None
            request.transport.close()  # the connection drops, as with a dead host
            return web.Response(status=503)
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        async with httpx.AsyncClient() as client:
            answer = await client.request(request.method, self.upstream + str(request.rel_url),
                                          headers=headers, content=await request.read())
        keep = {k: v for k, v in answer.headers.items()
                if k.lower() not in ("content-length", "transfer-encoding", "content-encoding",
                                     "connection")}
        return web.Response(status=answer.status_code, body=answer.content, headers=keep)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.forward)
        return app


@pytest.fixture
async def outage(fake_s3: FakeS3) -> AsyncIterator[tuple[Outage, str]]:
    proxy = Outage(fake_s3.endpoint)
    async with serve_app(proxy.app()) as url:
        yield proxy, url


async def test_a_storage_outage_mid_turn_is_a_clear_answer_and_leaves_nothing(
        fake_s3: FakeS3, tmp_path: Path, clip: Path, outage: tuple[Outage, str]) -> None:
    proxy, endpoint = outage
    bucket = fake_s3.new_bucket()
    data = tmp_path / "one"
    app = await build_app(settings_for(fake_s3, bucket, data, endpoint))
    try:
        video(await say(app, "add calm music at 30%", clip))
        before = fake_s3.keys(bucket)
        proxy.down = True
        replies = await say(app, "make the music quieter")  # renders, then cannot keep it
        clip_again = await say(app, "", clip)
    finally:
        proxy.down = False
        await app.aclose()
    problems = [r.text for r in replies + clip_again if isinstance(r, Problem)]
    assert len(problems) == 2 and all("file storage" in p for p in problems), replies
    assert not any(isinstance(r, Video) for r in replies)
    assert fake_s3.keys(bucket) == before and fake_s3.uploads(bucket) == []
    assert any(r.text.startswith("Rendering") for r in replies if isinstance(r, Status))
    assert len(list((data / "renders").glob("*.mp4*"))) == 1  # only the render made before
    assert len(list((data / "media").rglob("*.mp4*"))) == 1  # only the clip taken before


async def test_bad_storage_settings_stop_start_up(fake_s3: FakeS3, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^BACKTRACK_STORAGE_URL: there is no bucket"):
        await build_app(settings_for(fake_s3, "nobucket", tmp_path / "d"))
    assert not (tmp_path / "d" / "backtrack.sqlite3").exists()


def test_wrong_keys_are_one_line_from_the_real_command(fake_s3: FakeS3, tmp_path: Path) -> None:
    bucket = fake_s3.new_bucket()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "BACKTRACK_DATA_DIR": str(tmp_path),
           **fake_s3.settings(bucket, BACKTRACK_S3_SECRET_ACCESS_KEY="wrong-secret-value")}
    fake_s3.require_keys(True)
    try:
        done = subprocess.run([sys.executable, "-m", "bots.cli", "chat"], input="hello\n",
                              capture_output=True, text=True, env=env, timeout=60,
                              cwd=Path(__file__).resolve().parents[3])
    finally:
        fake_s3.require_keys(False)
    lines = [line for line in done.stderr.splitlines() + done.stdout.splitlines() if line]
    assert done.returncode != 0
    assert len(lines) == 1, lines
    assert "BACKTRACK_S3_ACCESS_KEY_ID / BACKTRACK_S3_SECRET_ACCESS_KEY" in lines[0]
    assert "wrong-secret-value" not in done.stderr + done.stdout


async def test_doctor_checks_the_bucket_with_a_probe_object(fake_s3: FakeS3,
                                                            tmp_path: Path) -> None:
    from bots.doctor import check_files

    bucket = fake_s3.new_bucket()
    good = await check_files(settings_for(fake_s3, bucket, tmp_path))
    assert good.level == "OK" and "wrote, read back and deleted a probe object" in good.detail
    assert fake_s3.keys(bucket) == []
    missing = await check_files(settings_for(fake_s3, "nobucket", tmp_path))
    assert missing.level == "FAIL" and missing.detail.startswith("BACKTRACK_STORAGE_URL:")
    default = await check_files(Settings(_env_file=None, BACKTRACK_DATA_DIR=tmp_path))  # type: ignore[call-arg]
    assert default.level == "OK" and "data folder" in default.detail
