"""The run record: a directory per run under the user's cache (never in the repository).

~/.cache/mlops/runs/<run id>/
    run.json            event, options, job results
    event.json          the event payload the steps saw, secrets masked (the steps read the
                        unmasked one, GITHUB_EVENT_PATH, from the run's private directory)
    logs/<job>.log      each job's output, secrets masked
    summaries/<job>.md  step summaries ($GITHUB_STEP_SUMMARY)
    artifacts/<name>/   upload-artifact
    comments/<n>.md     what `cml comment create|update` would post
    checks/, pulls/, assets/, cml.jsonl   what the other `cml` commands would send
                        (see mlops.runner.cml.store)
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from mlops.cachedir import cache_root
from mlops.runner.files import Tree

KEEP_RUNS = 50  # older run records are removed when a new run starts ($MLOPS_KEEP_RUNS)
CML_INDEX = "cml.jsonl"  # mlops.runner.cml.store.INDEX


def prune_runs(runs: Path, keep: int) -> None:
    """Remove all but the newest ``keep`` run records (names sort by start time).

    One directory listing when nothing is to be removed: this runs at every start.
    """
    try:
        names = sorted(os.listdir(runs))  # noqa: PTH208  (start-up path)
    except OSError:
        return
    if len(names) <= keep:
        return
    records = [runs / name for name in names if (runs / name).is_dir()]
    for old in records[: max(0, len(records) - keep)]:
        shutil.rmtree(old, ignore_errors=True)


def _taken(dir_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


class RunRecord:
    def __init__(self, root: Path | None = None) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.run_id = str(int(time.time() * 1000) % 10**10)
        self.base = root or cache_root()
        keep = int(os.environ.get("MLOPS_KEEP_RUNS") or KEEP_RUNS)
        prune_runs(self.base / "runs", max(keep - 1, 0))
        self.path = self.base / "runs" / f"{stamp}-{os.urandom(3).hex()}"
        self.logs = self.path / "logs"
        self.summaries_dir = self.path / "summaries"
        self.artifacts = self.path / "artifacts"
        self.comments_dir = self.path / "comments"
        for directory in (self.logs, self.summaries_dir, self.artifacts, self.comments_dir):
            directory.mkdir(parents=True, exist_ok=True)
        self.tool_cache = self.base / "tool-cache"
        self.tool_cache.mkdir(parents=True, exist_ok=True)
        self.action_cache = self.base / "actions-cache"
        self.event_path = self.path / "event.json"
        self.summaries: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def write_event(self, payload: dict[str, Any], masker: Any, private: Path) -> None:
        """The payload for the steps in ``private`` (``event_path``, removed with the run's
        directories) and, masked, in the record: an input may hold a secret's value."""
        self.event_path = private / "event.json"
        self.event_path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
        with Tree(self.path) as record:
            record.write_text("event.json", json.dumps(masker.tree(payload), indent=2))

    def add_summary(self, job: str, text: str) -> None:
        with self._lock:
            self.summaries.setdefault(job, []).append(text)
            name = job.replace("/", "__").replace(" ", "_")
            name = "".join(c if c.isprintable() else "_" for c in name)[:200] + ".md"
            with (self.summaries_dir / name).open("a", encoding="utf-8") as stream:
                stream.write(text if text.endswith("\n") else text + "\n")

    def comment_files(self) -> list[Path]:
        """What `cml comment create|update` wrote, oldest first."""
        return sorted(self.comments_dir.glob("*.md"), key=lambda p: int(p.stem))

    def cml_files(self) -> list[Path]:
        """Everything the local `cml` saved that a secret could be in (masked at the end)."""
        kinds = ("comments", "checks", "pulls")
        files = [p for kind in kinds for p in (self.path / kind).glob("*.*") if p.is_file()]
        index = self.path / CML_INDEX
        return [*files, index] if index.is_file() else files

    def cml_entries(self) -> list[dict[str, Any]]:
        """What each `cml` command in the run did, in order."""
        if not (self.path / CML_INDEX).is_file():
            return []  # no cml command ran: the local cml is not even imported
        from mlops.runner.cml.store import read_index

        return read_index(self.path)

    def mask_saved(self, masker: Any) -> None:
        """Mask what other processes saved in the record (the local cml's comments, checks,
        pull requests and index) and every name in it holding a secret (an asset named after
        a link, an artifact's file): renamed with the secret masked."""
        if not masker:
            return
        with Tree(self.path) as record:
            for saved in self.cml_files():
                relative = str(saved.relative_to(self.path))
                record.write_text(relative, masker(record.read_text(relative)))
        for _directory, names, files, fd in os.fwalk(self.path, topdown=False):
            for name in [*names, *files]:
                if masker.holds_secret(name):
                    masked = masker(name)
                    while _taken(fd, masked):
                        masked = f"{masker(name)}.{os.urandom(2).hex()}"
                    os.rename(name, masked, src_dir_fd=fd, dst_dir_fd=fd)

    def write_summary(self, data: dict[str, Any]) -> None:
        (self.path / "run.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
