from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from trustops.accounts.models import Role
from trustops.accounts.users import check_password, create_user
from trustops.errors import Conflict, InvalidInput

PASSWORD = "a long enough password"


def test_a_password_is_stored_as_an_argon2id_hash(session: Session) -> None:
    user = create_user(session, username="alice", password=PASSWORD, role="comms")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert user.role is Role.COMMS


def test_only_the_right_password_of_an_active_user_logs_in(session: Session) -> None:
    user = create_user(session, username="alice", password=PASSWORD, role=Role.IT)
    assert check_password(session, "alice", PASSWORD) is user
    assert check_password(session, "alice", PASSWORD + "!") is None
    assert check_password(session, "bob", PASSWORD) is None
    user.active = False
    assert check_password(session, "alice", PASSWORD) is None


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [
        ("a", PASSWORD, "it", "username: 'a' must be"),
        ("alice", "short", "it", "password: must have at least 10 characters"),
        ("alice", PASSWORD, "boss", "role: 'boss' is not one of it, marketing, comms, legal, executive, viewer, admin"),
    ],
)
def test_bad_user_details_are_refused_by_field(
    session: Session, username: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        create_user(session, username=username, password=password, role=role)


def test_a_username_is_taken_once(session: Session) -> None:
    create_user(session, username="alice", password=PASSWORD, role="it")
    with pytest.raises(Conflict, match="username: 'alice' is taken"):
        create_user(session, username="alice", password=PASSWORD, role="it")
