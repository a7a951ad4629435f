"""trustops' own Prometheus metrics: HTTP traffic, plus incident and component state read on scrape."""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trustops.db import Database
from trustops.enums import ComponentStatus, IncidentState
from trustops.monitor.incidents import component_statuses
from trustops.monitor.models import Incident


class StateCollector(Collector):
    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.database.sessions() as session:
            rows = session.execute(select(Incident.state, func.count()).group_by(Incident.state))
            by_state: dict[IncidentState, int] = {state: count for state, count in rows}
            statuses = component_statuses(session)
        incidents = GaugeMetricFamily("trustops_open_incidents", "Open incidents by state.", labels=["state"])
        for state in IncidentState:
            if state.is_open:
                incidents.add_metric([state.value], by_state.get(state, 0))
        yield incidents
        components = GaugeMetricFamily("trustops_components", "Components by current status.", labels=["status"])
        by_status = Tally(statuses.values())
        for status in ComponentStatus:
            components.add_metric([status.value], by_status[status])
        yield components


class AppMetrics:
    def __init__(self, database: Database) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "trustops_http_requests", "HTTP requests served.", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "trustops_http_request_duration_seconds", "HTTP request latency.", ["route"], registry=self.registry
        )
        self.pings = Counter("trustops_pings", "Heartbeat pings answered.", ["status"], registry=self.registry)
        self.registry.register(StateCollector(database))

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Pure ASGI, so counting requests costs microseconds, not a task per request."""

        async def measured(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            started, status = time.perf_counter(), 500

            async def capture(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, capture)
            finally:
                route = getattr(scope.get("route"), "path", "unmatched")
                self.requests.labels(scope["method"], route, str(status)).inc()
                self.latency.labels(route).observe(time.perf_counter() - started)

        return measured
