"""What the browser tests share: Debian's Chromium, its launch flags, and the rule that a missing
Chromium skips a module, except in CI (CI=true), where it fails. The ``browser`` fixture itself lives in
tests/conftest.py; a module calls :func:`require_chromium` before importing Playwright."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    """Skip the calling module without Chromium (fail it in CI)."""
    if shutil.which(CHROMIUM) is not None:
        return
    reason = f"{CHROMIUM} not found: install Debian's Chromium (apt-get install chromium) to run browser tests"
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)
