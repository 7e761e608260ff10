"""Docker container actions — ``uses: docker://IMAGE`` and actions whose ``runs.using`` is
``docker`` — as GitHub's ContainerActionHandler runs them, on either backend.

The image is ``docker://``'s name, or built from the action's Dockerfile (``runs.image``
ending in ``Dockerfile``; its directory is the build context and it must resolve inside the
action's repository). Each of ``pre-entrypoint``, the main entrypoint and ``post-entrypoint``
runs in a fresh container with: the inputs as ``INPUT_<NAME>``; ``runs.args`` (evaluated with
the ``inputs`` context) or ``with: args`` split as GitHub splits it; ``runs.entrypoint`` or
``with: entrypoint``; ``runs.env`` under the step's env; the runner's variables with host paths
translated; the workspace at /github/workspace (the working directory), and /github/home,
/github/workflow (the event file) and /github/file_commands (GITHUB_ENV, GITHUB_OUTPUT, ...)
mounted; the job's network when it has one. The host's own environment is not passed in.
Output lines and command files are handled as for any step.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops.errors import UsageError
from mlops.runner import filecommands
from mlops.runner.containment import is_inside
from mlops.runner.environment import merge_env
from mlops.runner.files import Tree
from mlops.runner.status import Execution
from mlops.runner.steps.actioninputs import action_inputs
from mlops.runner.steps.base import StepCall, StepFailure, StepHandler
from mlops.runner.steps.process import run_with_commands

if TYPE_CHECKING:
    from mlops.runner.backends.actioncontainer import ActionEngine
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step
    from mlops.workflow.schema.actionfile import Action

MAIN, PRE, POST = "main", "pre", "post"


class ContainerAction(StepHandler):
    """A docker action: ``image`` is ``docker://NAME``, a name, or a Dockerfile path relative
    to ``directory`` (for a local action; ``roots`` are where that path may resolve)."""

    kind = "container-action"

    def __init__(
        self,
        uses: str,
        image: str,
        action: Action | None = None,
        directory: Path | None = None,
        roots: list[Path] | None = None,
        *,
        remote: bool = False,
    ) -> None:
        self.uses = uses
        self.remote = remote  # an action of another repository: its pre-entrypoint runs
        self.image_spec = image
        self.action = action
        self.directory = directory
        self.roots = roots or ([directory] if directory is not None else [])
        self.image = ""
        self.inputs: dict[str, str] | None = None
        self.state: dict[str, str] = {}  # GITHUB_STATE from pre and main, for post

    # -- GitHub's contract -------------------------------------------------------------------

    def _runs(self, key: str) -> Any:
        return self.action.runs.get(key) if self.action is not None else None

    def _input(self, name: str) -> str:
        assert self.inputs is not None
        for key, value in self.inputs.items():  # inputs are case-insensitive
            if key.lower() == name.lower():
                return value
        return ""

    def _entrypoint(self, stage: str, job: JobRun) -> str:
        if stage == PRE:
            return job.text(self._runs("pre-entrypoint"))
        if stage == POST:
            return job.text(self._runs("post-entrypoint"))
        return job.text(self._runs("entrypoint")) or self._input("entrypoint")

    def _args(self, job: JobRun) -> list[str] | None:
        declared = self._runs("args")
        if declared is None:
            given = self._input("args")
            return split_args(given) if given.strip() else None
        values = declared if isinstance(declared, list) else [declared]
        return [job.text(value) for value in values]

    # -- preparing ---------------------------------------------------------------------------

    def _prepare(self, job: JobRun, call: StepCall) -> None:
        given = dict(call.inputs)  # each stage sees the inputs of its own moment
        self.inputs = (
            action_inputs(job, self.action, given, self.uses) if self.action is not None else given
        )
        if not self.image:
            self.image = self._resolve_image(job, call)

    def _engine(self, job: JobRun) -> ActionEngine:
        from mlops.runner.backends.actioncontainer import EngineUnavailable, engine_for

        engine = engine_for(job.state)
        try:
            engine.require()
        except EngineUnavailable as error:
            raise StepFailure(f"{self.uses}: {error}") from None
        return engine

    def _resolve_image(self, job: JobRun, call: StepCall) -> str:
        from mlops.runner.backends.actioncontainer import BuildStopped

        engine = self._engine(job)
        spec = self.image_spec
        try:
            if spec.startswith("docker://"):
                return engine.image(spec.removeprefix("docker://"), self.uses)
            if not spec.endswith(("Dockerfile", "dockerfile")) or self.directory is None:
                return engine.image(spec, self.uses)
            dockerfile = self.directory / spec
            if not is_inside(dockerfile, self.roots):
                raise StepFailure(
                    f"{self.uses}: runs.image {spec!r} resolves outside the action's "
                    f"repository ({', '.join(str(r) for r in self.roots)})"
                )
            if not dockerfile.is_file():
                raise StepFailure(f"{self.uses}: runs.image {spec!r}: no such file")
            return self._build(job, engine, dockerfile, call.timeout)
        except UsageError as error:
            raise StepFailure(error.message) from None
        except BuildStopped as error:
            raise StepFailure(f"{self.uses}: {error} while building the image") from None

    def _build(self, job: JobRun, engine: ActionEngine, dockerfile: Path, timeout: float) -> str:
        import time

        reporter = job.state.reporter
        deadline = time.monotonic() + timeout

        def stop() -> str:
            if job.backend.cancelled.is_set():
                return "cancelled"
            return "timed out" if time.monotonic() > deadline else ""

        reporter.group(job.key, f"Building the image of {self.uses} ({self.image_spec})")
        try:
            return engine.build(
                dockerfile, self.uses, lambda line: reporter.line(job.key, line), stop
            )
        finally:
            reporter.end_group(job.key)

    # -- running -----------------------------------------------------------------------------

    def _container_env(
        self, job: JobRun, call: StepCall, files: dict[str, Path], mounts: dict[Path, str]
    ) -> dict[str, str]:
        assert self.inputs is not None
        runner = job.runner_variables(files)
        env = merge_env(runner, call.env)
        env.update(
            {
                f"INPUT_{name.replace(' ', '_').upper()}": value
                for name, value in self.inputs.items()
            }
        )
        env.update({f"STATE_{name}": value for name, value in self.state.items()})
        declared = self._runs("env")
        if isinstance(declared, dict):
            for name, value in declared.items():
                env.setdefault(str(name), job.text(value))
        env["HOME"] = "/github/home"
        env["GITHUB_EVENT_PATH"] = "/github/workflow/event.json"
        return {name: _translate(value, mounts) for name, value in env.items()}

    def _invoke(self, job: JobRun, call: StepCall, stage: str) -> Execution:
        from mlops.runner.backends.actioncontainer import WORKDIR

        self._prepare(job, call)
        engine = self._engine(job)
        work = job.temp / "_github"  # GitHub's _temp/_github_home, _github_workflow, ...
        home, workflow, commands = work / "home", work / "workflow", work / "file_commands"
        event = Path(job.contexts["github"].get("event_path") or "")
        with Tree(job.temp) as temp:  # a link the job left there is replaced, not followed
            for directory in (home, workflow, commands):
                temp.mkdir(temp.relative(directory))
            if event.is_file():
                temp.write_bytes(temp.relative(workflow / "event.json"), event.read_bytes())
        files = filecommands.create(commands)
        mounts = {
            job.backend.paths.workspace: WORKDIR,
            home: "/github/home",
            workflow: "/github/workflow",
            commands: "/github/file_commands",
        }
        saved_inputs = job.contexts.get("inputs")
        job.contexts["inputs"] = self.inputs  # runs.args and runs.env may read them
        try:
            env = self._container_env(job, call, files, mounts)
            entrypoint = self._entrypoint(stage, job)
            args = self._args(job)
        finally:
            job.contexts["inputs"] = saved_inputs
        container = job.contexts["job"].get("container") or {}
        network = container.get("network") if isinstance(container, dict) else None
        result = run_with_commands(
            job,
            env,
            files,
            call.timeout,
            lambda on_line: engine.run(
                self.image,
                entrypoint=entrypoint,
                args=args,
                env=env,
                mounts=mounts,
                network=network or None,
                on_line=on_line,
                timeout=call.timeout,
                cancelled=job.backend.cancelled,
            ),
        )
        self.state.update(filecommands.parse_assignments(files["GITHUB_STATE"]))
        if job.backend.name == "host":
            engine.give_back([job.backend.paths.workspace, work], self.image)
        return result

    def has_pre(self) -> bool:
        return self.remote and bool(self._runs("pre-entrypoint"))

    def pre_condition(self) -> str:
        return str(self._runs("pre-if") or "always()")

    def pre(self, job: JobRun, step: Step, call: StepCall) -> Execution:
        return self._invoke(job, call, PRE)

    def main(self, job: JobRun, step: Step, call: StepCall) -> Execution:
        return self._invoke(job, call, MAIN)

    def has_post(self) -> bool:
        return bool(self._runs("post-entrypoint"))

    def post_condition(self) -> str:
        return str(self._runs("post-if") or "always()")

    def post(self, job: JobRun, step: Step, call: StepCall) -> Execution:
        return self._invoke(job, call, POST)

    def warnings(self) -> list[str]:
        if self._runs("pre-entrypoint") and not self.remote:
            return [f"`pre` execution is not supported for local action from '{self.uses}'"]
        return []


def docker_action(uses: str) -> ContainerAction:
    """The handler of a ``uses: docker://IMAGE`` step."""
    return ContainerAction(uses, uses)


def _translate(value: str, mounts: dict[Path, str]) -> str:
    """A host path under a mounted directory as the container sees it (GitHub's
    TranslateToContainerPath); any other value unchanged."""
    for host, inside in mounts.items():
        prefix = str(host)
        if value == prefix or value.startswith(prefix + "/"):
            return inside + value[len(prefix) :]
    return value


def split_args(text: str) -> list[str]:
    """``with: args`` as GitHub passes it to ``docker run``: words split on whitespace,
    double quotes group (``\\"`` is a literal quote); single quotes are not special."""
    words: list[str] = []
    current: list[str] = []
    quoted = False
    started = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and text[index + 1 : index + 2] == '"':
            current.append('"')
            started = True
            index += 2
            continue
        if char == '"':
            quoted = not quoted
            started = True
        elif char.isspace() and not quoted:
            if started:
                words.append("".join(current))
                current, started = [], False
        else:
            current.append(char)
            started = True
        index += 1
    if started:
        words.append("".join(current))
    return words
