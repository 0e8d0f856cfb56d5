"""Pure readers of NemoVideo answers: the state's draft, a render poll, the credit balance."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from core.draft import Draft

RenderStatus = Literal["pending", "processing", "completed", "failed"]

_STATUS: dict[str, RenderStatus] = {
    "pending": "pending", "queued": "pending", "waiting": "pending",
    "processing": "processing", "running": "processing", "rendering": "processing",
    "completed": "completed", "complete": "completed", "done": "completed",
    "succeeded": "completed", "success": "completed", "finished": "completed",
    "failed": "failed", "error": "failed", "cancelled": "failed", "canceled": "failed",
}


def draft_from_state(data: Mapping[str, Any]) -> Draft:
    """`data.state.draft` (an object, or JSON text); an empty draft when there is none."""
    state = data.get("state", data)
    draft = state.get("draft") if isinstance(state, Mapping) else None
    if isinstance(draft, str):
        try:
            draft = json.loads(draft)
        except ValueError:
            draft = None
    return Draft(draft if isinstance(draft, Mapping) else None)


def read_render(data: Mapping[str, Any]) -> tuple[RenderStatus, float | None, str | None]:
    """Status, progress and output URL from a poll answer, in either documented shape:
    `data.status` / `data.outputUrl`, or top-level `status` / `output.url`."""
    raw = str(data.get("status", "pending")).lower()
    status = _STATUS.get(raw, "processing")
    output = data.get("output")
    url = (data.get("outputUrl") or data.get("output_url") or data.get("url")
           or (output.get("url") if isinstance(output, Mapping) else None)
           or (output if isinstance(output, str) else None))
    try:
        percent: float | None = float(data.get("progress"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        percent = None
    if status == "completed":
        percent = 100.0
    return status, percent, url if isinstance(url, str) and url else None


def credit_words(data: Mapping[str, Any]) -> str:
    """`NemoVideo credits: 60 available, 40 reserved by work in progress, 100 in total.`"""
    def number(key: str) -> str | None:
        value = data.get(key)
        return f"{value:g}" if isinstance(value, int | float) else None

    available, frozen, total = number("available"), number("frozen"), number("total")
    if available is None:
        return "NemoVideo did not say how many credits are left."
    words = f"NemoVideo credits: {available} available"
    if frozen is not None and frozen != "0":
        words += f", {frozen} reserved by work in progress"
    if total is not None:
        words += f", {total} in total"
    return words + ". Exports are free; an editing session costs about 50 credits."


def duration_s(draft: Draft) -> float | None:
    """The timeline's length in seconds (the end of its last segment)."""
    ends = [seg.start_ms + seg.duration_ms for track in draft.tracks for seg in track.segments]
    return max(ends) / 1000 if ends and max(ends) > 0 else None
