"""The one rule that fits music to the timeline's length.

A track plays from its `start` to the end of the output, or to its `until` when that lies
inside; a "once" track stops when the song runs out. A start at or past the end moves back to
0 (the clip got shorter). The fit is "loop" when the song (after its offset) is shorter than
the stretch to fill, else "trim"; "once" stays once. With an unknown output length (no clip
yet) the track's length is the song's for "once", else 0 ("to the end", decided at render).

A back-timed track (align "end": "end the song with the video") is placed by its ending
instead: its last moment lands on the end of the output (or on its `until`). A song longer
than that stretch starts part-way in; a shorter one starts late, from its beginning.

Several tracks in turn ("play both songs one after the other") overlap by the earlier one's
fade out (the crossfade). With several songs only the last is back-timed: its stretch begins
at that crossfade, and when it starts late (a short song), the song before it plays on to
the new crossfade, so no silence opens between them.
"""

from __future__ import annotations

from dataclasses import replace

from core.timeline.model import Ms, MusicTrack, Timeline


def back_time(song: Ms, start: Ms, end: Ms) -> tuple[Ms, Ms, Ms]:
    """(start, offset into the song, length played) that put a song of `song` ms between
    `start` and `end` so that its own ending lands on `end`."""
    window = max(end - start, 0)
    if song >= window:
        return start, song - window, window
    return end - song, 0, song


def fit_track(track: MusicTrack, length: Ms | None, earliest: Ms = 0) -> MusicTrack:
    """`track` with its start, length and fit set for an output of `length` ms; a
    back-timed track starts no earlier than `earliest`."""
    if track.align == "end" and track.source.length and length is not None:
        ends = min(track.until, length) if track.until else length
        start, offset, played = back_time(track.source.length, min(earliest, ends), ends)
        return replace(track, start=start, offset=offset, length=played,
                       fit=track.fit if track.fit == "once" else "trim")
    start = max(track.start, 0)
    if length is not None and start >= length:
        start = 0
    song = track.source.length
    available = max(song - track.offset, 0) if song else None
    end = length
    if track.until is not None and track.until > start:
        end = min(track.until, length) if length is not None else track.until
    needed = end - start if end is not None else None
    fit = track.fit
    if track.source.mood and not track.source.media_id:
        # A built-in piece is composed for the stretch it plays: never looped nor cut.
        fit = fit if fit in ("loop", "once") else "trim"
    elif fit != "once" and available is not None and needed is not None:
        fit = "loop" if available < needed else "trim"
    elif fit is None:
        fit = "loop"
    if needed is None:
        played = available if fit == "once" and available else 0
    elif fit == "once" and available is not None:
        played = min(available, needed)
    else:
        played = needed
    return replace(track, start=start, length=max(played, 0), fit=fit)


def _crossfade_start(before: MusicTrack) -> Ms:
    """Where the track after `before` starts: where `before`'s fade out begins."""
    return max((before.until or before.end) - before.fade_out, 0)


def fit_tracks(tracks: tuple[MusicTrack, ...], length: Ms | None) -> tuple[MusicTrack, ...]:
    """Every track fitted to an output of `length` ms; the last one, when back-timed in a
    sequence, from the crossfade after the one before it (which then plays on to it)."""
    fitted = [fit_track(t, length) for t in tracks[:-1]]
    if not tracks:
        return ()
    last = tracks[-1]
    if not fitted or last.align != "end":
        return (*fitted, fit_track(last, length))
    before = fitted[-1]
    earliest = _crossfade_start(before)
    last = fit_track(last, length, earliest)
    if last.start > earliest:  # a short last song starts late: the one before plays on
        before = fit_track(replace(before, until=last.start + before.fade_out), length)
    return (*fitted[:-1], before, last)


def fit_music(timeline: Timeline) -> Timeline:
    """Every music track fitted to the timeline's output length."""
    if not timeline.music:
        return timeline
    return replace(timeline, music=fit_tracks(timeline.music, timeline.length))
