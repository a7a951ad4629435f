"""The shape of ``trustops.yaml``: components, their checks, and policy overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from trustops.config import Policy
from trustops.enums import Criticality, Impact, Visibility
from trustops.monitor.probes.conditions import parse_condition

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"


def iana_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not a known IANA time zone") from None
    return value


IanaZone = Annotated[str, AfterValidator(iana_zone)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Check(_Strict):
    name: str | None = Field(None, description="Unique within the component; defaults to the type.")
    interval: int = Field(60, ge=5, le=86_400, description="Seconds between runs.")
    timeout: float = Field(10.0, gt=0, le=120, description="Seconds before a run counts as failed.")
    failure_threshold: int | None = Field(None, ge=1, description="Overrides the policy default.")
    success_threshold: int | None = Field(None, ge=1, description="Overrides the policy default.")


def _valid_condition(text: str) -> str:
    parse_condition(text)  # its ValueError names the problem and quotes the condition
    return text


class HttpCheck(_Check):
    type: Literal["http"]
    url: HttpUrl
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    headers: dict[str, str] = {}
    body: str | None = None
    conditions: list[Annotated[str, AfterValidator(_valid_condition)]] = ["[STATUS] == 200"]


class TcpCheck(_Check):
    type: Literal["tcp"]
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65_535)


class DnsCheck(_Check):
    type: Literal["dns"]
    query_name: str = Field(min_length=1)
    record_type: Literal["A", "AAAA", "CNAME", "MX", "NS", "TXT"] = "A"
    nameserver: str | None = None


class TlsCheck(_Check):
    type: Literal["tls"]
    host: str = Field(min_length=1)
    port: int = Field(443, ge=1, le=65_535)
    min_days_left: int = Field(14, ge=0, description="Fail when the certificate expires sooner.")


class HeartbeatCheck(_Check):
    type: Literal["heartbeat"]
    period: int | None = Field(None, ge=60, description="Seconds between expected pings.")
    cron: str | None = Field(None, description="Cron schedule instead of a period.")
    tz: IanaZone = Field("UTC", description="IANA time zone the cron schedule is read in.")
    grace: int = Field(3600, ge=60, description="Seconds of lateness tolerated before going down.")

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is not None:
            from cronsim import CronSim, CronSimError

            try:
                CronSim(value, datetime(2000, 1, 1))
            except CronSimError as exc:
                raise ValueError(f"not a valid cron expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _one_schedule(self) -> HeartbeatCheck:
        if (self.period is None) == (self.cron is None):
            raise ValueError("give exactly one of period (seconds) or cron (schedule)")
        return self


Check = Annotated[HttpCheck | TcpCheck | DnsCheck | TlsCheck | HeartbeatCheck, Field(discriminator="type")]


class SloSpec(_Strict):
    """An availability objective, judged from the component's probe runs (SRE workbook, ch. 5)."""

    objective: float = Field(gt=0, lt=100, description="Target share of good probe runs, in percent, e.g. 99.9.")
    window_days: Literal[28, 30] = Field(30, description="The rolling window the error budget covers.")


class ComponentSpec(_Strict):
    """One product feature, as written in the catalog or sent to the API."""

    id: str = Field(pattern=ID_PATTERN, description="Stable slug: lower case, digits, '-' and '_'.")
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    group: str | None = Field(None, max_length=120)
    visibility: Visibility = Visibility.PUBLIC
    criticality: Criticality = Criticality.STANDARD
    value_weight: float = Field(1.0, ge=0, le=100, description="How much customer value rides on it.")
    phrases: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list, description="What customers say when it breaks."
    )
    checks: list[Check] = Field(default_factory=list)
    slo: SloSpec | None = None
    only_show_if_degraded: bool = Field(
        False, description="Hidden on the public status page while operational (Statuspage's option of that name)."
    )


class AlertMapping(_Strict):
    """Sends alerts whose labels (or error tags) match every pattern to a component."""

    match: dict[str, str] = Field(min_length=1, description="Label name to glob pattern, e.g. job: 'payments-*'.")
    component: str = Field(pattern=ID_PATTERN)


class NotificationRoute(_Strict):
    """Where incident news goes: an Apprise URL (Slack, Teams, webhooks…) or an e-mail address."""

    name: str = Field(pattern=ID_PATTERN)
    url: str | None = Field(
        None, description="Apprise URL; `${VAR}` is read from the environment at send time, so secrets stay out."
    )
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+$", description="Sent through the SMTP settings.")
    components: list[str] = Field(default_factory=list, description="Only these components; empty means all.")
    min_impact: Impact = Field(Impact.MINOR, description="Only incidents at least this severe.")
    audience: Literal["responders", "employees", "partners", "investors", "legal"] = Field(
        "responders",
        description="Who is behind it. Responders also get reminders of overdue updates; employees, partners "
        "and investors get every update, internal ones included, which say more than the public page; legal "
        "gets data-breach deadline reminders (and nothing about incidents).",
    )

    @model_validator(mode="after")
    def _one_target(self) -> NotificationRoute:
        if (self.url is None) == (self.email is None):
            raise ValueError("give exactly one of url (Apprise) or email")
        return self


class StatusPageSpec(_Strict):
    """The public status page: what it is called and where readers reach it."""

    name: str = Field("Status", min_length=1, max_length=120, description="Shown as the page title.")
    url: HttpUrl | None = Field(
        None, description="Public address of the page; defaults to the installation's base URL + `/status`."
    )
    time_zone: IanaZone = Field("Etc/UTC", description="IANA time zone the page shows times in.")
    history_days: int = Field(90, ge=7, le=365, description="Days of uptime bars and past incidents shown.")


class AccountSpec(_Strict):
    """A key account: whom to write to when an incident hits it, and who looks after it."""

    name: str = Field(min_length=1, max_length=120, description="As in the customers table's `account` column.")
    contacts: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]] = Field(
        default_factory=list, description="E-mail addresses that get targeted notices."
    )
    manager: str | None = Field(None, max_length=120, description="The account manager who gets a task to call.")


class OrganisationSpec(_Strict):
    """Who runs this installation: what breach notices and regulator drafts say, and where their clocks tick."""

    name: str = Field("Our organisation", max_length=200, description="The controller's name in notices.")
    time_zone: IanaZone = Field("Etc/UTC", description="IANA time zone deadlines are also shown in.")
    country: str = Field("", max_length=2, description="ISO 3166-1 alpha-2 of the main establishment, e.g. DE.")
    dpo_contact: str = Field(
        "", max_length=500, description="Name and contact of the data protection officer (GDPR Art. 33(3)(b))."
    )
    lead_authority: str = Field(
        "", max_length=200, description="The lead supervisory authority breach reports go to, e.g. the ICO."
    )
    listed: bool = Field(False, description="Shares listed in the US: material incidents need an SEC Form 8-K.")


class CatalogFile(_Strict):
    version: Literal[1] = 1
    policy: Policy = Field(default_factory=Policy)
    organisation: OrganisationSpec = Field(default_factory=OrganisationSpec)
    status_page: StatusPageSpec = Field(default_factory=StatusPageSpec)
    components: list[ComponentSpec] = Field(default_factory=list)
    mappings: list[AlertMapping] = Field(default_factory=list)
    notifications: list[NotificationRoute] = Field(default_factory=list)
    accounts: list[AccountSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_components(self) -> CatalogFile:
        known = {c.id for c in self.components}
        for i, mapping in enumerate(self.mappings):
            if mapping.component not in known:
                raise ValueError(f"mappings[{i}].component: {mapping.component!r} is not a component of this catalog")
        for i, route in enumerate(self.notifications):
            for cid in route.components:
                if cid not in known:
                    raise ValueError(f"notifications[{i}].components: {cid!r} is not a component of this catalog")
        return self
