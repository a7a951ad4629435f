from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trustops.catalog.schema import CatalogFile
    from trustops.config import Settings
    from trustops.db import Database


class CliState:
    """Settings and database for one CLI run; tests pass a ready one as ``obj``."""

    def __init__(self, settings: Settings | None = None, database: Database | None = None) -> None:
        self._settings = settings
        self._database = database
        self._catalog: CatalogFile | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from trustops.config import Settings

            self._settings = Settings()
        return self._settings

    @property
    def database(self) -> Database:
        if self._database is None:
            from trustops.db import Database

            self._database = Database.from_url(self.settings.database_url)
        return self._database

    @property
    def catalog(self) -> CatalogFile:
        """The catalog file when there is one, else the defaults: commands other than ``serve`` need
        only its policy, status-page and account settings, and say nothing when the file is absent."""
        if self._catalog is None:
            from trustops.catalog.load import load_catalog
            from trustops.catalog.schema import CatalogFile

            path = self.settings.config_path
            self._catalog = load_catalog(path) if path.exists() else CatalogFile()
        return self._catalog
