"""The last finished render of a session, so an export with nothing changed sends it again.

"export" twice, or an edit that changes nothing, must deliver the video the person already has
rather than nothing or a second identical render. The store keeps, per session, a fingerprint
of what was rendered (the draft and the export options) and the file it made; a later export
with the same fingerprint whose file is still on disk is answered with that file. Only local
files are kept: a remote engine's links expire.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
from pathlib import Path

from core.draft import Draft
from core.engine import ExportOptions, Rendered
from core.ports import ValueStore

log = logging.getLogger(__name__)

KEY = "last_render:{session}"


def fingerprint(draft: Draft, options: ExportOptions) -> str:
    """The same for the same timeline and the same export options (not the render id)."""
    asked = dataclasses.replace(options, render_id=None)
    text = draft.to_json() + repr(asked)
    return hashlib.sha256(text.encode()).hexdigest()


class RenderMemo:
    """Finds and keeps each session's last finished local render."""

    def __init__(self, store: ValueStore, data_dir: Path) -> None:
        self.store = store
        self.data_dir = data_dir

    async def find(self, session_id: str, mark: str) -> tuple[Rendered, str] | None:
        """The render made for `mark`, when its file is still there; else None."""
        raw = await self.store.get_value(KEY.format(session=session_id))
        try:
            kept = json.loads(raw) if raw else None
            if not isinstance(kept, dict) or kept.get("mark") != mark:
                return None
            path = self.data_dir / str(kept["path"])
            rendered = Rendered(path, None, int(kept["size"]), float(kept["duration"]),
                                int(kept["width"]), int(kept["height"]))
            render_id = str(kept["render_id"])
        except (ValueError, KeyError, TypeError):
            log.warning("a kept render of session %s could not be read", session_id)
            return None
        return (rendered, render_id) if await asyncio.to_thread(path.is_file) else None

    async def keep(self, session_id: str, mark: str, rendered: Rendered, render_id: str) -> None:
        if rendered.path is None or rendered.url is not None:
            return
        path = rendered.path.resolve()
        # Relative to the data folder when inside it, so the folder may move between runs.
        stored = path.relative_to(self.data_dir.resolve()) if path.is_relative_to(
            self.data_dir.resolve()) else path
        await self.store.set_value(KEY.format(session=session_id), json.dumps({
            "mark": mark, "path": str(stored), "size": rendered.size,
            "duration": rendered.duration, "width": rendered.width, "height": rendered.height,
            "render_id": render_id}))
