from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from trustops.accounts.models import ApiToken, Scope
from trustops.accounts.tokens import authenticate, create_token, grants, list_tokens, revoke_token
from trustops.errors import InvalidInput, NotFound


def test_a_token_is_stored_only_as_a_hash(session: Session) -> None:
    issued = create_token(session, name="ci", scopes=["read", "ingest"])
    session.commit()
    row = session.scalar(select(ApiToken))
    assert row is not None
    assert issued.token.startswith(f"tro_{row.public_id}_")
    assert issued.token not in (row.token_hash, row.public_id)
    assert len(row.token_hash) == 64
    assert row.scopes == ["ingest", "read"]


def test_the_right_token_authenticates_and_is_marked_used(session: Session) -> None:
    issued = create_token(session, name="ci", scopes=[Scope.READ])
    found = authenticate(session, issued.token)
    assert found is not None and found.id == issued.row.id
    assert found.last_used_at is not None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t.replace("tro_", "xyz_"),
        lambda t: "tro_",
        lambda t: "",
    ],
)
def test_a_tampered_token_does_not_authenticate(session: Session, tamper) -> None:  # type: ignore[no-untyped-def]
    issued = create_token(session, name="ci", scopes=[Scope.READ])
    assert authenticate(session, tamper(issued.token)) is None


def test_a_revoked_token_no_longer_authenticates(session: Session) -> None:
    issued = create_token(session, name="ci", scopes=[Scope.READ])
    revoke_token(session, issued.row.public_id)
    assert authenticate(session, issued.token) is None
    assert list_tokens(session)[0].revoked_at is not None
    with pytest.raises(NotFound):
        revoke_token(session, "nope")


def test_unknown_or_missing_scopes_are_refused_by_name(session: Session) -> None:
    with pytest.raises(
        InvalidInput, match="scope: 'write' is not one of read, ingest, errors, comms, marketing, legal, admin"
    ):
        create_token(session, name="x", scopes=["write"])
    with pytest.raises(InvalidInput, match="give at least one scope"):
        create_token(session, name="x", scopes=[])


def test_admin_grants_everything_and_other_scopes_only_themselves() -> None:
    assert grants(["admin"], [Scope.LEGAL])
    assert grants(["read", "comms"], [Scope.INGEST, Scope.COMMS])
    assert not grants(["read"], [Scope.COMMS])
