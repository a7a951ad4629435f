from __future__ import annotations

import pytest

from trustops.catalog.load import CatalogError, parse_catalog
from trustops.catalog.schema import HttpCheck, TcpCheck
from trustops.monitor.probes import run_probe

from .conftest import Shop

CATALOG = """\
components:
  - id: checkout
    name: Checkout
    checks:
      - type: http
        url: https://shop.example/health
        conditions:
          - "[STATUS] == 200"
          - "{condition}"
"""


def test_a_catalog_check_dumped_as_json_runs_as_is(shop: Shop, tcp_listener: int) -> None:
    http_check = HttpCheck(type="http", url=f"{shop.url}/health", timeout=0.3, conditions=["[BODY].status == UP"])
    tcp_check = TcpCheck(type="tcp", host="127.0.0.1", port=tcp_listener, timeout=0.3)
    assert run_probe(http_check.model_dump(mode="json", exclude_none=True)).ok
    assert run_probe(tcp_check.model_dump(mode="json", exclude_none=True)).ok


def test_a_heartbeat_is_not_a_probe() -> None:
    with pytest.raises(ValueError, match="heartbeat checks are not probed"):
        run_probe({"type": "heartbeat", "period": 60})


def test_an_unknown_type_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="check type 'smtp' is not a probe"):
        run_probe({"type": "smtp"})


def test_the_catalog_refuses_a_bad_condition_with_file_line_and_path() -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(CATALOG.format(condition="[STATU] == 200"), "shop.yaml")
    [problem] = [str(p) for p in caught.value.problems]
    assert problem.startswith(
        'shop.yaml:9: components[0].checks[0].conditions[1]: unknown placeholder [STATU] in "[STATU] == 200"'
    )


def test_the_catalog_accepts_functions_the_old_shape_check_refused() -> None:
    catalog = parse_catalog(CATALOG.format(condition="len([BODY].items) > 0"))
    assert catalog.components[0].checks[0].type == "http"
