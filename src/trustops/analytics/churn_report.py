"""What a silent-churn analysis found, as plain values: estimates with intervals, per metric and horizon,
the reputational debt, the retention curves and the covariate balance. :mod:`trustops.analytics.churn`
computes a :class:`ChurnReport`; the CLI, the HTML report, the store and the dashboard only read one.

Every class round-trips through ``to_dict``/``from_dict`` (plain JSON types) so a stored report reads back
exactly as it was computed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

LOSS = "loss"
GAIN = "gain"
NO_CHANGE = "no significant change"


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its bootstrap interval and two-sided bootstrap p-value."""

    value: float
    low: float
    high: float
    p_value: float

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0

    def scaled(self, factor: float) -> Estimate:
        low, high = sorted((self.low * factor, self.high * factor))
        return Estimate(self.value * factor, low, high, self.p_value)

    def to_dict(self) -> dict[str, float | None]:
        return {key: _finite(value) for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Estimate:
        return cls(**{key: _number(data[key]) for key in ("value", "low", "high", "p_value")})


@dataclass(frozen=True)
class MetricResult:
    """One metric over one horizon: group means before and after, and the difference-in-differences.

    ``higher_is_better`` says which way is a loss; ``verdict`` is :data:`LOSS`, :data:`GAIN` or
    :data:`NO_CHANGE` (the interval holds 0).
    """

    metric: str
    label: str
    horizon_days: int
    treated_pre: float
    treated_post: float
    control_pre: float
    control_post: float
    effect: Estimate
    n_treated: int
    n_control: int
    higher_is_better: bool
    verdict: str
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["effect"] = self.effect.to_dict()
        for key in ("treated_pre", "treated_post", "control_pre", "control_post"):
            data[key] = _finite(data[key])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MetricResult:
        values = dict(data)
        values["effect"] = Estimate.from_dict(data["effect"])
        for key in ("treated_pre", "treated_post", "control_pre", "control_post"):
            values[key] = _number(values[key])
        return cls(**values)


@dataclass(frozen=True)
class Debt:
    """Reputational debt over one horizon, in ``currency``: transactions lost in the window against
    their usual rate (``immediate``), lost future customer value (``future``, ``None`` when no
    lifetime-value model could be fitted) and the recovery costs a person entered. Positive is a cost."""

    horizon_days: int
    immediate: Estimate
    future: Estimate | None
    recovery: float
    total: Estimate
    currency: str
    recovery_items: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "horizon_days": self.horizon_days,
            "immediate": self.immediate.to_dict(),
            "future": self.future.to_dict() if self.future else None,
            "recovery": self.recovery,
            "recovery_items": dict(self.recovery_items),
            "total": self.total.to_dict(),
            "currency": self.currency,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Debt:
        return cls(
            horizon_days=int(data["horizon_days"]),
            immediate=Estimate.from_dict(data["immediate"]),
            future=Estimate.from_dict(data["future"]) if data.get("future") else None,
            recovery=float(data["recovery"]),
            total=Estimate.from_dict(data["total"]),
            currency=str(data["currency"]),
            recovery_items={str(k): float(v) for k, v in data.get("recovery_items", {}).items()},
        )


@dataclass(frozen=True)
class HorizonResult:
    """Everything measured over one horizon, or why it was skipped (``skipped`` set, no metrics)."""

    days: int
    metrics: tuple[MetricResult, ...] = ()
    ltv: Estimate | None = None  # change in expected customer value per affected customer, net of controls
    ltv_customers: int = 0  # affected users with a purchase before the incident (those the LTV model values)
    debt: Debt | None = None
    skipped: str | None = None

    def metric(self, key: str) -> MetricResult:
        for result in self.metrics:
            if result.metric == key:
                return result
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "metrics": [metric.to_dict() for metric in self.metrics],
            "ltv": self.ltv.to_dict() if self.ltv else None,
            "ltv_customers": self.ltv_customers,
            "debt": self.debt.to_dict() if self.debt else None,
            "skipped": self.skipped,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HorizonResult:
        return cls(
            days=int(data["days"]),
            metrics=tuple(MetricResult.from_dict(item) for item in data.get("metrics", [])),
            ltv=Estimate.from_dict(data["ltv"]) if data.get("ltv") else None,
            ltv_customers=int(data.get("ltv_customers", 0)),
            debt=Debt.from_dict(data["debt"]) if data.get("debt") else None,
            skipped=data.get("skipped"),
        )


@dataclass(frozen=True)
class Balance:
    """How alike the groups were on one matching covariate: standardised mean difference before and
    after matching (below 0.1 is the usual bar for "balanced")."""

    covariate: str
    treated_mean: float
    pool_mean: float
    control_mean: float
    smd_before: float
    smd_after: float

    def to_dict(self) -> dict[str, Any]:
        return {key: (_finite(value) if isinstance(value, float) else value) for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Balance:
        return cls(str(data["covariate"]), *(_number(data[key]) for key in list(cls.__dataclass_fields__)[1:]))


@dataclass(frozen=True)
class Curve:
    """Weekly share of users active, week 0 starting at the incident; negative weeks are before it.
    Bands are the bootstrap intervals of each group's share."""

    weeks: tuple[int, ...]
    treated: tuple[float, ...]
    treated_low: tuple[float, ...]
    treated_high: tuple[float, ...]
    control: tuple[float, ...]
    control_low: tuple[float, ...]
    control_high: tuple[float, ...]

    def to_dict(self) -> dict[str, list[float] | list[int]]:
        return {key: list(value) for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Curve:
        return cls(**{key: tuple(data[key]) for key in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ChurnReport:
    """A silent-churn analysis of one incident (or one affected group at one time)."""

    at: datetime  # the cohort anchor: the incident's start, defined once
    until: datetime  # the end of the incident window (controls were active in it)
    engine: str
    incident_id: int | None
    title: str
    data_start: datetime
    data_end: datetime
    affected_given: int  # affected users named (ledger or file)
    affected_found: int  # of them, with events before the incident
    treated: int  # matched affected users the estimates are about
    unmatched: int  # affected users left out: no control close enough
    pool: int  # candidate controls
    controls: int  # distinct controls matched
    horizons: tuple[HorizonResult, ...]
    balance: tuple[Balance, ...]
    curve: Curve | None
    early_churn: MetricResult | None
    verdict: str
    definition: dict[str, Any]  # how the cohorts, windows and metrics were defined, for the record
    distrust: dict[str, Any] | None = None  # lingering distrust after the incident (DistrustReport.to_dict())
    trust_check: dict[str, Any] | None = None  # the trust model's implied churn against this cohort's (CohortCheck)

    def horizon(self, days: int) -> HorizonResult:
        for result in self.horizons:
            if result.days == days:
                return result
        raise KeyError(days)

    @property
    def debt(self) -> Debt | None:
        """The headline debt: the longest horizon that has one."""
        debts = [result.debt for result in self.horizons if result.debt is not None]
        return debts[-1] if debts else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "until": self.until.isoformat(),
            "engine": self.engine,
            "incident_id": self.incident_id,
            "title": self.title,
            "data_start": self.data_start.isoformat(),
            "data_end": self.data_end.isoformat(),
            "affected_given": self.affected_given,
            "affected_found": self.affected_found,
            "treated": self.treated,
            "unmatched": self.unmatched,
            "pool": self.pool,
            "controls": self.controls,
            "horizons": [result.to_dict() for result in self.horizons],
            "balance": [item.to_dict() for item in self.balance],
            "curve": self.curve.to_dict() if self.curve else None,
            "early_churn": self.early_churn.to_dict() if self.early_churn else None,
            "verdict": self.verdict,
            "definition": self.definition,
            "distrust": self.distrust,
            "trust_check": self.trust_check,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChurnReport:
        return cls(
            at=datetime.fromisoformat(data["at"]),
            until=datetime.fromisoformat(data["until"]),
            engine=str(data["engine"]),
            incident_id=data.get("incident_id"),
            title=str(data["title"]),
            data_start=datetime.fromisoformat(data["data_start"]),
            data_end=datetime.fromisoformat(data["data_end"]),
            affected_given=int(data["affected_given"]),
            affected_found=int(data["affected_found"]),
            treated=int(data["treated"]),
            unmatched=int(data["unmatched"]),
            pool=int(data["pool"]),
            controls=int(data["controls"]),
            horizons=tuple(HorizonResult.from_dict(item) for item in data["horizons"]),
            balance=tuple(Balance.from_dict(item) for item in data["balance"]),
            curve=Curve.from_dict(data["curve"]) if data.get("curve") else None,
            early_churn=MetricResult.from_dict(data["early_churn"]) if data.get("early_churn") else None,
            verdict=str(data["verdict"]),
            definition=dict(data["definition"]),
            distrust=data.get("distrust"),
            trust_check=data.get("trust_check"),
        )


def _finite(value: float) -> float | None:
    """JSON has no NaN: an undefined mean (no user had the metric) is stored as null."""
    return value if math.isfinite(value) else None


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)
