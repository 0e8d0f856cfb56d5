"""Which store a process opens: PostgreSQL when `BACKTRACK_DATABASE_URL` is set, else the
SQLite file in the data folder (the embedded default)."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlsplit

from core.config import Settings
from core.errors import ConfigError, StoreError
from core.logs import register_secret
from core.ports import Store


class OpenStore(Store, Protocol):
    """A store as the bootstrap and `doctor` use it: the ports plus upkeep and the version."""

    async def forget_updates(self, before: float) -> int: ...
    async def user_version(self) -> int: ...


def describe(settings: Settings) -> str:
    """Where the store is, for logs and `doctor` (never the password)."""
    if settings.database_url is None:
        return str(settings.database_path)
    parts = urlsplit(settings.database_url.get_secret_value())
    host = parts.hostname or "local socket"
    port = f":{parts.port}" if parts.port else ""
    return f"PostgreSQL {host}{port}/{parts.path.lstrip('/') or 'postgres'}"


async def open_store(settings: Settings) -> OpenStore:
    """Open the configured store and bring its schema up to date.

    An unreachable or unusable PostgreSQL is a ConfigError naming `BACKTRACK_DATABASE_URL` (start-up
    stops with that one line); SQLite problems stay StoreErrors as before."""
    if settings.database_url is None:
        from storage.sqlite import SqliteStore

        return await SqliteStore.open(settings.database_path)
    from storage.postgres import PostgresStore

    url = settings.database_url.get_secret_value()
    register_secret(urlsplit(url).password)  # the URL as a whole is a registered setting too
    try:
        return await PostgresStore.open(url)
    except StoreError as exc:
        raise ConfigError(f"BACKTRACK_DATABASE_URL: {describe(settings)}: {exc}") from exc
