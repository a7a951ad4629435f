from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.factories import make_component
from trustops.cli import app
from trustops.cli.state import CliState
from trustops.config import Settings
from trustops.db import Database
from trustops.listen.models import ListenModel, Mention

CSV = """id,when,who,body
1,2015-02-24 11:35:52 -0800,@ann,payment failed twice today
2,2015-02-24 11:40:00 -0800,@bob,"my card was declined,
and then charged twice"
3,not a date,@cat,hello
4,2015-02-24 12:00:00 -0800,@dan,Love the new checkout. Thanks!
"""
MAP = ["--map", "external_id=id", "--map", "published_at=when", "--map", "author=who", "--map", "text=body"]


def run(state: CliState, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), obj=state)


def test_import_stores_good_lines_reports_bad_ones_and_adds_nothing_the_second_time(
    cli_state: CliState, session: Session, tmp_path: Path
) -> None:
    make_component(session, "payment-gateway", name="Payment gateway", phrases=["payment failed", "card declined"])
    export = tmp_path / "export.csv"
    export.write_text(CSV)

    first = run(cli_state, "listen", "import", str(export), "--format", "csv", *MAP)
    again = run(cli_state, "listen", "import", str(export), "--format", "csv", *MAP)

    assert first.exit_code == 1
    assert f"{export}:5: published_at" in first.stderr
    assert "Imported 3 mentions (0 already stored, 1 bad lines" in first.stdout
    assert "Imported 0 mentions (3 already stored, 1 bad lines" in again.stdout
    assert session.scalar(select(func.count()).select_from(Mention)) == 3


def test_import_into_a_real_store_commits_batch_by_batch(settings: Settings, tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path}/real.db")
    database.upgrade()
    export = tmp_path / "export.csv"
    export.write_text(CSV)

    result = run(CliState(settings, database), "listen", "import", str(export), "--format", "csv", "--batch", "2", *MAP)

    assert "Imported 3 mentions" in result.stdout
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Mention)) == 3
    database.dispose()


def test_import_names_an_unknown_format(cli_state: CliState, tmp_path: Path) -> None:
    export = tmp_path / "x.csv"
    export.write_text("a\n")

    result = run(cli_state, "listen", "import", str(export), "--format", "excel")

    assert result.exit_code == 1 and "--format: 'excel' is not one of csv, ndjson" in result.stderr


def write_examples(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("\n".join(json.dumps({"text": t, "label": label}) for t, label in rows))
    return path


EXAMPLES = [
    ("the app crashes every time I pay", "negative"),
    ("worst service, still waiting for my refund", "negative"),
    ("checkout broken again, useless", "negative"),
    ("never ordering again, parcel lost", "negative"),
    ("thank you, quick delivery and lovely packaging", "positive"),
    ("great support, sorted in minutes", "positive"),
    ("love the new design, well done", "positive"),
    ("brilliant prices this week, thanks", "positive"),
    ("what time do you open on sunday?", "neutral"),
    ("do you ship to canada", "neutral"),
    ("is the blue kettle back in stock?", "neutral"),
    ("new store opens in leeds next week", "neutral"),
]


def test_train_stores_a_model_the_pipeline_then_uses(cli_state: CliState, session: Session, tmp_path: Path) -> None:
    examples = write_examples(tmp_path / "labelled.ndjson", EXAMPLES * 3)

    result = run(
        cli_state, "listen", "train", "--examples", str(examples), "--text-col", "text", "--label-col", "label",
        "--task", "sentiment",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    model = session.scalars(select(ListenModel)).one()
    assert model.task == "sentiment" and model.active and model.examples == 36
    assert model.classes == ["negative", "neutral", "positive"]
    assert f"Stored sentiment model {model.id}" in result.stdout


def test_evaluate_prints_figures_as_json_without_touching_the_stored_model(
    cli_state: CliState, session: Session, tmp_path: Path
) -> None:
    test = write_examples(tmp_path / "test.ndjson", EXAMPLES)
    train = write_examples(tmp_path / "train.ndjson", EXAMPLES * 2)

    result = run(
        cli_state, "listen", "evaluate", "--test", str(test), "--train", str(train), "--text-col", "text",
        "--label-col", "label", "--task", "sentiment", "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["n"] == 12 and 0 <= figures["accuracy"] <= 1 and figures["texts_per_second"] > 0
    assert set(figures["per_class"]) == {"negative", "neutral", "positive"}
    assert figures["model"].startswith("trained on train.ndjson")
    assert session.scalars(select(ListenModel)).all() == []


def test_evaluate_names_a_missing_column(cli_state: CliState, tmp_path: Path) -> None:
    test = write_examples(tmp_path / "test.ndjson", EXAMPLES)

    result = run(
        cli_state, "listen", "evaluate", "--test", str(test), "--text-col", "tweet", "--label-col", "label",
        "--task", "sentiment",
    )  # fmt: skip

    assert result.exit_code == 1 and "no column 'tweet' (columns: label, text)" in result.stderr
