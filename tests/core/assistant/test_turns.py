"""One turn end to end over fakes: upload, edit, automatic export, commands, words for errors."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from core.config import Settings
from core.conversation.assistant import Assistant
from core.conversation.routing import UPLOAD_HELP
from core.conversation.turn import (
    QUICK_ACTIONS,
    ConversationKey,
    Message,
    Photo,
    Problem,
    Status,
    Turn,
    Video,
)
from core.errors import BadMedia, NothingToEdit, NotUnderstood, RateLimited
from core.timeline.picture import MAX_BYTES, WIDTH
from tests.core.assistant.conftest import KEY, attach, collect, fake_probe
from tests.fakes.fake_engine import FakeEngine
from tests.fakes.memory_store import MemoryStore


def texts(replies: list, kind: type) -> list[str]:
    return [r.text for r in replies if isinstance(r, kind)]


async def test_clip_and_instruction_give_one_finished_video(
        assistant: Assistant, engine: FakeEngine, store: MemoryStore, settings: Settings,
        clip_file: Path) -> None:
    replies = await collect(assistant, Turn(KEY, "add calm music", (attach(clip_file),)))

    # The draft is read before the render: an identical render is sent again, and the quick
    # actions under the video follow it.
    assert [c[0] for c in engine.calls] == ["new_session", "add_media", "edit", "draft",
                                            "export"]
    assert "Added video My Holiday Clip.mp4." in texts(replies, Message)
    assert "Done: did: add calm music" in texts(replies, Message)
    videos = [r for r in replies if isinstance(r, Video)]
    assert len(videos) == 1 and videos[0].path is not None and videos[0].path.exists()
    # The fake's draft has no music: the buttons offer some instead of "Quieter music".
    assert videos[0].buttons == ("Add calm music", "Vertical 9:16", "Undo")  # nothing to fade
    assert isinstance(replies[0], Status)
    assert not texts(replies, Problem)
    # The upload lives under the data folder, under a random name, never the user's.
    (record,) = store.media.values()
    assert record.path.startswith("media/s1/") and "Holiday" not in record.path
    assert (settings.data_dir / record.path).exists()
    (render,) = store.renders.values()
    assert render.state == "done" and render.progress == 100.0
    assert render.person == "telegram:100" and render.conversation == "telegram:100"


async def test_edit_before_any_clip_asks_for_one(assistant: Assistant, engine: FakeEngine) -> None:
    replies = await collect(assistant, Turn(KEY, "add calm music"))
    assert len(replies) == 1 and isinstance(replies[0], Problem)
    assert "Send me a video first" in replies[0].text
    assert engine.count("edit") == 0


async def test_edit_that_changes_nothing_says_so_and_sends_the_same_video(
        assistant: Assistant, engine: FakeEngine, clip_file: Path) -> None:
    """Issue 10: never "Nothing changed" with no video, never a second identical render."""
    await collect(assistant, Turn(KEY, "", (attach(clip_file),)))
    first = await collect(assistant, Turn(KEY, "change nothing"))
    assert "I left the timeline as it was." in texts(first, Message)
    assert any(t.startswith("Nothing changed. Timeline (1 track): 1. Video: My Holiday Clip.mp4")
               for t in texts(first, Message))
    assert engine.count("export") == 1  # never rendered before: rendered now
    again = await collect(assistant, Turn(KEY, "change nothing"))
    exported = await collect(assistant, Turn(KEY, "export"))
    assert engine.count("export") == 1, "the same timeline is not rendered twice"
    videos = [r for r in first + again + exported if isinstance(r, Video)]
    assert len(videos) == 3 and len({v.path for v in videos}) == 1
    assert videos[0].path is not None and videos[0].path.is_file()
    await collect(assistant, Turn(KEY, "export 720p"))  # other options: a new render
    assert engine.count("export") == 2


async def test_media_alone_is_added_without_rendering(
        assistant: Assistant, engine: FakeEngine, clip_file: Path, song_file: Path) -> None:
    replies = await collect(assistant, Turn(KEY, "", (attach(song_file),)))
    assert texts(replies, Message) == [
        "Added audio song.mp3.", "Now send me the video it should go under."]
    replies = await collect(assistant, Turn(KEY, "", (attach(clip_file),)))
    assert texts(replies, Message) == ["Added video My Holiday Clip.mp4."]
    replies = await collect(assistant, Turn(KEY, "", (attach(song_file),)))
    assert texts(replies, Message) == ["Added audio song.mp3."]
    assert engine.count("export") == 0
    assert texts(await collect(assistant, Turn(KEY, "")), Message) == [
        "Send me a video (a file or a link), or type \"help\" to see what I can do."]


async def test_commands(assistant: Assistant, engine: FakeEngine, store: MemoryStore,
                        clip_file: Path) -> None:
    assert texts(await collect(assistant, Turn(KEY, "upload")), Message) == [UPLOAD_HELP]
    assert texts(await collect(assistant, Turn(KEY, "积分")), Message) == [
        "Fake engine: 42 credits."]
    assert texts(await collect(assistant, Turn(KEY, "/status")), Message) == [
        "Timeline is empty. Send me a video to start."]
    assert engine.count("new_session") == 0, "no engine session just to answer questions"
    help_reply = texts(await collect(assistant, Turn(KEY, "/start")), Message)[0]
    assert "export" in help_reply and "undo" in help_reply
    assert texts(await collect(assistant, Turn(KEY, "export")), Problem) == [
        "There's nothing to export yet: send me a video first."]

    await collect(assistant, Turn(KEY, "make it pop", (attach(clip_file),)))
    replies = await collect(assistant, Turn(KEY, "export 720p"))
    assert engine.export_options[-1].resolution == 720
    assert any(isinstance(r, Video) for r in replies)

    replies = await collect(assistant, Turn(KEY, "撤销"))
    assert any(t.startswith("已撤销") for t in texts(replies, Message))  # asked in Chinese
    assert any(isinstance(r, Video) for r in replies), "undo gives the video back"

    old_session = store.conversations[str(KEY)].session_id
    replies = await collect(assistant, Turn(KEY, "start over"))
    assert texts(replies, Message) == ["Started a fresh timeline. Send me a video to work on."]
    assert store.conversations[str(KEY)].session_id != old_session
    assert texts(await collect(assistant, Turn(KEY, "add music")), Problem)[0].startswith(
        "Send me a video first")


async def test_errors_become_words(assistant: Assistant, engine: FakeEngine,
                                   clip_file: Path, caplog) -> None:
    await collect(assistant, Turn(KEY, "", (attach(clip_file),)))
    # Not understood is an answer (small talk, a can't-do request), not a failure.
    engine.fail["edit"] = NotUnderstood("I didn't understand. Try \"add calm music\".")
    replies = await collect(assistant, Turn(KEY, "blorp"))
    assert texts(replies, Problem) == []
    assert texts(replies, Message) == ["I didn't understand. Try \"add calm music\"."]
    engine.fail["edit"] = NothingToEdit("There is nothing to undo.")
    assert texts(await collect(assistant, Turn(KEY, "blorp")), Problem) == [
        "There is nothing to undo."]
    engine.fail["edit"] = RuntimeError("secret internals /etc/passwd")
    (problem,) = texts(await collect(assistant, Turn(KEY, "blorp")), Problem)
    assert problem.startswith("Sorry, something went wrong on our side (ref ")
    assert "internals" not in problem
    ref = problem.split("ref ")[1].split(")")[0]
    assert any(ref in r.getMessage() and r.exc_info for r in caplog.records)


async def test_bad_media_and_oversized_files(settings: Settings, store: MemoryStore,
                                             engine: FakeEngine, clip_file: Path,
                                             tmp_path: Path) -> None:
    async def broken_probe(path: Path, name: str | None = None):
        raise BadMedia("clip.mp4 doesn't look like a video.")

    bot = Assistant(settings, store, engine, probe=broken_probe)
    fetched: list[Path] = []
    replies = await collect(bot, Turn(KEY, "", (attach(clip_file, fetched=fetched),)))
    assert texts(replies, Problem) == ["clip.mp4 doesn't look like a video."]
    assert fetched and not fetched[0].exists(), "a rejected upload is not kept"
    assert engine.count("add_media") == 0

    fetched.clear()
    big = attach(clip_file, size=settings.max_file_bytes + 1, fetched=fetched)
    (problem,) = texts(await collect(bot, Turn(KEY, "", (big,))), Problem)
    assert "limit is 500 MB" in problem
    assert not fetched, "too big: refused before fetching"
    (problem,) = texts(await collect(bot, Turn(KEY, "", (attach(clip_file, "notes.pdf"),))),
                       Problem)
    assert "can't use that .pdf file" in problem
    await bot.aclose()


async def test_limits_after_probe(settings: Settings, store: MemoryStore, engine: FakeEngine,
                                  clip_file: Path) -> None:
    strict = settings.model_copy(update={"max_video_seconds": 2.0})
    bot = Assistant(strict, store, engine, probe=fake_probe)
    (problem,) = texts(await collect(bot, Turn(KEY, "", (attach(clip_file),))), Problem)
    assert problem == ("My Holiday Clip.mp4 is 0:04 long; the longest video I take is 0:02.")
    await bot.aclose()


async def test_duplicate_update_is_handled_once(assistant: Assistant, engine: FakeEngine) -> None:
    first = await collect(assistant, Turn(KEY, "credits", update_id="7"))
    again = await collect(assistant, Turn(KEY, "credits", update_id="7"))
    assert first and again == []
    assert engine.count("credits") == 1


class SlowDownGate:
    def __init__(self) -> None:
        self.renders = 0

    async def check_turn(self, person: str) -> None:
        if person == "telegram:spammer":
            raise RateLimited("You're sending messages quickly; try again in 40 s.")

    async def check_render(self, person: str) -> None:
        self.renders += 1
        if self.renders > 1:
            raise RateLimited("That's 1 video today, the most for one day.")


async def test_gate_limits_turns_and_renders(settings: Settings, store: MemoryStore,
                                             engine: FakeEngine, clip_file: Path) -> None:
    bot = Assistant(settings, store, engine, probe=fake_probe, gate=SlowDownGate())
    spam = ConversationKey("telegram", "spammer")
    assert texts(await collect(bot, Turn(spam, "credits")), Problem) == [
        "You're sending messages quickly; try again in 40 s."]
    assert engine.count("credits") == 0
    await collect(bot, Turn(KEY, "music", (attach(clip_file),)))
    replies = await collect(bot, Turn(KEY, "export"))
    assert texts(replies, Problem) == ["That's 1 video today, the most for one day."]
    assert engine.count("export") == 1
    await bot.aclose()


async def test_group_members_never_share_a_timeline(assistant: Assistant, store: MemoryStore,
                                                    clip_file: Path) -> None:
    alice = ConversationKey("telegram", "-100", "1")
    bob = ConversationKey("telegram", "-100", "2")
    await collect(assistant, Turn(alice, "", (attach(clip_file),)))
    assert texts(await collect(assistant, Turn(bob, "add music")), Problem)[0].startswith(
        "Send me a video first")
    assert store.conversations["telegram:-100:1"].session_id != (
        store.conversations["telegram:-100:2"].session_id)


async def test_media_the_engine_refuses_is_not_kept(
        assistant: Assistant, engine: FakeEngine, store: MemoryStore, settings: Settings,
        clip_file: Path) -> None:
    from core.errors import UnsupportedFile

    engine.fail["add_media"] = UnsupportedFile("This engine can't use that clip.")
    replies = await collect(assistant, Turn(KEY, "add calm music", (attach(clip_file),)))
    assert texts(replies, Problem) == ["This engine can't use that clip."]
    assert store.media == {}
    assert not [p for p in (settings.data_dir / "media").rglob("*") if p.is_file()]
    del engine.fail["add_media"]
    assert texts(await collect(assistant, Turn(KEY, "add music")), Problem)[0].startswith(
        "Send me a video first")


async def test_a_full_data_folder_makes_room_for_an_upload_or_says_so(
        store: MemoryStore, engine: FakeEngine, settings: Settings, tmp_path: Path) -> None:
    import os

    small = settings.model_copy(update={"data_max_bytes": 100_000})
    old = small.data_dir / "renders" / "old.mp4"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"\0" * 80_000)
    os.utime(old, (1_000_000, 1_000_000))
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\1" * 30_000)
    bot = Assistant(small, store, engine, probe=fake_probe)
    replies = await collect(bot, Turn(KEY, "", (attach(clip),)))
    assert not texts(replies, Problem) and not old.exists()

    song = tmp_path / "song.mp3"
    song.write_bytes(b"\2" * 80_000)
    (problem,) = texts(await collect(bot, Turn(KEY, "", (attach(song),))), Problem)
    assert problem.startswith("My storage is full right now")
    (record,) = store.media.values()
    assert (small.data_dir / record.path).exists(), "the clip being edited is never swept"
    await bot.aclose()


async def test_without_a_draft_the_buttons_are_the_default_set(
        assistant: Assistant, engine: FakeEngine, clip_file: Path, monkeypatch) -> None:
    async def no_draft(session: object) -> None:
        raise RuntimeError("the draft could not be read")

    monkeypatch.setattr(engine, "draft", no_draft)
    replies = await collect(assistant, Turn(KEY, "add calm music", (attach(clip_file),)))
    (video,) = [r for r in replies if isinstance(r, Video)]
    assert video.buttons == QUICK_ACTIONS
    assert not texts(replies, Problem)


async def test_status_sends_the_timeline_picture_after_the_summary(
        assistant: Assistant, clip_file: Path) -> None:
    empty = await collect(assistant, Turn(KEY, "status"))
    assert not [r for r in empty if isinstance(r, Photo)], "no picture of an empty timeline"
    await collect(assistant, Turn(KEY, "add calm music", (attach(clip_file),)))
    replies = await collect(assistant, Turn(KEY, "status"))
    # The fake's clip is no video: the picture is drawn without thumbnails, not skipped.
    assert [type(r) for r in replies] == [Message, Photo]
    photo = replies[1]
    assert isinstance(photo, Photo) and photo.caption == "The timeline"
    with Image.open(photo.path) as image:
        assert image.format == "PNG" and image.width == WIDTH
    assert photo.path.stat().st_size < MAX_BYTES
