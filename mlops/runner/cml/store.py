"""Where the local `cml` keeps what it would have sent to GitHub: the run record.

    comments/<n>.md         comment bodies, watermark included (<n>-assets/ beside: the files
                            the comment links to, as CML would upload them)
    checks/<n>.md           check runs (``cml check create``)
    pulls/<n>.md, <n>.patch pull requests ``cml pr create`` would open: title, body, branch, the
                            commit (as a patch)
    assets/                 files ``cml publish`` would upload
    cml.jsonl               one JSON line per cml command: what it did, where it saved it, notes

Several jobs may run `cml` at once, so numbering and the index are written under a lock.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

INDEX = "cml.jsonl"


def program() -> list[str]:
    """The argv that runs this mlops's local cml: isolated (``-I``: no PYTHON* variable, no
    working directory on sys.path, so nothing in the workspace is imported in its place),
    from the directory this mlops is imported from."""
    import sys

    root = str(Path(__file__).resolve().parents[3])
    bootstrap = (
        f"import sys; sys.path.insert(0, {root!r}); import runpy; "
        "runpy.run_module('mlops.runner.cml', run_name='__main__', alter_sys=True)"
    )
    return [sys.executable, "-I", "-c", bootstrap]


class Store:
    def __init__(self, record: Path, job: str) -> None:
        self.record = record
        self.job = job

    @contextmanager
    def locked(self) -> Iterator[None]:
        with (self.record / ".cml.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def directory(self, kind: str) -> Path:
        path = self.record / kind
        path.mkdir(parents=True, exist_ok=True)
        return path

    def next_path(self, kind: str, suffix: str = ".md") -> Path:
        """The next free ``<kind>/<n><suffix>`` (call under :meth:`locked`)."""
        directory = self.directory(kind)
        numbers = [int(p.stem) for p in directory.glob(f"*{suffix}") if p.stem.isdigit()]
        return directory / f"{max(numbers, default=0) + 1}{suffix}"

    def log(self, command: str, **fields: Any) -> None:
        """Add one entry to the index (call under :meth:`locked`)."""
        entry = {"command": command, "job": self.job, **fields}
        with (self.record / INDEX).open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry) + "\n")


def job_environment(record: Path, job: str, job_root: Path) -> dict[str, str]:
    """What the local cml process of a job needs to find its store (:func:`from_environment`)
    and the job's own directories."""
    return {"MLOPS_RUN_RECORD": str(record), "MLOPS_JOB": job, "MLOPS_JOB_ROOT": str(job_root)}


def from_environment() -> Store | None:
    record = os.environ.get("MLOPS_RUN_RECORD")
    if not record or not Path(record).is_dir():
        return None
    return Store(Path(record), os.environ.get("MLOPS_JOB", ""))


def read_index(record: Path) -> list[dict[str, Any]]:
    """Every cml command a run recorded, in order."""
    path = record / INDEX
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries
