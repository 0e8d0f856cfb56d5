"""Settings: read once, `.env` honoured, bad values named, every setting documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.config import Settings, load_settings
from core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_need_no_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.engine == "local"
    assert settings.telegram_bot_token is None
    assert settings.database_path == Path("backtrack-data") / "backtrack.sqlite3"


def test_dotenv_in_working_folder_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("BACKTRACK_ENGINE=nemo\nTELEGRAM_ALLOWED_USERS=1, 2,3\n")
    settings = load_settings()
    assert settings.engine == "nemo"
    assert settings.telegram_allowed_users == frozenset({1, 2, 3})


def test_the_example_file_is_a_valid_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    settings = load_settings()
    assert settings.database is None and settings.discord_guild_id is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BACKTRACK_ENGINE", "cloud"),
        ("BACKTRACK_MAX_RENDERS", "0"),
        ("BACKTRACK_LINK_PORT", "99999"),
        ("DISCORD_GUILD_ID", "not-a-number"),
        ("BACKTRACK_ADMINS", "1,x"),
    ],
)
def test_a_bad_value_names_the_setting(
    name: str, value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(Exception, match="frozen"):
        settings.engine = "nemo"  # type: ignore[misc]


def test_every_setting_is_documented_in_env_example() -> None:
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, re.M))
    aliases = {field.alias for field in Settings.model_fields.values()}
    assert aliases == documented
