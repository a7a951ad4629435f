"""The overview as one value: the tiles of a view, read once, with their charts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from trustops.catalog.schema import OrganisationSpec
from trustops.config import Policy
from trustops.guard.facts import FactBook
from trustops.listen.matrix import HeatCell, MatrixRow, heat_cells, impact_matrix
from trustops.overview import tiles
from trustops.overview.charts import Chart, debt_chart, talk_chart, trust_chart
from trustops.overview.views import BREACH, DEBT, GUARD, HEALTH, HEATMAP, INCIDENTS, TALK, View

HEAT_ROWS = 8  # the heatmap tile shows the components that matter most; the Listening page has them all


@dataclass(frozen=True)
class Board:
    now: datetime
    view: View
    health: list[tiles.HealthGroup] | None = None
    incidents: list[tiles.IncidentTile] | None = None
    talk: tiles.Talk | None = None
    heat: list[tuple[MatrixRow, list[HeatCell]]] | None = None
    guard: tiles.GuardTile | None = None
    debt: tiles.DebtTile | None = None
    breach: list[tiles.BreachTile] | None = None
    charts: dict[str, Chart] = field(default_factory=dict)


def build(
    session: Session,
    view: View,
    *,
    policy: Policy,
    now: datetime,
    book: Callable[[], FactBook],
    organisation: OrganisationSpec | None,
) -> Board:
    """Read only what the view shows; the impact matrix once, for both the incident ranking and the heatmap."""
    wanted = set(view.tiles)
    matrix = impact_matrix(session, now=now) if wanted & {INCIDENTS, HEATMAP} else []
    talk = tiles.talk(session, now=now) if TALK in wanted else None
    debt = tiles.debt(session, policy=policy, now=now) if DEBT in wanted else None
    charts = {}
    if talk is not None:
        charts["talk"] = talk_chart(talk)
    if debt is not None:
        charts["debt"] = debt_chart(debt.incidents)
        charts["trust"] = trust_chart(debt.trust)
    rows = matrix[:HEAT_ROWS]
    return Board(
        now=now,
        view=view,
        health=tiles.health(session) if HEALTH in wanted else None,
        incidents=tiles.ranked_incidents(session, matrix, policy=policy, now=now) if INCIDENTS in wanted else None,
        talk=talk,
        heat=list(zip(rows, heat_cells(rows), strict=True)) if HEATMAP in wanted else None,
        guard=tiles.guard(session, book(), policy=policy, now=now) if GUARD in wanted else None,
        debt=debt,
        breach=tiles.breach(session, organisation, now=now) if BREACH in wanted else None,
        charts=charts,
    )
