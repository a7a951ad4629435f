"""The files a bulk evaluation writes, in the shapes marketing platforms import (formats.md §12).

Every format writes the suppressed users to one file and, when asked, the allowed ones to another:

- ``neutral``: trustops' suppression CSV, one row per suppressed user, its ``rule`` in the neutral
  vocabulary (:data:`NEUTRAL_RULES`) and what may still be sent in ``allowed_content``;
- ``braze``: a user-attribute CSV import, ``external_id`` plus ``trustops_*`` custom attributes;
- ``iterable``: a static list (``userId``, and ``email`` when the audience had it) to attach to a campaign
  as its suppression list;
- ``customerio``: the ``id`` column of a CSV upload into a *manual segment* to exclude. Never Customer.io's
  "suppress", which deletes the person and blocks them from coming back (a GDPR erasure, not a cool-down);
- ``klaviyo``: a list to pick as a campaign's "Don't send to" (``email``, which Klaviyo matches profiles on,
  and ``external_id``).

The allowed file has only the id columns of the format: it is the trimmed audience to send to.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol, get_args

from trustops.enums import CampaignType
from trustops.errors import InvalidInput
from trustops.guard import rules
from trustops.guard.bulk import AudienceReader, Evaluated, Judge, Summary
from trustops.guard.facts import IncidentHit

NEUTRAL_HEADER = (
    "user_id",
    "email",
    "rule",
    "incident_id",
    "feature",
    "suppress_promo_from",
    "suppress_promo_until",
    "allowed_content",
    "control_group",
    "generated_at",
)
# Our rules onto the neutral vocabulary (error_seen_30d | outage_cooldown | struggling_feature |
# thank_you_eligible | loyalty_eligible). A held-out user is "thank_you_eligible" with control_group true.
NEUTRAL_RULES = {
    rules.NO_OFFERS_AFTER_ERROR: "error_seen_30d",
    rules.HELP_NOT_OFFERS: "struggling_feature",
    rules.OUTAGE_COOLDOWN: "outage_cooldown",
    rules.THANK_YOU_WHEN_STABLE: "thank_you_eligible",
    rules.HOLDOUT: "thank_you_eligible",
    rules.LOYALTY_FOR_SEAMLESS: "loyalty_eligible",
}
# What may still reach a suppressed user: the rule's alternative, else the rule's default.
ALLOWED_CONTENT = {
    CampaignType.HELP_CONTENT: "help_only",
    CampaignType.APOLOGY: "apology",
    CampaignType.LOYALTY_REWARD: "loyalty_reward",
}
DEFAULT_CONTENT = {rules.OUTAGE_COOLDOWN: "apology"}  # hit by a site-wide outage: an apology, nothing automated
NO_OFFERS = "no_offers"
FEATURE_SEPARATOR = ";"


class Sink(Protocol):
    """Where an export is written: an open text file, or anything with its ``write``."""

    def write(self, text: str, /) -> object: ...


@dataclass(frozen=True)
class Format:
    """One export format: its headers and how a row is written, with or without the audience's e-mails."""

    suppressed_header: Callable[[bool], tuple[str, ...]]
    suppressed_row: Callable[[Evaluated, bool, str], tuple[str, ...]]
    allowed_header: Callable[[bool], tuple[str, ...]]
    allowed_row: Callable[[Evaluated, bool], tuple[str, ...]]


def _neutral_row(evaluated: Evaluated, _with_email: bool, generated_at: str) -> tuple[str, ...]:
    verdict, row = evaluated.verdict, evaluated.row
    incident, feature, since = cause(evaluated)
    return (
        row.user_id,
        row.email or "",
        NEUTRAL_RULES.get(verdict.rule, verdict.rule),
        "" if incident is None else str(incident.incident_id),
        feature,
        iso(since) if since is not None else generated_at,
        iso(verdict.until) if verdict.until is not None else "",
        allowed_content(evaluated),
        "true" if evaluated.holdout else "false",
        generated_at,
    )


def _braze_row(evaluated: Evaluated, _with_email: bool, generated_at: str) -> tuple[str, ...]:
    verdict = evaluated.verdict
    until = iso(verdict.until) if verdict.until is not None else ""
    return (evaluated.row.user_id, verdict.rule, until, allowed_content(evaluated), generated_at)


def _ids(first: str) -> Format:
    """A format of ids only: ``first``, then ``email`` when the audience has e-mails."""

    def header(with_email: bool) -> tuple[str, ...]:
        return (first, "email") if with_email else (first,)

    def row(evaluated: Evaluated, with_email: bool, _generated_at: str = "") -> tuple[str, ...]:
        return (evaluated.row.user_id, evaluated.row.email or "") if with_email else (evaluated.row.user_id,)

    return Format(header, row, header, row)


def _klaviyo() -> Format:
    # Klaviyo matches list members on e-mail (or phone); external_id alone only updates known profiles.
    def header(with_email: bool) -> tuple[str, ...]:
        return ("email", "external_id") if with_email else ("external_id",)

    def row(evaluated: Evaluated, with_email: bool, _generated_at: str = "") -> tuple[str, ...]:
        return (evaluated.row.email or "", evaluated.row.user_id) if with_email else (evaluated.row.user_id,)

    return Format(header, row, header, row)


BRAZE_HEADER = (
    "external_id",
    "trustops_rule",
    "trustops_suppressed_until",
    "trustops_allowed_content",
    "trustops_evaluated_at",
)
ExportFormat = Literal["neutral", "braze", "iterable", "customerio", "klaviyo"]
FORMATS: dict[str, Format] = {
    "neutral": Format(
        lambda _with_email: NEUTRAL_HEADER,
        _neutral_row,
        lambda _with_email: ("user_id", "email"),
        lambda evaluated, _with_email: (evaluated.row.user_id, evaluated.row.email or ""),
    ),
    # Braze: only external_id in a CSV consumes no data points; the trustops_* attributes do (formats.md §12).
    "braze": Format(
        lambda _with_email: BRAZE_HEADER,
        _braze_row,
        lambda _with_email: ("external_id",),
        lambda evaluated, _with_email: (evaluated.row.user_id,),
    ),
    "iterable": _ids("userId"),
    "customerio": Format(
        lambda _with_email: ("id",),
        lambda evaluated, _with_email, _at: (evaluated.row.user_id,),
        lambda _with_email: ("id",),
        lambda evaluated, _with_email: (evaluated.row.user_id,),
    ),
    "klaviyo": _klaviyo(),
}


assert tuple(FORMATS) == get_args(ExportFormat)


def export_format_of(value: str, *, field: str = "format") -> Format:
    found = FORMATS.get(value)
    if found is None:
        allowed = ", ".join(FORMATS)
        raise InvalidInput(f"{field}: {value!r} is not an export format; use one of {allowed}", field=field)
    return found


class _Writer:
    """Writes judged users to the suppressed file (and the allowed one, if any) and counts them."""

    def __init__(
        self,
        export_format: str,
        out: Sink,
        allowed_out: Sink | None,
        with_email: bool,
        at: datetime,
        *,
        headers: bool = True,
    ) -> None:
        self.shape, self.with_email, self.stamp = export_format_of(export_format), with_email, iso(at)
        self.suppressed = csv.writer(out, lineterminator="\n")
        self.allowed = csv.writer(allowed_out, lineterminator="\n") if allowed_out is not None else None
        if headers:
            write_headers(export_format, out=out, allowed_out=allowed_out, with_email=with_email)
        self.summary = Summary()

    def write(self, judged: Iterable[Evaluated]) -> None:
        shape, with_email, stamp, allowed, add = self.shape, self.with_email, self.stamp, self.allowed, self.summary.add
        for item in judged:
            add(item)
            if not item.verdict.allowed:
                self.suppressed.writerow(shape.suppressed_row(item, with_email, stamp))
            elif allowed is not None:
                allowed.writerow(shape.allowed_row(item, with_email))


def write_headers(export_format: str, *, out: Sink, allowed_out: Sink | None, with_email: bool) -> None:
    """The header rows of the suppressed file (and of the allowed one, if any)."""
    shape = export_format_of(export_format)
    csv.writer(out, lineterminator="\n").writerow(shape.suppressed_header(with_email))
    if allowed_out is not None:
        csv.writer(allowed_out, lineterminator="\n").writerow(shape.allowed_header(with_email))


def write_export(
    evaluated: Iterable[Evaluated],
    export_format: str,
    *,
    out: Sink,
    allowed_out: Sink | None = None,
    with_email: bool = False,
    generated_at: datetime,
) -> Summary:
    """Write the suppressed users to ``out`` (and the allowed ones to ``allowed_out``); count them all."""
    writer = _Writer(export_format, out, allowed_out, with_email, generated_at)
    writer.write(evaluated)
    return writer.summary


def write_split(
    reader: AudienceReader,
    judge: Judge,
    export_format: str,
    *,
    out: Sink,
    allowed_out: Sink | None = None,
    generated_at: datetime,
    headers: bool = True,
) -> Summary:
    """:func:`write_export` for a whole audience, batch by batch: users the guard knows nothing about and
    lets through are only counted, unless their ids go to ``allowed_out``. ``headers=False``: rows only (a
    part of a parallel run)."""
    writer = _Writer(export_format, out, allowed_out, reader.with_email, generated_at, headers=headers)
    summary = writer.summary
    for batch in reader.batches():
        judged, passed = judge.batch(batch, everyone=allowed_out is not None)
        summary.audience += passed
        summary.allowed += passed
        writer.write(judged)
    return summary


def allowed_content(evaluated: Evaluated) -> str:
    """What may still reach a suppressed user, in the neutral vocabulary."""
    verdict = evaluated.verdict
    if verdict.alternative is not None and verdict.alternative in ALLOWED_CONTENT:
        return ALLOWED_CONTENT[verdict.alternative]
    return DEFAULT_CONTENT.get(verdict.rule, NO_OFFERS)


def cause(evaluated: Evaluated) -> tuple[IncidentHit | None, str, datetime | None]:
    """The incident and features behind a suppression, and when it began (``None``: not known).

    Error rules begin at the user's last error and name the components with errors in the window; the
    incident rules begin when the newest incident concerned started and name its components.
    """
    facts, rule = evaluated.facts, evaluated.verdict.rule
    if facts is None:
        return None, "", None
    errors = facts.error_components
    if rule in (rules.NO_OFFERS_AFTER_ERROR, rules.HELP_NOT_OFFERS, rules.LOYALTY_FOR_SEAMLESS):
        incident = _newest(hit for hit in facts.hit_by if hit.components & errors)
        return incident, _features(errors), facts.last_error_at
    if rule == rules.OUTAGE_COOLDOWN:
        incident = _newest(hit for hit in facts.hit_by if hit.site_wide)
    else:
        incident = _newest(facts.hit_by)
    if incident is None:
        return None, _features(errors), None
    return incident, _features(incident.components & errors or incident.components), incident.started_at


def _newest(hits: Iterable[IncidentHit]) -> IncidentHit | None:
    return max(hits, key=lambda hit: (hit.started_at, hit.incident_id), default=None)


def _features(components: frozenset[str]) -> str:
    return FEATURE_SEPARATOR.join(sorted(components))


def iso(moment: datetime) -> str:
    """``2026-03-02T14:05:09Z``: the timestamps of the export files, in UTC to the second."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"  # strftime: 4× slower
