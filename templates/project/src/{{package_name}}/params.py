"""Read params.yaml, the single place where the pipeline's settings live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PARAMS_FILE = Path("params.yaml")


def load_params(path: Path = PARAMS_FILE) -> dict[str, Any]:
    """Return the parsed params file (DVC tracks which keys each stage uses)."""
    with path.open(encoding="utf-8") as stream:
        return yaml.safe_load(stream) or {}
