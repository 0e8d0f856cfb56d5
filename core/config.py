"""Settings, read once at start-up into a frozen object that is passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.errors import ConfigError

MB = 1024 * 1024

IdList = Annotated[frozenset[int], NoDecode]


def _id_list(value: Any) -> Any:
    """Accept "1, 2,3" (the .env way) as well as a real collection."""
    if isinstance(value, str):
        return frozenset(int(part) for part in value.replace(";", ",").split(",") if part.strip())
    return value


class Settings(BaseSettings):
    """Every setting of Backtrack; `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True,
        populate_by_name=True, env_ignore_empty=True,
    )

    # Where things live.
    data_dir: Path = Field(Path("backtrack-data"), alias="BACKTRACK_DATA_DIR")
    database: Path | None = Field(None, alias="BACKTRACK_DATABASE")
    database_url: SecretStr | None = Field(None, alias="BACKTRACK_DATABASE_URL")
    engine: Literal["local", "nemo"] = Field("local", alias="BACKTRACK_ENGINE")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", alias="BACKTRACK_LOG_LEVEL"
    )

    # Limits checked before work starts.
    max_file_bytes: int = Field(500 * MB, gt=0, alias="BACKTRACK_MAX_FILE_BYTES")
    max_video_seconds: float = Field(30 * 60, gt=0, alias="BACKTRACK_MAX_VIDEO_SECONDS")
    max_audio_seconds: float = Field(60 * 60, gt=0, alias="BACKTRACK_MAX_AUDIO_SECONDS")
    max_pixels: int = Field(4096 * 4096, gt=0, alias="BACKTRACK_MAX_PIXELS")
    render_timeout_seconds: float = Field(30 * 60, gt=0, alias="BACKTRACK_RENDER_TIMEOUT")
    max_concurrent_renders: int = Field(2, ge=1, le=64, alias="BACKTRACK_MAX_RENDERS")
    font_file: Path | None = Field(None, alias="BACKTRACK_FONT_FILE")
    download_timeout_seconds: float = Field(120, gt=0, alias="BACKTRACK_DOWNLOAD_TIMEOUT")
    allow_private_urls: bool = Field(False, alias="BACKTRACK_ALLOW_PRIVATE_URLS")

    # Object storage (several machines): empty keeps every file in the data folder.
    storage_url: str | None = Field(None, alias="BACKTRACK_STORAGE_URL")
    s3_endpoint_url: str | None = Field(None, alias="BACKTRACK_S3_ENDPOINT_URL")
    s3_public_url: str | None = Field(None, alias="BACKTRACK_S3_PUBLIC_URL")
    s3_region: str = Field("us-east-1", min_length=1, alias="BACKTRACK_S3_REGION")
    s3_access_key_id: SecretStr | None = Field(None, alias="BACKTRACK_S3_ACCESS_KEY_ID")
    s3_secret_access_key: SecretStr | None = Field(None, alias="BACKTRACK_S3_SECRET_ACCESS_KEY")

    # Disk.
    data_max_bytes: int = Field(20 * 1024 * MB, gt=0, alias="BACKTRACK_DATA_MAX_BYTES")
    file_max_age_hours: float = Field(72, gt=0, alias="BACKTRACK_FILE_MAX_AGE_HOURS")

    # Abuse.
    admins: IdList = Field(frozenset(), alias="BACKTRACK_ADMINS")
    turns_per_minute: int = Field(10, ge=0, alias="BACKTRACK_TURNS_PER_MINUTE")
    renders_per_day: int = Field(50, ge=0, alias="BACKTRACK_RENDERS_PER_DAY")

    # Download links for renders too big for the chat.
    link_host: str = Field("127.0.0.1", alias="BACKTRACK_LINK_HOST")
    link_port: int = Field(8080, ge=0, le=65535, alias="BACKTRACK_LINK_PORT")
    link_public_url: str | None = Field(None, alias="BACKTRACK_LINK_PUBLIC_URL")
    link_secret: SecretStr | None = Field(None, alias="BACKTRACK_LINK_SECRET")
    link_ttl_seconds: int = Field(24 * 3600, gt=0, alias="BACKTRACK_LINK_TTL")

    # Telegram.
    telegram_bot_token: SecretStr | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str | None = Field(None, alias="TELEGRAM_API_URL")
    telegram_file_url: str | None = Field(None, alias="TELEGRAM_FILE_URL")
    telegram_local_mode: bool = Field(False, alias="TELEGRAM_LOCAL_MODE")
    telegram_webhook_url: str | None = Field(None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_listen: str = Field("127.0.0.1", alias="TELEGRAM_WEBHOOK_LISTEN")
    telegram_webhook_port: int = Field(8443, ge=1, le=65535, alias="TELEGRAM_WEBHOOK_PORT")
    telegram_allowed_chats: IdList = Field(frozenset(), alias="TELEGRAM_ALLOWED_CHATS")
    telegram_allowed_users: IdList = Field(frozenset(), alias="TELEGRAM_ALLOWED_USERS")

    # Discord.
    discord_bot_token: SecretStr | None = Field(None, alias="DISCORD_BOT_TOKEN")
    discord_guild_id: int | None = Field(None, alias="DISCORD_GUILD_ID")
    discord_message_content: bool = Field(False, alias="DISCORD_MESSAGE_CONTENT")
    discord_allowed_guilds: IdList = Field(frozenset(), alias="DISCORD_ALLOWED_GUILDS")
    discord_allowed_users: IdList = Field(frozenset(), alias="DISCORD_ALLOWED_USERS")
    discord_api_url: str | None = Field(None, alias="DISCORD_API_URL")

    # NemoVideo.
    nemo_api_url: str = Field("https://mega-api-prod.nemovideo.ai", alias="NEMO_API_URL")
    nemo_web_url: str = Field("https://nemovideo.ai", alias="NEMO_WEB_URL")
    nemo_token: SecretStr | None = Field(None, alias="NEMO_TOKEN")

    _split_ids = field_validator(
        "admins", "telegram_allowed_chats", "telegram_allowed_users",
        "discord_allowed_guilds", "discord_allowed_users", mode="before",
    )(_id_list)

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
                ("postgresql://", "postgres://")):
            raise ValueError("must start with postgresql:// (only PostgreSQL is supported)")
        return value

    @property
    def database_path(self) -> Path:
        """The SQLite file: `BACKTRACK_DATABASE`, else inside the data folder."""
        return self.database or self.data_dir / "backtrack.sqlite3"


def load_settings(**overrides: Any) -> Settings:
    """Read the environment and `.env` once; a bad value raises ConfigError naming the setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(part) for part in err.get("loc", ())) or "settings"
            field = Settings.model_fields.get(name)
            alias = field.alias if field is not None and field.alias else name
            problems.append(f"{alias}: {err.get('msg', 'invalid value')}")
        raise ConfigError("Bad setting: " + "; ".join(problems)) from None
