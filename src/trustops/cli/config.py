from __future__ import annotations

from pathlib import Path

import typer

from trustops.cli.state import CliState

app = typer.Typer(help="Validate configuration.", no_args_is_help=True)


@app.command("check")
def check(
    ctx: typer.Context,
    file: Path | None = typer.Argument(None, help="The catalog file; default TRUSTOPS_CONFIG_PATH or trustops.yaml."),
) -> None:
    """Validate a component catalog; print every problem as FILE:LINE: KEY.PATH: message."""
    from trustops.catalog.load import CatalogError, load_catalog

    state: CliState = ctx.obj
    file = file or state.settings.config_path

    try:
        catalog = load_catalog(file)
    except CatalogError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1) from None
    checks = sum(len(c.checks) for c in catalog.components)
    components = len(catalog.components)
    typer.echo(f"{file}: OK ({components} component{'s' * (components != 1)}, {checks} check{'s' * (checks != 1)})")
