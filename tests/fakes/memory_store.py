"""An in-memory `core.ports.Store` for tests of the assistant (no SQLite)."""

from __future__ import annotations

import dataclasses
import time

from core.ports import Conversation, MediaRecord, RenderRecord, RenderState, TurnRecord, TurnState
from core.preferences import Preferences


@dataclasses.dataclass
class Lease:
    turn_id: str
    boot: str
    label: str
    expires_at: float
    cancel: bool = False


class MemoryStore:
    """Dictionaries behind the Store interface; `saves` records every render write."""

    def __init__(self) -> None:
        self.conversations: dict[str, Conversation] = {}
        self.drafts: dict[str, list[str]] = {}
        self.media: dict[str, MediaRecord] = {}
        self.renders: dict[str, RenderRecord] = {}
        self.values: dict[str, str] = {}
        self.updates: set[tuple[str, str]] = set()
        self.saves: list[RenderRecord] = []
        self.turns: dict[str, TurnRecord] = {}
        self.preferences: dict[str, Preferences] = {}
        self.closed = False
        self.rate_events: dict[str, list[float]] = {}
        self.leases: dict[str, Lease] = {}

    async def get_conversation(self, key: str) -> Conversation | None:
        return self.conversations.get(key)

    async def save_conversation(self, conversation: Conversation) -> None:
        self.conversations[conversation.key] = conversation

    async def push_draft(self, session_id: str, draft_json: str) -> None:
        self.drafts.setdefault(session_id, []).append(draft_json)

    async def current_draft(self, session_id: str) -> str | None:
        history = self.drafts.get(session_id)
        return history[-1] if history else None

    async def pop_draft(self, session_id: str) -> str | None:
        history = self.drafts.get(session_id, [])
        if len(history) < 2:
            return None
        history.pop()
        return history[-1]

    async def add_media(self, record: MediaRecord) -> None:
        if not record.created_at:
            record = dataclasses.replace(record, created_at=time.time())
        self.media[record.id] = record

    async def get_media(self, media_id: str) -> MediaRecord | None:
        return self.media.get(media_id)

    async def list_media(self, session_id: str, kind: str | None = None) -> list[MediaRecord]:
        found = [m for m in self.media.values()
                 if m.session_id == session_id and (kind is None or m.kind == kind)]
        # Newest first; insertion order breaks ties of equal timestamps.
        order = {m.id: i for i, m in enumerate(self.media.values())}
        return sorted(found, key=lambda m: (m.created_at, order[m.id]), reverse=True)

    async def save_render(self, record: RenderRecord) -> None:
        self.renders[record.id] = record
        self.saves.append(record)

    async def get_render(self, render_id: str) -> RenderRecord | None:
        return self.renders.get(render_id)

    async def renders_in_state(self, *states: RenderState) -> list[RenderRecord]:
        return [r for r in self.renders.values() if r.state in states]

    async def count_renders(self, person: str, since: float) -> int:
        return sum(1 for r in self.renders.values() if r.person == person and r.created_at >= since)

    async def get_value(self, name: str) -> str | None:
        return self.values.get(name)

    async def set_value(self, name: str, value: str) -> None:
        self.values[name] = value

    async def mark_update(self, platform: str, update_id: str) -> bool:
        if (platform, update_id) in self.updates:
            return False
        self.updates.add((platform, update_id))
        return True

    async def start_turn(self, record: TurnRecord) -> None:
        now = time.time()
        self.turns[record.id] = dataclasses.replace(
            record, started_at=record.started_at or now, updated_at=now)

    async def finish_turn(self, turn_id: str, state: TurnState) -> None:
        if turn_id in self.turns:
            self.turns[turn_id] = dataclasses.replace(self.turns[turn_id], state=state,
                                                      updated_at=time.time())

    async def turns_in_state(self, state: TurnState) -> list[TurnRecord]:
        return sorted((t for t in self.turns.values() if t.state == state),
                      key=lambda t: (t.started_at, t.id))

    async def forget_turns(self, before: float) -> int:
        gone = [t.id for t in self.turns.values()
                if t.state != "running" and t.started_at < before]
        for turn_id in gone:
            del self.turns[turn_id]
        return len(gone)

    async def close(self) -> None:
        self.closed = True

    # Shared limits (LimitStore), as the real stores keep them.

    async def hit_rate(self, key: str, limit: int, window: float, now: float) -> float:
        events = [at for at in self.rate_events.get(key, []) if at > now - window]
        self.rate_events[key] = events
        if len(events) >= limit:
            return min(events) + window - now
        events.append(now)
        return 0.0

    async def claim_turn(self, conversation: str, turn_id: str, boot: str, label: str,
                         now: float, ttl: float) -> str | None:
        held = self.leases.get(conversation)
        if held is not None and held.turn_id != turn_id and held.expires_at > now:
            return held.label
        self.leases[conversation] = Lease(turn_id, boot, label, now + ttl)
        return None

    async def renew_turn(self, conversation: str, turn_id: str, label: str, now: float,
                         ttl: float) -> bool | None:
        held = self.leases.get(conversation)
        if held is None or held.turn_id != turn_id:
            return None
        held.expires_at, held.label = now + ttl, label
        return held.cancel

    async def release_turn(self, conversation: str, turn_id: str) -> None:
        held = self.leases.get(conversation)
        if held is not None and held.turn_id == turn_id:
            del self.leases[conversation]

    async def request_cancel(self, conversation: str, now: float) -> str | None:
        held = self.leases.get(conversation)
        if held is None or held.expires_at <= now:
            return None
        held.cancel = True
        return held.label

    async def hold_boot(self, boot: str) -> None:
        """One process's memory: every boot that claimed is alive."""

    async def live_boots(self, now: float) -> set[str]:
        return {lease.boot for lease in self.leases.values() if lease.expires_at > now}

    async def get_preferences(self, person: str) -> Preferences:
        return self.preferences.get(person, Preferences())

    async def save_preferences(self, person: str, preferences: Preferences) -> None:
        self.preferences[person] = preferences
