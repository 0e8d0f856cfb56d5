"""`backtrack doctor`: check the configuration, ffmpeg, the data folder, the store, the tokens
(never printing them), the NemoVideo API and the link server settings, and say what to fix."""

from __future__ import annotations

import argparse
import asyncio
import errno
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx

from core.config import MB, Settings, load_settings
from core.errors import BacktrackError, ConfigError
from core.janitor import folder_bytes

Level = Literal["OK", "WARN", "FAIL"]

NEEDED_ENCODERS = ("libx264", "aac")
NEEDED_FILTERS = ("drawtext", "loudnorm", "sidechaincompress")
LOW_DISK_BYTES = 1024 * MB
CRITICAL_DISK_BYTES = 100 * MB
TELEGRAM_TOKEN_SHAPE = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    level: Level
    name: str
    detail: str

    def line(self) -> str:
        return f"{self.level:<4}  {self.name:<10} {self.detail}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="seconds to wait for the NemoVideo API (default 5)")


def run(args: argparse.Namespace) -> int:
    checks = asyncio.run(diagnose(http_timeout=args.timeout))
    for check in checks:
        print(check.line())
    failures = sum(check.level == "FAIL" for check in checks)
    warnings = sum(check.level == "WARN" for check in checks)
    if failures:
        print(f"\n{failures} problem(s) to fix before Backtrack can run.")
        return 1
    print("\nAll good." if not warnings else f"\nReady, with {warnings} warning(s).")
    return 0


async def diagnose(*, http_timeout: float = 5.0,
                   transport: httpx.AsyncBaseTransport | None = None) -> list[Check]:
    """Every check, in the order an operator would fix them."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        return [Check("FAIL", "config", f"{exc} (fix it in .env or the environment)")]
    checks = [Check("OK", "config", f"settings read; engine {settings.engine}")]
    checks.append(await check_ffmpeg())
    checks += list(check_fonts(settings))
    checks += await asyncio.to_thread(check_data_dir, settings)  # walks the data folder
    checks.append(await check_store(settings))
    checks.append(await check_queue(settings))
    checks.append(await check_files(settings))
    checks += list(check_tokens(settings))
    if settings.engine == "nemo":
        checks.append(await check_nemo(settings, http_timeout, transport))
    checks += list(check_link_server(settings))
    return checks


# fonts -------------------------------------------------------------------------------------


def check_fonts(settings: Settings) -> Iterator[Check]:
    """Title text needs a font file; Chinese/Japanese/Korean titles need one with those glyphs."""
    from core.local.render_job import find_font

    configured = settings.font_file
    if configured is not None and not configured.is_file():
        yield Check("FAIL", "fonts", f"BACKTRACK_FONT_FILE {configured} is not a file")
        return
    latin, cjk = find_font(configured), find_font(configured, "标题")
    if latin is None:
        yield Check("WARN", "fonts", "no DejaVu Sans found: titles use whatever fontconfig "
                    "picks; install fonts-dejavu or set BACKTRACK_FONT_FILE")
    elif cjk == latin and configured is None:
        yield Check("WARN", "fonts", f"titles use {latin.name}, which has no Chinese, Japanese "
                    "or Korean letters (they would show as boxes); install fonts-noto-cjk or "
                    "set BACKTRACK_FONT_FILE")
    else:
        yield Check("OK", "fonts", f"titles use {latin.name}" +
                    (f" ({cjk.name} for CJK text)" if cjk and cjk != latin else ""))


# ffmpeg ------------------------------------------------------------------------------------


FFMPEG_SECONDS = 20.0


async def _output(*argv: str) -> str:
    from core.local.runner import start_guarded, stop_guarded  # ffmpeg dies with us

    proc = await start_guarded(argv, stdout=asyncio.subprocess.PIPE,
                               stderr=asyncio.subprocess.DEVNULL)
    try:
        async with asyncio.timeout(FFMPEG_SECONDS):
            out, _ = await proc.communicate()
    except BaseException:  # the deadline, or doctor itself cancelled (Ctrl-C)
        await stop_guarded(proc)
        raise
    return out.decode(errors="replace")


def _listed(listing: str, name: str) -> bool:
    """Whether `ffmpeg -encoders` / `-filters` output has a row for this name."""
    return re.search(rf"^\s*\S+\s+{re.escape(name)}\s", listing, re.MULTILINE) is not None


async def check_ffmpeg() -> Check:
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
        version = (await _output(exe, "-hide_banner", "-version")).split("\n", 1)[0]
        encoders = await _output(exe, "-hide_banner", "-encoders")
        filters = await _output(exe, "-hide_banner", "-filters")
    except (ImportError, RuntimeError, OSError, TimeoutError) as exc:
        return Check("FAIL", "ffmpeg", f"cannot run ffmpeg ({type(exc).__name__}: {exc}); "
                                       "reinstall with `pip install imageio-ffmpeg`")
    missing = [n for n in NEEDED_ENCODERS if not _listed(encoders, n)]
    missing += [n for n in NEEDED_FILTERS if not _listed(filters, n)]
    short = " ".join(version.split()[:3])
    if missing:
        return Check("FAIL", "ffmpeg", f"{short} lacks {', '.join(missing)}; "
                                       "install an imageio-ffmpeg build with them")
    return Check("OK", "ffmpeg", f"{short} with {', '.join(NEEDED_ENCODERS + NEEDED_FILTERS)}")


# Data folder and store ---------------------------------------------------------------------


def check_data_dir(settings: Settings) -> list[Check]:
    """Writable, how full, and whether the disk can hold the cap (walks the folder: blocking)."""
    folder = settings.data_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as exc:
        why = "no permission" if exc.errno in (errno.EACCES, errno.EPERM) else exc.strerror
        return [Check("FAIL", "data", f"{folder} is not writable ({why}); "
                                      "fix the permissions or set BACKTRACK_DATA_DIR")]
    free = shutil.disk_usage(folder).free
    used = folder_bytes(folder)  # counted as the janitor counts it
    cap = settings.data_max_bytes
    detail = f"{folder}: {used // MB} MB used of a {cap // MB} MB cap, {free // MB} MB free on disk"
    checks = [Check("OK", "data", detail)]
    if free < CRITICAL_DISK_BYTES:
        checks = [Check("FAIL", "data", f"{detail}; free some disk space")]
    elif free < LOW_DISK_BYTES:
        checks = [Check("WARN", "data", f"{detail}; the disk is nearly full")]
    if free + used < cap:
        checks.append(Check("WARN", "data", "the disk cannot hold BACKTRACK_DATA_MAX_BYTES; "
                                            f"lower it to about {(free + used) // MB} MB"))
    return checks


async def check_store(settings: Settings) -> Check:
    """The store opens (PostgreSQL reachable, when set), its migrations are in place."""
    from storage.backend import describe, open_store

    where = describe(settings)
    setting = "BACKTRACK_DATABASE_URL" if settings.database_url else "BACKTRACK_DATABASE"
    try:
        store = await open_store(settings)
    except ConfigError as exc:
        return Check("FAIL", "store", str(exc))
    except (BacktrackError, OSError) as exc:
        return Check("FAIL", "store", f"cannot open {where}: {exc}; "
                                      f"check the path ({setting}) and free space")
    try:
        version = await store.user_version()
        active = await store.renders_in_state("queued", "running")
    except BacktrackError as exc:
        return Check("FAIL", "store", f"{where} is unreadable: {exc}")
    finally:
        await store.close()
    note = f"; {len(active)} unfinished render(s) will be recovered at start" if active else ""
    return Check("OK", "store", f"{where} opens (schema version {version}, migrations applied)"
                                f"{note}")


async def check_queue(settings: Settings) -> Check:
    """With a database URL (and the local engine), renders wait for `backtrack worker`
    processes: the queue's tables are there, workers are alive, how many renders wait."""
    if settings.engine != "local":
        return Check("OK", "queue", f"renders run by the {settings.engine} engine")
    if settings.database_url is None:
        return Check("OK", "queue", "renders run in the bot's own process "
                                    "(no BACKTRACK_DATABASE_URL, no workers needed)")
    from storage.render_jobs import queue_state

    try:
        state = await queue_state(settings.database_url.get_secret_value())
    except Exception as exc:  # procrastinate's and psycopg's own errors: one line, no secret
        said = " ".join(str(exc).split())[:200]  # psycopg's words name no password
        return Check("FAIL", "queue", "the render queue on BACKTRACK_DATABASE_URL cannot be "
                                      f"set up ({type(exc).__name__}: {said})")
    line = (f"{state.workers} worker(s) alive, {state.waiting} render(s) waiting, "
            f"{state.running} running")
    if state.oldest_wait is not None:
        line += f" (the oldest has waited {state.oldest_wait:.0f} s)"
    if state.workers == 0 and state.waiting:
        return Check("FAIL", "queue", f"{line}: start `backtrack worker` on a machine that "
                                      "shares the data folder or storage")
    if state.workers == 0:
        return Check("WARN", "queue", f"{line}: renders will wait until a `backtrack worker` "
                                      "runs")
    return Check("OK", "queue", f"schema applied; {line}")


async def check_files(settings: Settings) -> Check:
    """Object storage, when set: the bucket takes a probe object, gives it back, deletes it."""
    from storage.files import open_files

    try:
        files = open_files(settings)
    except ConfigError as exc:
        return Check("FAIL", "files", str(exc))
    try:
        said = await files.check(write=True)
    except ConfigError as exc:
        return Check("FAIL", "files", str(exc))
    finally:
        await files.close()
    return Check("OK", "files", said)


# Tokens, NemoVideo, link server ------------------------------------------------------------


def _is_set(value: object) -> str:
    return "set" if value is not None else "not set"


def check_tokens(settings: Settings) -> Iterator[Check]:
    """Presence only: a token's value is never printed, not even in part."""
    telegram, discord = settings.telegram_bot_token, settings.discord_bot_token
    yield Check("OK", "telegram", f"TELEGRAM_BOT_TOKEN {_is_set(telegram)}")
    if telegram is not None and not TELEGRAM_TOKEN_SHAPE.match(telegram.get_secret_value()):
        yield Check("WARN", "telegram", "TELEGRAM_BOT_TOKEN does not look like a token from "
                                        "@BotFather (digits, a colon, then letters)")
    if telegram is not None:
        yield from _telegram_server(settings)
    hook = settings.telegram_webhook_url
    cloud = not (settings.telegram_api_url and settings.telegram_local_mode)
    if telegram is not None and hook and not hook.startswith("https://") and cloud:
        yield Check("FAIL", "telegram", "TELEGRAM_WEBHOOK_URL must start with https:// (only a "
                                        "local Bot API server in local mode takes http)")
    yield Check("OK", "discord", f"DISCORD_BOT_TOKEN {_is_set(discord)}")
    if telegram is None and discord is None:
        yield Check("WARN", "ways in", "no Telegram or Discord token: `backtrack run` has no bot "
                                       "to start; `backtrack chat` works without tokens")
    if settings.engine == "nemo":
        note = "" if settings.nemo_token else " (an anonymous token is fetched on first use)"
        yield Check("OK", "nemo", f"NEMO_TOKEN {_is_set(settings.nemo_token)}{note}")


def _telegram_server(settings: Settings) -> Iterator[Check]:
    """The Bot API addresses the bot will really use (they never hold the token)."""
    from bots.telegram_server import api_urls  # late: python-telegram-bot is slow to import

    base, files = api_urls(settings.telegram_api_url, settings.telegram_file_url)
    if base is not None:
        yield Check("OK", "telegram", f"Bot API at {base} (files at {files})")


async def check_nemo(settings: Settings, http_timeout: float,
                     transport: httpx.AsyncBaseTransport | None = None) -> Check:
    """GET the credit balance: it needs no credits and, unlike the anonymous-token call, does
    not use up the per-IP token quota."""
    from core.nemo.client import PLATFORM, SKILL_SOURCE, package_version

    base = settings.nemo_api_url.rstrip("/")
    headers = {"X-Skill-Source": SKILL_SOURCE, "X-Skill-Version": package_version(),
               "X-Skill-Platform": PLATFORM}
    token = settings.nemo_token
    if token is not None:
        headers["Authorization"] = f"Bearer {token.get_secret_value()}"
    try:
        async with httpx.AsyncClient(timeout=http_timeout, transport=transport) as client:
            resp = await client.get(f"{base}/api/credits/balance/simple", headers=headers)
    except httpx.HTTPError as exc:
        return Check("FAIL", "nemo", f"the NemoVideo API at {base} does not answer "
                                     f"({type(exc).__name__}); check NEMO_API_URL and the network")
    try:
        body = resp.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code, data = body.get("code"), body.get("data")
    if resp.status_code >= 500:
        return Check("WARN", "nemo", f"the NemoVideo API at {base} answered HTTP "
                                     f"{resp.status_code}; it may be down, try again later")
    if token is None:
        return Check("OK", "nemo", f"the NemoVideo API at {base} answers")
    if resp.status_code == 401 or code == 1001:
        return Check("FAIL", "nemo", "NEMO_TOKEN was refused (invalid or expired): set a new one, "
                                     "or remove it to use an anonymous token")
    if resp.status_code == 200 and code == 0 and isinstance(data, dict):
        available = data.get("available")
        if isinstance(available, int | float) and available <= 0:
            return Check("WARN", "nemo", "the API answers but the account has no credits left; "
                                         "top up at NEMO_WEB_URL")
        return Check("OK", "nemo", f"the NemoVideo API at {base} answers; {available} credits")
    return Check("WARN", "nemo", f"the NemoVideo API at {base} answered HTTP {resp.status_code}"
                                 f" (code {code}); check NEMO_API_URL")


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def check_link_server(settings: Settings) -> Iterator[Check]:
    public = settings.link_public_url
    if settings.storage_url and public is None:
        yield Check("OK", "links", "presigned URLs of a page in the object storage, valid for "
                                   f"{min(settings.link_ttl_seconds, 7 * 24 * 3600)} s (the "
                                   "storage answers expired links itself; set "
                                   "BACKTRACK_LINK_PUBLIC_URL for the link server's pages)")
        return
    if public is None:
        yield Check("OK", "links", "BACKTRACK_LINK_PUBLIC_URL not set: renders too big for the "
                                   "chat cannot be sent as links")
        return
    parts = urlsplit(public)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        yield Check("FAIL", "links", "BACKTRACK_LINK_PUBLIC_URL must look like "
                                     "https://files.example.org")
        return
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme == "http" and not local:
        yield Check("WARN", "links", "BACKTRACK_LINK_PUBLIC_URL is plain http: links can be read "
                                     "on the way; put the server behind https")
    host, port = settings.link_host, settings.link_port
    if port and not _port_free(host, port):
        yield Check("FAIL", "links", f"{host}:{port} is in use (another backtrack run?); "
                                     "stop it or change BACKTRACK_LINK_PORT")
        return
    secret = "set" if settings.link_secret else "not set (a random one is kept in the store)"
    where = "; videos from the object storage" if settings.storage_url else ""
    yield Check("OK", "links", f"serving on {host}:{port or 'any free port'} for {public}; "
                               f"BACKTRACK_LINK_SECRET {secret}{where}")
