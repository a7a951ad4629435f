from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Validate configuration.", no_args_is_help=True)


@app.command("check")
def check(file: Path = typer.Argument(Path("trustops.yaml"), help="The catalog file to validate.")) -> None:
    """Validate a component catalog; print every problem as FILE:LINE: KEY.PATH: message."""
    from trustops.catalog.load import CatalogError, load_catalog

    try:
        catalog = load_catalog(file)
    except CatalogError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1) from None
    checks = sum(len(c.checks) for c in catalog.components)
    typer.echo(f"{file}: OK ({len(catalog.components)} components, {checks} checks)")
