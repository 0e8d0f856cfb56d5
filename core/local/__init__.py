"""The local engine: ffmpeg here (edits, the ffmpeg plan, picture, music, runner, probe)."""
