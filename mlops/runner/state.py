"""What all jobs of one run share: the options, the run's state (masker, reporter, record,
contexts, the runner's variables, cancellation) and each job's record."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops.runner.environment import host_environment, runner_arch
from mlops.runner.masking import Masker
from mlops.runner.output import Reporter
from mlops.runner.record import RunRecord
from mlops.workflow.contexts import RunContexts
from mlops.workflow.events import github_context
from mlops.workflow.inputs import started_inputs
from mlops.workflow.model import Workflow
from mlops.workflow.plan import Plan, PlannedJob
from mlops.workflow.repository import Repository


@dataclass(eq=False)
class RunOptions:
    """What the command line asks of a run: secrets, variables, env, backend and output."""

    secrets: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    concurrent_jobs: int | None = None
    as_json: bool = False
    local_repositories: dict[str, Path] = field(default_factory=dict)
    matrix_filters: list[tuple[str, str]] = field(default_factory=list)
    step_debug: bool = False
    backend: str = "host"
    platforms: dict[str, str] = field(default_factory=dict)  # -P LABEL=IMAGE
    pull: bool = False


@dataclass(eq=False)
class JobRecord:
    """One job's (or matrix leg's) line in the run's results."""

    key: str
    name: str
    result: str
    seconds: float
    reason: str = ""
    continue_on_error: bool = False  # failed, but continue-on-error: the run does not fail


class RunState:
    """What all jobs of one run share: options, masker, reporter, record, cancellation."""

    def __init__(
        self,
        plan: Plan,
        repo: Repository,
        options: RunOptions,
        record: RunRecord,
        reporter: Reporter,
        masker: Masker,
    ) -> None:
        self.plan = plan
        self.repo = repo
        self.options = options
        self.record = record
        self.reporter = reporter
        self.masker = masker
        self.secrets = {"GITHUB_TOKEN": "", **options.secrets}
        self.host_env = {**host_environment(), **options.env}
        self.arch = runner_arch()
        self.work_root = _private_directory("mlops-run-")
        self.tool_cache = record.tool_cache
        self.cancelled = threading.Event()
        self._backends: set[Any] = set()  # the running jobs' backends, to cancel
        self._lock = threading.Lock()
        self._github: dict[str, dict[str, Any]] = {}
        self.call_inputs: dict[str, dict[str, Any]] = {}  # caller key -> its evaluated with:
        self.run_id = record.run_id
        self.docker: Any = None  # a DockerSession with --backend docker
        self.action_engine: Any = None  # the docker actions' ActionEngine, made on first use

    def github_for(self, workflow: Workflow) -> dict[str, Any]:
        key = workflow.display_path
        if key not in self._github:
            context = github_context(self.plan.event, self.repo, workflow)
            context.update(
                run_id=self.run_id,
                event_path=str(self.record.event_path),
                token=self.secrets.get("GITHUB_TOKEN", ""),
            )
            self._github[key] = context
        return self._github[key]

    def contexts_for(
        self, planned: PlannedJob, inputs: dict[str, Any] | None = None
    ) -> RunContexts:
        """The run-wide contexts a job of ``planned``'s workflow sees."""
        return RunContexts(
            github=self.github_for(planned.workflow),
            vars=self.options.variables,
            secrets=self.secrets,
            inputs=self.inputs_for(planned) if inputs is None else inputs,
        )

    def inputs_for(self, planned: PlannedJob) -> dict[str, Any]:
        """The ``inputs`` context: a called workflow's evaluated ``with:``, or the dispatch
        inputs typed as the workflow declares them."""
        if planned.caller is not None:
            return dict(self.call_inputs.get(planned.caller.key, planned.caller.inputs))
        event = self.plan.event
        return started_inputs(planned.workflow, event.name, event.payload)

    def add_summary(self, job: str, text: str) -> None:
        self.record.add_summary(self.masker(job), self.masker(text))

    def register(self, backend: Any) -> None:
        with self._lock:
            self._backends.add(backend)
            if self.cancelled.is_set():
                backend.cancel()

    def unregister(self, backend: Any) -> None:
        with self._lock:
            self._backends.discard(backend)

    def cancel(self) -> None:
        self.cancelled.set()
        with self._lock:
            backends = list(self._backends)
        for backend in backends:
            backend.cancel()


def _private_directory(prefix: str) -> Path:
    """A new directory only this user can read, under $TMPDIR (tempfile costs 5 ms to import)."""
    base = Path(os.environ.get("TMPDIR") or "/tmp")
    while True:
        path = base / f"{prefix}{os.urandom(6).hex()}"
        try:
            path.mkdir(mode=0o700)
            return path
        except FileExistsError:
            continue
