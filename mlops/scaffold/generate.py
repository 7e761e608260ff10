"""``mlops generate``: add one component (a workflow, a Dockerfile) to an existing repository.

The component is rendered with answers detected from the repository (see
:mod:`mlops.scaffold.detect`) and ``--data``, into a scratch directory; then copied into
place only if none of its files exists (``--force`` overwrites). Each component keeps its
own answers file, so ``mlops update`` can update it on its own, and its pristine rendering
is recorded in git for that update.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from mlops.errors import UsageError
from mlops.flagvalues import split_pairs
from mlops.scaffold import pristine
from mlops.scaffold.detect import detect
from mlops.scaffold.questions import check_answers, load_questions
from mlops.scaffold.render import Source, builtin_source, render, user_source

COMPONENTS = {
    "workflow": ("ci", "train", "release", "monitor", "deploy"),
    "dockerfile": ("train", "serve"),
}
_NEEDS_DVC = {
    "workflow-train",
    "workflow-monitor",
    "workflow-deploy",
    "dockerfile-train",
    "dockerfile-serve",
}
# Components that run a module of the project's package: ``python -m <package>.<module>``.
_RUNS_MODULE = {
    "dockerfile-serve": ("dockerfile serve", "serve"),
    "workflow-monitor": ("workflow monitor", "monitor"),
}


@dataclass
class GenerateResult:
    component: str
    root: Path
    files: list[str]
    overwritten: list[str] = field(default_factory=list)
    version: str = ""
    pretend: bool = False
    recorded: bool = False  # the pristine rendering is in git, for `mlops update`
    unchanged: list[str] = field(default_factory=list)  # already there, byte for byte


def answers_file_name(component: str) -> str:
    return f".copier-answers.{component}.yml"


def generate(
    kind: str,
    name: str,
    root: Path,
    *,
    template: str | None = None,
    data: tuple[str, ...] | list[str] = (),
    force: bool = False,
    pretend: bool = False,
) -> GenerateResult:
    if name not in COMPONENTS[kind]:
        raise UsageError(f"{kind} {name}: unknown; choose one of: {', '.join(COMPONENTS[kind])}")
    component = f"{kind}-{name}"
    root = root.absolute()
    if not root.is_dir():
        raise UsageError(f"{root}: no such directory")
    source = user_source(template) if template else builtin_source(component)
    given = dict(split_pairs(data, "--data", name="KEY"))
    answers: dict[str, object] = {}
    if source.builtin:
        if component in _NEEDS_DVC and not (root / "dvc.yaml").is_file():
            raise UsageError(
                f"{kind} {name} runs the DVC pipeline, and {root} has no dvc.yaml "
                "(dvc init, then describe the stages in dvc.yaml)"
            )
        questions = load_questions(Path(source.location))
        offered = questions["python_version"].choices if "python_version" in questions else ()
        found = detect(root, tuple(offered))
        for misfit in found.pop("misfits"):
            if misfit.question in questions and misfit.question not in given:
                raise UsageError(f"{kind} {name}: {misfit.message}")
        answers = {k: v for k, v in found.items() if k in questions}
        answers.update(check_answers(given, questions))
        for key in ("requirements", "dev_requirements"):
            path = given.get(key)
            if key in questions and path and not (root / path).is_file():
                raise UsageError(f"--data {key}={path}: no such file in {root}")
        if component in _RUNS_MODULE:
            _check_module(root, answers, given, *_RUNS_MODULE[component])
    else:
        answers = dict(given)
    answers_file = answers_file_name(component)
    with tempfile.TemporaryDirectory(prefix="mlops-generate-") as scratch:
        rendered = Path(scratch) / "rendered"
        version = render(source, rendered, answers, answers_file=answers_file)
        files = sorted(
            p.relative_to(rendered).as_posix()
            for p in rendered.rglob("*")
            if p.is_file() or p.is_symlink()
        )
        existing = [f for f in files if _differs(rendered / f, root / f)]
        unchanged = [
            f
            for f in files
            if f not in existing and (root / f).is_file() and not (root / f).is_symlink()
        ]
        if existing and not force:
            raise UsageError(
                f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''} "
                f"in {root}; nothing was written. Pass --force to overwrite, or use "
                "`mlops update` to bring a generated component up to date"
            )
        result = GenerateResult(
            component, root, files, existing, version, pretend, unchanged=unchanged
        )
        if pretend:
            return result
        for name_ in files:
            target = root / name_
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink() or target.exists():
                target.unlink()
            shutil.copy2(rendered / name_, target, follow_symlinks=False)
        result.recorded = record_pristine(source, root, rendered, answers_file, version)
    return result


def _check_module(
    root: Path, answers: dict[str, object], given: dict[str, str], what: str, module: str
) -> None:
    """The component runs ``python -m <package>.<module>``: that module must exist."""
    found = sorted(p.parent.name for p in root.glob(f"src/*/{module}.py"))
    if "package_name" not in given:  # the package that has the module, if only one does
        answers.pop("package_name", None)
        if len(found) == 1:
            answers["package_name"] = found[0]
    package = answers.get("package_name")
    if not package:
        raise UsageError(
            f"{what} runs `python -m <package>.{module}`, and {root} has "
            + (
                f"several (src/{{{','.join(found)}}}/{module}.py): choose with -d package_name=NAME"
                if found
                else f"no src/<package>/{module}.py (mlops new's template has one; "
                "`mlops update` brings it into an older project)"
            )
        )
    if not (root / "src" / str(package) / f"{module}.py").is_file():
        raise UsageError(
            f"{what} runs `python -m {package}.{module}`, and {root} has no "
            f"src/{package}/{module}.py"
        )


def _differs(rendered: Path, present: Path) -> bool:
    """A file there with other content (the same bytes, e.g. the actionlint config two
    workflow components share, is not an overwrite)."""
    if not (present.exists() or present.is_symlink()):
        return False
    if present.is_symlink() or not present.is_file() or rendered.is_symlink():
        return True
    return present.read_bytes() != rendered.read_bytes()


def record_pristine(
    source: Source, root: Path, rendered: Path, answers_file: str, version: str
) -> bool:
    """Keep the rendering in the repository's git objects for a later `mlops update`."""
    top = pristine.repository_top(root)
    if top is None:
        return False
    prefix = root.resolve().relative_to(top.resolve()).as_posix()
    pristine.record(
        top,
        rendered,
        "" if prefix == "." else prefix,
        answers_file,
        f"mlops: pristine rendering of {source.recorded} {version}".rstrip(),
    )
    return True
