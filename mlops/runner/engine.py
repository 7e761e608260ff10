"""Run a plan: jobs concurrently as ``needs`` allows, matrix legs with fail-fast and max-parallel.

Every ready job starts at once by default (act caps jobs at the CPU count);
``--concurrent-jobs N`` caps it. A job whose needs did not all succeed is skipped unless its
``if`` uses a status function that says otherwise. Ctrl-C cancels: running process groups
are killed, and no job starts after it.
"""

from __future__ import annotations

import os
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops.runner import failures
from mlops.runner.environment import host_environment, runner_arch
from mlops.runner.job import JobRun, unservable_label
from mlops.runner.masking import Masker
from mlops.runner.output import Reporter
from mlops.runner.status import JobResult, Status
from mlops.runner.steps.call import call_result
from mlops.workflow.contexts import RunContexts
from mlops.workflow.events import github_context
from mlops.workflow.expressions.errors import ExpressionError
from mlops.workflow.inputs import InputError, call_inputs, dispatch_inputs
from mlops.workflow.matrix import leg_display_name
from mlops.workflow.model import Workflow
from mlops.workflow.plan import Plan, PlannedJob, resolve_matrix
from mlops.workflow.repository import Repository


@dataclass
class RunOptions:
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


@dataclass
class JobRecord:
    key: str
    name: str
    result: str
    seconds: float
    reason: str = ""


class RunState:
    """What all jobs of one run share: options, masker, reporter, record, cancellation."""

    def __init__(
        self,
        plan: Plan,
        repo: Repository,
        options: RunOptions,
        record: Any,
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
        event_inputs = self.plan.event.payload.get("inputs")
        event_inputs = dict(event_inputs) if isinstance(event_inputs, dict) else {}
        if self.plan.event.name == "workflow_dispatch" and planned.workflow.dispatch_inputs:
            return dispatch_inputs(planned.workflow, event_inputs)
        return event_inputs

    def runner_variables(self, job: JobRun, files: dict[str, Path]) -> dict[str, str]:
        github = job.contexts["github"]
        variables = {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTOR": github["actor"],
            "GITHUB_ACTOR_ID": github["actor_id"],
            "GITHUB_API_URL": github["api_url"],
            "GITHUB_BASE_REF": github["base_ref"],
            "GITHUB_EVENT_NAME": github["event_name"],
            "GITHUB_EVENT_PATH": github["event_path"],
            "GITHUB_GRAPHQL_URL": github["graphql_url"],
            "GITHUB_HEAD_REF": github["head_ref"],
            "GITHUB_JOB": job.job.id,
            "GITHUB_REF": github["ref"],
            "GITHUB_REF_NAME": github["ref_name"],
            "GITHUB_REF_PROTECTED": "false",
            "GITHUB_REF_TYPE": github["ref_type"],
            "GITHUB_REPOSITORY": github["repository"],
            "GITHUB_REPOSITORY_ID": github["repository_id"],
            "GITHUB_REPOSITORY_OWNER": github["repository_owner"],
            "GITHUB_REPOSITORY_OWNER_ID": github["repository_owner_id"],
            "GITHUB_RETENTION_DAYS": github["retention_days"],
            "GITHUB_RUN_ATTEMPT": github["run_attempt"],
            "GITHUB_RUN_ID": github["run_id"],
            "GITHUB_RUN_NUMBER": github["run_number"],
            "GITHUB_SERVER_URL": github["server_url"],
            "GITHUB_SHA": github["sha"],
            "GITHUB_TRIGGERING_ACTOR": github["triggering_actor"],
            "GITHUB_WORKFLOW": github["workflow"],
            "GITHUB_WORKFLOW_REF": github["workflow_ref"],
            "GITHUB_WORKFLOW_SHA": github["workflow_sha"],
            "GITHUB_WORKSPACE": str(job.workspace),
            **({"GITHUB_ACTION_PATH": github["action_path"]} if github.get("action_path") else {}),
            "RUNNER_ARCH": self.arch,
            "RUNNER_ENVIRONMENT": "self-hosted",
            "RUNNER_NAME": "mlops-host",
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(job.temp),
            "RUNNER_TOOL_CACHE": str(self.tool_cache),
            "MLOPS_RUN": "true",
        }
        variables.update({name: str(path) for name, path in files.items()})
        return variables

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


class Engine:
    def __init__(self, state: RunState) -> None:
        self.state = state
        self.plan = state.plan
        self.results: dict[str, JobResult] = {}
        self.records: list[JobRecord] = []
        self.slots = threading.Semaphore(state.options.concurrent_jobs or 10_000)
        self._calls: dict[str, JobResult | None] = {}  # caller key -> why it does not run
        self._calls_lock = threading.Lock()

    def run(self) -> list[JobRecord]:
        """Start every job whose needs have finished; wait for one to end; repeat."""
        pending = dict(self.plan.jobs)
        finished: queue.SimpleQueue[tuple[str, JobResult | BaseException]] = queue.SimpleQueue()
        threads: list[threading.Thread] = []
        running = 0

        def run_one(planned: PlannedJob) -> None:
            try:
                finished.put((planned.key, self._run_job(planned)))
            except Exception as error:  # an error inside a job fails that job, in one line
                reason = failures.one_line(error)
                self.state.reporter.info(f"[{planned.key}] error: {reason}")
                outcome = JobResult(Status.FAILURE, reason=reason)
                finished.put((planned.key, self._record(planned.key, planned.name, outcome)))
            except BaseException as error:  # surfaced in the main thread below
                finished.put((planned.key, error))

        while pending or running:
            for key in [k for k, p in pending.items() if self._ready(p)]:
                thread = threading.Thread(
                    target=run_one, args=(pending.pop(key),), name=f"job-{key}"
                )
                thread.start()
                threads.append(thread)
                running += 1
            if not running:
                break  # nothing can start: the remaining jobs need jobs that never ran
            try:
                key, outcome = finished.get(timeout=0.5)
            except queue.Empty:
                continue
            running -= 1
            if isinstance(outcome, BaseException):
                self.state.cancel()
                raise outcome
            self.results[key] = outcome
        for thread in threads:
            thread.join()
        return self.records

    def _ready(self, planned: PlannedJob) -> bool:
        return all(n in self.results for n in planned.needs if n in self.plan.jobs)

    def _needs_context(self, planned: PlannedJob, keys: list[str] | None = None) -> dict[str, Any]:
        context = {}
        for need in planned.needs if keys is None else keys:
            result = self.results.get(need)
            job_id = need.rsplit("/", 1)[-1]
            if result is not None:
                context[job_id] = {"result": result.result, "outputs": dict(result.outputs)}
        return context

    def _record(self, key: str, name: str, outcome: JobResult) -> JobResult:
        self.records.append(JobRecord(key, name, outcome.result, outcome.seconds, outcome.reason))
        if outcome.result != Status.SKIPPED or outcome.reason:
            self.state.reporter.job_finished(key, outcome.result, outcome.seconds, outcome.reason)
        return outcome

    def _run_job(self, planned: PlannedJob) -> JobResult:
        state = self.state
        needs = self._needs_context(planned)
        name = planned.name
        if state.cancelled.is_set():
            return self._record(
                planned.key, name, JobResult(Status.CANCELLED, reason="run cancelled")
            )
        if planned.job.uses:
            stopped = self._enter_call(planned)
            if stopped is not None:
                return self._record(planned.key, name, stopped)
            return self._run_call(planned, needs)
        if planned.caller is not None:
            stopped = self._enter_call(planned.caller)
            if stopped is not None:
                reason = f"the calling job {planned.caller.key} did not run"
                return self._record(planned.key, name, JobResult(Status.SKIPPED, reason=reason))
        decision = self._should_run(planned, needs)
        if decision is not None:
            return self._record(planned.key, name, JobResult(Status.SKIPPED, reason=decision))
        label = unservable_label(planned.job.runs_on)
        if label is not None:
            reason = f"runs-on {label}: this host runs Linux jobs only"
            state.reporter.info(f"[{planned.key}] skipped: {reason}")
            return self._record(planned.key, name, JobResult(Status.SKIPPED, reason=reason))
        legs = planned.legs
        if legs is None:
            try:
                legs = resolve_matrix(
                    planned, state.contexts_for(planned).matrix(needs), state.options.matrix_filters
                )
            except (ExpressionError, ValueError) as error:
                state.reporter.info(f"[{planned.key}] error: strategy.matrix: {error}")
                return self._record(planned.key, name, JobResult(Status.FAILURE, reason="matrix"))
        return self._run_legs(planned, legs, needs)

    def _enter_call(self, caller: PlannedJob) -> JobResult | None:
        """Decide, once, whether a reusable-workflow call runs (its own ``if:`` against its
        own needs) and evaluate its ``with:`` before any called job starts, as GitHub does.
        The outcome the caller ends with when it does not run, else None."""
        with self._calls_lock:
            if caller.key in self._calls:
                return self._calls[caller.key]
        stopped = None
        if caller.caller is not None:
            stopped = self._enter_call(caller.caller)
        needs = self._needs_context(caller, caller.outer_needs)
        if stopped is None:
            decision = self._should_run(caller, needs, caller.outer_needs)
            stopped = None if decision is None else JobResult(Status.SKIPPED, reason=decision)
        if stopped is None:
            try:
                self.state.call_inputs[caller.key] = self._evaluate_with(caller, needs)
            except (ExpressionError, InputError) as error:
                self.state.reporter.info(f"[{caller.key}] error: with: {error}")
                stopped = JobResult(Status.FAILURE, reason=f"with: {error}")
        with self._calls_lock:
            self._calls.setdefault(caller.key, stopped)
            return self._calls[caller.key]

    def _evaluate_with(self, caller: PlannedJob, needs: dict[str, Any]) -> dict[str, Any]:
        from mlops.workflow import expressions

        contexts = {**self.state.contexts_for(caller).matrix(needs), "strategy": {}, "matrix": {}}
        given = {
            name: expressions.evaluate_value(value, contexts)
            for name, value in caller.job.with_.items()
        }
        assert caller.called is not None
        defaults = {
            name: expressions.evaluate_value(spec.default, contexts)
            for name, spec in caller.called.call_inputs.items()
            if spec.default is not None and name not in given
        }
        return call_inputs(caller.called, {**defaults, **given})

    def _should_run(
        self, planned: PlannedJob, needs: dict[str, Any], keys: list[str] | None = None
    ) -> str | None:
        """Why the job is skipped, or None when it runs."""
        keys = planned.needs if keys is None else keys
        results = [needs.get(n.rsplit("/", 1)[-1], {}).get("result") for n in keys]
        failed = any(r in (Status.FAILURE, Status.CANCELLED) for r in results)
        status = Status.FAILURE if failed else Status.SUCCESS
        skipped_need = any(r == Status.SKIPPED for r in results)
        condition = planned.job.if_
        contexts = self.state.contexts_for(planned).job_if(needs, status)
        try:
            if condition is None:  # the implied success(): every needed job succeeded
                runs = status == Status.SUCCESS
            else:
                from mlops.workflow import expressions

                runs = expressions.evaluate_condition(condition, contexts)
        except ExpressionError as error:
            return f"if: {error}"
        if runs and skipped_need and condition is None:
            return "a job it needs was skipped"
        if not runs:
            if condition is None:
                return "a job it needs did not succeed"
            return f"if: {condition}"
        return None

    def _run_call(self, planned: PlannedJob, needs: dict[str, Any]) -> JobResult:
        """A reusable-workflow call: its result and outputs come from the called jobs."""
        run = self.state.contexts_for(planned, inputs=self.state.call_inputs.get(planned.key, {}))
        outcome = call_result(planned, self.plan, self.results, run)
        return self._record(planned.key, planned.name, outcome)

    def _run_legs(
        self, planned: PlannedJob, legs: list[dict[str, Any]], needs: dict[str, Any]
    ) -> JobResult:
        strategy = planned.job.strategy
        fail_fast = True
        max_parallel = len(legs) or 1
        if strategy is not None:
            fail_fast = strategy.fail_fast is True or strategy.fail_fast == "true"
            if isinstance(strategy.max_parallel, int) and strategy.max_parallel > 0:
                max_parallel = strategy.max_parallel
        if not legs:
            return self._record(
                planned.key, planned.name, JobResult(Status.SKIPPED, reason="no matrix legs")
            )
        single = len(legs) == 1 and not legs[0]
        limiter = threading.Semaphore(max_parallel)
        failed = threading.Event()
        outcomes: list[JobResult | None] = [None] * len(legs)
        runs: list[JobRun | None] = [None] * len(legs)

        def run_leg(index: int) -> None:
            with limiter, self.slots:
                display = planned.key if single else leg_display_name(planned.key, legs[index])
                name = planned.name if single else leg_display_name(planned.name, legs[index])
                if self.state.cancelled.is_set() or (fail_fast and failed.is_set()):
                    outcomes[index] = self._record(
                        display,
                        name,
                        JobResult(
                            Status.CANCELLED,
                            reason="fail-fast" if failed.is_set() else "cancelled",
                        ),
                    )
                    return
                self.state.reporter.job_started(display, name)
                try:
                    job_run = JobRun(
                        self.state, planned, legs[index], index, len(legs), display, needs
                    )
                except Exception as error:  # say, a job env that cannot be evaluated
                    reason = failures.one_line(error)
                    self.state.reporter.line(display, f"error: {reason}")
                    outcome = JobResult(Status.FAILURE, reason=reason)
                    outcomes[index] = self._record(display, name, outcome)
                    failed.set()
                    return
                runs[index] = job_run
                outcome = job_run.run()
                outcome.outputs = self._without_secrets(display, outcome.outputs)
                outcomes[index] = self._record(display, name, outcome)
                if outcome.result == Status.FAILURE and not self._continue_on_error(job_run):
                    failed.set()
                    if fail_fast:
                        for other in runs:
                            if other is not None and other is not job_run:
                                other.backend.cancel()

        threads = [
            threading.Thread(target=run_leg, args=(i,), name=f"leg-{i}") for i in range(len(legs))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        final = [o for o in outcomes if o is not None]
        return self._combine(planned, final, runs)

    def _without_secrets(self, job: str, outputs: dict[str, str]) -> dict[str, str]:
        """GitHub's rule: a job output that holds a secret is not passed on, with a warning."""
        masker = self.state.masker
        kept = {}
        for name, value in outputs.items():
            if masker.holds_secret(value):
                self.state.reporter.annotation(
                    job, "warning", f"Skip output '{name}' since it may contain secret.", {}
                )
            else:
                kept[name] = value
        return kept

    def _continue_on_error(self, job_run: JobRun) -> bool:
        value = job_run.job.continue_on_error
        if isinstance(value, bool):
            return value
        try:
            return bool(job_run.evaluate(value))
        except ExpressionError:
            return False

    def _combine(
        self, planned: PlannedJob, outcomes: list[JobResult], runs: list[JobRun | None]
    ) -> JobResult:
        results = [o.result for o in outcomes]
        tolerated = all(
            run is not None and self._continue_on_error(run)
            for run, o in zip(runs, outcomes, strict=False)
            if o.result == Status.FAILURE
        )
        if Status.FAILURE in results and not tolerated:
            result = Status.FAILURE
        elif Status.CANCELLED in results:
            result = Status.CANCELLED
        elif all(r == Status.SKIPPED for r in results):
            result = Status.SKIPPED
        else:
            result = Status.SUCCESS
        outputs: dict[str, str] = {}
        for outcome in outcomes:
            outputs.update({k: v for k, v in outcome.outputs.items() if v != ""})
        return JobResult(result, outputs, seconds=max((o.seconds for o in outcomes), default=0.0))
