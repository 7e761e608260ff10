"""Checked workflows kept between runs, so an unchanged file is not parsed and checked again.

An entry is keyed by the file's path, size and modification time and by the mlops version;
only workflows without errors are stored, so a broken file is always reported afresh. On a
hit neither the YAML parser nor the checks are imported, which keeps `mlops run` quick.
"""

from __future__ import annotations

import os
import pickle
import zlib
from pathlib import Path

from mlops import __version__
from mlops.cachedir import cache_root
from mlops.workflow.model import Workflow


def _entry(path: Path, display_path: str) -> tuple[Path, str] | None:
    """The cache file for ``path`` and the key stored in it (compared on load, so two keys
    sharing a file name only cost a re-check)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = f"{__version__}\0{path.resolve()}\0{display_path}\0{stat.st_size}\0{stat.st_mtime_ns}"
    name = f"{zlib.crc32(key.encode()):08x}{zlib.adler32(key.encode()):08x}.pickle"
    return cache_root() / "workflows" / name, key


def load_workflow(path: Path, *, display_path: str | None = None) -> Workflow:
    """Like :func:`mlops.workflow.schema.loader.load_workflow`, from the cache when unchanged."""
    shown = display_path or str(path)
    found = _entry(path, shown)
    if found is not None:
        entry, key = found
        try:
            cached_key, cached = pickle.loads(entry.read_bytes())
        except Exception:  # missing, stale format or unreadable: check the file again
            cached_key, cached = None, None
        if cached_key == key and isinstance(cached, Workflow):
            return cached
    from mlops.workflow.schema.loader import load_workflow as load_and_check

    workflow = load_and_check(path, display_path=shown)
    if found is not None:
        entry, key = found
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            temporary = entry.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(pickle.dumps((key, workflow), protocol=pickle.HIGHEST_PROTOCOL))
            temporary.replace(entry)
        except OSError:
            pass  # a read-only cache only costs speed
    return workflow
