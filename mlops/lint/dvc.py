"""Checks of dvc.yaml pipelines and params files, without importing DVC (it costs ~1 s).

- a dependency that does not exist, is no stage's output and has no ``.dvc`` file;
- a params file a stage reads that does not exist, and params keys missing from it;
- outputs (outs, metrics, plots) that are the same path or one inside another.

Paths with DVC templating (``${...}``) and ``foreach``/``matrix`` stages are left alone: their
values exist only after DVC interpolates them.
"""

from __future__ import annotations

import json
import posixpath
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops.lint.findings import Finding
from mlops.lint.rules import severity_of
from mlops.lint.yamlwalk import items, mapping, text
from mlops.workflow.yamlnodes import Mapping, Node, Scalar, YamlError, parse_yaml
from mlops.workflow.yamlnodes import to_python as py

DEFAULT_PARAMS = "params.yaml"
_OUT_SECTIONS = ("outs", "metrics", "plots")


@dataclass
class _Out:
    stage: str
    path: str  # normalized, relative to the dvc.yaml's directory
    node: Node


def _add(findings: list[Finding], shown: str, node: Node | None, rule: str, message: str) -> None:
    line, column = (node.line, node.column) if node is not None else (1, 1)
    findings.append(Finding(shown, line, column, severity_of(rule), rule, message))


def _entry_path(entry: Node) -> tuple[str | None, Node]:
    """A deps/outs entry: ``- path`` or ``- path: {options}``."""
    if isinstance(entry, Scalar):
        return text(entry), entry
    if isinstance(entry, Mapping) and len(entry.items) == 1:
        key, _ = entry.items[0]
        return text(key), key
    return None, entry


def _templated(value: str) -> bool:
    return "${" in value


def _normalize(base: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(base, path)) if base else posixpath.normpath(path)


def _inside(inner: str, outer: str) -> bool:
    return inner == outer or inner.startswith(outer.rstrip("/") + "/") or outer == "."


def load_params(path: Path) -> tuple[Any, str | None]:
    """The parsed params file (YAML, JSON or TOML), or an error message. ``.py`` -> (None, None)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, f"cannot read {path.name}: {error.strerror or error}"
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            return json.loads(data), None
        if suffix == ".toml":
            return tomllib.loads(data.decode("utf-8")), None
        if suffix == ".py":
            return None, None
        return py(parse_yaml(data)), None
    except YamlError as error:
        return None, f"{path.name}:{error.line}:{error.column}: {error.message}"
    except (ValueError, UnicodeDecodeError) as error:
        return None, f"{path.name}: {error}"


def _has_key(data: Any, dotted: str) -> bool:
    current = data
    for part in dotted.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return False
    return True


def lint_params_file(path: Path, shown: str, data: bytes) -> list[Finding]:
    """A params.yaml on its own: valid YAML, a mapping at the top."""
    findings: list[Finding] = []
    try:
        root = parse_yaml(data)
    except YamlError as error:
        findings.append(
            Finding(shown, error.line, error.column, "error", "params-yaml", error.message)
        )
        return findings
    if root is not None and not isinstance(root, Mapping):
        _add(
            findings,
            shown,
            root,
            "params-yaml",
            "a params file must be a mapping of names to values",
        )
    return findings


def lint_dvc_yaml(
    path: Path, shown: str, data: bytes, *, tracked: set[str] | None = None
) -> list[Finding]:
    """Every finding in one dvc.yaml. ``tracked``: repo paths of outputs of other dvc.yaml files."""
    findings: list[Finding] = []
    try:
        root = parse_yaml(data)
    except YamlError as error:
        return [Finding(shown, error.line, error.column, "error", "dvc-yaml", error.message)]
    if root is None:
        return findings
    if not isinstance(root, Mapping):
        _add(findings, shown, root, "dvc-yaml", "dvc.yaml must be a mapping (stages:, plots:, ...)")
        return findings
    stages = root.get("stages")
    if stages is None:
        return findings
    if not isinstance(stages, Mapping):
        _add(
            findings, shown, stages, "dvc-yaml", "stages must be a mapping of stage names to stages"
        )
        return findings
    base_dir = path.parent
    outs: list[_Out] = []
    params_cache: dict[Path, tuple[Any, str | None]] = {}
    stage_list: list[tuple[str, Mapping, str]] = []
    for key, node in stages:
        name = str(key.value)
        stage = mapping(node)
        if stage is None:
            _add(findings, shown, node, "dvc-yaml", f"stage {name!r} must be a mapping")
            continue
        if stage.key_node("foreach") is not None or stage.key_node("matrix") is not None:
            continue
        if stage.get("cmd") is None:
            _add(findings, shown, key, "dvc-yaml", f"stage {name!r} has no 'cmd'")
        wdir = text(stage.get("wdir")) or ""
        if _templated(wdir):
            continue
        wdir = posixpath.normpath(wdir) if wdir else ""
        stage_list.append((name, stage, wdir))
        for section in _OUT_SECTIONS:
            for entry in items(stage.get(section)):
                value, anchor = _entry_path(entry)
                if value and not _templated(value) and "://" not in value:
                    outs.append(_Out(name, _normalize(wdir, value), anchor))
    _overlaps(findings, shown, outs)
    produced = [o.path for o in outs]
    for name, stage, wdir in stage_list:
        for entry in items(stage.get("deps")):
            value, anchor = _entry_path(entry)
            if not value or _templated(value) or "://" in value:
                continue
            relative = _normalize(wdir, value)
            if _exists(base_dir, relative, produced, tracked or set()):
                continue
            _add(
                findings,
                shown,
                anchor,
                "dvc-missing-dep",
                f"dependency {value!r} of stage {name!r} does not exist, is no stage's "
                "output and is not tracked by a .dvc file, so `dvc repro` fails "
                "('missing dependency'); create it, `dvc add` it, or fix the path",
            )
        _params(findings, shown, base_dir, name, stage, wdir, params_cache)
    return findings


def _exists(base: Path, relative: str, produced: list[str], tracked: set[str]) -> bool:
    target = base / relative
    if target.exists():
        return True
    if any(_inside(relative, out) or _inside(out, relative) for out in produced):
        return True
    parts = Path(relative).parts
    for count in range(len(parts), 0, -1):
        prefix = base.joinpath(*parts[:count])
        if prefix.with_name(prefix.name + ".dvc").is_file():
            return True
    resolved = target.resolve().as_posix()
    return any(_inside(resolved, t) for t in tracked)


def _params(
    findings: list[Finding],
    shown: str,
    base: Path,
    stage_name: str,
    stage: Mapping,
    wdir: str,
    cache: dict[Path, tuple[Any, str | None]],
) -> None:
    wanted: list[tuple[str, str | None, Node]] = []  # (file, key or None for the whole file, node)
    for entry in items(stage.get("params")):
        if isinstance(entry, Scalar):
            key = text(entry)
            if key and not _templated(key):
                wanted.append((DEFAULT_PARAMS, key, entry))
        elif isinstance(entry, Mapping):
            for file_node, keys in entry:
                file_name = str(file_node.value)
                if _templated(file_name):
                    continue
                listed = [k for k in items(keys) if isinstance(k, Scalar)]
                if not listed:
                    wanted.append((file_name, None, file_node))
                for key_node in listed:
                    key = text(key_node)
                    if key and not _templated(key):
                        wanted.append((file_name, key, key_node))
    reported_files: set[Path] = set()
    for file_name, key, node in wanted:
        file_path = base / _normalize(wdir, file_name)
        if file_path not in cache:
            cache[file_path] = load_params(file_path) if file_path.is_file() else (None, "missing")
        data, problem = cache[file_path]
        shown_file = _normalize(wdir, file_name)
        if problem == "missing":
            if file_path not in reported_files:
                reported_files.add(file_path)
                _add(
                    findings,
                    shown,
                    node,
                    "dvc-missing-params-file",
                    f"stage {stage_name!r} reads params from {shown_file}, which does not exist",
                )
            continue
        if problem is not None or data is None or key is None:
            continue  # unreadable files are reported when linted; .py params are not read
        if not _has_key(data, key):
            _add(
                findings,
                shown,
                node,
                "dvc-missing-param",
                f"stage {stage_name!r} reads param {key!r}, which {shown_file} does not define",
            )


def _overlaps(findings: list[Finding], shown: str, outs: list[_Out]) -> None:
    for index, out in enumerate(outs):
        for earlier in outs[:index]:
            if not (_inside(out.path, earlier.path) or _inside(earlier.path, out.path)):
                continue
            how = "is the same path as" if out.path == earlier.path else "overlaps"
            _add(
                findings,
                shown,
                out.node,
                "dvc-overlapping-outs",
                f"output {out.path!r} of stage {out.stage!r} {how} {earlier.path!r} of stage "
                f"{earlier.stage!r} (line {earlier.node.line}); DVC refuses overlapping outputs",
            )
            break


def outputs_of(path: Path, data: bytes) -> set[str]:
    """Absolute posix paths of a dvc.yaml's outputs (for deps produced by another dvc.yaml)."""
    try:
        root = parse_yaml(data)
    except YamlError:
        return set()
    result: set[str] = set()
    stages = mapping(root.get("stages")) if isinstance(root, Mapping) else None
    for _, node in stages or ():
        stage = mapping(node)
        if stage is None:
            continue
        wdir = text(stage.get("wdir")) or ""
        for section in _OUT_SECTIONS:
            for entry in items(stage.get(section)):
                value, _ = _entry_path(entry)
                if value and not _templated(value) and not _templated(wdir):
                    result.add((path.parent / _normalize(wdir, value)).resolve().as_posix())
    return result
