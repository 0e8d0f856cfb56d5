"""Delivery: a file when it fits, else our signed link, else the engine's URL, else a re-encode."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Settings
from core.conversation.assistant import Assistant
from core.conversation.delivery import Handoff, handoff, quick_actions
from core.conversation.routing import Route, route
from core.conversation.snapshot import picture_path
from core.conversation.turn import QUICK_ACTIONS, Problem, Turn, Video
from core.draft import AUDIO, Draft
from core.engine import Rendered
from core.local.render_job import put_video
from core.timeline.convert import draft_of, timeline_of
from core.timeline.model import Timeline
from core.timeline.picture import MAX_BYTES
from tests.core.assistant.conftest import KEY, attach, collect, fake_probe
from tests.fakes.fake_engine import FakeEngine
from tests.fakes.memory_store import MemoryStore

FILE = Rendered(path=Path("r.mp4"), url=None, size=1000, duration=4.0)
BOTH = Rendered(path=Path("r.mp4"), url="https://cdn/x.mp4", size=1000, duration=4.0)
REMOTE = Rendered(path=None, url="https://cdn/x.mp4", size=1000, duration=4.0)


@pytest.mark.parametrize(("rendered", "limit", "can_sign", "expected"), [
    (FILE, None, False, "file"),
    (FILE, 1000, False, "file"),
    (FILE, 999, True, "link"),
    (FILE, 999, False, "shrink"),
    (BOTH, 999, False, "url"),
    (BOTH, 999, True, "link"),
    (REMOTE, None, False, "url"),
    (REMOTE, 10, True, "url"),
])
def test_handoff(rendered: Rendered, limit: int | None, can_sign: bool,
                 expected: Handoff) -> None:
    assert handoff(rendered, limit, can_sign) == expected


class FakeSigner:
    def url_for(self, render_id: str, filename: str) -> str:
        return f"https://dl.example.test/r/{render_id}/{filename}?sig=x"


async def deliver(assistant: Assistant, clip_file: Path, limit: int | None) -> list:
    await collect(assistant, Turn(KEY, "", (attach(clip_file),)))
    return await collect(assistant, Turn(KEY, "add calm music", upload_limit=limit))


async def test_fits_the_limit_is_sent_as_a_file(assistant: Assistant, clip_file: Path) -> None:
    (video,) = [r for r in await deliver(assistant, clip_file, 1000) if isinstance(r, Video)]
    assert video.path is not None and video.path.stat().st_size == 1000
    assert video.size == 1000 and video.duration == 4.0


async def test_too_big_with_link_server_gets_a_signed_link(
        settings: Settings, store: MemoryStore, engine: FakeEngine, clip_file: Path) -> None:
    bot = Assistant(settings, store, engine, probe=fake_probe, signer=FakeSigner())
    (video,) = [r for r in await deliver(bot, clip_file, 999) if isinstance(r, Video)]
    (render,) = store.renders.values()
    assert video.path is None
    assert video.url == f"https://dl.example.test/r/{render.id}/backtrack.mp4?sig=x"
    assert video.url in video.caption
    assert render.output_path is not None and Path(render.output_path).exists()
    assert engine.count("export") == 1
    # The player page behind the link shows the timeline picture, drawn now.
    picture = picture_path(settings.data_dir, render.id)
    assert picture.read_bytes().startswith(b"\x89PNG") and picture.stat().st_size < MAX_BYTES
    await bot.aclose()


async def test_too_big_without_link_server_is_re_encoded_to_fit(
        assistant: Assistant, engine: FakeEngine, store: MemoryStore, clip_file: Path) -> None:
    (video,) = [r for r in await deliver(assistant, clip_file, 800) if isinstance(r, Video)]
    assert engine.count("export") == 2
    assert engine.export_options[-1].max_bytes == 760
    assert video.path is not None and video.path.stat().st_size <= 800
    assert [r.state for r in store.renders.values()] == ["done", "done"]


async def test_re_encode_still_too_big_is_a_problem(
        assistant: Assistant, engine: FakeEngine, clip_file: Path) -> None:
    engine.honour_max_bytes = False
    replies = await deliver(assistant, clip_file, 800)
    assert not [r for r in replies if isinstance(r, Video)]
    assert [r.text for r in replies if isinstance(r, Problem)] == [
        "Even a smaller copy is too big for this chat. Try a shorter clip, or \"export 720p\"."]
    assert engine.count("export") == 2


async def test_remote_render_is_delivered_as_its_url(
        settings: Settings, store: MemoryStore, tmp_path: Path, clip_file: Path) -> None:
    engine = FakeEngine(tmp_path, remote=True)
    bot = Assistant(settings, store, engine, probe=fake_probe)
    (video,) = [r for r in await deliver(bot, clip_file, 50) if isinstance(r, Video)]
    (render,) = store.renders.values()
    assert video.path is None and video.url == f"https://cdn.example.test/{render.id}.mp4"
    assert render.remote_id == f"remote-{render.id}" and render.state == "done"
    assert render.output_url == video.url
    await bot.aclose()


async def test_failed_render_is_recorded_and_apologised(
        assistant: Assistant, engine: FakeEngine, store: MemoryStore, clip_file: Path) -> None:
    engine.fail["export"] = RuntimeError("ffmpeg exploded")
    replies = await deliver(assistant, clip_file, None)
    assert next(r for r in replies if isinstance(r, Problem)).text.startswith("Sorry")
    (render,) = store.renders.values()
    assert render.state == "failed" and render.error == "RuntimeError: ffmpeg exploded"


async def test_render_progress_writes_are_throttled() -> None:
    from core.conversation.renders import RenderLog
    from core.ports import RenderRecord

    now = [100.0]
    store = MemoryStore()
    job = RenderLog(store, RenderRecord(id="r", conversation="c:1", person="c:1", session_id="s",
                                        engine="fake", state="queued"), clock=lambda: now[0])
    await job.save()
    await job.progress(None)  # first sign of life: running
    for percent, seconds in ((1, 0.1), (2, 0.1), (4, 0.1), (6, 0.1), (7, 3.0), (8, 0.1)):
        now[0] += seconds
        await job.progress(percent)
    assert [(r.state, r.progress) for r in store.saves] == [
        ("queued", 0.0), ("running", 0.0), ("running", 6.0), ("running", 7.0)]
    assert job.record.progress == 8  # kept in memory for the next write
    await job.finish("done", progress=100.0)
    assert store.renders["r"].state == "done" and store.renders["r"].updated_at == now[0]


async def test_the_renderer_keeps_no_entry_per_conversation_once_renders_end(
        settings: Settings, store: MemoryStore, engine: FakeEngine) -> None:
    import asyncio

    from core.conversation.renders import Renderer
    from core.conversation.turn import ConversationKey
    from core.engine import ExportOptions, SessionRef

    renderer = Renderer(settings, store, engine)

    async def render(chat: str) -> None:
        turn = Turn(ConversationKey("telegram", chat), "export")
        await renderer.render(turn, SessionRef(str(turn.key), "s1"), ExportOptions(),
                              lambda text, percent: None, lambda reply: None)

    for chat in range(50):
        await render(str(chat))
    engine.fail["export"] = RuntimeError("ffmpeg exploded")
    with pytest.raises(RuntimeError):
        await render("failed")
    assert renderer.last == {}, "finished and failed renders need no fixing later"

    del engine.fail["export"]
    engine.export_gate = asyncio.Event()
    task = asyncio.create_task(render("slow"))
    await asyncio.wait_for(engine.export_started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (key,) = renderer.last  # a cancelled render stays until its turn says why
    await renderer.timed_out(key)
    assert renderer.last == {}
    assert sorted(r.state for r in store.renders.values()).count("failed") == 2
    renderer.forget("telegram:nobody")  # nothing to forget is fine


# Quick actions: the buttons under a video depend on the draft ---------------------------------

def _draft(volume: float | None = 0.4, fade_out: int = 0, aspect: str | None = None) -> Draft:
    draft = draft_of(put_video(Timeline(), "clip.mp4", "v1", 4.0))
    if volume is not None:
        track = draft.track_dict(AUDIO)
        assert track is not None
        meta: dict[str, object] = {"mood": "calm", "volume": volume}
        if fade_out:
            meta["fade_out"] = fade_out
        track["sg"] = [{"s": 0, "d": 4000, "m": meta}]
    if aspect:
        draft.meta["aspect"] = aspect
    return draft


@pytest.mark.parametrize(("draft", "size", "expected"), [
    (None, (None, None), QUICK_ACTIONS),
    (_draft(), (320, 240), ("Fade out", "Quieter music", "Vertical 9:16", "Undo")),
    (_draft(fade_out=1333), (320, 240), ("Quieter music", "Vertical 9:16", "Undo")),
    (_draft(aspect="9:16"), (1080, 1920), ("Fade out", "Quieter music", "Undo")),
    (_draft(), (1080, 1920), ("Fade out", "Quieter music", "Undo")),  # a portrait clip
    (_draft(aspect="1:1"), (720, 720), ("Fade out", "Quieter music", "Vertical 9:16", "Undo")),
    (_draft(volume=0.2), (320, 240), ("Fade out", "Louder music", "Vertical 9:16", "Undo")),
    (_draft(volume=0.196), (320, 240), ("Fade out", "Louder music", "Vertical 9:16", "Undo")),
    (_draft(volume=0.21), (320, 240), ("Fade out", "Quieter music", "Vertical 9:16", "Undo")),
    (_draft(volume=0.1, fade_out=2000, aspect="9:16"), (None, None), ("Louder music", "Undo")),
    (_draft(volume=None), (320, 240), ("Add calm music", "Vertical 9:16", "Undo")),
])
def test_quick_actions(draft: Draft | None, size: tuple[int | None, int | None],
                       expected: tuple[str, ...]) -> None:
    assert quick_actions(timeline_of(draft) if draft else None, *size) == expected


# Each label, sent back as a message, is the edit it offers.
LABELS = {
    "Fade out": lambda before, after: _meta(after).get("fade_out", 0) > 0,
    "Quieter music": lambda before, after: _volume(after) < _volume(before),
    "Louder music": lambda before, after: _volume(after) > _volume(before),
    "Vertical 9:16": lambda before, after: after.meta.get("aspect") == "9:16",
    "Add calm music": lambda before, after: _meta(after).get("mood") == "calm",
}


def _meta(draft: Draft) -> dict:
    seg = draft.first_segment(AUDIO)
    return dict(seg.meta) if seg is not None else {}


def _volume(draft: Draft) -> float:
    seg = draft.first_segment(AUDIO)
    return (seg.volume or 0.0) if seg is not None else 0.0


@pytest.mark.parametrize("label", sorted(LABELS))
def test_every_quick_action_is_the_edit_it_offers(label: str) -> None:
    from core.parser.instructions import Context, apply_instruction

    assert route(label) == Route("edit", label)
    before = _draft(volume=0.4) if label != "Add calm music" else _draft(volume=None)
    after = apply_instruction(before, label, Context(4000, True, None)).draft
    assert LABELS[label](before, after), (label, after.data)


def test_undo_button_is_undo() -> None:
    assert route("Undo") == Route("undo")
    labels = {label for d in (_draft(), _draft(0.1, 100, "9:16"), _draft(None), None)
              for label in quick_actions(timeline_of(d) if d else None)}
    assert labels <= set(LABELS) | {"Undo"}
