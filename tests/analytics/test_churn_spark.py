"""The same silent-churn report on Apache Spark as on DuckDB: one set of Ibis expressions, two engines
(issue #7: "The same report on DuckDB and on Spark gives the same numbers"; CI runs it)."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from typing import Any

import ibis
import pytest

from tests.analytics.churn_data import INCIDENT, INCIDENT_END, synthetic_events
from trustops.analytics.churn import ChurnOptions, Cohort, analyse
from trustops.analytics.events import load_events, spark_session

pytestmark = [
    pytest.mark.engine,
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None, reason="PySpark is not installed (trustops[spark])"
    ),
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java 17 and no `java` is on the PATH"),
    pytest.mark.timeout(300),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = spark_session("local[2]")
    yield session
    session.stop()


def test_duckdb_and_spark_give_the_same_report_to_the_last_digit(spark: Any) -> None:
    planted = synthetic_events(users=200, drop=0.5, seed=3)
    cohort = Cohort(at=INCIDENT, until=INCIDENT_END, affected=planted.affected, title="Checkout errors")
    options = ChurnOptions(horizons=(30, 60), bootstrap=200)
    reports = {}
    for engine, backend in (("duckdb", ibis.duckdb.connect()), ("spark", ibis.pyspark.connect(spark))):
        events = load_events(backend, ibis.memtable(planted.table), engine=engine, secret=None)
        reports[engine] = analyse(events, cohort, options).to_dict()
    duckdb, on_spark = reports["duckdb"], reports["spark"]
    assert (duckdb.pop("engine"), on_spark.pop("engine")) == ("duckdb", "spark")
    assert duckdb == on_spark
    assert duckdb["horizons"][0]["metrics"][0]["verdict"] == "loss"  # a report with something in it
