"""The validated shape of a workflow: workflow, jobs, steps — with their source positions.

Values that may hold ``${{ }}`` expressions stay as written (strings); the runner
evaluates them when their contexts exist. Positions are 1-based (line, column).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops.errors import Location, MlopsError

ACTION_FILES = ("action.yml", "action.yaml")  # the names an action's metadata file may have


@dataclass(frozen=True)
class Pos:
    """A position in the workflow file, 1-based (line, column)."""

    line: int
    column: int


@dataclass
class Diagnostic:
    """One problem in a workflow file, with where it is."""

    path: str
    line: int
    column: int
    message: str
    rule: str = "syntax"
    severity: str = "error"

    @property
    def location(self) -> Location:
        return Location(self.path, self.line, self.column)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


def scalar_text(value: Any) -> str:
    """A YAML scalar's value as GitHub turns it into a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class WorkflowError(MlopsError):
    """A workflow that GitHub would reject; ``str()`` is ``file:line:col: message``."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(
            diagnostic.message,
            location=Location(diagnostic.path, diagnostic.line, diagnostic.column),
        )
        self.diagnostic = diagnostic


@dataclass
class Step:
    """One entry of a job's ``steps``: a ``run:`` script or a ``uses:`` action."""

    index: int
    pos: Pos
    id: str | None = None
    name: str | None = None
    uses: str | None = None
    run: str | None = None
    shell: str | None = None
    with_: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Any] | str = field(default_factory=dict)
    if_: str | None = None
    working_directory: str | None = None
    continue_on_error: bool | str = False
    timeout_minutes: float | str | None = None

    @property
    def kind(self) -> str:
        """How the step runs, which picks the runner's handler: ``script`` (``run:``),
        ``local-action`` (``uses: ./path``), ``docker-action`` (``uses: docker://image``) or
        ``action`` (``uses: owner/repo[/path]@ref``)."""
        if self.run is not None:
            return "script"
        uses = self.uses or ""
        if uses.startswith("./"):
            return "local-action"
        if uses.startswith("docker://"):
            return "docker-action"
        return "action"

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        if self.uses:
            return f"Run {self.uses}"
        first = (self.run or "").strip().splitlines()
        return f"Run {first[0]}" if first else f"Step {self.index + 1}"


@dataclass
class Strategy:
    """A job's ``strategy``: its matrix, fail-fast and max-parallel."""

    matrix: dict[str, Any] | str | None = None  # a mapping, or one ${{ }} expression
    fail_fast: bool | str = True
    max_parallel: int | str | None = None
    pos: Pos | None = None


@dataclass
class Job:
    """One job of a workflow: steps to run, or a reusable workflow to call (``uses``)."""

    id: str
    pos: Pos
    name: str | None = None
    needs: list[str] = field(default_factory=list)
    needs_pos: dict[str, Pos] = field(default_factory=dict)
    if_: str | None = None
    runs_on: Any = None
    environment: Any = None
    env: dict[str, Any] | str = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    strategy: Strategy | None = None
    timeout_minutes: float | str = 360
    continue_on_error: bool | str = False
    container: Any = None
    services: dict[str, Any] = field(default_factory=dict)
    permissions: Any = None
    concurrency: Any = None
    # A job that calls a reusable workflow instead of running steps:
    uses: str | None = None
    with_: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, Any] | str | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.id


@dataclass
class InputSpec:
    """One declared input of ``workflow_dispatch`` or ``workflow_call``."""

    name: str
    type: str = "string"
    required: bool = False
    default: Any = None
    description: str | None = None
    options: list[str] = field(default_factory=list)


@dataclass
class Workflow:
    """One checked workflow file: its triggers, jobs, env and reusable-workflow interface."""

    path: Path
    display_path: str
    name: str | None
    on: dict[str, dict[str, Any]]  # event name -> its configuration (empty when none)
    on_pos: Pos
    jobs: dict[str, Job]
    run_name: str | None = None
    env: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    permissions: Any = None
    concurrency: Any = None
    dispatch_inputs: dict[str, InputSpec] = field(default_factory=dict)
    call_inputs: dict[str, InputSpec] = field(default_factory=dict)
    call_outputs: dict[str, Any] = field(default_factory=dict)
    call_secrets: dict[str, Any] = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        """GitHub shows the file path when a workflow has no name."""
        return self.name or self.display_path
