"""Each role's overview leads with what that person acts on; breach clocks stay with counsel."""

from __future__ import annotations

import pytest

from trustops.accounts.models import Role
from trustops.overview.views import BREACH, DEBT, HEALTH, INCIDENTS, TALK, VIEWS, view_for


@pytest.mark.parametrize(
    ("role", "first"),
    [
        (Role.IT, HEALTH),
        (Role.MARKETING, TALK),
        (Role.COMMS, INCIDENTS),
        (Role.LEGAL, BREACH),
        (Role.EXECUTIVE, DEBT),
        (Role.VIEWER, DEBT),
        (Role.ADMIN, DEBT),
    ],
)
def test_each_role_lands_on_a_view_that_leads_with_its_own_work(role: Role, first: str) -> None:
    assert view_for(role).tiles[0] == first


@pytest.mark.parametrize("role", [Role.IT, Role.MARKETING, Role.COMMS, Role.EXECUTIVE, Role.VIEWER])
def test_no_view_shows_breach_clocks_to_a_role_outside_legal(role: Role) -> None:
    for key in VIEWS:
        assert BREACH not in view_for(role, key).tiles


def test_legal_and_admins_keep_the_breach_clocks_in_every_view() -> None:
    for role in (Role.LEGAL, Role.ADMIN):
        assert all(BREACH in view_for(role, key).tiles for key in VIEWS)


def test_another_roles_view_can_be_asked_for_and_an_unknown_one_falls_back_to_the_own() -> None:
    assert view_for(Role.IT, "marketing").key == "marketing"
    assert view_for(Role.IT, "boss").key == "it"
    assert view_for(Role.IT, None).key == "it"
