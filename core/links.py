"""Signed, expiring download links for renders: `{public_url}/r/{id}/{expires}/{sig}/{name}`.

The signature is HMAC-SHA256 over the render id and the expiry, so a link cannot be pointed at
another render or given a longer life. The file name at the end is cosmetic and not signed;
the link server never uses it as a path.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from typing import Literal
from urllib.parse import quote

from core.errors import ConfigError
from core.ports import ValueStore

LinkStatus = Literal["ok", "expired", "invalid"]

RENDER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
SECRET_VALUE_NAME = "link_secret"  # noqa: S105 (the name of a stored value)


def safe_filename(name: str, default: str = "backtrack.mp4") -> str:
    """An ASCII name that is harmless in a URL and a Content-Disposition header, ending .mp4."""
    stem = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if stem.lower().endswith(".mp4"):
        stem = stem[:-4]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_.-")[:60]
    return f"{stem}.mp4" if stem else default


class LinkSigner:
    """Makes and checks signed links; `clock` is injectable for tests."""

    def __init__(self, secret: bytes, public_url: str, ttl_seconds: int,
                 clock: Callable[[], float] = time.time) -> None:
        if len(secret) < 16:
            raise ConfigError("BACKTRACK_LINK_SECRET: use at least 16 characters")
        self._secret = secret
        self.public_url = public_url.rstrip("/")
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    def now(self) -> float:
        """The signer's clock: links expire by it."""
        return self._clock()

    def sign(self, render_id: str, expires: int) -> str:
        mac = hmac.new(self._secret, f"{render_id}\n{expires}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")

    def url_for(self, render_id: str, filename: str) -> str:
        if not RENDER_ID.fullmatch(render_id):
            raise ValueError("render ids in links are letters, digits, '-' and '_'")
        expires = int(self._clock()) + self.ttl_seconds
        name = quote(safe_filename(filename))
        return f"{self.public_url}/r/{render_id}/{expires}/{self.sign(render_id, expires)}/{name}"

    def status(self, render_id: str, expires: int, signature: str) -> LinkStatus:
        """"invalid" for a wrong signature (whatever the time), "expired", or "ok"."""
        expected = self.sign(render_id, expires)
        if not hmac.compare_digest(expected.encode("ascii"),
                                   signature.encode("utf-8", "replace")):
            return "invalid"
        return "expired" if expires < self._clock() else "ok"

    def verify(self, render_id: str, expires: int, signature: str) -> bool:
        return self.status(render_id, expires, signature) == "ok"


async def link_secret(store: ValueStore, configured: str | None = None) -> bytes:
    """The configured secret, else the one stored at first start (made then), so links
    survive restarts without any setting."""
    if configured:
        return configured.encode("utf-8")
    stored = await store.get_value(SECRET_VALUE_NAME)
    if stored is None:
        stored = secrets.token_urlsafe(32)
        await store.set_value(SECRET_VALUE_NAME, stored)
    return stored.encode("utf-8")
