"""Our checks of GitHub Actions workflows and action.yml files, on top of the workflow engine.

The engine (:func:`mlops.workflow.schema.loader.check_workflow`) gives schema, expression, context,
``needs`` and event problems with positions; this module adds what no wrapped tool checks (or
checks everywhere): version numbers YAML turns into floats, script injection, checkouts of PR
code under ``pull_request_target``, token permissions, SHA pinning, persisted credentials,
shallow checkouts before DVC diffs, secrets without a fork guard, deprecated workflow commands,
matrix expansion and ``matrix.*``/``needs.*`` references, and local actions/workflows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from mlops.lint.findings import Finding
from mlops.lint.rules import severity_of
from mlops.lint.source import Source
from mlops.lint.yamlwalk import accesses, find, items, mapping, scalars, text, value_paths
from mlops.workflow import matrix as matrix_module
from mlops.workflow.model import scalar_text
from mlops.workflow.schema import loader
from mlops.workflow.schema.actionfile import find_action_file, read_action
from mlops.workflow.yamlnodes import Mapping, Node, Scalar, Sequence, YamlError, parse_yaml
from mlops.workflow.yamlnodes import to_python as py

# --- attacker-controlled contexts (GitHub's "untrusted input" list, as actionlint/zizmor) ---

_UNTRUSTED = [
    tuple(p.split("."))
    for p in (
        "github.head_ref",
        "github.event.issue.title",
        "github.event.issue.body",
        "github.event.pull_request.title",
        "github.event.pull_request.body",
        "github.event.pull_request.head.ref",
        "github.event.pull_request.head.label",
        "github.event.pull_request.head.repo.default_branch",
        "github.event.comment.body",
        "github.event.review.body",
        "github.event.review_comment.body",
        "github.event.discussion.title",
        "github.event.discussion.body",
        "github.event.pages.*.page_name",
        "github.event.commits.*.message",
        "github.event.commits.*.author.email",
        "github.event.commits.*.author.name",
        "github.event.head_commit.message",
        "github.event.head_commit.author.email",
        "github.event.head_commit.author.name",
        "github.event.head_commit.committer.email",
        "github.event.head_commit.committer.name",
        "github.event.workflow_run.head_branch",
        "github.event.workflow_run.display_title",
        "github.event.workflow_run.head_commit.message",
        "github.event.workflow_run.head_commit.author.email",
        "github.event.workflow_run.head_commit.author.name",
        "github.event.workflow_run.pull_requests.*.head.ref",
    )
]


def _matches(path: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    return all(p == "*" or q == "*" or p == q for p, q in zip(path, pattern, strict=False))


def untrusted(path: tuple[str, ...]) -> bool:
    """A path that is, or contains, text an outsider controls (``toJSON(github.event)`` too)."""
    if len(path) < 2 or path[0] != "github":
        return False
    for pattern in _UNTRUSTED:
        if len(path) >= len(pattern) and _matches(path, pattern):
            return True
        if len(path) < len(pattern) and _matches(path, pattern):
            return True
    return False


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path)


# --- small helpers ----------------------------------------------------------------------------

_SHA = re.compile(r"[0-9a-f]{40}")
_VERSION_KEY = re.compile(
    r"(version|versions|^(python|py|pypy|node|nodejs|go|golang|java|jdk|ruby|dotnet|php|rust|"
    r"toolchain|terraform|deno|bun|elixir|otp|erlang|scala|kotlin|gradle|maven|julia|r|swift|"
    r"perl|lua|zig|ghc|cabal|flutter|dart|cuda|pip|poetry|uv|tox|conda))$",
    re.IGNORECASE,
)
_DEPRECATED = re.compile(r"::(set-output|save-state|set-env|add-path)\b")
_DEPRECATED_FIX = {
    "set-output": ("warning", 'echo "name=value" >> "$GITHUB_OUTPUT"'),
    "save-state": ("warning", 'echo "name=value" >> "$GITHUB_STATE"'),
    "set-env": (
        "error",
        'echo "NAME=value" >> "$GITHUB_ENV" (::set-env is disabled: the step fails)',
    ),
    "add-path": (
        "error",
        'echo "/some/dir" >> "$GITHUB_PATH" (::add-path is disabled: the step fails)',
    ),
}
_DVC_DIFF = re.compile(r"\bdvc\s+(metrics|params|plots)\s+diff\b([^\n;&|>]*)")
_UNSHALLOW = re.compile(r"\bgit\s+(fetch|pull)\b|--unshallow\b|\bcml\s+ci\b")
_DIFF_VALUE_OPTIONS = {
    "-o",
    "--out",
    "--precision",
    "--template",
    "-x",
    "-y",
    "--x-label",
    "--y-label",
    "--title",
    "--ext",
}
_PR_HEAD = (
    "github.event.pull_request.head.sha",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.repo.full_name",
    "github.event.pull_request.merge_commit_sha",
    "github.event.number",
    "github.event.pull_request.number",
    "github.head_ref",
    "refs/pull/",
    "github.event.workflow_run.head_sha",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_repository.full_name",
)
_RUN_PR_CHECKOUT = re.compile(
    r"\bgh\s+pr\s+checkout\b|\bgit\s+fetch\b[^\n]*\bpull/|"
    r"\bgit\s+(checkout|switch)\b[^\n]*(pull_request\.head|head_ref|workflow_run\.head)"
)
_FORK_GUARDS = (
    "head.repo.full_name",
    "head.repo.fork",
    "head.repo.id",
    "github.event_name=='push'",
    "github.event_name!='pull_request'",
    "github.event_name=='schedule'",
    "github.event_name=='workflow_dispatch'",
    "github.event_name=='release'",
    "github.ref=='refs/heads/",
    "github.ref=='refs/tags/",
    "startswith(github.ref,'refs/tags/",
)
_DANGEROUS_TRIGGERS = ("pull_request_target", "workflow_run")


def _uses_name(uses: str) -> str:
    return uses.split("@", 1)[0].lower()


def _compact(value: str) -> str:
    return re.sub(r"\s+", "", value).replace('"', "'").lower()


def _triggers(root: Mapping) -> set[str]:
    on = root.get("on")
    if isinstance(on, Scalar) and isinstance(on.value, str):
        return {on.value}
    if isinstance(on, Sequence):
        return {str(i.value) for i in on if isinstance(i, Scalar)}
    if isinstance(on, Mapping):
        return set(on.keys())
    return set()


def repository_root(path: Path, fallback: Path) -> Path:
    """``X`` for a workflow at ``X/.github/workflows/f.yml``; else the nearest git root."""
    resolved = path.resolve()
    parents = resolved.parents
    if len(parents) >= 3 and parents[0].name == "workflows" and parents[1].name == ".github":
        return parents[2]
    for parent in parents:
        if (parent / ".git").exists():
            return parent
    return fallback


# --- the checks -------------------------------------------------------------------------------


class _Checks:
    def __init__(self, source: Source, root_dir: Path) -> None:
        self.source = source
        self.root_dir = root_dir
        self.findings: list[Finding] = []
        self.triggers: set[str] = set()

    def add(
        self,
        where: Node | tuple[int, int],
        rule: str,
        message: str,
        severity: str | None = None,
    ) -> None:
        line, column = where if isinstance(where, tuple) else (where.line, where.column)
        self.findings.append(
            Finding(self.source.path, line, column, severity or severity_of(rule), rule, message)
        )

    # -- workflow level

    def workflow(self, root: Mapping) -> None:
        self.triggers = _triggers(root)
        jobs = mapping(root.get("jobs"))
        self.version_floats(mapping(root.get("env")))
        if jobs is None:
            return
        no_top_permissions = root.key_node("permissions") is None
        for key, node in jobs:
            job = mapping(node)
            if job is None:
                continue
            if no_top_permissions and job.key_node("permissions") is None:
                self.add(
                    key,
                    "missing-permissions",
                    f"job '{key.value}' has no permissions: and neither does the workflow, so "
                    "its GITHUB_TOKEN gets the repository's default scopes (possibly write "
                    "access to everything); add 'permissions: {}' at the top and grant each "
                    "job only what it needs (contents: read to check out)",
                )
            self.job(key, job)

    def job(self, key: Scalar, job: Mapping) -> None:
        job_id = str(key.value)
        uses = job.get("uses")
        if isinstance(uses, Scalar) and isinstance(uses.value, str):
            self.reusable(key, uses)
        self.version_floats(mapping(job.get("env")))
        self.matrix(job_id, job)
        self.needs_references(job_id, job)
        steps = [s for s in items(job.get("steps")) if isinstance(s, Mapping)]
        for step in steps:
            self.step(step)
        self.shallow_checkout(steps)
        self.fork_guard(key, job, steps)

    # -- steps

    def step(self, step: Mapping) -> None:
        uses_node = step.get("uses")
        uses = text(uses_node)
        with_ = mapping(step.get("with"))
        self.version_floats(with_)
        self.version_floats(mapping(step.get("env")))
        if uses and uses_node is not None:
            self.pinned(uses_node, uses)
            name = _uses_name(uses)
            if name == "actions/checkout":
                self.checkout(step, with_)
            elif name == "actions/github-script" and with_ is not None:
                script = with_.get("script")
                if isinstance(script, Scalar):
                    self.injection(script, "script")
            if uses.startswith("./"):
                directory = self.root_dir / uses
                action_file = find_action_file(directory)
                if action_file is None:
                    self.add(
                        uses_node,
                        "local-uses",
                        f"local action {uses!r} has no action.yml in the repository",
                        "warning",
                    )
                else:
                    self.action_inputs(step, uses, action_file, with_)
        run = step.get("run")
        if isinstance(run, Scalar) and isinstance(run.value, str):
            self.injection(run, "run")
            self.deprecated(run)
            if self.triggers & set(_DANGEROUS_TRIGGERS):
                match = _RUN_PR_CHECKOUT.search(run.value)
                if match:
                    trigger = sorted(self.triggers & set(_DANGEROUS_TRIGGERS))[0]
                    self.add(
                        self.source.locate(run, match.start(), match.group(0)),
                        "pr-target-checkout",
                        f"this step checks out the pull request's code in a {trigger} "
                        "workflow, which runs with the base repository's secrets and a "
                        "write token: the PR author's code would run with them; use "
                        "'on: pull_request' to build PR code",
                    )

    def action_inputs(
        self, step: Mapping, uses: str, action_file: Path, with_: Mapping | None
    ) -> None:
        """A local action's inputs against its action.yml (read by the runner's reader): a
        required input without a default that is not given (GitHub's runner does not enforce
        it, so the action gets ''), and inputs the action does not declare (GitHub warns)."""
        action = read_action(action_file, str(action_file)).action
        if action is None:
            return  # its own findings are reported when the action.yml is linted
        given = {str(k.value).lower(): k for k, _ in with_} if with_ is not None else {}
        declared = {name.lower() for name in action.inputs}
        if action.using == "docker":
            declared |= {"entrypoint", "args"}
        for name, spec in action.inputs.items():
            if spec.required and spec.default is None and name.lower() not in given:
                self.add(
                    step,
                    "local-uses",
                    f"{uses} requires input {name!r}, which this step does not give; GitHub "
                    "runs the action anyway, with the input empty",
                    "warning",
                )
        for name, key in given.items():
            if name not in declared:
                known = ", ".join(action.inputs) or "none"
                self.add(
                    key,
                    "local-uses",
                    f"{uses} has no input {str(key.value)!r} (its inputs: {known}); GitHub "
                    "passes it on with a warning",
                    "warning",
                )

    def pinned(self, node: Node, uses: str) -> None:
        if uses.startswith(("./", "docker://")) or "@" not in uses or "${{" in uses:
            return
        name, ref = uses.rsplit("@", 1)
        if _SHA.fullmatch(ref):
            return
        self.add(
            node,
            "unpinned-action",
            f"{uses} is pinned to '{ref}', a tag or branch that can be moved to other code; "
            f"pin the full commit SHA and keep the version in a comment: "
            f"{name}@<40-hex sha>  # {ref}",
        )

    def checkout(self, step: Mapping, with_: Mapping | None) -> None:
        persist = with_.get("persist-credentials") if with_ is not None else None
        value = text(persist)
        if value is None or (value.lower() != "false" and "${{" not in value):
            self.add(
                step,
                "checkout-persist-credentials",
                "actions/checkout keeps the GITHUB_TOKEN in .git/config "
                "(persist-credentials defaults to true), where every later step and any "
                "uploaded artifact of the workspace can read it; set "
                "'persist-credentials: false'",
            )
        if not (self.triggers & set(_DANGEROUS_TRIGGERS)) or with_ is None:
            return
        for field_name in ("ref", "repository"):
            node = with_.get(field_name)
            value = text(node)
            if node is None or value is None:
                continue
            compact = _compact(value)
            hit = next((p for p in _PR_HEAD if p in compact), None)
            if hit is None:
                continue
            trigger = sorted(self.triggers & set(_DANGEROUS_TRIGGERS))[0]
            self.add(
                node,
                "pr-target-checkout",
                f"{trigger} runs with the base repository's secrets and a write token, and "
                f"this checkout of {field_name}: {value.strip()} fetches the pull request's "
                "code, so the PR author's code runs with them; use 'on: pull_request' to "
                "build PR code (and a separate workflow_run workflow to comment)",
            )

    def injection(self, node: Scalar, where: str) -> None:
        for found in find(node):
            bad = [p for p in value_paths(found.tree) if untrusted(p)]
            if not bad:
                continue
            path = _dotted(bad[0])
            self.add(
                self.source.locate(node, found.offset - 3, found.raw),
                "template-injection",
                f"{path} is text an outsider controls, and ${{{{ }}}} pastes it into the "
                f"{where} before it runs, so a crafted value can run commands (script "
                f"injection); pass it through env: (e.g. VALUE: ${{{{ {path} }}}}) and use "
                '"$VALUE" instead',
            )

    def deprecated(self, node: Scalar) -> None:
        for match in _DEPRECATED.finditer(node.value):
            command = match.group(1)
            severity, fix = _DEPRECATED_FIX[command]
            self.add(
                self.source.locate(node, match.start(), match.group(0)),
                "deprecated-command",
                f"the workflow command ::{command} is deprecated; use {fix}",
                severity,
            )

    # -- numbers that should be strings

    def version_floats(self, node: Mapping | None) -> None:
        if node is None:
            return
        for key, value in node:
            if not _VERSION_KEY.search(str(key.value)):
                continue
            candidates = [value] if isinstance(value, Scalar) else items(value)
            for candidate in candidates:
                self.version_float(str(key.value), candidate)

    def version_float(self, key: str, node: Node) -> None:
        if not (isinstance(node, Scalar) and node.style is None):
            return
        if not isinstance(node.value, float):
            return
        written = self.source.token_at(node.line, node.column)
        shown = scalar_text(node.value)
        if not written or written == shown:
            return
        self.add(
            node,
            "version-float",
            f"{key}: {written} is read by YAML as the number {shown}, so this asks for "
            f"version '{shown}', not '{written}'; quote it: {key}: \"{written}\"",
        )

    # -- matrix and needs

    def matrix(self, job_id: str, job: Mapping) -> None:
        strategy = mapping(job.get("strategy"))
        matrix_node = strategy.get("matrix") if strategy is not None else None
        keys: set[str] | None = set()
        if isinstance(matrix_node, Mapping):
            for key, value in matrix_node:
                name = str(key.value)
                if name in ("include", "exclude"):
                    for entry in items(value):
                        self.version_floats(mapping(entry))
                else:
                    if isinstance(value, Sequence):
                        for item in value:
                            if _VERSION_KEY.search(name):
                                self.version_float(name, item)
            literal = not any(
                isinstance(s.value, str) and "${{" in s.value for _, s in scalars(matrix_node)
            )
            if literal:
                self.expand(job_id, matrix_node)
                keys = {str(k.value).lower() for k, _ in matrix_node} - {"include", "exclude"}
                for entry in items(matrix_node.get("include")):
                    if isinstance(entry, Mapping):
                        keys |= {str(k.value).lower() for k, _ in entry}
            else:
                keys = None
        elif matrix_node is not None:
            keys = None  # a whole-matrix expression: keys unknown until run time
        if keys is None:
            return
        for holder, scalar in scalars(job):
            for found in find(scalar, condition=holder == "if"):
                for path in accesses(found.tree):
                    if len(path) < 2 or path[0] != "matrix" or path[1] == "*":
                        continue
                    if path[1] in keys:
                        continue
                    known = ", ".join(sorted(keys)) if keys else "none: the job has no matrix"
                    self.add(
                        self.source.locate(scalar, found.offset, found.text),
                        "matrix",
                        f"matrix.{path[1]} is not defined by job '{job_id}''s matrix, so it "
                        f"is empty (matrix keys: {known})",
                    )

    def expand(self, job_id: str, node: Mapping) -> None:
        value = py(node)
        if not isinstance(value, dict):
            return
        for key, vector in value.items():
            if key in ("include", "exclude"):
                if not isinstance(vector, list) or not all(isinstance(e, dict) for e in vector):
                    return  # the engine reports the shape
            elif not isinstance(vector, list) or not vector:
                return
        try:
            matrix_module.expand_matrix(value)
        except matrix_module.MatrixError as error:
            self.add(node, "matrix", f"job '{job_id}': {error}")

    def needs_references(self, job_id: str, job: Mapping) -> None:
        needs_node = job.get("needs")
        needs = {
            (text(n) or "").lower()
            for n in ([needs_node] if isinstance(needs_node, Scalar) else items(needs_node))
        }
        for holder, scalar in scalars(job):
            for found in find(scalar, condition=holder == "if"):
                for path in accesses(found.tree):
                    if len(path) < 2 or path[0] != "needs" or path[1] == "*":
                        continue
                    if path[1] in needs:
                        continue
                    self.add(
                        self.source.locate(scalar, found.offset, found.text),
                        "needs",
                        f"needs.{path[1]} is read, but job '{job_id}' does not list "
                        f"'{path[1]}' in needs:, so it is empty; add it to needs:",
                    )

    # -- reusable workflows

    def reusable(self, key: Scalar, uses: Scalar) -> None:
        value = str(uses.value)
        if not value.startswith("./"):
            self.pinned(uses, value)
            return
        target = self.root_dir / value.split("@", 1)[0]
        if not target.is_file():
            self.add(
                key,
                "local-uses",
                f"job '{key.value}' uses {value!r}, which does not exist in the repository",
            )
            return
        try:
            called = parse_yaml(target.read_bytes())
        except (OSError, YamlError):
            return  # reported when that file itself is linted
        if isinstance(called, Mapping) and "workflow_call" not in _triggers(called):
            self.add(
                key,
                "local-uses",
                f"job '{key.value}' uses {value!r}, which is not a reusable workflow "
                "(it has no 'on: workflow_call')",
            )

    # -- DVC after a shallow checkout

    def shallow_checkout(self, steps: list[Mapping]) -> None:
        shallow_at: int | None = None  # line of the shallow checkout in effect
        for step in steps:
            uses = text(step.get("uses")) or ""
            if _uses_name(uses) == "actions/checkout":
                with_ = mapping(step.get("with"))
                depth = with_.get("fetch-depth") if with_ is not None else None
                value = text(depth)
                full = value is not None and (value.strip() == "0" or "${{" in value)
                shallow_at = None if full else step.line
                continue
            run = step.get("run")
            if shallow_at is None or not (isinstance(run, Scalar) and isinstance(run.value, str)):
                continue
            events = [(m.start(), "fetch", m) for m in _UNSHALLOW.finditer(run.value)]
            events += [(m.start(), "diff", m) for m in _DVC_DIFF.finditer(run.value)]
            for _, kind, match in sorted(events, key=lambda e: e[0]):
                if kind == "fetch":
                    shallow_at = None
                    break
                revision = _revision(match.group(2))
                if revision is None:
                    continue
                self.add(
                    self.source.locate(run, match.start(), match.group(0).split()[0]),
                    "shallow-checkout",
                    f"dvc {match.group(1)} diff {revision} needs the history of "
                    f"'{revision}', but the checkout at line {shallow_at} fetched a single "
                    "commit (actions/checkout's default fetch-depth: 1), so DVC fails with "
                    "'unknown Git revision'; set 'fetch-depth: 0' on the checkout",
                )

    # -- secrets on pull requests from forks

    def fork_guard(self, key: Scalar, job: Mapping, steps: list[Mapping]) -> None:
        if "pull_request" not in self.triggers:
            return
        if _guarded(job.get("if")):
            return
        secrets = _secrets_in(job, skip=steps)
        if isinstance(job.get("secrets"), Scalar) and text(job.get("secrets")) == "inherit":
            secrets.add("inherit")
        for step in steps:
            if not _guarded(step.get("if")):
                secrets |= _secrets_in(step)
        secrets.discard("github_token")
        if not secrets:
            return
        names = ", ".join(
            "secrets: inherit" if s == "inherit" else f"secrets.{s.upper()}"
            for s in sorted(secrets)
        )
        self.add(
            key,
            "secrets-fork-guard",
            f"job '{key.value}' runs on pull_request and reads {names}, but pull requests "
            "from forks get no secrets (and a read-only token), so it fails for them; skip "
            "forks with if: github.event.pull_request.head.repo.full_name == "
            "github.repository (and say why in a job that runs for forks)",
        )


def _revision(arguments: str) -> str | None:
    tokens = arguments.split()
    previous = ""
    for token in tokens:
        if token == "--targets" or token.startswith("#"):
            return None
        if not token.startswith("-") and previous not in _DIFF_VALUE_OPTIONS:
            return token.strip("'\"")
        previous = token
    return None


def _guarded(node: Node | None) -> bool:
    value = text(node)
    if not value:
        return False
    compact = _compact(value)
    return any(guard in compact for guard in _FORK_GUARDS)


def _secrets_in(node: Node, skip: Iterable[Node] = ()) -> set[str]:
    skipped = {id(s) for s in skip}
    names: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in skipped:
            continue
        if isinstance(current, Mapping):
            stack.extend(v for _, v in current)
        elif isinstance(current, Sequence):
            stack.extend(current.items)
        elif isinstance(current, Scalar):
            for found in find(current):
                for path in accesses(found.tree):
                    if path[0] == "secrets" and len(path) >= 2 and path[1] != "*":
                        names.add(path[1])
    return names


# --- entry points -----------------------------------------------------------------------------


def _decode(source_path: str, data: bytes) -> Source:
    return Source(source_path, data.decode("utf-8-sig", errors="replace"))


def lint_workflow(path: Path, shown: str, data: bytes, fallback_root: Path) -> list[Finding]:
    """Every finding of ours in one workflow file."""
    workflow, diagnostics = loader.check_workflow(path, display_path=shown, data=data)
    findings = [
        Finding(shown, d.line, d.column, d.severity, d.rule, d.message) for d in diagnostics
    ]
    if workflow is None:
        return findings
    source = _decode(shown, data)
    try:
        root = parse_yaml(data)
    except YamlError:  # pragma: no cover - check_workflow already parsed it
        return findings
    if not isinstance(root, Mapping):
        return findings
    checks = _Checks(source, repository_root(path, fallback_root))
    checks.workflow(root)
    return findings + checks.findings


def lint_action(path: Path, shown: str, data: bytes, fallback_root: Path) -> list[Finding]:
    """An action.yml: what the shared reader finds (the runner refuses its errors), then our
    checks of a composite action's steps as workflow steps."""
    read = read_action(path, shown, data)
    findings = [
        Finding(shown, d.line, d.column, d.severity, d.rule, d.message) for d in read.diagnostics
    ]
    runs = mapping(read.root.get("runs")) if read.root is not None else None
    if runs is None or (text(runs.get("using")) or "").lower() != "composite":
        return findings
    checks = _Checks(_decode(shown, data), repository_root(path, fallback_root))
    steps = [s for s in items(runs.get("steps")) if isinstance(s, Mapping)]
    for step in steps:
        checks.step(step)
    checks.shallow_checkout(steps)
    return findings + checks.findings


__all__ = ["lint_action", "lint_workflow", "repository_root", "untrusted"]
