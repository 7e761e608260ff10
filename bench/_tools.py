"""Find the real executable of a tool for timing: this environment's, else PATH's, never a
pyenv shim (a shell script whose own start-up would be counted against the tool)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def find_tool(name: str) -> str | None:
    override = os.environ.get(name.upper().replace("-", "_"))
    if override:
        return override
    if (BIN / name).exists():
        return str(BIN / name)
    found = shutil.which(name)
    if found and "/shims/" in found:
        real = subprocess.run(["pyenv", "which", name], capture_output=True, text=True)
        found = real.stdout.strip() or found
    return found
