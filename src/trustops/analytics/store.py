"""Keeping silent-churn reports: a :class:`ChurnReport` stored as a :class:`ChurnRun` row (headline debt in
columns, the whole report as JSON), read back, listed, and summed into the reputational debt that
incidents have accumulated (issue #7: "in currency, per incident and accumulated").

An incident analysed again (more data, other horizons) replaces its earlier figures: only the newest run
of each incident counts towards the accumulated debt. A run about no incident (an affected group named
by hand) counts on its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from trustops.analytics.churn_report import Balance, ChurnReport, Curve, HorizonResult, MetricResult
from trustops.analytics.models import ChurnRun
from trustops.clock import as_utc
from trustops.errors import InvalidInput, NotFound
from trustops.monitor.models import Incident

MAX_CURRENCY = 8  # the width of ChurnRun.currency
MAX_TITLE = 300  # the width of ChurnRun.title


@dataclass(frozen=True)
class Total:
    """The accumulated debt in one currency: the sum of the headline debts and how many runs it adds up."""

    value: float
    runs: int


def record(session: Session, report: ChurnReport, *, actor: str) -> ChurnRun:
    """Store ``report`` (flushed, not committed: the caller commits); its headline debt goes in columns."""
    if report.incident_id is not None and session.get(Incident, report.incident_id) is None:
        raise InvalidInput(f"incident_id: no incident {report.incident_id}", field="incident_id")
    debt = report.debt
    run = ChurnRun(
        actor=actor[:120],
        incident_id=report.incident_id,
        title=report.title[:MAX_TITLE],
        at=as_utc(report.at),
        engine=report.engine[:16],
        treated=report.treated,
        verdict=report.verdict,
        report=report.to_dict(),
    )
    if debt is not None:
        run.horizon_days = debt.horizon_days
        run.debt = _finite(debt.total.value)
        run.debt_low = _finite(debt.total.low)
        run.debt_high = _finite(debt.total.high)
        run.currency = debt.currency
    session.add(run)
    session.flush()
    return run


def load(run: ChurnRun) -> ChurnReport:
    """The report exactly as it was computed."""
    return ChurnReport.from_dict(run.report)


def get_run(session: Session, run_id: int) -> ChurnRun:
    run = session.get(ChurnRun, run_id)
    if run is None:
        raise NotFound(f"run_id: no churn run {run_id}", field="run_id")
    return run


def runs(session: Session, *, limit: int = 50) -> list[ChurnRun]:
    """The newest runs first."""
    query = select(ChurnRun).order_by(ChurnRun.created_at.desc(), ChurnRun.id.desc()).limit(limit)
    return list(session.scalars(query))


def latest_per_incident(session: Session) -> list[ChurnRun]:
    """The newest run of each incident, and every run about no incident, newest first."""
    rank = (
        func.row_number()
        .over(partition_by=ChurnRun.incident_id, order_by=(ChurnRun.created_at.desc(), ChurnRun.id.desc()))
        .label("rank")
    )
    ranked = select(ChurnRun.id, rank).where(ChurnRun.incident_id.is_not(None)).subquery()
    newest = select(ranked.c.id).where(ranked.c.rank == 1)
    query = (
        select(ChurnRun)
        .where(or_(ChurnRun.incident_id.is_(None), ChurnRun.id.in_(newest)))
        .order_by(ChurnRun.created_at.desc(), ChurnRun.id.desc())
    )
    return list(session.scalars(query))


def accumulated_debt(session: Session) -> dict[str, Total]:
    """The headline debts of :func:`latest_per_incident` summed per currency (see :func:`debt_totals`)."""
    return debt_totals(latest_per_incident(session))


def debt_totals(runs: Iterable[ChurnRun]) -> dict[str, Total]:
    """The headline debts of ``runs`` summed per currency (runs without a debt left out).

    Only the point estimates add up. Each run's interval comes from its own bootstrap, over cohorts that
    overlap (a customer hit by two incidents is in both) and with errors that are not independent, so
    adding the bounds would claim a precision nobody measured, and the sum of two 95 % intervals is not a
    95 % interval of the sum either way. An interval of the total needs one analysis over all incidents.
    """
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for run in runs:
        if run.debt is None:
            continue
        sums[run.currency] = sums.get(run.currency, 0.0) + run.debt
        counts[run.currency] = counts.get(run.currency, 0) + 1
    return {currency: Total(sums[currency], counts[currency]) for currency in sorted(sums)}


def report_from_json(data: Any) -> ChurnReport:
    """A report uploaded as the JSON ``ChurnReport.to_dict()`` gives; a bad one is refused naming the key."""
    if not isinstance(data, dict):
        raise InvalidInput(f"body: expected a JSON object, got {type(data).__name__}", field="body")
    for key, parse in _PARTS.items():
        if key in data:
            _check(key, parse, data[key])
        elif key not in _OPTIONAL:
            raise InvalidInput(f"{key}: required", field=key)
    report = ChurnReport.from_dict(data)
    for index, horizon in enumerate(report.horizons):
        if horizon.debt is not None and not 0 < len(horizon.debt.currency) <= MAX_CURRENCY:
            where = f"horizons.{index}.debt.currency"
            message = f"{where}: {horizon.debt.currency!r} is not a currency code of 1 to {MAX_CURRENCY} letters"
            raise InvalidInput(message, field=where)
    return report


def _check(key: str, parse: Callable[[Any], object], value: Any) -> None:
    """Parse one top-level value, item by item for lists, so the error names where it went wrong."""
    if key in _LISTS and not isinstance(value, list):
        raise InvalidInput(f"{key}: expected a JSON array, got {type(value).__name__}", field=key)
    items = list(enumerate(value)) if key in _LISTS else [(None, value)]
    for index, item in items:
        where = key if index is None else f"{key}.{index}"
        try:
            parse(item)
        except KeyError as exc:
            raise InvalidInput(f"{where}: missing key {exc.args[0]!r}", field=where) from None
        except (ValueError, TypeError, AttributeError) as exc:
            raise InvalidInput(f"{where}: {str(item)[:80]!r} is not valid ({exc})", field=where) from None


def _incident_id(value: Any) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError("expected an incident id (integer) or null")
    return value


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("expected a JSON object")
    return value


def _optional(parse: Callable[[Any], object]) -> Callable[[Any], object]:
    return lambda value: None if value is None else parse(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


_LISTS = {"horizons", "balance"}
_OPTIONAL = {"incident_id", "curve", "early_churn"}  # ChurnReport.from_dict reads them with .get
_PARTS: dict[str, Callable[[Any], object]] = {
    "at": datetime.fromisoformat,
    "until": datetime.fromisoformat,
    "engine": _text,
    "incident_id": _incident_id,
    "title": _text,
    "data_start": datetime.fromisoformat,
    "data_end": datetime.fromisoformat,
    **{key: int for key in ("affected_given", "affected_found", "treated", "unmatched", "pool", "controls")},
    "horizons": lambda value: HorizonResult.from_dict(_mapping(value)),
    "balance": lambda value: Balance.from_dict(_mapping(value)),
    "curve": _optional(lambda value: Curve.from_dict(_mapping(value))),
    "early_churn": _optional(lambda value: MetricResult.from_dict(_mapping(value))),
    "verdict": _text,
    "definition": _mapping,
}


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
