"""Installation settings and the business policy.

:class:`Settings` says where things live and which secrets to use; it comes from ``TRUSTOPS_*``
environment variables (or a ``.env`` file), and every secret may instead be read from the file named by
``TRUSTOPS_<NAME>_FILE`` (Docker/Kubernetes secrets).

:class:`Policy` holds every business threshold trustops applies. Each field's description is the
user-facing documentation of that knob; override them under ``policy:`` in ``trustops.yaml``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from trustops.errors import ConfigError

SECRET_FIELDS = ("secret_key", "database_url", "smtp_password", "sentry_webhook_secret")
PLACEHOLDER_SECRETS = {"changethis", "changeme", "secret", "password", "dev"}
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """Where trustops keeps its data and which secrets it uses."""

    model_config = SettingsConfigDict(env_prefix="TRUSTOPS_", env_file=".env", extra="ignore")

    env: Literal["dev", "production"] = Field(
        "dev", description="`production` refuses missing or placeholder secrets and sets secure cookies."
    )
    database_url: str = Field(
        "sqlite:///trustops.db",
        description="SQLAlchemy URL of the operational store; `postgresql://…` switches to PostgreSQL.",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Key for session cookies and user pseudonyms (HMAC). In dev a random one is "
        "kept in `secret_file` when unset; production requires it.",
    )
    secret_file: Path = Field(Path(".trustops-secret"), description="Where dev mode keeps its generated secret key.")
    config_path: Path = Field(Path("trustops.yaml"), description="The component catalog and policy overrides (YAML).")
    base_url: str = Field(
        "http://127.0.0.1:8000", description="Public address of this installation, used in printed URLs."
    )
    session_max_age_hours: int = Field(12, ge=1, description="How long a dashboard login lasts.")
    subscribe_per_hour: int = Field(
        10,
        ge=0,
        description="Status-page subscriptions one client address may ask for per hour, per server process "
        "(each new e-mail address gets a confirmation e-mail); 0 turns the limit off.",
    )
    ping_body_limit: int = Field(
        10_000, ge=0, le=100_000, description="Bytes of a heartbeat ping's body that are kept (Healthchecks: 10 kB)."
    )
    worker: bool = Field(
        True, description="Run probes, heartbeat checks and notifications inside `trustops serve` as well."
    )
    smtp_host: str | None = Field(None, description="SMTP server for e-mail notifications; unset disables e-mail.")
    smtp_port: int = Field(587, description="SMTP port (587 submission with STARTTLS, 465 TLS, 25 plain).")
    smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_user: str | None = Field(None, description="SMTP login, if the server wants one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password (or TRUSTOPS_SMTP_PASSWORD_FILE).")
    smtp_from: str = Field("trustops@localhost", description="Sender address of notification e-mails.")
    overview_refresh_seconds: int = Field(
        15, ge=0, description="How often an open overview checks for changes (seconds; 0 turns live updates off)."
    )
    spark_master: str = Field(
        "local[*]",
        description="Where `trustops analytics churn --engine spark` runs: `local[*]` (this machine, loopback only) "
        "or a cluster (`spark://host:7077`, `yarn`, `k8s://…`).",
    )
    sentry_webhook_secret: SecretStr | None = Field(
        None, description="Client secret of the Sentry integration whose webhooks are accepted (HMAC check)."
    )

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for name in SECRET_FIELDS:
            file_var = f"TRUSTOPS_{name.upper()}_FILE"
            path = os.environ.get(file_var)
            if path and not data.get(name):
                try:
                    data[name] = Path(path).read_text().strip()
                except OSError as exc:
                    raise ValueError(f"{file_var}: cannot read {path!r}: {exc.strerror}") from exc
        return data

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.env != "production":
            return self
        key = self.secret_key.get_secret_value() if self.secret_key else ""
        if key.lower() in PLACEHOLDER_SECRETS or len(key) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"secret_key: production needs TRUSTOPS_SECRET_KEY (or _FILE) of at least "
                f"{MIN_SECRET_LENGTH} random characters, not a placeholder"
            )
        return self

    @property
    def cookie_secure(self) -> bool:
        return self.env == "production"

    def secret(self) -> bytes:
        """The installation secret; in dev, created once in ``secret_file`` when none is configured."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        if self.env == "production":  # pragma: no cover - refused by the validator above
            raise ConfigError("secret_key: required in production", field="secret_key")
        if not self.secret_file.exists():
            self.secret_file.write_text(secrets.token_urlsafe(48))
            self.secret_file.chmod(0o600)
        return self.secret_file.read_text().strip().encode()


class Policy(BaseModel):
    """Business thresholds. Defaults follow `reference/rules.md`; each description is the user doc."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    status_page_user_share: float = Field(
        0.05,
        gt=0,
        le=1,
        description="Share of active users an incident must hit before it goes on the public status "
        "page (SEV-1 in the Atlassian/PagerDuty convention).",
    )
    targeted_user_share: float = Field(
        0.01,
        gt=0,
        le=1,
        description="Below this share of active users, an incident that hits high-value customers is "
        "told to them directly (targeted e-mail, account manager) instead of publicly (SEV-2).",
    )
    first_public_update_minutes: int = Field(
        15, ge=1, description="Minutes from detection to the first public update of a public incident."
    )
    first_targeted_update_minutes: int = Field(
        30, ge=1, description="Minutes from detection to the first message to targeted customers (SEV-2)."
    )
    public_update_cadence_minutes: int = Field(
        30, ge=1, description="Minutes between updates of an open public incident (Atlassian: every 30 min)."
    )
    targeted_update_cadence_minutes: int = Field(
        60, ge=1, description="Minutes between updates of an open incident told only to targeted customers."
    )
    targeted_min_value: float = Field(
        50_000,
        ge=0,
        description="Annual value of the affected customers (in the customers table's currency) from which "
        "a small incident has high business impact and is told to them directly; any affected enterprise "
        "customer counts as high impact too.",
    )
    band_status_page_impact: Literal["minor", "major", "critical"] = Field(
        "major",
        description="Between the targeted and status-page shares of users, an incident at least this severe "
        "goes on the public page; a milder one is told to the affected accounts if it hits high value, else "
        "kept internal (see docs/communication.md).",
    )
    degraded_reminder_hours: list[int] = Field(
        [3, 6, 12, 24],
        min_length=1,
        description="Hours after which the owner is reminded that a component is still not operational "
        "(Statuspage's 3, 6, 12 and 24 h).",
    )
    subscriber_confirm_hours: int = Field(
        48, ge=1, description="Unconfirmed status-page subscriptions are deleted after this many hours."
    )
    probe_failure_threshold: int = Field(
        3, ge=1, description="Consecutive failed probe runs that open an incident on the component."
    )
    probe_success_threshold: int = Field(
        2, ge=1, description="Consecutive successful probe runs that resolve a probe-opened incident."
    )
    error_window_days: int = Field(
        30,
        ge=1,
        description="A user who saw an error within this many days counts as recently hurt: no promotional "
        "offer reaches them (marketing guard rule `no_offers_after_error`).",
    )
    cooldown_min_days: int = Field(
        7,
        ge=0,
        description="Days without automated marketing for users hit by a site-wide outage of minor impact "
        "(marketing guard rule `outage_cooldown`), counted from its resolution.",
    )
    cooldown_max_days: int = Field(
        14,
        ge=0,
        description="Days without automated marketing for users hit by a site-wide outage of major or critical "
        "impact (rule `outage_cooldown`), counted from its resolution.",
    )
    help_window_days: int = Field(
        14,
        ge=0,
        description="An incident resolved less than this many days ago still counts as recent: a user with errors "
        "on its components gets help content, not offers (rule `help_not_offers`).",
    )
    thank_you_stable_days: int = Field(
        7,
        ge=0,
        description="Days the affected components must have been fully restored and stable before a "
        '"thank you for your patience" campaign may go out (rule `thank_you_when_stable`).',
    )
    loyalty_min_tenure_days: int = Field(
        365,
        ge=0,
        description="Loyalty rewards go only to customers first seen at least this many days ago whose history "
        "is free of errors (rule `loyalty_for_seamless`).",
    )
    holdout_share: float = Field(
        0.05,
        ge=0,
        lt=0.5,
        description="Share of users, chosen by a stable hash of their pseudonym, who receive no remediation "
        "campaign (thank-you), so its effect on churn can be measured later.",
    )
    guard_log_retention_days: int = Field(
        400, ge=1, description="How long the marketing guard's decision log (pseudonymous) is kept."
    )
    incident_join_minutes: int = Field(
        30,
        ge=0,
        description="A signal on a component whose automatically opened incident was resolved less than this "
        "many minutes ago reopens that incident instead of opening a new one (flap damping).",
    )
    active_customer_days: int = Field(
        30,
        ge=1,
        description="A customer seen within this many days counts as active: the denominator of an incident's "
        "affected share.",
    )
    exposure_retention_days: int = Field(
        400, ge=1, description="How long exposure-ledger rows (pseudonymous personal data) are kept."
    )
    customer_retention_days: int = Field(
        730, ge=1, description="How long a customer row (pseudonymous) is kept after the customer was last seen."
    )
    delivery_retention_days: int = Field(
        400,
        ge=1,
        description="How long sent and failed notification deliveries (with the address they went to) are kept.",
    )
    mention_retention_days: int = Field(
        400, ge=1, description="How long mentions (redacted texts, pseudonymous authors) are kept."
    )
    spike_alpha: float = Field(
        0.01,
        gt=0,
        lt=0.5,
        description="Significance level of the spike test: a rise in complaints is raised only when a rise "
        "this large would happen by chance less often than this (CDC ESSENCE red: p < 0.01).",
    )
    spike_min_mentions: int = Field(
        5, ge=1, description="Fewest mentions in the last 24 hours before a component or intent can spike."
    )
    spike_check_minutes: int = Field(15, ge=1, description="Minutes between two runs of the spike detector.")
    spike_opens_incidents: bool = Field(
        True,
        description="A complaint spike on a component whose health looks fine opens a customer-reported "
        "incident (customers see what probes miss); a spike on a component with an open incident always joins it.",
    )
    audit_retention_days: int = Field(
        730, ge=1, description="How long stored audit runs and their findings (redacted evidence) are kept."
    )
    breach_reminder_hours: list[int] = Field(
        [48, 24, 4],
        min_length=1,
        description="Hours before a breach notification deadline at which its owners are reminded (and once more "
        "when it has passed with the notification not recorded).",
    )
    churn_horizons_days: list[int] = Field(
        [30, 60, 180], min_length=1, description="Horizons (days) over which silent churn is measured."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Policy:
        if self.targeted_user_share > self.status_page_user_share:
            raise ValueError(
                f"targeted_user_share ({self.targeted_user_share}) must not exceed "
                f"status_page_user_share ({self.status_page_user_share})"
            )
        if self.cooldown_min_days > self.cooldown_max_days:
            raise ValueError(
                f"cooldown_min_days ({self.cooldown_min_days}) must not exceed "
                f"cooldown_max_days ({self.cooldown_max_days})"
            )
        return self
