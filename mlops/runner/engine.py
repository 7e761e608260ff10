"""Run a plan: jobs concurrently as ``needs`` allows, matrix legs with fail-fast and max-parallel.

Every ready job starts at once by default (act caps jobs at the CPU count);
``--concurrent-jobs N`` caps it. A job whose needs did not all succeed is skipped unless its
``if`` uses a status function that says otherwise. Ctrl-C cancels: running process groups
are killed, and no job starts after it.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

from mlops.runner import failures
from mlops.runner.job import JobLeg, JobRun, unservable_label
from mlops.runner.jobexec import run_job, start_job
from mlops.runner.state import JobRecord, RunState
from mlops.runner.status import JobResult, Status
from mlops.workflow.contexts import strategy_context
from mlops.workflow.expressions.errors import ExpressionError
from mlops.workflow.inputs import InputError, call_inputs
from mlops.workflow.matrix import leg_display_name
from mlops.workflow.plan import PlannedJob, resolve_matrix


class Engine:
    def __init__(self, state: RunState) -> None:
        self.state = state
        self.plan = state.plan
        self.results: dict[str, JobResult] = {}
        self.records: list[JobRecord] = []
        self._legs: dict[str, tuple[str, int]] = {}  # a leg's display key -> (job key, index)
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
        # The results in the workflow's order (jobs as planned, legs as expanded), not in
        # the order they happened to finish.
        position = {key: index for index, key in enumerate(self.plan.jobs)}

        def order(record: JobRecord) -> tuple[int, int]:
            job, leg = self._legs.get(record.key, (record.key, 0))
            return position.get(job, len(position)), leg

        self.records.sort(key=order)
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

    def _record(
        self, key: str, name: str, outcome: JobResult, continue_on_error: bool = False
    ) -> JobResult:
        """Record a job's (or leg's) own result. ``continue_on_error``: it failed under
        ``continue-on-error: true``, so it shows as failed but fails neither the run nor the
        jobs that need it (GitHub's ``needs.<job>.result`` is then ``success``)."""
        if continue_on_error:
            outcome.reason = "; ".join(filter(None, [outcome.reason, "continue-on-error"]))
        self.records.append(
            JobRecord(key, name, outcome.result, outcome.seconds, outcome.reason, continue_on_error)
        )
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

        contexts = self.state.contexts_for(caller).call_with(needs)
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
        from mlops.runner.steps.call import call_result

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
        tolerated = [False] * len(legs)  # failed under continue-on-error

        def run_leg(index: int) -> None:
            with limiter, self.slots:
                display = planned.key if single else leg_display_name(planned.key, legs[index])
                self._legs[display] = (planned.key, index)
                name = self._display_name(planned, legs[index], index, len(legs), needs, single)
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
                    leg = JobLeg(planned, legs[index], index, len(legs), display, needs)
                    job_run = start_job(self.state, leg)
                except Exception as error:  # say, a job env that cannot be evaluated
                    reason = failures.one_line(error)
                    self.state.reporter.line(display, f"error: {reason}")
                    outcome = JobResult(Status.FAILURE, reason=reason)
                    tolerated[index] = planned.job.continue_on_error is True
                    outcomes[index] = self._record(display, name, outcome, tolerated[index])
                    if not tolerated[index]:
                        failed.set()
                    return
                runs[index] = job_run
                outcome = run_job(job_run)
                outcome.outputs = self._without_secrets(display, outcome.outputs)
                tolerated[index] = outcome.result == Status.FAILURE and self._continue_on_error(
                    job_run
                )
                outcomes[index] = self._record(display, name, outcome, tolerated[index])
                if outcome.result == Status.FAILURE and not tolerated[index]:
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
        final = [(o, t) for o, t in zip(outcomes, tolerated, strict=True) if o is not None]
        return self._combine(final)

    def _display_name(
        self,
        planned: PlannedJob,
        leg: dict[str, Any],
        index: int,
        total: int,
        needs: dict[str, Any],
        single: bool,
    ) -> str:
        """GitHub's name for a job or leg: a ``name:`` with an expression evaluated for the leg
        (no matrix values appended; the default name when it is empty or cannot be
        evaluated); else the name, or the job id, with the leg's values (``build (3.12)``)."""
        name = planned.job.name
        if name is not None and "${{" in name:
            from mlops.workflow import expressions

            contexts = self.state.contexts_for(planned).job_name(
                needs, leg, strategy_context(planned.job.strategy, index, total)
            )
            try:
                evaluated = expressions.interpolate(name, contexts)
            except ExpressionError:
                evaluated = ""
            if evaluated:
                return evaluated
            return planned.job.id if single else leg_display_name(planned.job.id, leg)
        return planned.name if single else leg_display_name(planned.name, leg)

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

    def _combine(self, legs: list[tuple[JobResult, bool]]) -> JobResult:
        """The job's result as ``needs`` sees it, from its legs' (and whether each failed
        under continue-on-error, which counts as success)."""
        outcomes = [o for o, _ in legs]
        results = [o.result for o in outcomes]
        if any(o.result == Status.FAILURE and not t for o, t in legs):
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
