"""The data inventory: for each field of personal data a system collects, why (purpose) and for how long
(retention), and which job deletes it.

A YAML or JSON file (``--inventory FILE``), its categories in the fideslang vocabulary
(``user.contact.email``, ``user.financial``…; purposes like ``essential.service``, ``marketing.advertising``)::

    fields:
      - field: users.email            # table.column, Model.field, a form field name or a JSON Schema property
        category: user.contact.email
        purpose: essential.service    # why it is collected; required
        retention: 2 years after the last order   # or an ISO 8601 duration (P2Y), or the criteria
        deletion: purge-inactive-customers         # the job that enforces it (name as it appears in code or cron)
      - field: "*.phone"              # fnmatch patterns match any table or model
        category: user.contact.phone
        purpose: essential.service
        retention: P1Y

The excessive-collection family reports fields it finds with no entry (no declared purpose); the retention
family reports entries with no retention and retention with no deletion job found.
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trustops.errors import InvalidInput


class InventoryEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(min_length=1, description="table.column, Model.field, a form field or a schema property.")
    category: str = Field("", description="fideslang data category, e.g. user.contact.email.")
    purpose: str = Field("", description="Why it is collected, e.g. essential.service.")
    retention: str = Field("", description="How long it is kept, or the criteria that decide it.")
    deletion: str = Field("", description="The job that deletes it when its retention ends.")
    line: int = Field(0, exclude=True)  # where the entry is in the file, for findings


class Inventory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fields: list[InventoryEntry] = Field(default_factory=list)
    path: str = Field("", exclude=True)

    def find(self, *names: str) -> InventoryEntry | None:
        """The entry for a field known by any of ``names`` (``users.email``, ``User.email``, ``email``…):
        exact names first, then patterns, case-insensitively."""
        wanted = [name.lower() for name in names if name]
        for entry in self.fields:
            if entry.field.lower() in wanted:
                return entry
        for entry in self.fields:
            pattern = entry.field.lower()
            if any(ch in pattern for ch in "*?[") and any(fnmatch.fnmatchcase(name, pattern) for name in wanted):
                return entry
        return None


def load_inventory(path: Path) -> Inventory:
    """Read and validate an inventory file; errors name the file, the entry and the key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"--inventory: {path} cannot be read: {exc.strerror or exc}", field="inventory") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise InvalidInput(f"--inventory: {path} is not valid YAML or JSON: {exc}", field="inventory") from None
    if data is None:
        data = {}
    if isinstance(data, list):
        data = {"fields": data}
    try:
        inventory = Inventory.model_validate(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise InvalidInput(f"--inventory: {path}: {where}: {problem['msg']}", field="inventory") from None
    inventory.path = str(path)
    lines = text.splitlines()
    for entry in inventory.fields:
        entry.line = next((n for n, line in enumerate(lines, 1) if entry.field in line), 0)
    return inventory
