from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.factories import make_component, make_incident
from trustops import clock
from trustops.accounts import throttle
from trustops.accounts.models import ApiToken, User
from trustops.accounts.tokens import authenticate
from trustops.accounts.users import check_password, create_user
from trustops.cli import app
from trustops.cli.state import CliState
from trustops.enums import IncidentState
from trustops.monitor.incidents import get_incident, list_incidents


def run(state: CliState, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), obj=state, input=input)


def test_help_is_instant_because_nothing_heavy_is_imported() -> None:
    code = (
        "import sys, trustops.cli; print(sorted(m for m in ('sqlalchemy', 'fastapi', 'uvicorn') if m in sys.modules))"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    )


def test_token_create_prints_the_token_once_and_stores_its_hash(cli_state: CliState, session: Session) -> None:
    result = run(cli_state, "token", "create", "--scope", "read", "--scope", "ingest", "--name", "ci")
    assert result.exit_code == 0, result.output
    plain = result.stdout.strip()
    assert plain.startswith("tro_")
    row = authenticate(session, plain)
    assert row is not None and row.name == "ci" and row.scopes == ["ingest", "read"]
    listed = run(cli_state, "token", "list").stdout
    assert row.public_id in listed and plain not in listed


def test_token_create_names_a_bad_scope(cli_state: CliState, session: Session) -> None:
    result = run(cli_state, "token", "create", "--scope", "superuser")
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == "Error: scope: 'superuser' is not one of read, ingest, errors, comms, marketing, legal, admin"
    )
    assert session.query(ApiToken).count() == 0


def test_token_revoke(cli_state: CliState, session: Session) -> None:
    plain = run(cli_state, "token", "create", "--scope", "read").stdout.strip()
    public_id = plain.split("_")[1]
    assert run(cli_state, "token", "revoke", public_id).exit_code == 0
    assert authenticate(session, plain) is None


def test_user_create_asks_for_the_password_twice(cli_state: CliState, session: Session) -> None:
    result = run(cli_state, "user", "create", "carol", "--role", "legal", input="a fine password\na fine password\n")
    assert result.exit_code == 0, result.output
    user = session.query(User).one()
    assert (user.username, user.role.value) == ("carol", "legal")
    assert "carol" in run(cli_state, "user", "list").stdout


def test_user_create_refuses_a_short_password(cli_state: CliState, session: Session) -> None:
    result = run(cli_state, "user", "create", "carol", input="short\nshort\n")
    assert result.exit_code == 1
    assert "Error: password: must have at least 10 characters" in result.stderr


def test_user_password_sets_a_new_one_ends_the_sessions_and_forgets_failed_logins(
    cli_state: CliState, session: Session
) -> None:
    user = create_user(session, username="carol", password="the old password", role="it")
    session.commit()
    key = throttle.key_for(cli_state.settings.secret(), "carol")
    for _ in range(9):
        throttle.record_failure(session, key, now=clock.now())
    session.commit()
    before = user.session_version
    result = run(cli_state, "user", "password", "carol", input="the new password\nthe new password\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("Password of carol changed; their sessions have ended.\n")
    session.expire_all()
    assert check_password(session, "carol", "the new password") is not None
    assert check_password(session, "carol", "the old password") is None
    assert user.session_version == before + 1
    assert throttle.wait_left(session, key, now=clock.now()) is None


def test_user_role_changes_the_role_and_names_a_bad_one(cli_state: CliState, session: Session) -> None:
    create_user(session, username="carol", password="a fine password", role="viewer")
    session.commit()
    assert run(cli_state, "user", "role", "carol", "legal").stdout == "User carol is now legal.\n"
    session.expire_all()
    assert session.query(User).one().role.value == "legal"
    wrong = run(cli_state, "user", "role", "carol", "boss")
    assert wrong.exit_code == 1 and "Error: role: 'boss' is not one of it, marketing" in wrong.stderr
    missing = run(cli_state, "user", "role", "dave", "it")
    assert missing.exit_code == 1 and "Error: username: no user 'dave'" in missing.stderr


def test_user_unblock_forgets_the_failed_logins_of_a_name(cli_state: CliState, session: Session) -> None:
    key = throttle.key_for(cli_state.settings.secret(), "mallory")
    for _ in range(7):
        throttle.record_failure(session, key, now=clock.now())
    session.commit()
    assert run(cli_state, "user", "unblock", "mallory").stdout == "Failed logins for 'mallory' forgotten.\n"
    assert throttle.wait_left(session, key, now=clock.now()) is None


def test_user_list_says_who_must_wait_after_failed_logins(cli_state: CliState, session: Session) -> None:
    create_user(session, username="carol", password="a fine password", role="it")
    create_user(session, username="dave", password="a fine password", role="it")
    key = throttle.key_for(cli_state.settings.secret(), "carol")
    with time_machine.travel(datetime(2026, 11, 24, 9, 0, tzinfo=UTC), tick=False):
        for _ in range(7):
            throttle.record_failure(session, key, now=clock.now())
        session.commit()
        carol, dave = run(cli_state, "user", "list").stdout.splitlines()
    assert carol.startswith("carol") and "(failed logins: must wait 2 s)" in carol
    assert dave.startswith("dave") and "failed logins" not in dave


def test_incident_lifecycle_from_the_command_line(cli_state: CliState, session: Session) -> None:
    make_component(session, "checkout")
    session.commit()
    opened = run(cli_state, "incident", "open", "Checkout down", "-c", "checkout=major_outage", "-m", "Looking.")
    assert opened.exit_code == 0, opened.output
    [incident] = list_incidents(session)
    assert (
        opened.stdout.strip() == f"Incident {incident.id} opened (investigating, impact critical, channel status page)."
    )
    updated = run(cli_state, "incident", "update", str(incident.id), "--state", "identified", "-m", "Found it.")
    assert updated.exit_code == 0, updated.output
    assert run(cli_state, "incident", "resolve", str(incident.id), "-m", "Fixed.").exit_code == 0
    session.expire_all()
    assert get_incident(session, incident.id).state is IncidentState.RESOLVED
    shown = run(cli_state, "incident", "show", str(incident.id)).stdout
    assert "Found it." in shown and "state_changed" in shown
    assert "Checkout down" in run(cli_state, "incident", "list").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-c", "checkout"], "Error: --component: 'checkout' is not ID=STATUS"),
        (["-c", "checkout=broken"], "Error: --component: 'broken' is not one of operational"),
        (["-c", "cart=major_outage"], "Error: components: unknown component 'cart'"),
        (["-c", "checkout=major_outage", "--impact", "huge"], "Error: --impact: 'huge' is not one of none"),
    ],
)
def test_incident_open_names_the_bad_option(
    cli_state: CliState, session: Session, args: list[str], message: str
) -> None:
    make_component(session, "checkout")
    session.commit()
    result = run(cli_state, "incident", "open", "x", *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert list_incidents(session) == []


def test_component_list_shows_current_status(cli_state: CliState, session: Session) -> None:
    make_incident(session)
    session.commit()
    assert "major_outage" in run(cli_state, "component", "list").stdout


def test_config_check_accepts_a_valid_file(tmp_path: Path, cli_state: CliState) -> None:
    path = tmp_path / "trustops.yaml"
    path.write_text("components:\n  - id: login\n    name: Login\n")
    result = run(cli_state, "config", "check", str(path))
    assert result.exit_code == 0
    assert result.stdout.strip() == f"{path}: OK (1 component, 0 checks)"


def test_config_check_prints_one_line_per_problem_and_fails(tmp_path: Path, cli_state: CliState) -> None:
    path = tmp_path / "trustops.yaml"
    path.write_text("components:\n  - id: login\n    name: Login\n    colour: red\n  - id: login\n    name: Again\n")
    result = run(cli_state, "config", "check", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:4: components[0].colour: unknown key 'colour'",
        f"{path}:5: components[1].id: duplicate component id 'login' (first at components[0])",
    ]


def test_a_command_on_an_unmigrated_database_says_what_to_do(tmp_path: Path) -> None:
    from trustops.config import Settings

    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/new.db", secret_key="s" * 40)  # type: ignore[call-arg]
    result = run(CliState(settings), "incident", "list")
    assert result.exit_code == 1
    assert "run `trustops db upgrade` first" in result.stderr
    assert run(CliState(settings), "db", "upgrade").exit_code == 0
    assert run(CliState(settings), "incident", "list").exit_code == 0


def test_config_check_reads_the_configured_path(tmp_path: Path, cli_state: CliState) -> None:
    cli_state.settings.config_path.write_text("components: []\n")
    result = run(cli_state, "config", "check")
    assert result.stdout.strip() == f"{cli_state.settings.config_path}: OK (0 components, 0 checks)"


def test_a_settings_error_is_one_plain_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTOPS_ENV", "production")
    monkeypatch.delenv("TRUSTOPS_SECRET_KEY", raising=False)
    result = CliRunner().invoke(app, ["incident", "list"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: secret_key: production needs TRUSTOPS_SECRET_KEY")


def test_demo_refuses_a_server_database(cli_state: CliState) -> None:
    result = run(cli_state, "demo", "--no-serve", "--database", "postgresql://127.0.0.1/test")
    assert result.exit_code == 1
    assert "--database: the demo recreates its store, so it takes a SQLite URL" in result.stderr


def test_db_upgrade_reports_the_revision_reached(tmp_path: Path) -> None:
    from trustops.config import Settings

    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/n.db", secret_key="s" * 40)  # type: ignore[call-arg]
    from alembic.script import ScriptDirectory

    from trustops.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    result = run(CliState(settings), "db", "upgrade")
    assert result.stdout.strip().endswith(f"is at revision {head}.")
