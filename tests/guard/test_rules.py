"""Each guard rule at its edges, pure over UserFacts (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from trustops.config import Policy
from trustops.enums import CampaignType, CustomerTier, Impact
from trustops.guard.facts import IncidentHit, UserFacts, in_holdout, no_facts
from trustops.guard.rules import decide

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
POLICY = Policy()


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def user(**changes: object) -> UserFacts:
    return replace(no_facts("k-1", holdout=False), **changes)  # type: ignore[arg-type]


def hit(
    *, resolved: float | None, impact: Impact = Impact.MAJOR, site_wide: bool = True, stable: float | None = None
) -> IncidentHit:
    resolved_at = None if resolved is None else days_ago(resolved)
    stable_since = resolved_at if stable is None else days_ago(stable)
    return IncidentHit(1, impact, site_wide, frozenset({"checkout"}), days_ago(40), resolved_at, stable_since)


@pytest.mark.parametrize(
    ("error_days_ago", "allowed"),
    [(29, False), (29.99, False), (30, True), (31, True)],
)
def test_no_offers_after_error_holds_promotions_for_thirty_days(error_days_ago: float, allowed: bool) -> None:
    verdict = decide(user(last_error_at=days_ago(error_days_ago)), CampaignType.PROMOTIONAL, policy=POLICY, now=NOW)

    assert verdict.allowed is allowed
    if not allowed:
        assert verdict.rule == "no_offers_after_error"
        assert verdict.until == days_ago(error_days_ago) + timedelta(days=30)
        assert verdict.alternative is CampaignType.HELP_CONTENT


def test_the_error_window_is_a_policy_knob() -> None:
    facts = user(last_error_at=days_ago(10))

    assert decide(facts, CampaignType.PROMOTIONAL, policy=Policy(error_window_days=7), now=NOW).allowed


@pytest.mark.parametrize(
    ("impact", "resolved_days_ago", "allowed"),
    [
        (Impact.MINOR, 6, False),
        (Impact.MINOR, 8, True),
        (Impact.NONE, 6, False),
        (Impact.NONE, 8, True),
        (Impact.MAJOR, 6, False),
        (Impact.MAJOR, 8, False),
        (Impact.MAJOR, 13, False),
        (Impact.MAJOR, 15, True),
        (Impact.CRITICAL, 13, False),
        (Impact.CRITICAL, 15, True),
    ],
)
def test_outage_cooldown_lasts_seven_days_after_a_minor_outage_and_fourteen_after_a_major_one(
    impact: Impact, resolved_days_ago: int, allowed: bool
) -> None:
    facts = user(hit_by=(hit(resolved=resolved_days_ago, impact=impact),))

    verdict = decide(facts, CampaignType.AUTOMATED, policy=POLICY, now=NOW)

    assert verdict.allowed is allowed
    assert verdict.rule == ("no_rule" if allowed else "outage_cooldown")
    if not allowed:
        days = 14 if impact in (Impact.MAJOR, Impact.CRITICAL) else 7
        assert verdict.until == days_ago(resolved_days_ago) + timedelta(days=days)


def test_outage_cooldown_holds_automated_marketing_with_no_end_while_the_outage_is_open() -> None:
    verdict = decide(user(hit_by=(hit(resolved=None),)), CampaignType.AUTOMATED, policy=POLICY, now=NOW)

    assert (verdict.allowed, verdict.rule, verdict.until) == (False, "outage_cooldown", None)


def test_outage_cooldown_ignores_incidents_that_were_not_site_wide() -> None:
    facts = user(hit_by=(hit(resolved=2, site_wide=False),))

    assert decide(facts, CampaignType.AUTOMATED, policy=POLICY, now=NOW).allowed


def test_outage_cooldown_also_holds_promotions() -> None:
    facts = user(hit_by=(hit(resolved=10, impact=Impact.CRITICAL),))  # no error of this user retained any more

    verdict = decide(facts, CampaignType.PROMOTIONAL, policy=POLICY, now=NOW)

    assert (verdict.allowed, verdict.rule, verdict.until) == (False, "outage_cooldown", days_ago(10 - 14))


@pytest.mark.parametrize(
    ("resolved_days_ago", "rule"), [(None, "help_not_offers"), (13, "help_not_offers"), (15, "no_offers_after_error")]
)
def test_help_not_offers_is_the_more_specific_reason_while_the_incident_is_recent(
    resolved_days_ago: int | None, rule: str
) -> None:
    struggling = hit(resolved=resolved_days_ago, site_wide=False)
    facts = user(last_error_at=days_ago(16), error_components=frozenset({"checkout"}), hit_by=(struggling,))

    verdict = decide(facts, CampaignType.PROMOTIONAL, policy=POLICY, now=NOW)

    assert (verdict.allowed, verdict.rule, verdict.alternative) == (False, rule, CampaignType.HELP_CONTENT)


def test_a_promotion_is_held_until_every_rule_lets_go() -> None:
    struggling = hit(resolved=3, site_wide=False)  # help window ends in 11 days
    facts = user(last_error_at=days_ago(4), error_components=frozenset({"checkout"}), hit_by=(struggling,))

    verdict = decide(facts, CampaignType.PROMOTIONAL, policy=POLICY, now=NOW)

    assert verdict.rule == "help_not_offers"
    assert verdict.until == days_ago(4) + timedelta(days=30)  # the error window ends later


def test_help_not_offers_needs_errors_on_the_incidents_components() -> None:
    facts = user(
        last_error_at=days_ago(40),
        error_components=frozenset({"search"}),
        hit_by=(hit(resolved=None, site_wide=False),),
    )

    assert decide(facts, CampaignType.PROMOTIONAL, policy=POLICY, now=NOW).allowed


@pytest.mark.parametrize(("stable_days", "allowed"), [(6, False), (6.99, False), (7, True), (8, True)])
def test_thank_you_waits_until_the_components_are_stable_for_seven_days(stable_days: float, allowed: bool) -> None:
    facts = user(tier=CustomerTier.LOYAL, hit_by=(hit(resolved=20, stable=stable_days),))

    verdict = decide(facts, CampaignType.THANK_YOU, policy=POLICY, now=NOW)

    assert (verdict.allowed, verdict.rule) == (allowed, "thank_you_when_stable")
    assert verdict.until == (None if allowed else days_ago(stable_days) + timedelta(days=7))


@pytest.mark.parametrize(
    ("facts", "rule", "reason_part"),
    [
        (user(tier=CustomerTier.LOYAL), "thank_you_when_stable", "not hit"),
        (user(tier=CustomerTier.REGULAR, hit_by=(hit(resolved=20),)), "thank_you_when_stable", "loyal and enterprise"),
        (user(tier=None, hit_by=(hit(resolved=20),)), "thank_you_when_stable", "loyal and enterprise"),
        (user(tier=CustomerTier.ENTERPRISE, hit_by=(hit(resolved=None),)), "thank_you_when_stable", "not resolved"),
        (user(tier=CustomerTier.ENTERPRISE, holdout=True, hit_by=(hit(resolved=20),)), "holdout", "holdout"),
    ],
)
def test_thank_you_goes_only_to_affected_loyal_users_outside_the_holdout(
    facts: UserFacts, rule: str, reason_part: str
) -> None:
    verdict = decide(facts, CampaignType.THANK_YOU, policy=POLICY, now=NOW)

    assert (verdict.allowed, verdict.rule, verdict.until) == (False, rule, None)
    assert reason_part in verdict.reason


def test_thank_you_waits_for_a_later_incident_on_the_same_components() -> None:
    unstable = hit(resolved=20)
    facts = user(tier=CustomerTier.LOYAL, hit_by=(replace(unstable, stable_since=None),))

    verdict = decide(facts, CampaignType.THANK_YOU, policy=POLICY, now=NOW)

    assert (verdict.allowed, verdict.until) == (False, None)


@pytest.mark.parametrize(("tenure_days", "allowed"), [(364, False), (365, True), (366, True)])
def test_loyalty_rewards_need_a_year_of_tenure(tenure_days: int, allowed: bool) -> None:
    facts = user(tier=CustomerTier.LOYAL, first_seen_at=days_ago(tenure_days))

    verdict = decide(facts, CampaignType.LOYALTY_REWARD, policy=POLICY, now=NOW)

    assert (verdict.allowed, verdict.rule) == (allowed, "loyalty_for_seamless")
    assert verdict.until == (None if allowed else days_ago(tenure_days) + timedelta(days=365))


def test_loyalty_rewards_need_an_error_free_history() -> None:
    facts = user(first_seen_at=days_ago(800), last_error_at=days_ago(200))

    verdict = decide(facts, CampaignType.LOYALTY_REWARD, policy=POLICY, now=NOW)

    assert (verdict.allowed, verdict.until) == (False, None)
    assert "error-free" in verdict.reason


def test_loyalty_rewards_skip_users_we_do_not_know() -> None:
    assert not decide(user(), CampaignType.LOYALTY_REWARD, policy=POLICY, now=NOW).allowed


@pytest.mark.parametrize("campaign_type", [CampaignType.TRANSACTIONAL, CampaignType.APOLOGY, CampaignType.HELP_CONTENT])
def test_transactional_messages_apologies_and_help_always_go_out(campaign_type: CampaignType) -> None:
    hurt = user(
        holdout=True,
        last_error_at=days_ago(1),
        error_components=frozenset({"checkout"}),
        hit_by=(hit(resolved=None),),
    )

    verdict = decide(hurt, campaign_type, policy=POLICY, now=NOW)

    assert (verdict.allowed, verdict.rule, verdict.until) == (True, "always_allowed", None)


@pytest.mark.parametrize("campaign_type", [CampaignType.PROMOTIONAL, CampaignType.AUTOMATED])
def test_a_user_with_nothing_against_them_gets_marketing(campaign_type: CampaignType) -> None:
    verdict = decide(user(tier=CustomerTier.REGULAR), campaign_type, policy=POLICY, now=NOW)

    assert (verdict.allowed, verdict.rule, verdict.alternative) == (True, "no_rule", None)


def test_the_holdout_is_stable_and_close_to_its_share() -> None:
    secret = b"s" * 32
    keys = [f"user-{n}" for n in range(20_000)]

    held = [key for key in keys if in_holdout(secret, key, 0.05)]

    assert 0.04 < len(held) / len(keys) < 0.06
    assert held == [key for key in keys if in_holdout(secret, key, 0.05)]
    assert set(held) <= {key for key in keys if in_holdout(secret, key, 0.10)}
    assert held != [key for key in keys if in_holdout(b"t" * 32, key, 0.05)]


def test_a_memo_shared_by_many_users_changes_no_verdict() -> None:
    incidents = [(), (hit(resolved=3, site_wide=False),), (hit(resolved=10),), (hit(resolved=None), hit(resolved=20))]
    components = [frozenset(), frozenset({"checkout"}), frozenset({"search"})]
    users = [
        user(last_error_at=None if errors is None else days_ago(errors), error_components=parts, hit_by=hits)
        for hits in incidents
        for parts in components
        for errors in (None, 2, 29, 31, 45)
    ]
    memo: dict[tuple[object, ...], object] = {}

    for campaign_type in (CampaignType.PROMOTIONAL, CampaignType.AUTOMATED):
        memo.clear()  # one memo per campaign type, moment and policy, as a bulk run keeps it
        with_memo = [decide(f, campaign_type, policy=POLICY, now=NOW, memo=memo) for f in users]  # type: ignore[arg-type]

        assert with_memo == [decide(f, campaign_type, policy=POLICY, now=NOW) for f in users]
        assert 0 < len(memo) < 2 * len(users)
