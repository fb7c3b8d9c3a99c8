"""Settings: one pydantic-settings class, read only when someone asks for it."""

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the service, from `VSM_*` environment variables or a `.env` file.

    Nothing reads this at import time: `create_app(settings)` and the CLI build one
    explicitly, so tests and several apps in one process never share hidden state.
    """

    model_config = SettingsConfigDict(env_prefix="VSM_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./vsm.db"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_echo: bool = False
    db_connect_timeout_seconds: float = Field(
        default=5.0, gt=0, le=300, description="Longest wait to open a database connection."
    )
    db_statement_timeout_seconds: float = Field(
        default=15.0, gt=0, le=3600, description="Longest any one SQL statement may run."
    )
    db_pool_timeout_seconds: float = Field(
        default=5.0, gt=0, le=300, description="Longest wait for a free pooled connection."
    )
    sqlite_busy_timeout_seconds: float = Field(
        default=5.0, gt=0, le=300, description="Longest wait for SQLite's write lock."
    )
    ready_timeout_seconds: float = Field(
        default=1.0, gt=0, le=60, description="/ready answers within this, ready or not."
    )
    min_free_disk_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="/ready reports an embedded (SQLite) database with less free disk as unable "
        "to write.",
    )
    auth_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long a verified token is trusted without asking the database again.",
    )
    graphql_graphiql: bool = True
    graphql_introspection: bool = Field(
        default=True,
        description="Allow `__schema` queries and `GET /graphql/schema.graphql` (both need a "
        "token, as every GraphQL request does).",
    )
    graphql_max_depth: int = Field(default=12, ge=2)
    graphql_max_aliases: int = Field(default=30, ge=1)
    graphql_max_tokens: int = Field(default=4000, ge=50)
    graphql_max_cost: int = Field(
        default=10_000,
        ge=1,
        description="The most an operation may cost (see api/graphql/cost.py for the prices).",
    )
    max_request_body_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    max_active_requests: int = Field(
        default=32, ge=1, le=10_000, description="Requests one worker runs at once."
    )
    max_waiting_requests: int = Field(
        default=128, ge=0, le=100_000, description="Requests that may wait for a turn; more: 503."
    )
    max_wait_seconds: float = Field(
        default=2.0, gt=0, le=300, description="Longest wait for a turn before a 503."
    )
    request_timeout_seconds: float = Field(
        default=30.0, gt=0, le=3600, description="A request not answering by then is cancelled."
    )
    heavy_request_timeout_seconds: float = Field(
        default=120.0,
        gt=0,
        le=3600,
        description="The deadline of imports, exports and classify, which grow with a document.",
    )
    heavy_requests_per_organization: int = Field(
        default=3,
        ge=1,
        le=1000,
        description="Imports, exports, classify and GraphQL requests one organization runs at "
        "once per worker; more wait for a turn.",
    )
    heavy_wait_seconds: float = Field(
        default=30.0, gt=0, le=3600, description="Longest wait for such a turn before a 503."
    )
    rate_limit_requests: int = Field(
        default=3000, ge=0, description="Requests per token per window and worker; 0: no limit."
    )
    rate_limit_window_seconds: float = Field(default=60.0, gt=0, le=86_400)
    idempotency_retention_hours: float = Field(
        default=24.0, gt=0, le=24 * 30, description="How long an Idempotency-Key is remembered."
    )
    auth_failures_per_minute: int = Field(
        default=30,
        ge=0,
        description="Failed authentications per client address per minute and worker; 0: no limit.",
    )
    map_import_max_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="Largest map document an import takes, in bytes; a larger one is a 413.",
    )
    map_import_max_steps: int = Field(
        default=20_000, ge=1, description="Most steps a map document may hold (422 beyond)."
    )
    map_import_max_handoffs: int = Field(
        default=50_000, ge=0, description="Most handoffs a map document may hold (422 beyond)."
    )
    job_output_max_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1024,
        description="The largest file a background job (an export) may store.",
    )
    jobs_in_process: bool = Field(
        default=True,
        description="`vsm serve` runs a job worker in each server process; false leaves "
        "jobs to `vsm worker`.",
    )
    job_poll_seconds: float = Field(
        default=1.0, gt=0, le=60, description="How often an idle worker looks for due jobs."
    )
    job_lease_seconds: float = Field(
        default=60.0,
        ge=1,
        le=3600,
        description="How long a claimed job is its worker's; a live worker renews it, so "
        "a job whose worker died runs again this long after.",
    )
    webhook_allow_loopback: bool = Field(
        default=False,
        description="Let webhooks go to loopback addresses (a receiver on this machine).",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Let webhooks go to private addresses (a receiver inside this network). "
        "Link-local and metadata addresses are always refused.",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="How long one delivery attempt may take."
    )
    webhook_secret_overlap_hours: float = Field(
        default=24.0,
        ge=0,
        le=720,
        description="After a secret rotation, how long deliveries carry the old secret's "
        "signature too.",
    )
    readout_directory: str | None = Field(
        default=None,
        description="The folder scheduled readouts may be written below; unset: no "
        "schedule may deliver to a directory.",
    )
    smtp_host: str | None = Field(
        default=None, description="The SMTP server scheduled readouts are mailed through."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = Field(default=True, description="Upgrade the SMTP connection to TLS.")
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_sender: str = Field(
        default="valuestream@localhost", description="The From address of mailed readouts."
    )
    classifier_config: dict[str, Any] = Field(
        default_factory=dict,
        description="JSON settings for waste classifier plugins, each under its plugin's name; "
        "an organization's stored configuration of a plugin overrides its entry key by key.",
    )
    disabled_plugins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Plugins not to load, built-in or third-party, by the names the plugin list "
        "shows (comma-separated); a name that is no plugin's stops the start.",
    )

    @field_validator("cors_origins", "disabled_plugins", mode="before")
    @classmethod
    def _split_lists(cls, value: object) -> object:
        """Accept a comma-separated list, which is how people write it in an environment."""
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
