"""Product events in: one Ibis table of logins, sessions and orders, on DuckDB or on Apache Spark.

A product-event source is a CSV (plain or gzipped), Parquet or NDJSON file, or a table on any backend Ibis
connects to (``postgres://…#events``, ``duckdb:///warehouse.db#events``). Whatever its shape,
:func:`load_events` maps it onto one canonical table, the only thing the churn analysis reads:

=========  =========  ===================================================================================
column     type       meaning
=========  =========  ===================================================================================
user       string     the user's id as given (pseudonymised on the way out, see below)
sec        int64      the event's time in seconds since the Unix epoch (UTC)
event      string     the event's name
session    string     the session id; without one, sessions end after 30 minutes of inactivity
amount     float64    the order amount (0 for other events and for orders without one)
login      boolean    the event is a login (:attr:`EventKinds.logins`)
order      boolean    the event is an order (:attr:`EventKinds.orders`)
page       boolean    the event is a page view (:attr:`EventKinds.pages`; every event when unset)
=========  =========  ===================================================================================

Times are integers of seconds on purpose: ``Timestamp.delta(unit="day")`` counts calendar boundaries on
DuckDB and elapsed days on PySpark (``reference/dependencies.md``), while integer arithmetic is the same on
every engine, so the very same expressions give the very same numbers on both.

Pseudonyms (``privacy.pseudonymise``, as the exposure ledger does) are given to the per-user results as
they leave the engine (:meth:`Events.keys`), before anything is matched, kept or shown: a file of 100
million events by a million users costs a million HMACs and no join over the events. Raw ids stay inside
the engine's in-memory session reading the user's own file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from trustops.errors import InvalidInput
from trustops.privacy import PreparedHmac

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa
    from ibis.backends import BaseBackend

ENGINES = ("duckdb", "spark")
FORMATS = ("csv", "parquet", "ndjson")
SESSION_GAP_SECONDS = 30 * 60  # the usual web-analytics session timeout (Google Analytics, Matomo)
DAY = 86_400


@dataclass(frozen=True)
class EventColumns:
    """Which source columns hold what. ``session`` and ``amount`` may be absent (``None``)."""

    user: str = "user_id"
    time: str = "timestamp"
    event: str = "event"
    session: str | None = "session_id"
    amount: str | None = "amount"


@dataclass(frozen=True)
class EventKinds:
    """Which event names are logins, orders and page views (names compare case-insensitively)."""

    logins: frozenset[str] = frozenset({"login", "log_in", "sign_in", "signin", "logged_in"})
    orders: frozenset[str] = frozenset({"purchase", "order", "order_completed", "checkout_completed", "transaction"})
    pages: frozenset[str] | None = None  # None: every event is a page view

    @classmethod
    def parse(cls, logins: str | None = None, orders: str | None = None, pages: str | None = None) -> EventKinds:
        """From comma-separated lists (CLI options); an omitted list keeps its default."""
        defaults = cls()
        return cls(
            logins=_names(logins) if logins else defaults.logins,
            orders=_names(orders) if orders else defaults.orders,
            pages=_names(pages) if pages else None,
        )


def _names(text: str) -> frozenset[str]:
    return frozenset(name.strip().lower() for name in text.split(",") if name.strip())


@dataclass
class Events:
    """The canonical event table and what loading it found out."""

    table: ir.Table
    backend: BaseBackend
    engine: str
    start_sec: int  # the first event
    end_sec: int  # the last event
    events: int
    kinds: EventKinds = field(default_factory=EventKinds)
    secret: bytes | None = field(default=None, repr=False)
    _known: dict[str, str] = field(default_factory=dict, repr=False)  # pseudonyms computed so far

    def keys(self, users: Any) -> npt.NDArray[np.object_]:
        """The pseudonyms of per-user results' ``user`` column (the column itself when the events
        already carry pseudonyms)."""
        values = list(users)
        if self.secret is None:
            return np.asarray(values, dtype=object)
        known = self._known
        missing = [user for user in values if user not in known]
        known.update(zip(missing, pseudonyms(self.secret, missing), strict=True))
        return np.asarray([known[user] for user in values], dtype=object)

    @cached_property
    def users(self) -> int:
        """How many distinct users the events hold: counted when first asked, as the analysis needs it
        nowhere (a distinct count is a hash over every event)."""
        return int(self.table.user.nunique().to_pyarrow().as_py())


def connect(engine: str = "duckdb", *, spark_master: str | None = None, threads: int | None = None) -> BaseBackend:
    """An Ibis backend for the analytics: in-memory DuckDB, or a Spark session (``local[*]`` unless
    ``spark_master`` names a cluster; Settings ``spark_master``)."""
    if engine not in ENGINES:
        raise InvalidInput(f"engine: {engine!r} is not one of {', '.join(ENGINES)}", field="engine")
    import ibis

    if engine == "duckdb":
        config = {"threads": threads} if threads else {}
        return ibis.duckdb.connect(**config)
    return ibis.pyspark.connect(spark_session(spark_master))


def spark_session(master: str | None = None) -> Any:
    """A Spark session in UTC, quiet, with its warehouse in a temporary directory of its own (a second
    session in the same working directory would otherwise meet the first one's tables)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - depends on the installation
        raise InvalidInput(
            "engine: 'spark' needs PySpark and Java 17: install trustops[spark]", field="engine"
        ) from None
    master = master or "local[*]"
    warehouse = tempfile.mkdtemp(prefix="trustops-spark-")
    builder = SparkSession.builder.master(master)
    if master.startswith("local"):  # a local session listens on loopback only
        loopback = os.environ.get("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.host", loopback).config("spark.driver.bindAddress", loopback)
    session = (
        builder.appName("trustops-analytics")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def load_events(
    backend: BaseBackend,
    source: str | Path | ir.Table,
    *,
    engine: str,
    secret: bytes | None,
    columns: EventColumns | None = None,
    kinds: EventKinds | None = None,
    file_format: str | None = None,
) -> Events:
    """Map ``source`` onto the canonical table (module docstring). ``secret=None`` means the user column
    already holds pseudonyms (exported from trustops); otherwise every id is pseudonymised with it."""
    columns = columns or EventColumns()
    kinds = kinds or EventKinds()
    raw = source if not isinstance(source, str | Path) else read_source(backend, source, file_format)
    _check_columns(raw, columns)
    table = _canonical(raw, columns, kinds)
    if columns.session is None:
        table = _sessionised(table)
    stats = table.aggregate(start=table.sec.min(), end=table.sec.max(), events=table.count()).to_pyarrow()
    row = {name: stats.column(name)[0].as_py() for name in stats.column_names}
    if not row["events"]:
        raise InvalidInput(f"events: {_describe(source)} holds no events", field="events")
    return Events(
        table,
        backend,
        engine,
        start_sec=int(row["start"]),
        end_sec=int(row["end"]),
        events=int(row["events"]),
        kinds=kinds,
        secret=secret,
    )


def read_source(backend: BaseBackend, source: str | Path, file_format: str | None = None) -> ir.Table:
    """A file (by its extension or ``file_format``) or ``URL#table`` on another Ibis backend."""
    text = str(source)
    if "://" in text:
        return _remote_table(text)
    path = Path(text)
    if not path.is_file():
        raise InvalidInput(f"events: {path} is not a file", field="events")
    fmt = file_format or _format_of(path)
    if fmt not in FORMATS:
        raise InvalidInput(f"format: {fmt!r} is not one of {', '.join(FORMATS)}", field="format")
    name = "trustops_events"
    if fmt == "csv":
        if backend.name == "pyspark":
            return backend.read_csv(str(path), table_name=name, header=True, inferSchema=True)
        return backend.read_csv(str(path), table_name=name)
    if fmt == "parquet":
        return backend.read_parquet(str(path), table_name=name)
    return backend.read_json(str(path), table_name=name)


def _format_of(path: Path) -> str:
    suffixes = [suffix.lower() for suffix in path.suffixes if suffix.lower() not in (".gz", ".zst", ".bz2")]
    last = suffixes[-1] if suffixes else ""
    return {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet"}.get(
        last, "ndjson" if last in (".ndjson", ".jsonl", ".json") else last.lstrip(".")
    )


def _remote_table(text: str) -> ir.Table:
    import ibis

    url, hash_, name = text.partition("#")
    if not (hash_ and name):
        raise InvalidInput(f"events: {url!r} names no table: write it as URL#TABLE", field="events")
    try:
        connection = ibis.connect(url)
        return connection.table(name)
    except Exception as exc:  # a driver's own error: name the source instead of tracing back
        raise InvalidInput(
            f"events: cannot read table {name!r} at {url.split('@')[-1]}: {exc}", field="events"
        ) from None


def _check_columns(raw: ir.Table, columns: EventColumns) -> None:
    present = set(raw.columns)
    for role in ("user", "time", "event", "session", "amount"):
        name = getattr(columns, role)
        if name is not None and name not in present:
            if role == "amount":
                continue  # no amounts: orders count, their value is 0
            raise InvalidInput(
                f"--map: the {role} column {name!r} is not in the events (columns: {', '.join(sorted(present))})",
                field="columns",
            )


def _canonical(raw: ir.Table, columns: EventColumns, kinds: EventKinds) -> ir.Table:
    import ibis

    time = raw[columns.time]
    if time.type().is_string():
        time = time.cast("timestamp")
    elif time.type().is_integer() or time.type().is_floating():
        time = time.cast("int64").as_timestamp("s")
    event = raw[columns.event].cast("string")
    name = event.lower()
    amount = (
        raw[columns.amount].cast("float64").fill_null(0.0)
        if columns.amount is not None and columns.amount in raw.columns
        else ibis.literal(0.0)
    )
    session = raw[columns.session].cast("string") if columns.session is not None else ibis.literal("")
    order = name.isin(sorted(kinds.orders))
    table = raw.select(
        # Trimmed as privacy.pseudonymise trims, so " u1" and "u1" are one user here as in the ledger.
        user=raw[columns.user].cast("string").strip(),
        sec=time.epoch_seconds().cast("int64"),
        event=event,
        session=session,
        amount=ibis.ifelse(order, amount, 0.0),
        login=name.isin(sorted(kinds.logins)),
        order=order,
        page=ibis.literal(True) if kinds.pages is None else name.isin(sorted(kinds.pages)),
    )
    return table.filter(table.user.notnull() & (table.user != "") & table.sec.notnull())


def pseudonyms(secret: bytes, ids: Iterable[str]) -> list[str]:
    """``privacy.pseudonymise`` for many ids, with the key's hash states prepared once."""
    from trustops.privacy import PSEUDONYM_LENGTH

    hmac = PreparedHmac(secret, b"user:")
    return [hmac.digest(raw.strip().encode()).hex()[:PSEUDONYM_LENGTH] for raw in ids]


def _sessionised(table: ir.Table) -> ir.Table:
    """Sessions from inactivity: a new one starts after a 30-minute gap, numbered per user."""
    import ibis

    window = ibis.window(group_by=table.user, order_by=table.sec)
    gap = table.sec - table.sec.lag().over(window)
    starts = table.mutate(new=ibis.ifelse(gap.isnull() | (gap > SESSION_GAP_SECONDS), 1, 0))
    numbered = starts.mutate(
        number=starts.new.sum().over(ibis.window(group_by=starts.user, order_by=starts.sec, rows=(None, 0)))
    )
    return numbered.select(
        "user",
        "sec",
        "event",
        session=numbered.user.concat("#", numbered.number.cast("string")),
        amount=numbered.amount,
        login=numbered.login,
        order=numbered.order,
        page=numbered.page,
    )


def _describe(source: object) -> str:
    return str(source) if isinstance(source, str | Path) else "the table"


def columns_of(table: pa.Table) -> dict[str, Any]:
    """An Arrow result as numpy columns: ``user`` as objects, the rest as float64 with nulls as 0."""
    out: dict[str, Any] = {}
    for name in table.column_names:
        column = table.column(name)
        if name == "user":
            out[name] = np.asarray(column.to_pylist(), dtype=object)
        else:
            out[name] = column.fill_null(0).to_numpy().astype(np.float64)
    return out
