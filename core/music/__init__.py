"""Built-in music: pieces composed for a mood, a seed and a length, rendered with the sampled
instruments of a General MIDI SoundFont (moods.py what each mood plays, compose.py the notes and
beat grid, render.py the audio, cache.py the files on disk)."""
