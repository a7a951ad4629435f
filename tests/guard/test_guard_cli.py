"""``trustops guard evaluate`` and ``decide`` on a small audience, as a marketer would run them."""

from __future__ import annotations

import json
from pathlib import Path

import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.guard.audiences import NOW, checkout, days_ago, saw_error
from trustops.cli import app
from trustops.cli.state import CliState
from trustops.guard.models import GuardRun

AUDIENCE = (
    "user_id,email,plan\nu-1,ana@example.com,gold\nu-2,bo@example.com,free\n,nobody@example.com,free\nu-4,,gold\n"
)


def run(state: CliState, *args: str):  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        return CliRunner().invoke(app, list(args), obj=state)


def test_evaluate_splits_an_audience_writes_both_files_and_keeps_only_the_counts(
    cli_state: CliState, session: Session, tmp_path: Path
) -> None:
    checkout(session)
    saw_error(session, "u-1", at=days_ago(10))
    audience = tmp_path / "audience.csv"
    audience.write_text(AUDIENCE)
    out, allowed = tmp_path / "suppressed.csv", tmp_path / "allowed.csv"

    result = run(
        cli_state, "guard", "evaluate", "--audience", str(audience), "--campaign-type", "promotional",
        "--out", str(out), "--format", "iterable", "--allowed-out", str(allowed), "--campaign-id", "spring-sale",
    )  # fmt: skip

    assert result.exit_code == 1  # one bad line, reported; everything else written
    assert f"{audience}:4: user_id: missing or empty" in result.stderr
    assert out.read_text() == "userId,email\nu-1,ana@example.com\n"
    assert allowed.read_text() == "userId,email\nu-2,bo@example.com\nu-4,\n"
    assert "audience" in result.stdout and "suppressed: no_offers_after_error" in result.stdout
    assert "bad lines (skipped)" in result.stdout
    run_row = session.scalars(select(GuardRun)).one()
    assert (run_row.audience, run_row.allowed, run_row.suppressed) == (3, 2, {"no_offers_after_error": 1})
    assert (run_row.campaign_id, run_row.format, run_row.actor) == ("spring-sale", "iterable", "cli")


def test_evaluate_reads_ndjson_and_exits_zero_on_a_clean_file(cli_state: CliState, tmp_path: Path) -> None:
    audience = tmp_path / "audience.ndjson"
    audience.write_text('{"external_id": "u-1"}\n{"external_id": "u-2"}\n')
    out = tmp_path / "braze.csv"

    result = run(
        cli_state, "guard", "evaluate", "--audience", str(audience), "--campaign-type", "automated",
        "--out", str(out), "--format", "braze",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines() == [
        "external_id,trustops_rule,trustops_suppressed_until,trustops_allowed_content,trustops_evaluated_at"
    ]
    assert "Suppressed users written to" in result.stdout


def test_an_unknown_campaign_type_lists_the_allowed_ones(cli_state: CliState, tmp_path: Path) -> None:
    audience = tmp_path / "audience.csv"
    audience.write_text(AUDIENCE)

    result = run(
        cli_state, "guard", "evaluate", "--audience", str(audience), "--campaign-type", "flash_sale",
        "--out", str(tmp_path / "out.csv"),
    )  # fmt: skip

    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: --campaign-type: 'flash_sale' is not a campaign type; use one of promotional, automated, "
        "thank_you, help_content, loyalty_reward, transactional, apology"
    )
    assert not (tmp_path / "out.csv").exists()


def test_a_file_without_an_id_column_names_the_columns_it_has(cli_state: CliState, tmp_path: Path) -> None:
    audience = tmp_path / "audience.csv"
    audience.write_text("customer,email\nc-1,a@example.com\n")

    result = run(
        cli_state, "guard", "evaluate", "--audience", str(audience), "--campaign-type", "promotional",
        "--out", str(tmp_path / "out.csv"),
    )  # fmt: skip

    assert result.exit_code == 1
    assert "no id column; expected one of user_id, external_id, userId, id" in result.stderr
    assert "(found: customer, email)" in result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_an_unknown_export_format_is_refused(cli_state: CliState, tmp_path: Path) -> None:
    audience = tmp_path / "audience.csv"
    audience.write_text(AUDIENCE)

    result = run(
        cli_state, "guard", "evaluate", "--audience", str(audience), "--campaign-type", "promotional",
        "--out", str(tmp_path / "out.csv"), "--format", "sfmc",
    )  # fmt: skip

    assert result.exit_code == 1
    assert "--format: 'sfmc' is not an export format; use one of neutral, braze, iterable, customerio, klaviyo" in (
        result.stderr
    )


def test_decide_explains_a_denial_and_offers_the_alternative(cli_state: CliState, session: Session) -> None:
    checkout(session)
    saw_error(session, "u-1", at=days_ago(10))

    denied = run(cli_state, "guard", "decide", "u-1", "--campaign-type", "promotional", "--json")
    allowed = run(cli_state, "guard", "decide", "u-2", "--campaign-type", "promotional")

    assert denied.exit_code == 0, denied.output
    assert json.loads(denied.stdout) == {
        "allowed": False,
        "rule": "no_offers_after_error",
        "reason": "The user saw an error in the last 30 days: no offers until then.",
        "until": "2026-06-21T12:00:00+00:00",
        "alternative": "help_content",
    }
    assert allowed.stdout.startswith("allowed (no_rule): ")


def test_evaluate_shows_a_progress_bar_of_the_bytes_read_on_a_terminal(cli_state: CliState, tmp_path: Path) -> None:
    audience = tmp_path / "audience.csv"
    audience.write_text("user_id\n" + "".join(f"u-{n}\n" for n in range(1_000)))

    with time_machine.travel(NOW, tick=False):
        result = CliRunner().invoke(
            app,
            ["guard", "evaluate", "--audience", str(audience), "--campaign-type", "apology", "--out", "/dev/null"],
            obj=cli_state,
            env={"FORCE_COLOR": "1", "TTY_COMPATIBLE": "1", "COLUMNS": "120"},
        )

    assert result.exit_code == 0, result.output
    assert "Evaluating audience.csv" in result.stderr
    size = f"{audience.stat().st_size / 1000:.1f}"
    assert f"{size}/{size} kB" in result.stderr  # bytes read of the file's size, from rich's DownloadColumn
