"""Settings, read once from the environment (and an optional .env file).

Every knob an operator can turn lives here and in `.env.example`; nothing else
reads os.environ. The token is a SecretStr so that it never shows up in a repr,
a log line or an error message.

A setting is named by its field in upper case (any case is read) and comes from, first
to last: the arguments given to `Settings(...)`, the environment, the .env file
(`_env_file`, read by python-dotenv), the default here. pydantic checks each, and a bad one
raises pydantic's ValidationError titled "Settings" (bot/cli.py prints it a line per
setting). This is what pydantic-settings did for us, read in a few lines: its import
cost the serving process 1.6 MB (docs/performance.md, "Idle memory under 100 MB").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from stridecoach.storage.db import DatabaseOptions

DEFAULT_DATABASE_URL = "sqlite:///data/stridecoach.db"


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_default=True)

    def __init__(self, _env_file: str | Path | None = ".env", **values: Any) -> None:
        super().__init__(**{**_configured(type(self), _env_file), **values})

    telegram_bot_token: SecretStr | None = None
    # PTB appends the token to base_url, e.g. "http://127.0.0.1:8081/bot".
    telegram_api_base_url: str | None = None
    telegram_api_file_url: str | None = None

    database_url: str = DEFAULT_DATABASE_URL
    # PostgreSQL connection pool per process (TLS, connect and statement timeouts go in
    # the URL's query, e.g. ?sslmode=verify-full&connect_timeout=5); see docs/replicas.md.
    database_pool_size: int = Field(default=5, ge=1)
    database_max_overflow: int = Field(default=10, ge=0)
    database_pool_timeout: float = Field(default=30.0, gt=0)
    database_pool_recycle: int = Field(default=1800, ge=-1)
    # False behind PgBouncer < 1.21 in transaction mode (no server-side prepared statements).
    database_prepared_statements: bool = True

    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    admin_user_ids: frozenset[int] = frozenset()

    # Reminders (issue 4): owed reminders older than the grace window are dropped.
    reminder_grace_minutes: int = Field(default=60, ge=0)
    reminder_send_rate: float = Field(default=25.0, gt=0)  # messages per second
    reminder_tick_seconds: float = Field(default=60.0, gt=0)
    # Telegram's paid broadcasts (0.1 Star per message beyond the free ~30/s, up to 1000/s):
    # reminders go out with allow_paid_broadcast and the overall limiter follows REMINDER_SEND_RATE.
    reminder_paid_broadcast: bool = False

    # Guided sessions (issue 3): an untouched session ends on its own after this.
    session_timeout_hours: float = Field(default=6.0, gt=0)

    # Webhook mode (issue 5). Off unless webhook_url is set or --webhook is given.
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_path: str = "telegram"
    webhook_secret_token: SecretStr | None = None
    # Who may connect to the webhook port (issue 9): a comma list of addresses and CIDR
    # networks, or "any". Unset or blank: Telegram's webhook ranges plus loopback
    # (bot/webhook_admission.py). Checked at start-up (webhook_config_problem).
    webhook_allowed_networks: str | None = None
    # Connections one address may hold at once. Telegram opens at most 40 per bot (the
    # max_connections we give setWebhook), maybe all from one address; 10 more leave room
    # for a local proxy's pooled connections and health checks.
    webhook_max_connections_per_address: int = Field(default=50, ge=1)
    health_port: int | None = None

    # Updates handled at once (different runners; one runner's stay in order).
    max_concurrent_updates: int = Field(default=256, ge=1)
    # Per-runner flood guard (issue 5).
    flood_max_messages: int = Field(default=20, ge=1)
    flood_window_seconds: float = Field(default=10.0, gt=0)

    def database_options(self) -> DatabaseOptions:
        return DatabaseOptions(
            pool_size=self.database_pool_size,
            max_overflow=self.database_max_overflow,
            pool_timeout=self.database_pool_timeout,
            pool_recycle=self.database_pool_recycle,
            prepared_statements=self.database_prepared_statements,
        )

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value


def _configured(model: type[BaseModel], env_file: str | Path | None) -> dict[str, str]:
    """What the .env file and the environment set, by field name; the environment wins."""
    in_file = dotenv_values(env_file, encoding="utf-8") if env_file is not None and Path(env_file).is_file() else {}
    found: dict[str, str] = {}
    for source in (in_file, os.environ):
        for name, value in source.items():
            if value is not None and name.lower() in model.model_fields:  # a bare `NAME` line sets nothing
                found[name.lower()] = value
    return found
