"""Two bot processes on one store run turns at the same time and neither hangs: a Telegram
bot (`backtrack run`) and a console (`backtrack chat`), started together, each render a video,
and a second console speaks in the first console's conversation while its render runs (it is
told the turn is busy). On SQLite (renders in each process) and on PostgreSQL (renders on a
worker). A `backtrack chat` started next to a running bot was once seen to wait forever."""

from __future__ import annotations

import re
from pathlib import Path

from tests.media import make_video, measure
from tests.scale.processes import Site

CHAT = 4242
BUSY = "Still working on your last request"


def videos_in(output: str) -> list[Path]:
    return [Path(m) for m in re.findall(r"^Video: (.+?) \(", output, flags=re.MULTILINE)]


async def test_two_processes_render_at_once_and_a_third_is_told_busy(
        site: Site, tmp_path: Path) -> None:
    clip = make_video(tmp_path / "clip.mp4", seconds=6, freq=440)
    long = make_video(tmp_path / "long.mp4", seconds=10, width=480, height=360)
    stored = site.fake.add_file(clip.read_bytes())
    if site.url is not None:
        await site.worker(concurrency=2)
    bot = await site.bot()
    joined = await site.chat(end=False)  # started now, speaks later
    user = site.fake.user(CHAT)
    # Both turns start together: the Telegram one and the console's.
    site.fake.push(message=site.fake.message(site.fake.private(user), user,
                                             caption="add calm music",
                                             video=site.fake.video(stored, duration=6)))
    console = await site.chat(f"{long}\nadd calm music and make it vertical\n")
    await site.until(lambda: any(state == "running" and conversation.startswith("console")
                                 for _, state, conversation in site.renders()),
                     120, "the console's render never started")
    await site.say(joined, "make the music quieter\n")
    said = await site.finish(joined, 60, "the second backtrack chat")
    assert joined.returncode == 0, said + site.logs()
    assert BUSY in said and not videos_in(said), said

    out = await site.finish(console, 180, "the first backtrack chat")
    assert console.returncode == 0, out + site.logs()
    (video,) = videos_in(out)
    facts = measure(video)
    assert abs(facts.duration - 10.0) < 0.3 and facts.height > facts.width  # type: ignore[operator]
    await site.until(lambda: site.fake.sent(CHAT, "video"), 180, "Telegram got no video")
    delivered = tmp_path / "telegram.mp4"
    delivered.write_bytes(site.fake.sent(CHAT, "video")[0].upload or b"")
    facts = measure(delivered)
    assert abs(facts.duration - 6.0) < 0.3 and facts.audio_streams == 1
    assert await site.stop(bot) == 0, site.logs()
    assert [state for _, state, _ in site.renders()] == ["done", "done"], site.renders()
    assert len(site.fake.sent(CHAT, "video")) == 1
