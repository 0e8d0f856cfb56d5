"""deploy/compose.yaml cannot be run here (no docker); it is checked for shape: it parses,
every Backtrack setting it names exists, every command it starts is a `backtrack` command
(`worker` lands with the render queue, issue 13), and the services the README names exist."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bots.cli import SUBCOMMANDS
from core.config import Settings

ROOT = Path(__file__).resolve().parents[3]
OURS = re.compile(r"^(BACKTRACK|TELEGRAM|DISCORD|NEMO)_")


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_compose_parses_and_has_the_cluster() -> None:
    services = compose()["services"]
    assert {"postgres", "minio", "bucket", "bot", "worker"} <= set(services)
    assert services["worker"]["deploy"]["replicas"] >= 1


def test_compose_names_only_settings_that_exist() -> None:
    aliases = {field.alias for field in Settings.model_fields.values()}
    named = {name for service in compose()["services"].values()
             for name in (service.get("environment") or {}) if OURS.match(name)}
    assert named, "the bot and workers get their cluster settings in the file"
    assert named <= aliases, named - aliases
    env = compose()["services"]["bot"]["environment"]
    assert env["BACKTRACK_STORAGE_URL"].startswith("s3://")
    assert env["BACKTRACK_DATABASE_URL"].startswith("postgresql://")
    # The keys MinIO is started with are the keys Backtrack uses.
    minio = compose()["services"]["minio"]["environment"]
    assert env["BACKTRACK_S3_ACCESS_KEY_ID"] == minio["MINIO_ROOT_USER"]
    assert env["BACKTRACK_S3_SECRET_ACCESS_KEY"] == minio["MINIO_ROOT_PASSWORD"]


def test_compose_starts_backtrack_commands() -> None:
    known = set(SUBCOMMANDS) | {"worker"}  # `backtrack worker`: the render queue's half
    for name in ("bot", "worker"):
        command = compose()["services"][name]["command"]
        assert command[0] == "backtrack" and command[1] in known, command


def test_the_readme_names_what_compose_starts() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running on several machines", 1)[1].split("\n## ", 1)[0]
    for word in ("deploy/compose.yaml", "backtrack worker", "BACKTRACK_STORAGE_URL",
                 "BACKTRACK_DATABASE_URL", "docker compose"):
        assert word in section, word
