"""The app as uvicorn builds it in each of several worker processes (``trustops serve --workers N``)."""

from __future__ import annotations

from fastapi import FastAPI

from trustops.catalog.load import load_catalog
from trustops.catalog.schema import CatalogFile
from trustops.config import Settings
from trustops.web.app import create_app
from trustops.web.routes.guard import warm_up


def app_from_environment() -> FastAPI:
    """Settings from TRUSTOPS_* variables; the catalog was validated by the parent before it forked."""
    settings = Settings()
    catalog = load_catalog(settings.config_path) if settings.config_path.exists() else CatalogFile()
    app = create_app(settings, catalog=catalog)
    warm_up(app)
    return app
