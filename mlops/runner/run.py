"""``mlops run`` without ``-l/-g/-n``: execute the plan on the host and report.

Reads secrets, variables and env from flags and dotenv files, masks every secret, runs the
engine, then prints a table of jobs (result, duration), the step summaries and the CML
comments, and the run record's path. Ctrl-C cancels the run and kills every step process.
"""

from __future__ import annotations

import re
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from mlops.errors import EXIT_FAILED, EXIT_OK, UsageError
from mlops.runner import failures
from mlops.runner.backends import host
from mlops.runner.engine import Engine
from mlops.runner.masking import Masker, set_current_masker
from mlops.runner.output import SYMBOLS, Reporter
from mlops.runner.record import RunRecord
from mlops.runner.state import JobRecord, RunOptions, RunState
from mlops.runner.status import JobResult, Status
from mlops.workflow.events import payload_for
from mlops.workflow.plan import Plan
from mlops.workflow.repository import Repository


def read_dotenv(path: str, flag: str) -> dict[str, str]:
    """KEY=VALUE lines (``export`` and quotes allowed, ``#`` comments) from a dotenv file."""
    from mlops.inputfiles import DOTENV_LIMIT, read_limited

    try:
        lines = read_limited(path, flag, DOTENV_LIMIT).decode("utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise UsageError(
            f"{flag} {path}: not UTF-8 text (byte {error.object[error.start]:#04x} "
            f"at offset {error.start})"
        ) from None
    values: dict[str, str] = {}
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        index += 1
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[7:].lstrip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{path}:{index}:1: expected KEY=VALUE")
        value = value.strip()
        if value[:1] in ("'", '"'):
            quote = value[0]
            body = value[1:]
            while not body.endswith(quote) and index < len(lines):  # multi-line quoted value
                body += "\n" + lines[index]
                index += 1
            if not body.endswith(quote):
                raise UsageError(f"{path}:{index}:1: unterminated quoted value for {key.strip()}")
            value = body[:-1]
            if quote == '"':
                value = value.replace("\\n", "\n")
        values[key.strip()] = value
    return values


def parse_local_repositories(values: tuple[str, ...]) -> dict[str, Path]:
    """``OWNER/REPO@REF=PATH``, or act's form ``https://github.com/OWNER/REPO@REF=PATH``."""
    mapping = {}
    for item in values:
        action, sep, path = item.partition("=")
        url = re.match(r"^https?://[^/]+/(.+)$", action)
        if url:
            name, at, ref = url.group(1).partition("@")
            action = f"{name.removesuffix('.git')}{at}{ref}"
        if not sep or "@" not in action or "/" not in action:
            raise UsageError(
                "--local-repository expects OWNER/REPO@REF=PATH or "
                f"https://github.com/OWNER/REPO@REF=PATH, got {item!r}"
            )
        directory = Path(path).expanduser().resolve()
        if not directory.is_dir():
            raise UsageError(f"--local-repository {item}: {directory} is not a directory")
        mapping[action] = directory
    return mapping


@dataclass(eq=False)
class RunResult:
    """What a run ended with: its exit code, each job's (or leg's) record, each job's outcome."""

    exit_code: int
    jobs: list[JobRecord]
    outcomes: dict[str, JobResult]  # by planned job key, with the job's outputs
    record: RunRecord


def execute(plan: Plan, repo: Repository, options: RunOptions) -> int:
    """Run the plan and report; the exit code."""
    return run_plan(plan, repo, options).exit_code


# Closing the terminal (HUP), a polite kill (TERM) and Ctrl-C (INT) all end a run the same
# way: processes ended, temp dirs removed, records masked; the exit code is 128 + signal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def run_plan(plan: Plan, repo: Repository, options: RunOptions) -> RunResult:
    masker = Masker(list(options.secrets.values()))
    set_current_masker(masker)
    started_ticks = host.clock_ticks()
    host.become_subreaper()
    record = RunRecord()
    first = plan.workflows[0] if plan.workflows else None
    reporter = Reporter(masker, as_json=options.as_json, logs_dir=record.logs)
    state = RunState(plan, repo, options, record, reporter, masker)
    payload = payload_for(plan.event, first) if first else plan.event.payload
    record.write_event(payload, masker, state.work_root)
    if options.backend == "docker":
        from mlops.runner.backends.docker import DockerSession

        # Labelled with the record's name, so leftovers can be traced to their run.
        state.docker = DockerSession(record.path.name, options.platforms, options.pull, repo.root)
        state.docker.check_plan(plan)
    if any(s.kind == "docker-action" for p in plan.jobs.values() for s in p.job.steps):
        from mlops.runner.backends.actioncontainer import check_step_images

        check_step_images(state, plan)
    engine = Engine(state)
    stopped_by: list[int] = []

    def on_stop(signum: int, frame: object) -> None:
        if stopped_by:
            return
        stopped_by.append(signum)
        reporter.info(
            f"{'Interrupted' if signum == signal.SIGINT else signal.Signals(signum).name}: "
            "cancelling the run (killing every step's processes)"
        )
        state.cancel()

    previous = {sig: signal.signal(sig, on_stop) for sig in STOP_SIGNALS}
    previous_hook = threading.excepthook
    threading.excepthook = lambda args: reporter.info(  # no thread traceback reaches the user
        f"internal error in {args.thread.name if args.thread else 'a thread'}: "
        f"{failures.one_line(args.exc_value or Exception())}"
    )
    for path, reason in plan.not_triggered.items():
        reporter.info(f"Not triggered: {path} ({reason})")
    started = time.monotonic()
    try:
        records = engine.run()
    finally:
        host.end_descendants(started_ticks)
        if state.action_engine is not None:
            state.action_engine.close()
        if state.docker is not None:
            state.docker.cleanup()
        shutil.rmtree(state.work_root, ignore_errors=True)
        threading.excepthook = previous_hook
    try:
        _finish(reporter, record, masker, records, time.monotonic() - started, plan)
    finally:
        reporter.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stopped_by:
        code = 128 + stopped_by[0]
    else:
        # GitHub's rule: a job that fails under continue-on-error does not fail the run.
        failed = any(
            r.result in (Status.FAILURE, Status.CANCELLED) and not r.continue_on_error
            for r in records
        )
        code = EXIT_FAILED if failed else EXIT_OK
    return RunResult(code, records, dict(engine.results), record)


def _finish(
    reporter: Reporter,
    record: RunRecord,
    masker: Masker,
    records: list[JobRecord],
    seconds: float,
    plan: Plan,
) -> None:
    record.mask_saved(masker)  # saved by other processes: masked now
    cml = record.cml_entries()
    record.write_summary(
        masker.tree(
            {
                "event": plan.event.name,
                "ref": plan.event.ref,
                "sha": plan.event.sha,
                "seconds": round(seconds, 3),
                "jobs": [
                    {
                        "job": r.key,
                        "name": r.name,
                        "result": r.result,
                        "seconds": round(r.seconds, 3),
                        "reason": r.reason,
                        "continue_on_error": r.continue_on_error,
                    }
                    for r in records
                ],
                "not_triggered": plan.not_triggered,
                "cml": cml,
            }
        )
    )
    if not records:
        reporter.raw(
            "No job ran: no workflow is triggered by this event "
            + (
                "(" + "; ".join(f"{k}: {v}" for k, v in plan.not_triggered.items()) + ")"
                if plan.not_triggered
                else ""
            )
        )
    else:
        width = max(len("Job"), *(len(r.key) for r in records))
        reporter.raw("")
        reporter.raw(f"{'Job'.ljust(width)}  Result     Duration")
        for r in records:
            why = f"  ({r.reason})" if r.reason else ""
            reporter.raw(
                f"{r.key.ljust(width)}  {SYMBOLS[r.result]} {r.result.ljust(9)}"
                f"{r.seconds:7.2f}s{why}"
            )
    comments = record.comment_files()
    for job, parts in record.summaries.items():
        reporter.raw("")
        if comments:  # the report is usually both; print it once, in full, as the comment
            reporter.raw(f"── Step summary: {job} (saved in {record.summaries_dir}) ──")
            continue
        reporter.raw(f"── Step summary: {job} ──")
        for part in parts:
            reporter.raw(part.rstrip("\n"))
    for comment in comments:
        reporter.raw("")
        reporter.raw(f"── CML comment ({comment}) ──")
        reporter.raw(comment.read_text(encoding="utf-8").rstrip("\n"))
    for entry in cml:
        if entry.get("command") == "check create":
            reporter.raw("")
            reporter.raw(f"── CML check, {entry.get('conclusion')} ({entry.get('path')}) ──")
            reporter.raw(Path(entry["path"]).read_text(encoding="utf-8").rstrip("\n"))
        elif entry.get("command") == "pr create":
            reporter.raw("")
            reporter.raw(f"── CML pull request, not opened ({entry.get('path')}) ──")
            reporter.raw(Path(entry["path"]).read_text(encoding="utf-8").rstrip("\n"))
    reporter.raw("")
    reporter.raw(f"Run record: {record.path}")
