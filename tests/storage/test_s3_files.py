"""S3Files against moto's S3 server on 127.0.0.1: whole-or-nothing files, presigned links
that expire, and start-up checks that name the setting."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from pathlib import Path

import httpx
import pytest

from core.config import Settings
from core.conversation.object_page import publish_page
from core.engine import Rendered
from core.errors import ConfigError, StorageUnavailable
from storage.files import DataFolderFiles, open_files
from storage.s3 import Location, S3Files
from tests.fakes.s3 import SECRET as KEY_SECRET
from tests.fakes.s3 import FakeS3, expiry_gate
from tests.fakes.serve import serve_app


def s3_files(fake_s3: FakeS3, bucket: str, tmp_path: Path, **more: object) -> S3Files:
    """Without retries: a dead endpoint fails at once (production retries 3 times)."""
    settings = Settings(BACKTRACK_DATA_DIR=tmp_path, **fake_s3.settings(bucket, **more))
    assert isinstance(open_files(settings), S3Files)
    return S3Files.from_settings(settings, attempts=1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_file_goes_to_the_bucket_and_comes_back_whole(fake_s3: FakeS3,
                                                              tmp_path: Path) -> None:
    bucket = fake_s3.new_bucket()
    files = s3_files(fake_s3, bucket, tmp_path)
    source = tmp_path / "clip.mp4"
    source.write_bytes(os.urandom(300_000))
    try:
        await files.put("media/s1/abc.mp4", source)
        assert fake_s3.keys(bucket) == ["bt/media/s1/abc.mp4"]
        back = tmp_path / "again" / "abc.mp4"
        assert await files.get("media/s1/abc.mp4", back)
        assert back.read_bytes() == source.read_bytes()
        assert not await files.get("media/s1/none.mp4", tmp_path / "none.mp4")
        assert not (tmp_path / "none.mp4").exists()
        await files.delete("media/s1/abc.mp4")
        assert fake_s3.keys(bucket) == []
    finally:
        await files.close()


async def test_a_large_file_goes_up_in_parts(fake_s3: FakeS3, tmp_path: Path) -> None:
    bucket = fake_s3.new_bucket()
    settings = Settings(BACKTRACK_DATA_DIR=tmp_path, **fake_s3.settings(bucket))
    files = S3Files.from_settings(settings, part_bytes=5 * 1024 * 1024)
    source = tmp_path / "big.mp4"
    source.write_bytes(os.urandom(11 * 1024 * 1024))  # three parts
    try:
        await files.put("renders/big.mp4", source)
        head = fake_s3.client().head_object(Bucket=bucket, Key="bt/renders/big.mp4")
        assert head["ContentLength"] == source.stat().st_size
        assert head["ETag"].strip('"').endswith("-3")  # a multipart object of 3 parts
        assert fake_s3.uploads(bucket) == []
        back = tmp_path / "back.mp4"
        assert await files.get("renders/big.mp4", back)
        assert back.read_bytes() == source.read_bytes()
    finally:
        await files.close()


async def test_a_presigned_link_downloads_the_bytes_then_expires(fake_s3: FakeS3,
                                                                 tmp_path: Path) -> None:
    bucket = fake_s3.new_bucket()
    source = tmp_path / "r.mp4"
    source.write_bytes(os.urandom(50_000))
    async with serve_app(expiry_gate(fake_s3.endpoint)) as gate:
        # Links name the address people download from; here the gate in front of moto.
        files = s3_files(fake_s3, bucket, tmp_path, BACKTRACK_S3_PUBLIC_URL=gate,
                         BACKTRACK_LINK_TTL=2)
        try:
            await files.put("renders/r1.mp4", source)
            url = await files.link("renders/r1.mp4", "my clip.mp4")
            assert url is not None and url.startswith(gate) and "X-Amz-Signature=" in url
            async with httpx.AsyncClient() as client:
                first = await client.get(url)
                assert first.status_code == 200
                assert first.content == source.read_bytes()
                assert first.headers["content-disposition"] == \
                    'attachment; filename="my_clip.mp4"'
                await asyncio.sleep(3.1)
                late = await client.get(url)
            assert late.status_code == 403
            assert b"expired" in late.content
        finally:
            await files.close()


async def test_an_outage_mid_upload_leaves_no_object_and_no_file(
        fake_s3: FakeS3, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    files = s3_files(fake_s3, "anything", tmp_path, BACKTRACK_S3_ENDPOINT_URL=dead)
    source = tmp_path / "clip.mp4"
    source.write_bytes(b"x" * 1000)
    try:
        with caplog.at_level(logging.WARNING), pytest.raises(StorageUnavailable) as caught:
            await files.put("media/s/clip.mp4", source)
        assert "file storage" in caught.value.user_message
        with pytest.raises(StorageUnavailable):
            await files.get("media/s/clip.mp4", tmp_path / "down" / "clip.mp4")
        assert list((tmp_path / "down").glob("*")) == []
        assert any(r.getMessage() == "object storage failed" for r in caplog.records)
    finally:
        await files.close()


async def test_a_multipart_upload_cut_short_is_aborted(fake_s3: FakeS3, tmp_path: Path) -> None:
    bucket = fake_s3.new_bucket()
    files = S3Files.from_settings(Settings(**fake_s3.settings(bucket)),
                                  part_bytes=5 * 1024 * 1024)
    source = tmp_path / "big.mp4"
    source.write_bytes(os.urandom(11 * 1024 * 1024))
    s3 = await files._s3()
    real = s3.upload_part
    calls = 0

    async def second_part_fails(**kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionResetError("the storage went away")
        return await real(**kwargs)

    s3.upload_part = second_part_fails
    try:
        with pytest.raises(StorageUnavailable):
            await files.put("renders/big.mp4", source)
        assert fake_s3.keys(bucket) == []
        assert fake_s3.uploads(bucket) == []
    finally:
        await files.close()


async def test_check_names_the_setting(fake_s3: FakeS3, tmp_path: Path) -> None:
    bucket = fake_s3.new_bucket()
    good = s3_files(fake_s3, bucket, tmp_path)
    missing = s3_files(fake_s3, "no-such-bucket-here", tmp_path)
    dead = s3_files(fake_s3, bucket, tmp_path,
                    BACKTRACK_S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}")
    try:
        said = await good.check(write=True)
        assert "probe object" in said and fake_s3.keys(bucket) == []
        with pytest.raises(ConfigError, match=r"^BACKTRACK_STORAGE_URL: there is no bucket"):
            await missing.check()
        with pytest.raises(ConfigError, match=r"^BACKTRACK_S3_ENDPOINT_URL: can't reach"):
            await dead.check()
    finally:
        for files in (good, missing, dead):
            await files.close()


async def test_wrong_keys_name_the_key_settings(fake_s3: FakeS3, tmp_path: Path) -> None:
    bucket = fake_s3.new_bucket()
    files = s3_files(fake_s3, bucket, tmp_path,
                     BACKTRACK_S3_SECRET_ACCESS_KEY="not-the-secret-at-all")
    fake_s3.require_keys(True)
    try:
        with pytest.raises(ConfigError) as caught:
            await files.check()
    finally:
        fake_s3.require_keys(False)
        await files.close()
    line = str(caught.value)
    assert line.startswith("BACKTRACK_S3_ACCESS_KEY_ID / BACKTRACK_S3_SECRET_ACCESS_KEY: the "
                           "storage refused these keys")
    assert "not-the-secret" not in line and "\n" not in line


@pytest.mark.parametrize("url", ["http://bucket/x", "s3://", "s3:///prefix", "s3://b/p?x=1"])
def test_a_storage_url_that_is_not_s3_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match=r"^BACKTRACK_STORAGE_URL: use s3://bucket"):
        Location.parse(url)


def test_half_the_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^BACKTRACK_S3_SECRET_ACCESS_KEY: set both"):
        open_files(Settings(BACKTRACK_STORAGE_URL="s3://b", BACKTRACK_S3_ACCESS_KEY_ID="k"))


@pytest.mark.parametrize("key", ["", "/etc/passwd", "media/../../x"])
def test_keys_never_leave_the_prefix(key: str) -> None:
    with pytest.raises(ValueError):
        Location("b", "p").object_key(key)


async def test_the_data_folder_is_the_default(tmp_path: Path) -> None:
    files = open_files(Settings(BACKTRACK_DATA_DIR=tmp_path))
    assert isinstance(files, DataFolderFiles) and not files.shared
    inside = tmp_path / "media" / "s" / "a.mp4"
    inside.parent.mkdir(parents=True)
    inside.write_bytes(b"clip")
    await files.put("media/s/a.mp4", inside)  # the same file: nothing to do
    assert await files.link("renders/x.mp4", "x.mp4") is None
    assert files.link_seconds == 0
    await files.put_data("renders/x.html", b"<p>page</p>", "text/html")
    assert (tmp_path / "renders" / "x.html").read_bytes() == b"<p>page</p>"
    assert not list((tmp_path / "renders").glob("*.part"))
    copy = tmp_path / "elsewhere.mp4"
    assert await files.get("media/s/a.mp4", copy)
    assert copy.read_bytes() == b"clip"
    await files.delete("media/s/a.mp4")
    assert not inside.exists()


async def test_links_and_keys_never_reach_the_log(fake_s3: FakeS3, tmp_path: Path) -> None:
    """At DEBUG, through Backtrack's own log set-up, a put, a failed get, a link and a player
    page (its poster read by ffmpeg through a presigned URL) log no
    presigned URL, no signature and no key."""
    import io

    from core.logs import setup_logging

    bucket = fake_s3.new_bucket()
    settings = Settings(BACKTRACK_DATA_DIR=tmp_path, BACKTRACK_LOG_LEVEL="DEBUG",
                        **fake_s3.settings(bucket))
    out = io.StringIO()
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    setup_logging(settings, out)
    # moto's server runs in this process: its access log (werkzeug) is the storage's, not ours.
    access = logging.getLogger("werkzeug")
    access_level = access.level
    access.setLevel(logging.WARNING)
    files = S3Files.from_settings(settings, attempts=1)
    source = tmp_path / "a.mp4"
    source.write_bytes(b"a" * 100)
    try:
        await files.put("renders/a.mp4", source)
        url = await files.link("renders/a.mp4", "a.mp4")
        assert url is not None
        # The player page, its poster tried from the bucket by ffmpeg (not a video: it fails).
        gone = tmp_path / "renders" / "a.mp4"
        page = await publish_page(files, "renders/a.mp4", "a.mp4", Rendered(
            gone, None, 100, 1.0), None, tmp_path / "renders")
        assert page is not None
        await files.get("renders/none.mp4", tmp_path / "none.mp4")
        logging.getLogger("backtrack.test").info("done")
    finally:
        await files.close()
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
        root.setLevel(level)
        access.setLevel(access_level)
    text = out.getvalue()
    assert "done" in text
    signature = url.split("X-Amz-Signature=")[1]
    page_signature = page.split("X-Amz-Signature=")[1]
    assert "no poster" in text or "thumbnail: none" in text  # the failure itself is logged
    for secret in (signature, page_signature, "X-Amz-Signature", KEY_SECRET, "Signature="):
        assert secret not in text
