"""The `backtrack` command line: one subcommand per way in; each lives in its own module."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# subcommand -> (module, one-line help). Each module has `add_arguments(parser)` and
# `run(args) -> int`; it is imported only when its subcommand is used.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "render": ("bots.render_cmd", "render one video with music from the command line"),
    "music": ("bots.music_cmd", "write one built-in piece of music (a mood) to a WAV file"),
    "chat": ("bots.console", "chat with the assistant in this terminal (no tokens needed)"),
    "telegram": ("bots.telegram_bot", "run the Telegram bot"),
    "discord": ("bots.discord_bot", "run the Discord bot"),
    "run": ("bots.run", "run every configured way in at once"),
    "worker": ("bots.worker_cmd", "run render workers for bots sharing a PostgreSQL database"),
    "doctor": ("bots.doctor", "check the configuration and say what to fix"),
}


class _Parser(argparse.ArgumentParser):
    """A subcommand's parser; one whose module sets `INTERMIXED = True` takes its options
    between its positionals too (`backtrack render A.mp4 B.mp4 --music X "join them"`, where
    plain argparse gives the instruction's place to B.mp4)."""

    intermixed = False
    _inside = False

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None
                         ) -> tuple[argparse.Namespace, list[str]]:
        if not self.intermixed or self._inside:
            return super().parse_known_args(args, namespace)
        self._inside = True  # the intermixed parse calls back in here for its two passes
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._inside = False


def build_parser(command: str | None) -> argparse.ArgumentParser:
    """The parser; only the chosen subcommand's module is imported (start-up time matters:
    `backtrack render` is benchmarked against a bare ffmpeg call)."""
    parser = argparse.ArgumentParser(
        prog="backtrack", description="Background music under your videos, from a chat."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            module = importlib.import_module(module_name)
            module.add_arguments(sub_parser)
            sub_parser.intermixed = getattr(module, "INTERMIXED", False)
            sub_parser.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(command).parse_args(argv)
    from bots.signals import EXIT_CODE, Terminated

    try:
        return int(args._module.run(args))
    except KeyboardInterrupt:
        return 130
    except Terminated:  # SIGTERM, cleaned up like Ctrl-C
        return EXIT_CODE
    except BrokenPipeError:  # "backtrack render ... | head -1": the reader left, not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


if __name__ == "__main__":
    sys.exit(main())
