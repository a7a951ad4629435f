"""The marketing guard's rules: may this campaign reach this user now?

Each rule is a small pure function over :class:`~trustops.guard.facts.UserFacts`, with its thresholds from
:class:`~trustops.config.Policy`; it answers a denial (a :class:`Verdict`) or ``None`` when it does not apply.
:func:`decide` picks the rules of a campaign type and runs them, most specific first:

- transactional, apology and help content: always allowed (help content is what a hurt user should get);
- promotional: ``help_not_offers``, then ``no_offers_after_error``, then ``outage_cooldown``;
- automated: ``outage_cooldown``;
- thank-you: ``thank_you_when_stable`` (and the ``holdout``, who get no remediation campaign);
- loyalty reward: ``loyalty_for_seamless``.

A denial's ``until`` is when *every* rule that holds the campaign back has let go (``None`` when that is not
known yet, e.g. while an incident is open), so a platform can schedule the send for then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from trustops.config import Policy
from trustops.enums import CampaignType, CustomerTier, Impact
from trustops.guard.facts import IncidentHit, UserFacts

NO_OFFERS_AFTER_ERROR = "no_offers_after_error"
OUTAGE_COOLDOWN = "outage_cooldown"
THANK_YOU_WHEN_STABLE = "thank_you_when_stable"
HELP_NOT_OFFERS = "help_not_offers"
LOYALTY_FOR_SEAMLESS = "loyalty_for_seamless"
HOLDOUT = "holdout"
ALWAYS_ALLOWED = "always_allowed"
NO_RULE = "no_rule"
RULES = (
    NO_OFFERS_AFTER_ERROR,
    OUTAGE_COOLDOWN,
    THANK_YOU_WHEN_STABLE,
    HELP_NOT_OFFERS,
    LOYALTY_FOR_SEAMLESS,
    HOLDOUT,
    ALWAYS_ALLOWED,
    NO_RULE,
)
THANKED_TIERS = frozenset({CustomerTier.LOYAL, CustomerTier.ENTERPRISE})
SEVERE = frozenset({Impact.MAJOR, Impact.CRITICAL})


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    rule: str  # one of RULES
    reason: str  # one plain sentence
    until: datetime | None  # when a denial ends (None: not time-bound / unknown while an incident is open)
    alternative: CampaignType | None  # e.g. help_content instead of a promotion


Rule = Callable[[UserFacts, Policy, datetime], Verdict | None]


def decide(
    facts: UserFacts,
    campaign_type: CampaignType,
    *,
    policy: Policy,
    now: datetime,
    memo: dict[tuple[object, ...], Verdict | None] | None = None,
) -> Verdict:
    """The guard's answer for one user and one campaign type at ``now``.

    ``memo``, for many users judged at one ``now`` under one policy (a bulk run): keeps the answers of the rules
    that read only a user's incidents and error components, which most users share with many others.
    """
    always = _ALWAYS.get(campaign_type)
    if always is not None:
        return always
    if campaign_type is CampaignType.THANK_YOU:
        return thank_you_when_stable(facts, policy, now)
    if campaign_type is CampaignType.LOYALTY_REWARD:
        return loyalty_for_seamless(facts, policy, now)
    rules = _PROMOTIONAL if campaign_type is CampaignType.PROMOTIONAL else _AUTOMATED
    first: Verdict | None = None
    until: datetime | None = None
    for rule in rules:
        if memo is not None and rule in _SHARED_FACTS:
            key = (rule, facts.hit_by, facts.error_components)
            if key in memo:
                verdict = memo[key]
            else:
                verdict = memo[key] = rule(facts, policy, now)
        else:
            verdict = rule(facts, policy, now)
        if verdict is None:
            continue
        if first is None:
            first, until = verdict, verdict.until
        elif until is not None:
            until = None if verdict.until is None else max(until, verdict.until)
    if first is None:
        return _NO_RULE[campaign_type]
    return first if until == first.until else Verdict(False, first.rule, first.reason, until, first.alternative)


_ALWAYS = {
    campaign_type: Verdict(True, ALWAYS_ALLOWED, reason, None, None)
    for campaign_type, reason in (
        (CampaignType.TRANSACTIONAL, "Transactional and security messages always go out."),
        (CampaignType.APOLOGY, "Apologies always go out."),
        (CampaignType.HELP_CONTENT, "Help content is always allowed: it is what a user in trouble should get."),
    )
}


def help_not_offers(facts: UserFacts, policy: Policy, now: datetime) -> Verdict | None:
    """A user with recent errors on a component whose incident is open or recently resolved is struggling
    with a buggy feature: help content, not a promotion, until the help window after its resolution."""
    if not facts.hit_by or not facts.error_components:
        return None
    recent = now - timedelta(days=policy.help_window_days)
    struggling = [
        hit
        for hit in facts.hit_by
        if hit.components & facts.error_components and (hit.resolved_at is None or hit.resolved_at > recent)
    ]
    if not struggling:
        return None
    features = ", ".join(sorted(set().union(*(hit.components & facts.error_components for hit in struggling))))
    until = _latest(
        None if h.resolved_at is None else h.resolved_at + timedelta(days=policy.help_window_days) for h in struggling
    )
    reason = f"The user hit errors on {features} during a recent incident: send help content, not offers."
    return Verdict(False, HELP_NOT_OFFERS, reason, until, CampaignType.HELP_CONTENT)


def no_offers_after_error(facts: UserFacts, policy: Policy, now: datetime) -> Verdict | None:
    """No promotional offer within ``error_window_days`` of the user's last error."""
    if facts.last_error_at is None:
        return None
    until = facts.last_error_at + timedelta(days=policy.error_window_days)
    if now >= until:
        return None
    reason = f"The user saw an error in the last {policy.error_window_days} days: no offers until then."
    return Verdict(False, NO_OFFERS_AFTER_ERROR, reason, until, CampaignType.HELP_CONTENT)


def cooldown_ends(hit: IncidentHit, policy: Policy) -> datetime | None:
    """When the cool-down after a site-wide incident ends: ``cooldown_min_days`` after its resolution for a
    minor one, ``cooldown_max_days`` for a major or critical one; ``None`` while it is open."""
    if hit.resolved_at is None:
        return None
    days = policy.cooldown_max_days if hit.impact in SEVERE else policy.cooldown_min_days
    return hit.resolved_at + timedelta(days=days)


def outage_cooldown(facts: UserFacts, policy: Policy, now: datetime) -> Verdict | None:
    """No automated marketing to users hit by a site-wide outage while it runs and for its cool-down after."""
    if not facts.hit_by:
        return None
    cooling = [hit for hit in facts.hit_by if hit.site_wide and _before(now, cooldown_ends(hit, policy))]
    if not cooling:
        return None
    until = _latest(cooldown_ends(hit, policy) for hit in cooling)
    if until is None:
        reason = "The user was hit by a site-wide outage that is still open: no automated marketing."
    else:
        reason = "The user was hit by a site-wide outage: no automated marketing during its cool-down."
    alternative = CampaignType.HELP_CONTENT if facts.error_components else None
    return Verdict(False, OUTAGE_COOLDOWN, reason, until, alternative)


def thank_you_when_stable(facts: UserFacts, policy: Policy, now: datetime) -> Verdict:
    """Thank loyal and enterprise users hit by an incident, once every incident that hit them is resolved and
    its components have been stable for ``thank_you_stable_days``; never the holdout."""
    if not facts.hit_by:
        return Verdict(False, THANK_YOU_WHEN_STABLE, "The user was not hit by any incident.", None, None)
    if facts.tier not in THANKED_TIERS:
        reason = "Thank-you campaigns go to affected loyal and enterprise customers only."
        return Verdict(False, THANK_YOU_WHEN_STABLE, reason, None, None)
    if facts.holdout:
        reason = "The user is in the holdout, which receives no remediation campaign (churn study)."
        return Verdict(False, HOLDOUT, reason, None, None)
    ready = _latest(
        None if hit.stable_since is None else hit.stable_since + timedelta(days=policy.thank_you_stable_days)
        for hit in facts.hit_by
    )
    if ready is None:
        reason = "An incident that hit the user is not resolved and stable yet."
        return Verdict(False, THANK_YOU_WHEN_STABLE, reason, None, None)
    if now < ready:
        reason = f"Affected components must be stable for {policy.thank_you_stable_days} days first."
        return Verdict(False, THANK_YOU_WHEN_STABLE, reason, ready, None)
    reason = f"The incidents that hit the user are resolved and stable for {policy.thank_you_stable_days} days."
    return Verdict(True, THANK_YOU_WHEN_STABLE, reason, None, None)


def loyalty_for_seamless(facts: UserFacts, policy: Policy, now: datetime) -> Verdict:
    """Loyalty rewards for customers of ``loyalty_min_tenure_days`` or more with no error in the ledger."""
    if facts.last_error_at is not None:
        reason = "Loyalty rewards go to users with an error-free history; this user saw errors."
        return Verdict(False, LOYALTY_FOR_SEAMLESS, reason, None, None)
    if facts.first_seen_at is None:
        reason = "The user is not a known customer, so their tenure is unknown."
        return Verdict(False, LOYALTY_FOR_SEAMLESS, reason, None, None)
    tenured = facts.first_seen_at + timedelta(days=policy.loyalty_min_tenure_days)
    if now < tenured:
        reason = f"Loyalty rewards need {policy.loyalty_min_tenure_days} days of tenure."
        return Verdict(False, LOYALTY_FOR_SEAMLESS, reason, tenured, None)
    reason = f"A customer of {policy.loyalty_min_tenure_days} days or more with an error-free history."
    return Verdict(True, LOYALTY_FOR_SEAMLESS, reason, None, None)


_PROMOTIONAL: tuple[Rule, ...] = (help_not_offers, no_offers_after_error, outage_cooldown)
# Rules that read nothing of a user but ``hit_by`` and ``error_components`` (safe to memoise on those).
_SHARED_FACTS: frozenset[Rule] = frozenset({help_not_offers, outage_cooldown})
_AUTOMATED: tuple[Rule, ...] = (outage_cooldown,)


def _before(now: datetime, end: datetime | None) -> bool:
    return end is None or now < end


def _latest(moments: Iterable[datetime | None]) -> datetime | None:
    """The latest of some ends; ``None`` if any of them is unknown (or there are none)."""
    latest: datetime | None = None
    for moment in moments:
        if moment is None:
            return None
        latest = moment if latest is None else max(latest, moment)
    return latest


def _label(campaign_type: CampaignType) -> str:
    return campaign_type.value.replace("_", " ")


_NO_RULE = {
    campaign_type: Verdict(
        True, NO_RULE, f"No guard rule holds back {_label(campaign_type)} for this user.", None, None
    )
    for campaign_type in CampaignType
}
