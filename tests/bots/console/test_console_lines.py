"""The console's pure parts: what a typed line asks for, and how replies print."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bots.console import Printer
from bots.console_lines import Line, parse_line
from core.conversation.turn import Message, Problem, Status, Video

FILES = {Path("clip.mp4"), Path("my clip.mov"), Path("/tmp/song.mp3"),
         Path("/tmp/qa/media/long 60s.mp4"), Path("/tmp/qa/it's mine.mp4"),
         Path.home() / "clips" / "a b.mp4",
         Path("https://x.test/a.mp4")}  # a file with a link's name: still a link


def is_file(path: Path) -> bool:
    return path in FILES


@pytest.mark.parametrize(("line", "expected"), [
    ("", Line("empty")),
    ("   ", Line("empty")),
    ("/quit", Line("quit")),
    ("/exit", Line("quit")),
    ("/demo", Line("demo")),
    ("/demo add calm music", Line("demo", "add calm music")),
    ("clip.mp4", Line("upload", "", Path("clip.mp4"))),
    ("/upload clip.mp4", Line("upload", "", Path("clip.mp4"))),
    ('"my clip.mov"', Line("upload", "", Path("my clip.mov"))),
    ("'my clip.mov' add calm music", Line("upload", "add calm music", Path("my clip.mov"))),
    ("/upload /tmp/song.mp3", Line("upload", "", Path("/tmp/song.mp3"))),
    ("/upload", Line("message", "upload")),
    ("/upload nope.mp4", Line("missing", "", Path("nope.mp4"))),
    ("nope.mov", Line("missing", "", Path("nope.mov"))),
    ("add background music", Line("message", "add background music")),
    ("it's lovely", Line("message", "it's lovely")),
    ("export 720p", Line("message", "export 720p")),
    ("cancel", Line("message", "cancel")),
    ("https://example.test/clip.mp4", Line("message", "https://example.test/clip.mp4")),
    ("http://example.test/a.mp4 add calm music",
     Line("message", "http://example.test/a.mp4 add calm music")),
    # Paths typed as they are: spaces, apostrophes, quotes or not, "~".
    ("/tmp/qa/media/long 60s.mp4", Line("upload", "", Path("/tmp/qa/media/long 60s.mp4"))),
    ("  /tmp/qa/media/long 60s.mp4  ", Line("upload", "", Path("/tmp/qa/media/long 60s.mp4"))),
    ("/upload /tmp/qa/media/long 60s.mp4",
     Line("upload", "", Path("/tmp/qa/media/long 60s.mp4"))),
    ("/tmp/qa/media/long 60s.mp4 add calm music",
     Line("upload", "add calm music", Path("/tmp/qa/media/long 60s.mp4"))),
    ("/tmp/qa/it's mine.mp4", Line("upload", "", Path("/tmp/qa/it's mine.mp4"))),
    ('"/tmp/qa/it\'s mine.mp4"', Line("upload", "", Path("/tmp/qa/it's mine.mp4"))),
    ("/upload '/tmp/qa/it's mine.mp4'", Line("upload", "", Path("/tmp/qa/it's mine.mp4"))),
    ('"/tmp/qa/it\'s mine.mp4" add calm music',
     Line("upload", "add calm music", Path("/tmp/qa/it's mine.mp4"))),
    ("~/clips/a b.mp4", Line("upload", "", Path.home() / "clips" / "a b.mp4")),
    # A link is never a path, even when a file of that name exists.
    ("https://x.test/a.mp4", Line("message", "https://x.test/a.mp4")),
    ("/upload https://x.test/a.mp4", Line("message", "/upload https://x.test/a.mp4")),
    ("HTTPS://x.test/a.mp4 add calm music", Line("message", "HTTPS://x.test/a.mp4 add calm music")),
])
def test_parse_line(line: str, expected: Line) -> None:
    assert parse_line(line, is_file) == expected


def test_piped_output_prints_status_changes_and_every_ten_percent() -> None:
    out = io.StringIO()
    printer = Printer(out, tty=False)
    for reply in (Status("Rendering…", 1), Status("Rendering…", 5), Status("Rendering…", 12),
                  Status("Rendering…", 100), Message("Done: added music"),
                  Video(path=Path("/data/renders/x.mp4"), url=None, size=2_000_000,
                        duration=65, width=1920, height=1080, buttons=("Undo",)),
                  Problem("That file is too big.")):
        printer.reply(reply)
    assert out.getvalue().splitlines() == [
        "[  1%] Rendering…",
        "[ 12%] Rendering…",
        "[100%] Rendering…",
        "Done: added music",
        "Video: /data/renders/x.mp4 (1.9 MB, 1:05, 1920x1080)",
        "Try: Undo",
        "Problem: That file is too big.",
    ]
    assert printer.problems == 1


def test_terminal_output_rewrites_the_status_line() -> None:
    out = io.StringIO()
    printer = Printer(out, tty=True)
    printer.reply(Status("Rendering…", 10))
    printer.reply(Status("Rendering…", 20))
    printer.reply(Video(path=None, url="https://x.test/v.mp4", size=10, duration=1))
    assert out.getvalue() == (
        "\r\x1b[2KRendering… ▱▱▱▱▱▱▱▱ 10%\r\x1b[2KRendering… ▰▱▱▱▱▱▱▱ 20%\r\x1b[2K"
        "Link: https://x.test/v.mp4 (10 bytes, 0:01)\n")


@pytest.mark.parametrize("line", [
    "a" * 256,
    "add music " + "x" * 300,
    "/tmp/" + "long/" * 900 + "clip.mp4",  # longer than PATH_MAX
    "clip\x00.mp4 add music",
    "/upload " + "b" * 400 + ".mp4",
    "\x00\x00\x00",
    "~" + "u" * 300 + "/clip.mp4",
])
def test_odd_lines_never_raise(line: str) -> None:
    """The real file check (no fake): a line the OS refuses to look up is not a file."""
    parsed = parse_line(line)
    assert parsed.kind in ("message", "missing")


def test_a_folder_with_a_media_name_is_not_an_upload(tmp_path: Path) -> None:
    folder = tmp_path / "holiday.mp4"
    folder.mkdir()
    assert parse_line(str(folder)) == Line("missing", "", folder)
    assert parse_line(str(tmp_path)) == Line("message", str(tmp_path))
