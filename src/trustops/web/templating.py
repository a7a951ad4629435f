"""Jinja set-up and the dashboard navigation, to which each capability adds its page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from trustops.web.deps import csrf_token
from trustops.web.security import nonce_of

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# (path, label, what the page is for) — one entry per domain page, in menu order.
NAV: list[tuple[str, str, str]] = [
    ("/", "Overview", "Health, incidents and customers at a glance"),
    ("/health", "Health", "Components and their current status"),
    ("/incidents", "Incidents", "Open and past incidents with their timelines"),
    ("/listening", "Listening", "What customers say, spikes, and the functional impact matrix"),
    ("/guard", "Guard", "Which campaigns the marketing guard holds back after incidents"),
    ("/breach", "Breach", "Data-breach cases, their regulatory clocks and drills"),
    ("/audit", "Audit", "Design anti-patterns found in code and pages, over time"),
    ("/analytics", "Analytics", "Silent churn, reputational debt and the trust index"),
    ("/customers", "Customers", "Customer value tiers"),
    ("/policy", "Policy", "Business thresholds in force"),
]

# Pages only some roles may open, left out of the menu for everyone else (admins see every page).
NAV_ROLES: dict[str, frozenset[str]] = {"/breach": frozenset({"legal"})}

templates = Jinja2Templates(directory=TEMPLATES_DIR)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _label(value: Any) -> str:
    return str(getattr(value, "value", value)).replace("_", " ")


templates.env.filters["when"] = _when
templates.env.filters["label"] = _label


def nav_for(user: Any) -> list[tuple[str, str, str]]:
    """The menu this user may follow."""
    role = str(getattr(getattr(user, "role", None), "value", ""))
    return [e for e in NAV if e[0] not in NAV_ROLES or role == "admin" or role in NAV_ROLES[e[0]]]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("user", None)
    return templates.TemplateResponse(
        request,
        name,
        {
            "nav": nav_for(context["user"]),
            "csrf": csrf_token(request),
            "csp_nonce": nonce_of(request),
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )
