"""docs/architecture.md names every module of the app, in the row of the package it is in.

The table is how a reader finds their way; a module it does not name is one they will not find.
Migrations are the exception: the table names their folder, not each dated file.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
DOC = ROOT / "docs" / "architecture.md"
MIGRATION = re.compile(r"^emporium_\d{4}_\d{2}_\d{2}t[0-9_]+\.py$")


def _rows() -> dict[str, str]:
    """Each table row's text, by the first package or module it is about (`app/web/`, `app/main.py`)."""
    rows: dict[str, str] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| `(app/[^`]+)`", line)
        if match:
            rows[match.group(1)] = line
    return rows


def _row_for(module: Path, rows: dict[str, str]) -> str:
    relative = module.relative_to(ROOT).as_posix()
    if module.parent == APP:
        return next((row for row in rows.values() if f"`{relative}`" in row), "")
    package = "/".join(relative.split("/")[:2]) + "/"
    return rows.get(package, "")


def test_every_module_is_named_in_its_packages_row() -> None:
    rows = _rows()
    unnamed = [
        module.relative_to(ROOT).as_posix()
        for module in sorted(APP.rglob("*.py"))
        if module.name != "__init__.py"
        and not MIGRATION.match(module.name)
        and f"{module.name}`" not in _row_for(module, rows)
    ]
    assert not unnamed, "docs/architecture.md does not name: " + ", ".join(unnamed)
