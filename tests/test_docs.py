"""The manual keeps up with the code: every setting, policy field, command and page is documented."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from trustops.cli import app
from trustops.config import Policy, Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)")


def command_paths(command: Any, path: tuple[str, ...] = ("trustops",)) -> Iterator[str]:
    yield " ".join(path)
    for name, sub in getattr(command, "commands", {}).items():
        yield from command_paths(sub, (*path, name))


def pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def test_every_setting_is_documented_with_its_variable() -> None:
    text = (DOCS / "configuration.md").read_text()
    missing = [name for name in Settings.model_fields if f"`TRUSTOPS_{name.upper()}`" not in text]
    assert missing == []


def test_every_policy_field_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    missing = [name for name in Policy.model_fields if f"`{name}`" not in text]
    assert missing == []


def test_every_command_is_documented_in_the_cli_reference() -> None:
    text = (DOCS / "cli.md").read_text()
    paths = list(command_paths(typer.main.get_command(app)))
    assert "trustops incident open" in paths
    assert [path for path in paths if f"# {path}\n" not in text] == []


def test_the_readme_is_a_short_front_door() -> None:
    text = README.read_text()
    assert len(text.splitlines()) < 150
    assert "make run" in text
    assert "make test" in text


def test_every_page_is_linked_from_the_index() -> None:
    linked = set(LINK.findall((DOCS / "index.md").read_text()))
    unlinked = [page.name for page in pages() if page.name != "index.md" and page.name not in linked]
    assert unlinked == []


@pytest.mark.parametrize("page", [README, *pages()], ids=lambda page: page.name)
def test_every_link_to_a_page_points_to_one_that_exists(page: Path) -> None:
    broken = [target for target in LINK.findall(page.read_text()) if not (page.parent / target).is_file()]
    assert broken == []
