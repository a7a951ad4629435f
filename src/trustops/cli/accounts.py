from __future__ import annotations

import math
from typing import Any

import typer

from trustops.cli.state import CliState

tokens = typer.Typer(help="API tokens for machines and scripts.", no_args_is_help=True)
users = typer.Typer(help="Dashboard users.", no_args_is_help=True)


def _new_password(*, prompt: bool | str) -> Any:
    """A password option asked for twice, hidden, unless ``TRUSTOPS_NEW_PASSWORD`` gives it."""
    return typer.Option(
        ...,
        prompt=prompt,
        hide_input=True,
        confirmation_prompt=True,
        envvar="TRUSTOPS_NEW_PASSWORD",
        help="Asked for when not given; or set TRUSTOPS_NEW_PASSWORD.",
    )


@tokens.command("create")
def token_create(
    ctx: typer.Context,
    scope: list[str] = typer.Option(
        ..., "--scope", help="read, ingest, errors, comms, marketing, legal or admin; repeatable."
    ),
    name: str = typer.Option("cli", "--name", help="Who or what uses the token."),
) -> None:
    """Create a token and print it once; only its hash is stored."""
    from trustops.accounts.tokens import create_token

    state: CliState = ctx.obj
    with state.database.session() as session:
        issued = create_token(session, name=name, scopes=scope)
        scopes = ", ".join(issued.row.scopes)
    typer.echo(issued.token)
    typer.echo(f"Token {issued.row.public_id} ({name}; {scopes}). Store it now: it cannot be shown again.", err=True)


@tokens.command("list")
def token_list(ctx: typer.Context) -> None:
    """List tokens: public id, name, scopes, last use. Never the secret."""
    from trustops.accounts.tokens import list_tokens

    state: CliState = ctx.obj
    with state.database.session() as session:
        for row in list_tokens(session):
            used = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "never"
            revoked = "  REVOKED" if row.revoked_at else ""
            typer.echo(f"{row.public_id}  {row.name:<20} {','.join(row.scopes):<24} last used {used}{revoked}")


@tokens.command("revoke")
def token_revoke(ctx: typer.Context, public_id: str = typer.Argument(..., help="The id `token list` shows.")) -> None:
    """Revoke a token at once."""
    from trustops.accounts.tokens import revoke_token

    state: CliState = ctx.obj
    with state.database.session() as session:
        revoke_token(session, public_id)
    typer.echo(f"Token {public_id} revoked.")


@users.command("create")
def user_create(
    ctx: typer.Context,
    username: str = typer.Argument(...),
    role: str = typer.Option("viewer", "--role", help="it, marketing, comms, legal, executive, viewer or admin."),
    password: str = _new_password(prompt=True),
) -> None:
    """Create a dashboard user (password hashed with Argon2id)."""
    from trustops.accounts.users import create_user

    state: CliState = ctx.obj
    with state.database.session() as session:
        user = create_user(session, username=username, password=password, role=role)
        typer.echo(f"User {user.username} ({user.role.value}) created.")


@users.command("list")
def user_list(ctx: typer.Context) -> None:
    """List dashboard users and their roles."""
    from sqlalchemy import select

    from trustops import clock
    from trustops.accounts import throttle
    from trustops.accounts.models import User

    state: CliState = ctx.obj
    secret, now = state.settings.secret(), clock.now()
    with state.database.session() as session:
        for user in session.scalars(select(User).order_by(User.username)):
            seen = user.last_login_at.isoformat(timespec="seconds") if user.last_login_at else "never"
            wait = throttle.wait_left(session, throttle.key_for(secret, user.username), now=now)
            held = f"  (failed logins: must wait {math.ceil(wait.total_seconds())} s)" if wait else ""
            typer.echo(f"{user.username:<24} {user.role.value:<10} last login {seen}{held}")


@users.command("delete")
def user_delete(ctx: typer.Context, username: str = typer.Argument(..., help="The user to delete.")) -> None:
    """Delete a dashboard user: their login ends at once (a person who left keeps no account)."""
    from trustops.accounts.users import delete_user

    state: CliState = ctx.obj
    with state.database.session() as session:
        delete_user(session, username)
    typer.echo(f"User {username} deleted.")


@users.command("password")
def user_password(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="The user whose password to change."),
    password: str = _new_password(prompt="New password"),
) -> None:
    """Set a new password: every session of the user ends, and failed logins for the name are forgotten."""
    from trustops.accounts import throttle
    from trustops.accounts.users import set_password

    state: CliState = ctx.obj
    with state.database.session() as session:
        set_password(session, username, password)
        throttle.record_success(session, throttle.key_for(state.settings.secret(), username))
    typer.echo(f"Password of {username} changed; their sessions have ended.")


@users.command("role")
def user_role(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="The user whose role to change."),
    role: str = typer.Argument(..., help="it, marketing, comms, legal, executive, viewer or admin."),
) -> None:
    """Change a user's role; it applies from their next page."""
    from trustops.accounts.users import set_role

    state: CliState = ctx.obj
    with state.database.session() as session:
        user = set_role(session, username, role)
        typer.echo(f"User {user.username} is now {user.role.value}.")


@users.command("unblock")
def user_unblock(ctx: typer.Context, username: str = typer.Argument(..., help="The name as typed at login.")) -> None:
    """Forget the failed logins of a name, so it may log in again at once."""
    from trustops.accounts import throttle

    state: CliState = ctx.obj
    with state.database.session() as session:
        throttle.record_success(session, throttle.key_for(state.settings.secret(), username))
    typer.echo(f"Failed logins for {username!r} forgotten.")
