"""All settings in one pydantic-settings model: env vars (INTAKE_ prefix, __ nesting) and .env."""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")


class ConfigError(SystemExit):
    """A configuration mistake: the process stops and names the setting."""


class Section(BaseModel):
    """A nested settings section: an empty value means "unset" wherever the default is None, so
    a .env copied from .env.example never enables a channel with an empty secret."""

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {
            key: (
                None
                if value == "" and key in cls.model_fields and cls.model_fields[key].default is None
                else value
            )
            for key, value in data.items()
        }


class TwilioSettings(Section):
    """SMS and WhatsApp via Twilio (the 08111272206 line). Disabled while auth_token is unset."""

    account_sid: str = ""
    auth_token: SecretStr | None = None
    public_url: str = ""  # the exact URL Twilio signs (behind a proxy it differs from ours)
    api_base_url: str = "https://api.twilio.com"
    sms_from: str = ""
    whatsapp_from: str = ""
    whatsapp_template_sid: str = ""  # approved template used outside the 24-hour window
    whatsapp_fallback: str = "template"  # template | sms | none
    max_media_bytes: int = 5_000_000


class MetaSettings(Section):
    """Facebook page and Messenger via Meta webhooks and the Graph API."""

    app_secret: SecretStr | None = None
    verify_token: SecretStr | None = None
    page_access_token: SecretStr | None = None
    page_id: str = ""
    graph_base_url: str = "https://graph.facebook.com"
    graph_version: str = "v21.0"
    # Outside Messenger's 24-hour window a message tag is required; ACCOUNT_UPDATE covers
    # "a change in application status" (report status). Empty: no Messenger reply after 24 h.
    messenger_tag: str = "ACCOUNT_UPDATE"
    max_media_bytes: int = 5_000_000


class TelegramSettings(Section):
    """Telegram bot: webhook (secret token checked) or polling."""

    bot_token: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: str = "webhook"  # webhook | polling
    poll_timeout_s: int = 25  # getUpdates long-poll timeout
    max_media_bytes: int = 5_000_000


class TwitterSettings(Section):
    """X (Twitter) @DKIJakarta mentions poller."""

    bearer_token: SecretStr | None = None
    consumer_key: str = ""
    consumer_secret: SecretStr | None = None
    access_token: str = ""
    access_token_secret: SecretStr | None = None
    user_id: str = ""
    poll_interval_s: float = 60.0
    # Only for a proxy or the tests' fake X API; OAuth 1.0a signatures cover the default host.
    api_base_url: str = "https://api.twitter.com"
    max_results: int = Field(default=100, ge=5, le=100)  # per page (API: 5..100)
    backfill_hours: float = 24.0  # on first start, how far back mentions are taken
    timeout_s: float = 20.0
    max_media_bytes: int = 5_000_000


class EmailSettings(Section):
    """The complaints mailbox: IMAP in, SMTP out."""

    imap_host: str = ""
    imap_port: int = 993
    imap_ssl: bool = True
    username: str = ""
    password: SecretStr | None = None
    folder: str = "INBOX"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_starttls: bool = True
    from_address: str = ""
    poll_interval_s: float = 60.0
    smtp_ssl: bool = False  # implicit TLS (port 465) instead of STARTTLS
    smtp_username: str = ""  # empty: the IMAP username
    smtp_password: SecretStr | None = None  # unset: the IMAP password
    idle: bool = True  # IMAP IDLE (RFC 2177) when the server offers it; else plain polling
    batch_size: int = Field(default=100, ge=1, le=5000)
    max_attachment_bytes: int = 10_000_000
    timeout_s: float = 30.0


class Lapor1708Settings(Section):
    """SP4N-LAPOR! partner JSON feed (no public API exists)."""

    feed_url: str = ""
    token: SecretStr | None = None
    poll_interval_s: float = 300.0
    token_header: str = "Authorization"  # noqa: S105 (a header name)
    token_prefix: str = "Bearer "  # noqa: S105 (a scheme)
    cursor_param: str = "cursor"  # query parameter carrying the feed's cursor
    limit_param: str = "limit"
    page_size: int = Field(default=100, ge=1, le=1000)
    items_path: str = "data"  # dotted path to the list of reports in the feed's JSON
    next_cursor_path: str = "next_cursor"  # dotted path to the cursor of the next page
    # our field -> the partner's field, for fields named differently than connectors/lapor1708
    field_map: dict[str, str] = Field(default_factory=dict)
    timeout_s: float = 20.0


class MediaMassaSettings(Section):
    """News feeds watched for public complaints (Aspirasi Publik Media Massa)."""

    feeds: list[str] = Field(default_factory=list)
    poll_interval_s: float = 900.0
    # extra complaint words on top of connectors/media_massa/relevance.py's list
    extra_keywords: list[str] = Field(default_factory=list)
    # article pages may come from the feeds' own sites and these (e.g. a CDN or AMP host)
    extra_article_hosts: list[str] = Field(default_factory=list)
    max_entries_per_feed: int = Field(default=50, ge=1, le=500)
    max_article_bytes: int = 3_000_000
    timeout_s: float = 20.0


class CRMSettings(Section):
    """Which CRM core takes the pushes: the embedded one or an Open311 GeoReport v2 server."""

    backend: str = "embedded"  # embedded | open311
    database_url: str = ""  # embedded core's own database; empty: var/crm_core.db
    base_url: str = ""
    api_key: SecretStr | None = None
    jurisdiction_id: str = "jakarta.go.id"
    timeout_s: float = 10.0
    max_attempts: int = 6
    status_poll_interval_s: float = 60.0
    push_attempts: int = 3  # in-call attempts of one push (the actor retries on top of these)
    # our category -> the Open311 server's service_code; "*" is the fallback for the rest
    service_codes: dict[str, str] = Field(default_factory=dict)

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if value not in {"embedded", "open311"}:
            raise ValueError("must be 'embedded' or 'open311'")
        return value


class PipelineSettings(Section):
    """Pipeline timing: when a row counts as stuck, retries, quiet hours."""

    stuck_after_s: float = 120.0
    sweep_interval_s: float = 30.0
    reply_max_attempts: int = 8
    needs_info_window_h: float = 48.0
    quiet_hours: str = ""  # e.g. "22-06" (Asia/Jakarta): status notices wait until morning
    worker_threads: int = 8
    # Messages held by the per-sender rate limit are never dropped: after this long they enter
    # the pipeline, at most `held_daily_cap` per sender a day (counting what already went in);
    # the rest wait for the next day or for an admin (`intake dead`).
    held_release_after_min: float = Field(default=60.0, ge=0)
    held_daily_cap: int = Field(default=30, ge=1)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        # Checked here: a bad value would otherwise fail every status sync pass at run time.
        value = value.strip()
        match = re.fullmatch(r"(\d{1,2})-(\d{1,2})", value)
        if value and (
            match is None
            or not all(int(h) <= 23 for h in match.groups())
            or int(match.group(1)) == int(match.group(2))
        ):
            raise ValueError("must be two different hours 'HH-HH' (Jakarta time), e.g. '22-06'")
        return value


class ReviewSettings(Section):
    """Admin review UI: sessions, login lockout, claims."""

    session_hours: float = 12.0  # absolute lifetime of a login session
    idle_minutes: float = 120.0  # a session unused this long ends
    lockout_after: int = Field(default=5, ge=1)  # failed logins of one account before lockout
    lockout_minutes: float = 15.0
    ip_lockout_after: int = Field(default=30, ge=1)  # failed logins from one address, any account
    secure_cookies: bool = True  # false only for plain-http development
    claim_minutes: float = 30.0  # a claim on a report lapses after this
    sla_hours: float = 6.0  # the review queue counts down to this (coordinate within 6 hours)
    # Signs the login form's pre-session CSRF token; unset: a key kept in var/review_secret.
    secret_key: SecretStr | None = None


class WalkinSettings(Section):
    """Walk-in desk form: upload limits for photos and letter scans."""

    max_photos: int = Field(default=5, ge=0, le=20)
    max_photo_bytes: int = Field(default=10_000_000, ge=1, le=10_000_000)  # the photo check's cap
    max_scans: int = Field(default=3, ge=0, le=20)
    max_scan_bytes: int = Field(default=20_000_000, ge=1)  # a multi-page scanned letter (PDF)


class OpsSettings(Section):
    """Operations: readiness, metrics, dead letters and retention of personal data."""

    # A poller whose last heartbeat is older than this makes /readyz fail (per channel; the
    # default is three poll intervals plus two minutes).
    heartbeat_stale_s: dict[str, float] = Field(default_factory=dict)
    metrics_cache_s: float = 10.0  # database-derived gauges are recounted at most this often
    worker_metrics_port: int = 9191  # `intake worker` serves its metrics here (0: off)
    worker_metrics_host: str = "127.0.0.1"
    media_stuck_after_s: float = 3600.0  # an undownloaded photo older than this is a dead letter
    contact_retention_days: int = 365  # closed reports keep citizen contact data this long


class TriageSettings(Section):
    """Triage thresholds: duplicate scores (0-1), blocking window, same-citizen window."""

    # Combined scores (pipeline/dedupe.score); defaults chosen on bench/dedupe.py's labelled pairs
    duplicate_above: float = Field(default=0.85, ge=0, le=1)  # linked as duplicate at or above
    review_above: float = Field(default=0.65, ge=0, le=1)  # possible_duplicate (admin) at or above
    same_citizen_above: float = Field(default=0.6, ge=0, le=1)  # own report, same place + category
    same_citizen_window_h: float = Field(default=72.0, gt=0)
    window_days: float = Field(default=14.0, gt=0)  # open reports this recent are candidates
    # Rows of the kelurahan + category block, most recent first (the other blocks get a share:
    # pipeline/blocking.py). CRM resolved ~673 reports a day in 2018-19 (kumparan, seeds/003):
    # ~3 per kelurahan and category in a 14-day window, so 30 holds the window everywhere but
    # the busiest places, where the street, RW and pin blocks find the original.
    max_candidates: int = Field(default=30, ge=1, le=2000)
    location_confident: float = Field(default=0.8, ge=0, le=1)  # no human needed at or above
    location_usable: float = Field(default=0.5, ge=0, le=1)  # below: low_confidence

    @model_validator(mode="after")
    def _bands_ordered(self) -> TriageSettings:
        if self.review_above > self.duplicate_above:
            raise ValueError("review_above must not exceed duplicate_above")
        return self


class Settings(BaseSettings):
    """Everything the intake reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="INTAKE_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    database_url: str = Field(
        default="", validation_alias=AliasChoices("DATABASE_URL", "INTAKE_DATABASE_URL")
    )
    redis_url: str = Field(
        default="", validation_alias=AliasChoices("REDIS_URL", "INTAKE_REDIS_URL")
    )
    var_dir: Path = VAR_DIR
    public_base_url: str = "http://127.0.0.1:8000"
    log_level: str = "INFO"
    log_format: str = "console"  # console | json
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    crm: CRMSettings = Field(default_factory=CRMSettings)
    twilio: TwilioSettings = Field(default_factory=TwilioSettings)
    meta: MetaSettings = Field(default_factory=MetaSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    twitter: TwitterSettings = Field(default_factory=TwitterSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    lapor1708: Lapor1708Settings = Field(default_factory=Lapor1708Settings)
    media_massa: MediaMassaSettings = Field(default_factory=MediaMassaSettings)
    triage: TriageSettings = Field(default_factory=TriageSettings)
    ops: OpsSettings = Field(default_factory=OpsSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    walkin: WalkinSettings = Field(default_factory=WalkinSettings)

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("must start with sqlite:// or postgresql://")
        if value.startswith("postgres://"):  # Heroku-style URLs
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @property
    def effective_database_url(self) -> str:
        """DATABASE_URL, or the embedded SQLite file under var/."""
        return self.database_url or f"sqlite:///{self.var_dir / 'intake.db'}"


def _setting_name(loc: tuple[object, ...]) -> str:
    top = str(loc[0]) if loc else "?"
    if top in {"database_url", "redis_url"}:
        return top.upper()
    return "INTAKE_" + "__".join(str(part).upper() for part in loc)


def load_settings() -> Settings:
    """Read settings; on a mistake stop the process naming every bad setting."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = [f"  {_setting_name(err['loc'])}: {err['msg']}" for err in exc.errors()]
        print("Configuration error:\n" + "\n".join(lines), file=sys.stderr)
        raise ConfigError(2) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests call get_settings.cache_clear() after changing env)."""
    return load_settings()
