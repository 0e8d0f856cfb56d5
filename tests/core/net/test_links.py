"""LinkSigner: signed, expiring links."""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from core.links import LinkSigner, link_secret, safe_filename

SECRET = b"0123456789abcdef-secret"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def parts(url: str) -> tuple[str, int, str, str]:
    tail = url.split("/r/", 1)[1]
    render_id, expires, sig, name = tail.split("/")
    return render_id, int(expires), sig, name


def test_url_form_and_verify() -> None:
    clock = Clock(1_000_000.4)
    signer = LinkSigner(SECRET, "https://dl.example.com/", 3600, clock)
    url = signer.url_for("r-123_abc", "My clip (final).mp4")
    assert url.startswith("https://dl.example.com/r/r-123_abc/1003600/")
    render_id, expires, sig, name = parts(url)
    assert name == "My_clip_final.mp4"
    assert len(sig) == 43 and sig.replace("-", "").replace("_", "").isalnum()
    assert signer.verify(render_id, expires, sig)
    assert signer.status(render_id, expires, sig) == "ok"


def test_tampering_is_invalid() -> None:
    signer = LinkSigner(SECRET, "http://x", 3600, Clock(1000.0))
    render_id, expires, sig, _ = parts(signer.url_for("abc", "a.mp4"))
    assert signer.status("abd", expires, sig) == "invalid"  # another render
    assert signer.status(render_id, expires + 1, sig) == "invalid"  # a longer life
    assert signer.status(render_id, expires, sig[:-1] + ("A" if sig[-1] != "A" else "B")) \
        == "invalid"
    assert signer.status(render_id, expires, "") == "invalid"
    assert signer.status(render_id, expires, "é" * 43) == "invalid"
    other = LinkSigner(b"another secret of 16+ bytes", "http://x", 3600, Clock(1000.0))
    assert other.status(render_id, expires, sig) == "invalid"


def test_expiry() -> None:
    clock = Clock(1000.0)
    signer = LinkSigner(SECRET, "http://x", 60, clock)
    render_id, expires, sig, _ = parts(signer.url_for("abc", "a.mp4"))
    clock.now = 1060.0
    assert signer.verify(render_id, expires, sig)
    clock.now = 1060.5
    assert signer.status(render_id, expires, sig) == "expired"
    assert not signer.verify(render_id, expires, sig)
    # An expired link with a bad signature says nothing about expiry.
    assert signer.status(render_id, expires, "x" * 43) == "invalid"


def test_bad_inputs() -> None:
    with pytest.raises(ConfigError):
        LinkSigner(b"short", "http://x", 60)
    signer = LinkSigner(SECRET, "http://x", 60)
    with pytest.raises(ValueError):
        signer.url_for("../etc", "a.mp4")


@pytest.mark.parametrize(
    ("name", "safe"),
    [("clip.mp4", "clip.mp4"), ("../../etc/passwd", "passwd.mp4"), ('a"b\nc.MP4', "a_b_c.mp4"),
     ("🎵.mp4", "backtrack.mp4"), ("", "backtrack.mp4"), ("x" * 99, "x" * 60 + ".mp4")],
)
def test_safe_filename(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


class Values:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    async def get_value(self, name: str) -> str | None:
        return self.values.get(name)

    async def set_value(self, name: str, value: str) -> None:
        self.values[name] = value


async def test_link_secret_is_made_once_and_kept() -> None:
    values = Values()
    first = await link_secret(values)
    assert len(first) >= 32
    assert await link_secret(values) == first
    assert await link_secret(values, "configured-secret-value") == b"configured-secret-value"
