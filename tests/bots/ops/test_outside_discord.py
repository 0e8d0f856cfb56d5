"""`backtrack discord` and `backtrack run` as processes, pointed at the fake Discord through
DISCORD_API_URL (written as a bare host): they log in there, sync the commands there, look up the
gateway there and connect to it; SIGTERM exits 0. A gateway that refuses the first connection
(discord.py cannot retry that one) or an unreachable REST API stops start-up with one line. With
a (fake) gateway there, the process comes online and answers a DM and a /music command."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_gateway import FakeGateway
from tests.media import make_video, measure, tone_level_db

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(token="fake.discord-token.for-the-outside-test")
    await server.start()
    yield server
    await server.stop()


def process_env(tmp_path: Path, api_url: str, token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BACKTRACK_", "TELEGRAM_", "DISCORD_", "NEMO_"))}
    env.update(PYTHONPATH=str(ROOT), BACKTRACK_DATA_DIR=str(tmp_path / "data"),
               DISCORD_BOT_TOKEN=token, DISCORD_API_URL=api_url, DISCORD_GUILD_ID="555")
    return env


async def launch(command: str, tmp_path: Path, api_url: str,
                 token: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bots.cli", command, cwd=tmp_path,
        env=process_env(tmp_path, api_url, token),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


@pytest.fixture
async def silent_gateway() -> AsyncIterator[list[int]]:
    """A TCP server that accepts and never answers (a gateway that hangs); yields
    [port, connections so far]."""
    seen = [0, 0]
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen[1] += 1
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    seen[0] = server.sockets[0].getsockname()[1]
    yield seen
    for writer in held:
        writer.close()
    server.close()


@pytest.mark.parametrize("command", ["discord", "run"])
async def test_process_uses_the_api_and_gateway_and_stops_on_sigterm(
        fake: FakeDiscord, silent_gateway: list[int], tmp_path: Path, command: str) -> None:
    fake.gateway_url = f"ws://127.0.0.1:{silent_gateway[0]}/"
    proc = await launch(command, tmp_path, fake.base, fake.token)
    try:
        await fake.wait_for(lambda: silent_gateway[1] >= 1, timeout=30)
        assert proc.returncode is None
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, err_bytes = await asyncio.wait_for(proc.communicate(), 30)
    err = err_bytes.decode()
    assert proc.returncode == 0, err
    assert fake.requests[:3] == ["GET /api/v10/users/@me", "GET /api/v10/oauth2/applications/@me",
                                 "GET /api/v10/gateway/bot"]
    assert {c["name"] for c in fake.commands[555]} >= {"music", "edit", "undo", "help"}
    assert "Traceback" not in err
    assert fake.token not in err


@pytest.mark.parametrize("command", ["discord", "run"])
async def test_gateway_refusing_the_first_connection_is_one_line(
        fake: FakeDiscord, tmp_path: Path, command: str) -> None:
    proc = await launch(command, tmp_path, fake.base, fake.token)
    _, err_bytes = await asyncio.wait_for(proc.communicate(), 30)
    err = err_bytes.decode()
    assert proc.returncode == 1, err
    assert "GET /gateway" in fake.requests  # the address GET /gateway/bot gave
    assert f"Could not connect to Discord's gateway at ws://127.0.0.1:{fake.port}/gateway" in err
    assert "gateway connection failed (WSServerHandshakeError: 404" in err
    assert "Traceback" not in err
    assert fake.token not in err


async def test_unreachable_api_is_one_line(tmp_path: Path) -> None:
    proc = await launch("discord", tmp_path, "http://127.0.0.1:9/api/v10", "some-token")
    _, err_bytes = await asyncio.wait_for(proc.communicate(), 30)
    err = err_bytes.decode()
    assert proc.returncode == 1, err
    assert "Could not reach Discord at http://127.0.0.1:9/api/v10" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["discord", "run"])
async def test_process_online_answers_a_dm_and_a_slash_command(
        fake: FakeDiscord, tmp_path: Path, command: str) -> None:
    """With a gateway at the address GET /gateway/bot gives, the bot comes online and works."""
    gateway = await FakeGateway(fake.token, fake.user(fake.bot_id, "backtrack", bot=True),
                                fake.app_id).start()
    fake.gateway_url = gateway.url
    dm, channel, ann, ben = 9001, 9002, 77, 78
    clip = make_video(tmp_path / "clip.mp4", seconds=2).read_bytes()
    proc = await launch(command, tmp_path, fake.base, fake.token)
    try:
        await fake.wait_for(lambda: gateway.identified, timeout=30)
        await gateway.dispatch("MESSAGE_CREATE", fake.message(
            user_id=ann, channel_id=dm, content="add background music",
            attachments=[fake.attachment(dm, "clip.mp4", clip)]))
        slash = fake.slash("music", user_id=ben, channel_id=channel, guild_id=555,
                           video=fake.attachment(channel, "take2.mp4", clip),
                           prompt="add calm music and fade it out")
        await gateway.dispatch("INTERACTION_CREATE", slash)
        replies = await fake.wait_for(
            lambda: [m for m in fake.channel_messages(dm) if m.files], timeout=60)
        followups = await fake.wait_for(
            lambda: [m for m in fake.interaction(slash).followups if m.files], timeout=60)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, err_bytes = await asyncio.wait_for(proc.communicate(), 30)
        await gateway.stop()
    err = err_bytes.decode()
    assert proc.returncode == 0, err
    assert fake.interaction(slash).callbacks[0]["type"] == 5  # deferred at once
    for i, sent in enumerate((replies[0], followups[0])):
        out = tmp_path / f"got-{i}.mp4"
        out.write_bytes(sent.files[0][1])
        facts = measure(out)
        assert abs(facts.duration - 2.0) < 0.3 and facts.audio_streams == 1
        assert tone_level_db(out, 0.3, 1.5, 440) > -35  # the clip's own sound is kept
    assert "Traceback" not in err and fake.token not in err
