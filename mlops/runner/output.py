"""What a run prints: live lines prefixed with the job, or JSON events (``--json``).

Human output goes to stderr (colour only on a terminal and never with NO_COLOR); JSON
events go to stdout, one object per line. Every line passes through the masker first and
is also appended to the job's log in the run record.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

import click

from mlops.runner.masking import Masker

SYMBOLS = {"success": "✓", "failure": "✗", "cancelled": "⊘", "skipped": "-"}
COLOURS = {"success": "green", "failure": "red", "cancelled": "yellow", "skipped": "bright_black"}


def log_name(job: str) -> str:
    """A file name for a job's log: no separators or control characters, not too long."""
    name = job.replace("/", "__").replace(":", "_")
    name = "".join("_" if ord(c) < 32 or c == "\x7f" else c for c in name)
    return (name if name not in ("", ".", "..") else "_")[:200] + ".log"


class Reporter:
    def __init__(
        self, masker: Masker, *, as_json: bool, logs_dir: Path | None, stream: TextIO | None = None
    ) -> None:
        self.masker = masker
        self.as_json = as_json
        self.logs_dir = logs_dir
        self.stream = stream or sys.stderr
        self.colour = not as_json and self.stream.isatty() and "NO_COLOR" not in os.environ
        self._lock = threading.Lock()
        self._logs: dict[str, TextIO] = {}
        self._depth: dict[str, int] = {}
        self._gone: set[int] = set()

    # -- plumbing ----------------------------------------------------------------------------

    def _style(self, text: str, **style: Any) -> str:
        return click.style(text, **style) if self.colour else text

    def _emit(self, job: str | None, text: str, event: dict[str, Any]) -> None:
        masker = self.masker
        with self._lock:
            if job is not None and self.logs_dir is not None:
                log = self._logs.get(job)
                if log is None:
                    name = log_name(masker(job))
                    log = self._logs[job] = (self.logs_dir / name).open("a", encoding="utf-8")
                log.write(masker(text) + "\n")
            if self.as_json:
                event = masker.tree({"time": round(time.time(), 3), **event})
                self._write(sys.stdout, json.dumps(event) + "\n")
            else:
                prefix = self._style(f"[{job}]", fg="cyan") + " " if job else ""
                self._write(self.stream, masker(prefix + text) + "\n")

    def _write(self, stream: TextIO, text: str) -> None:
        """Write to a terminal or pipe that may have gone (a closed terminal: SIGHUP, EIO)."""
        if id(stream) in self._gone:
            return
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError):
            self._gone.add(id(stream))

    def close(self) -> None:
        with self._lock:
            for log in self._logs.values():
                log.close()
            self._logs.clear()

    # -- events ------------------------------------------------------------------------------

    def info(self, text: str) -> None:
        self._emit(None, text, {"event": "info", "message": text})

    def job_started(self, job: str, name: str) -> None:
        self._emit(
            job,
            self._style(f"▶ job {name}", bold=True),
            {"event": "job_started", "job": job, "name": name},
        )

    def job_finished(self, job: str, result: str, seconds: float, reason: str = "") -> None:
        why = f" ({reason})" if reason else ""
        text = self._style(
            f"{SYMBOLS[result]} job {result}{why} in {seconds:.2f}s", fg=COLOURS[result], bold=True
        )
        self._emit(
            job,
            text,
            {
                "event": "job_finished",
                "job": job,
                "result": result,
                "seconds": round(seconds, 3),
                "reason": reason,
            },
        )

    def step_started(self, job: str, step: str) -> None:
        self._depth[job] = 0
        self._emit(
            job,
            self._style(f"▶ {step}", bold=True),
            {"event": "step_started", "job": job, "step": step},
        )

    def step_finished(
        self, job: str, step: str, result: str, seconds: float, detail: str = ""
    ) -> None:
        extra = f" - {detail}" if detail else ""
        text = self._style(f"{SYMBOLS[result]} {step} ({seconds:.2f}s){extra}", fg=COLOURS[result])
        self._emit(
            job,
            text,
            {
                "event": "step_finished",
                "job": job,
                "step": step,
                "result": result,
                "seconds": round(seconds, 3),
                "detail": detail,
            },
        )

    def line(self, job: str, text: str) -> None:
        indent = "  " * (1 + self._depth.get(job, 0))
        self._emit(job, indent + text, {"event": "output", "job": job, "line": text})

    def group(self, job: str, title: str) -> None:
        self._emit(
            job,
            "  " + self._style(f"▸ {title}", bold=True),
            {"event": "group", "job": job, "name": title},
        )
        self._depth[job] = self._depth.get(job, 0) + 1

    def end_group(self, job: str) -> None:
        self._depth[job] = max(0, self._depth.get(job, 0) - 1)

    def annotation(
        self,
        job: str,
        level: str,
        message: str,
        properties: dict[str, str],
        *,
        log_only: bool = False,
    ) -> None:
        """An ``::error::``/``::warning::``/``::notice::``; ``log_only``: past GitHub's count,
        so shown as the log line it still is there, not as an annotation."""
        where = ""
        if "file" in properties:
            where = properties["file"]
            if "line" in properties:
                where += f":{properties['line']}"
                if "col" in properties:
                    where += f":{properties['col']}"
            where += ": "
        title = f"{properties['title']}: " if properties.get("title") else ""
        colour = {"error": "red", "warning": "yellow"}.get(level, "blue")
        text = f"{level}: {where}{title}{message}"
        if log_only:
            self.line(job, text)
            return
        self._emit(
            job,
            "  " + self._style(text, fg=colour),
            {"event": "annotation", "job": job, "level": level, "message": message, **properties},
        )

    def raw(self, text: str) -> None:
        """Unprefixed text for the end-of-run summary (stderr, or an info event)."""
        self._emit(None, text, {"event": "summary", "message": text})
