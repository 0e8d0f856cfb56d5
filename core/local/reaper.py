"""Runs one command (ffmpeg) for a parent that may die without notice, then cleans up.

Started as a script (`python -I -S reaper.py PARENT_PID [PATH...] -- COMMAND...`) between
Backtrack and ffmpeg, because a process killed with SIGKILL can clean nothing itself. On Linux
both ends are tied to their parent with `PR_SET_PDEATHSIG`:
- this process gets SIGTERM when Backtrack dies (even of SIGKILL); it then kills ffmpeg,
  waits for it, and removes the PATHs it was given (the `.part` file, the `.render-*` folder);
- ffmpeg gets SIGKILL when this process dies, so it never runs on alone, whatever happens.
Elsewhere a thread polls the parent's pid instead. SIGTERM or SIGINT from Backtrack itself
(a cancel, a deadline) do the same: ffmpeg is dead and the files gone before this exits.
The exit code is ffmpeg's (128 + the signal when it was killed).

Standard library only, and few imports (`os.fork` rather than `subprocess`): it starts before
every ffmpeg, so its start-up (about 20 ms) is on every render's path.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Sequence
from types import FrameType

PR_SET_PDEATHSIG = 1
POLL_SECONDS = 0.5


def _pdeathsig() -> Callable[[int], bool] | None:
    """A function setting the calling process's parent-death signal, or None off Linux.
    Resolved before the fork: ffmpeg's side only makes the call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None

    def set_signal(signum: int) -> bool:
        return bool(prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0)

    return set_signal


def remove(path: str) -> None:
    """Delete a file, or a folder and what is in it; missing is fine, errors are ignored."""
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            for entry in os.scandir(path):
                remove(entry.path)
            os.rmdir(path)
        else:
            os.unlink(path)
    except OSError:
        pass


class Reaper:
    def __init__(self, parent: int, paths: Sequence[str], command: Sequence[str]) -> None:
        self.parent = parent
        self.paths = paths
        self.command = command
        self.child = 0

    def stop(self, signum: int, _frame: FrameType | None = None) -> None:
        """Kill ffmpeg, wait for it, remove the files, exit: on a signal or an orphaning."""
        if self.child > 0:
            try:
                os.kill(self.child, signal.SIGKILL)
                os.waitpid(self.child, 0)
            except OSError:
                pass  # already reaped
        for path in self.paths:
            remove(path)
        os._exit(128 + signum)

    def _watch_parent(self) -> None:
        import time

        while os.getppid() == self.parent:
            time.sleep(POLL_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        setter = _pdeathsig()
        if setter is None or not setter(signal.SIGTERM):
            setter = None
            import threading

            threading.Thread(target=self._watch_parent, daemon=True).start()
        if os.getppid() != self.parent:  # the parent died before the line above
            self.stop(signal.SIGTERM)
        me = os.getpid()
        pid = os.fork()
        if pid == 0:  # ffmpeg's side: inherits stdin/stdout/stderr (progress and errors)
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                if setter is not None:
                    setter(signal.SIGKILL)
                if os.getppid() != me:  # this side died before the line above
                    os._exit(128 + signal.SIGKILL)
                os.execvp(self.command[0], list(self.command))  # noqa: S606 - no shell, on purpose
            except BaseException as exc:  # nothing may escape a forked child
                os.write(2, f"cannot start {self.command[0]}: {exc}\n".encode(errors="replace"))
            os._exit(127)
        self.child = pid
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
        self.child = 0
        code = os.waitstatus_to_exitcode(status)
        return 128 - code if code < 0 else code


def main(argv: Sequence[str]) -> int:
    if len(argv) < 4 or "--" not in argv:
        os.write(2, b"usage: reaper.py PARENT_PID [PATH...] -- COMMAND...\n")
        return 2
    split = list(argv).index("--")
    return Reaper(int(argv[1]), argv[2:split], argv[split + 1:]).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
