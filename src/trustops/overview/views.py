"""Which tiles each role sees, in which order: the same facts, led by what that person acts on."""

from __future__ import annotations

from dataclasses import dataclass

from trustops.accounts.models import Role

HEALTH, INCIDENTS, TALK, HEATMAP, GUARD, DEBT, BREACH = (
    "health",
    "incidents",
    "talk",
    "heatmap",
    "guard",
    "debt",
    "breach",
)

# Breach clocks name cases that may not be known beyond counsel yet: legal (and admins) only, in any view.
BREACH_ROLES = frozenset({Role.LEGAL, Role.ADMIN})


@dataclass(frozen=True)
class View:
    key: str
    label: str
    lead: str  # the question this view answers first
    tiles: tuple[str, ...]


VIEWS: dict[str, View] = {
    v.key: v
    for v in (
        View("it", "IT", "What is broken, and what should we fix first for customers?",
             (HEALTH, INCIDENTS, HEATMAP, TALK, GUARD, DEBT)),
        View("marketing", "Marketing", "What are customers saying, and which campaigns are held back?",
             (TALK, HEATMAP, GUARD, INCIDENTS, DEBT, HEALTH)),
        View("comms", "Comms", "Who must hear from us, through which channel, and by when?",
             (INCIDENTS, TALK, HEALTH, GUARD, DEBT)),
        View("legal", "Legal", "Which regulatory clocks are running, and what do customers know?",
             (BREACH, INCIDENTS, TALK, HEALTH, DEBT)),
        View("executive", "Executive", "How healthy are we, what do customers feel, and what has it cost?",
             (DEBT, INCIDENTS, TALK, HEALTH, HEATMAP, GUARD)),
    )
}  # fmt: skip

DEFAULT_VIEW: dict[Role, str] = {
    Role.IT: "it",
    Role.MARKETING: "marketing",
    Role.COMMS: "comms",
    Role.LEGAL: "legal",
    Role.EXECUTIVE: "executive",
    Role.VIEWER: "executive",
    Role.ADMIN: "executive",
}


def view_for(role: Role, wanted: str | None = None) -> View:
    """The view asked for, else the role's own; the breach tile only for those who may see breach cases."""
    view = VIEWS.get(wanted or "", VIEWS[DEFAULT_VIEW[role]])
    tiles = tuple(t for t in view.tiles if t != BREACH or role in BREACH_ROLES)
    if role in BREACH_ROLES and BREACH not in tiles:
        tiles += (BREACH,)
    return View(view.key, view.label, view.lead, tiles)
