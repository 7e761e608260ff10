"""Where the bundled templates live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def templates_root() -> Path:
    """The directory holding the bundled templates (``project/`` and components)."""
    installed = _PACKAGE_DIR / "templates"  # the wheel maps templates/ here
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / "templates"  # editable install or source checkout


def project_template() -> Path:
    return templates_root() / "project"
