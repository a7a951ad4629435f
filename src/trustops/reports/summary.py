"""The executive summary: five sentences built from the report's facts, one per question an executive asks —
what happened, who was hit, what customers said, what we told them, and what it cost."""

from __future__ import annotations

from trustops.enums import CustomerTier
from trustops.reports.facts import Churn, Comms, Overview, Reach, Voice
from trustops.reports.wording import after, amount, between, count, counted, duration, money, pct, when

CHANNEL_WORDS = {
    "status_page": "on the public status page",
    "targeted": "to the affected accounts directly",
    "internal": "internal",
    "retrospective": "as a retrospective report on the status page",
}
NO_CHURN = "No churn analysis recorded for this incident yet — run `trustops analytics churn --incident {id} --record`."


def sentences(overview: Overview, reach: Reach, voice: Voice, comms: Comms, churn: Churn | None) -> tuple[str, ...]:
    return (
        what_happened(overview),
        who_was_hit(reach),
        what_they_said(voice),
        what_we_said(comms),
        what_it_cost(churn, overview.incident_id),
    )


def what_happened(overview: Overview) -> str:
    where = ", ".join(overview.components) or "no component"
    impact = f"{overview.title} ({overview.impact} impact)"
    if overview.resolved_at is None:
        return (
            f"{impact} has been running for {duration(overview.minutes)} since {when(overview.started_at)} "
            f"and is still {overview.state}; it affects {where}."
        )
    return (
        f"{impact} lasted {duration(overview.minutes)}, from {between(overview.started_at, overview.resolved_at)}, "
        f"and affected {where}."
    )


def who_was_hit(reach: Reach) -> str:
    if not reach.affected:
        return "No customer is recorded as having seen an error on these components while it lasted."
    said = (
        f"{counted(reach.affected, 'customer')} saw errors ({pct(reach.share)} of {count(reach.active)} active "
        f"customers), worth {amount(reach.value)} a year"
    )
    enterprise = next((t.affected for t in reach.tiers if t.tier == CustomerTier.ENTERPRISE.value), 0)
    if reach.accounts:
        said += (
            f", among them {counted(enterprise, 'enterprise user')} at {counted(len(reach.accounts), 'key account')}"
        )
    return said + "."


def what_they_said(voice: Voice) -> str:
    if not voice.mentions:
        return "No customer mentions about these components were recorded while it lasted or just after."
    said = (
        f"Customers posted {counted(voice.mentions, 'mention')} about these components, "
        f"{pct(voice.negative_share)} of them negative"
    )
    if voice.intents:
        said += f"; the most common concern: {voice.intents[0][0].lower()}"
    if voice.spikes:
        said += f"; {counted(len(voice.spikes), 'complaint spike')} joined the incident"
    return said + "."


def what_we_said(comms: Comms) -> str:
    where = CHANNEL_WORDS.get(comms.channel or "", "with no channel decided")
    if not comms.updates:
        if comms.channel == "internal":
            return "It was kept internal, so no customer was told."
        return f"It was handled {where}, but no customer-facing update was posted."
    if comms.first_update_minutes is None:
        told = counted(len(comms.updates), "message")
        return f"It was handled {where}; customers were told only after it was resolved ({told})."
    first = after(comms.first_update_minutes, "detection")
    said = f"It was handled {where}; the first customer-facing update went out {first}"
    if comms.first_update_target is not None:
        on_time = "on time" if comms.first_update_on_time else "late"
        said += f" ({on_time}: the target is {comms.first_update_target} min)"
    said += f", {count(len(comms.updates))} in all"
    if comms.cadence_minutes is not None and comms.gaps:
        late = counted(comms.late_gaps, "gap")
        kept = "the cadence was kept" if not comms.late_gaps else f"{late} between updates broke the cadence"
        said += f"; {kept} (every {comms.cadence_minutes} min)"
    return said + "."


def what_it_cost(churn: Churn | None, incident_id: int) -> str:
    if churn is None:
        return NO_CHURN.format(id=incident_id)
    if churn.debt is None:
        return f"The silent-churn analysis of {counted(churn.treated, 'affected customer')} put no debt on it."
    total = churn.debt.total
    return (
        f"Silent churn left a reputational debt of {money(total.value, churn.debt.currency)} over "
        f"{churn.debt.horizon_days} days (95% CI {money(total.low, churn.debt.currency)} to "
        f"{money(total.high, churn.debt.currency)}), measured on {counted(churn.treated, 'affected customer')}."
    )
