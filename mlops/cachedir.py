"""Where mlops keeps its cache (run records, workflow cache, tool cache).

$MLOPS_CACHE_DIR, else $XDG_CACHE_HOME/mlops, else ~/.cache/mlops.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    if os.environ.get("MLOPS_CACHE_DIR"):
        return Path(os.environ["MLOPS_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "mlops"
    return Path.home() / ".cache" / "mlops"
