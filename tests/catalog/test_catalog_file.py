from __future__ import annotations

from pathlib import Path

import pytest

from trustops.catalog.load import CatalogError, load_catalog, parse_catalog
from trustops.demo import CATALOG
from trustops.enums import Criticality, Visibility

VALID = """\
version: 1
policy:
  public_update_cadence_minutes: 20
components:
  - id: checkout
    name: Checkout
    criticality: transaction
    value_weight: 3
    phrases: ["can't pay"]
    checks:
      - type: http
        url: https://shop.example/health
        conditions: ["[STATUS] == 200", "[RESPONSE_TIME] < 300"]
  - id: payment-gateway
    name: Payment gateway
    visibility: internal
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(text, "shop.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_valid_catalog_gives_components_checks_and_policy() -> None:
    catalog = parse_catalog(VALID)
    checkout, gateway = catalog.components
    assert checkout.criticality is Criticality.TRANSACTION
    assert checkout.checks[0].type == "http"
    assert gateway.visibility is Visibility.INTERNAL
    assert gateway.criticality is Criticality.STANDARD
    assert catalog.policy.public_update_cadence_minutes == 20
    assert catalog.policy.status_page_user_share == 0.05


def test_the_demo_catalog_is_valid() -> None:
    assert len(load_catalog(CATALOG).components) == 9


def test_a_wrong_type_names_file_line_key_path_and_value() -> None:
    text = VALID.replace("value_weight: 3", "value_weight: heavy")
    assert problems_of(text) == [
        "shop.yaml:8: components[0].value_weight: 'heavy': input should be a valid number, "
        "unable to parse string as a number"
    ]


def test_an_unknown_key_is_named_with_its_line() -> None:
    text = VALID.replace("    visibility: internal", "    visibility: internal\n    colour: red")
    assert problems_of(text) == ["shop.yaml:17: components[1].colour: unknown key 'colour'"]


def test_a_duplicate_component_id_points_at_the_second_one() -> None:
    text = VALID.replace("id: payment-gateway", "id: checkout")
    assert problems_of(text) == [
        "shop.yaml:14: components[1].id: duplicate component id 'checkout' (first at components[0])"
    ]


def test_an_unknown_enum_value_lists_the_allowed_ones() -> None:
    [problem] = problems_of(VALID.replace("criticality: transaction", "criticality: huge"))
    assert problem.startswith("shop.yaml:7: components[0].criticality: 'huge': input should be")
    assert "'transaction'" in problem


def test_a_check_field_is_reported_without_the_union_tag() -> None:
    [problem] = problems_of(VALID.replace("url: https://shop.example/health", "url: not a url"))
    assert problem.startswith("shop.yaml:12: components[0].checks[0].url: 'not a url':")


def test_an_unknown_check_type_is_named() -> None:
    [problem] = problems_of(VALID.replace("type: http", "type: smtp"))
    assert problem.startswith("shop.yaml:11: components[0].checks[0]: 'smtp' is not a check type")


def test_a_repeated_yaml_key_is_an_error_not_silently_the_last() -> None:
    [problem] = problems_of(VALID.replace("    name: Checkout", "    name: Checkout\n    name: Basket"))
    assert problem == "shop.yaml:7: invalid YAML: duplicate key 'name'"


def test_broken_yaml_names_the_line() -> None:
    [problem] = problems_of("components:\n  - id: a\n   name: b: c\n")
    assert problem.startswith("shop.yaml:3: invalid YAML")


def test_a_repeated_check_name_is_named() -> None:
    text = VALID.replace(
        "    visibility: internal",
        "    checks:\n      - {type: tcp, host: a, port: 1}\n      - {type: tcp, host: b, port: 2}",
    )
    assert problems_of(text) == [
        "shop.yaml:18: components[1].checks[1].type: duplicate check name 'tcp' in component 'payment-gateway'"
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = VALID.replace("value_weight: 3", "value_weight: -1").replace("name: Payment gateway", "nam: x")
    assert len(problems_of(text)) == 3  # value_weight range, unknown 'nam', missing 'name'


def test_a_policy_that_contradicts_itself_is_refused() -> None:
    [problem] = problems_of("policy:\n  cooldown_min_days: 20\n  cooldown_max_days: 10\n")
    assert problem == "shop.yaml:1: policy: cooldown_min_days (20) must not exceed cooldown_max_days (10)"


def test_a_missing_file_is_one_clear_problem(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path / "nope.yaml")
    assert str(caught.value) == f"{tmp_path / 'nope.yaml'}: cannot read file: No such file or directory"


def test_a_top_level_list_is_refused() -> None:
    assert problems_of("- a\n- b\n") == ["shop.yaml:1: expected a mapping at the top, got a list"]


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ("{type: heartbeat}", "give exactly one of period (seconds) or cron (schedule)"),
        ("{type: heartbeat, period: 3600, cron: '0 * * * *'}", "give exactly one of period"),
        ("{type: heartbeat, cron: '61 * * * *'}", "not a valid cron expression"),
        ("{type: heartbeat, cron: '0 3 * * *', tz: Mars/Olympus}", "not a known IANA time zone"),
    ],
)
def test_a_heartbeat_needs_one_valid_schedule(check: str, message: str) -> None:
    [problem] = problems_of(f"components:\n  - id: jobs\n    name: Jobs\n    checks:\n      - {check}\n")
    assert problem.startswith("shop.yaml:5: components[0].checks[0]")
    assert message in problem


def test_a_cron_heartbeat_in_a_time_zone_is_accepted() -> None:
    text = "components:\n  - id: jobs\n    name: Jobs\n    checks:\n      - {type: heartbeat, cron: '0 3 * * *', tz: Europe/Berlin}\n"
    assert parse_catalog(text).components[0].checks[0].type == "heartbeat"
