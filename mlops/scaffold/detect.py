"""What an existing repository already has, as default answers for ``mlops generate``.

The Python version (``.python-version``, ``runtime.txt``, ``requires-python``), where the
dependencies are (``requirements.txt`` at the root or one level down, or ``pyproject.toml``),
the repository's own pins of the tools CI installs (pytest, ruff), the package with a
``serve`` module (``src/<package>/serve.py``), and the DVC remote (``.dvc/config``). Only
what is found is returned; the template's defaults fill the rest. What does not fit the
template is returned as a :class:`Misfit` naming where it came from, for ``generate`` to
refuse with (unless ``--data`` answers that question).
"""

from __future__ import annotations

import configparser
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEV_REQUIREMENTS = ("requirements-dev.txt", "requirements_dev.txt", "dev-requirements.txt")
TOOLS = {"pytest": "pytest_requirement", "ruff": "ruff_requirement"}
_SKIP = {".git", ".venv", "venv", "node_modules", ".tox", "build", "dist"}
_REMOTE_URL = re.compile(r"^(s3|gs|azure)://[^/]+")


@dataclass(frozen=True)
class Misfit:
    """A value the repository declares that the template cannot take: the question it
    answers, and one line saying where it came from."""

    question: str
    message: str


def detect(root: Path, python_versions: tuple[str, ...] = ()) -> dict[str, Any]:
    """Answers found in ``root``; misfits under the key ``"misfits"`` (a list)."""
    found: dict[str, Any] = {"project_name": _project_name(root)}
    misfits: list[Misfit] = []
    version = _python_version(root, python_versions, misfits)
    if version:
        found["python_version"] = version
    requirements = _requirements(root, misfits)
    if requirements is not None:
        found["requirements"] = requirements
    dev = next((name for name in DEV_REQUIREMENTS if (root / name).is_file()), "")
    found["dev_requirements"] = dev
    found.update(_tool_pins(root, [r for r in (requirements, dev) if r]))
    servers = list(root.glob("src/*/serve.py"))
    if len(servers) == 1:  # the package `python -m <package>.serve` runs
        found["package_name"] = servers[0].parent.name
    remote = _dvc_remote(root)
    if remote:
        name, url = remote
        found["dvc_remote"] = url
        if "://" in url and not _REMOTE_URL.match(url):
            misfits.append(
                Misfit(
                    "dvc_remote",
                    f".dvc/config: remote '{name}' url {url} is not supported (a local "
                    "directory or an s3://, gs:// or azure:// URL); -d dvc_remote=... "
                    "overrides it",
                )
            )
    found["misfits"] = misfits
    return found


def _requirements(root: Path, misfits: list[Misfit]) -> str | None:
    """The requirements file CI installs: at the root, else the one a level down
    (``src/requirements.txt``); ``""`` installs the project from pyproject.toml."""
    if (root / "requirements.txt").is_file():
        return "requirements.txt"
    if (root / "pyproject.toml").is_file():
        return ""
    below = sorted(
        p.relative_to(root).as_posix()
        for p in root.glob("*/requirements.txt")
        if p.parent.name not in _SKIP and p.is_file()
    )
    if len(below) == 1:
        return below[0]
    if below:
        misfits.append(
            Misfit(
                "requirements",
                f"several requirements files ({', '.join(below)}) and none at the root: "
                "choose with -d requirements=PATH",
            )
        )
    return None


def _project_name(root: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", root.name).strip("-._")
    return name or "ml-project"


def _python_version(root: Path, offered: tuple[str, ...], misfits: list[Misfit]) -> str | None:
    """The version a pin (``.python-version``, ``runtime.txt``) names, if the template
    offers it; else the lowest offered version ``requires-python`` allows."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    for name in (".python-version", "runtime.txt"):
        path = root / name
        if not path.is_file():
            continue
        pinned: list[str] = re.findall(r"(\d+\.\d+)", path.read_text(errors="replace"))[:1]
        if not pinned:
            continue
        if not offered or pinned[0] in offered:
            return pinned[0]
        misfits.append(
            Misfit(
                "python_version",
                f"{name}: Python {pinned[0]} is not one the template offers "
                f"({', '.join(offered)}); -d python_version=X.Y overrides it",
            )
        )
        return None
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        project = tomllib.loads(pyproject.read_text()).get("project", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    requires = str(project.get("requires-python", "")).strip()
    if not requires:
        return None
    try:
        allowed = SpecifierSet(requires)
    except InvalidSpecifier:
        return None
    fitting = [v for v in offered if allowed.contains(f"{v}.0", prereleases=True)]
    if fitting:
        return fitting[0]
    if offered:
        misfits.append(
            Misfit(
                "python_version",
                f"pyproject.toml: requires-python {requires!r} allows none of the template's "
                f"Pythons ({', '.join(offered)}); -d python_version=X.Y overrides it",
            )
        )
    return None


def _tool_pins(root: Path, files: list[str]) -> dict[str, str]:
    """The repository's own requirement of each tool CI installs beside the project, when
    it pins one (``pytest==8.3.4``): installing the template's pin beside it could not
    resolve."""
    from packaging.requirements import InvalidRequirement, Requirement

    lines: list[str] = []
    for name in files:
        path = root / name
        if path.is_file():
            lines += path.read_text(errors="replace").splitlines()
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            document = tomllib.loads(pyproject.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            document = {}
        project = document.get("project", {})
        lines += [str(x) for x in project.get("dependencies", [])]
        for group in (project.get("optional-dependencies", {}) or {}).values():
            lines += [str(x) for x in group]
        for group in (document.get("dependency-groups", {}) or {}).values():
            lines += [x for x in group if isinstance(x, str)]
    pins: dict[str, str] = {}
    for line in lines:
        text = line.split("#", 1)[0].strip().rstrip("\\").strip()
        if not text or text.startswith("-"):
            continue
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        key = TOOLS.get(requirement.name.lower())
        if key and requirement.specifier and key not in pins:
            pins[key] = f"{requirement.name}{requirement.specifier}"
    return pins


def _dvc_remote(root: Path) -> tuple[str, str] | None:
    """The default remote's name and url in ``.dvc/config``."""
    config_file = root / ".dvc" / "config"
    if not config_file.is_file():
        return None
    parser = configparser.ConfigParser()
    try:
        parser.read_string(config_file.read_text())
    except (configparser.Error, UnicodeDecodeError):
        return None
    default = parser.get("core", "remote", fallback="").strip()
    section = f"'remote \"{default}\"'"
    for name in (section, f'remote "{default}"'):
        if parser.has_section(name):
            url = parser.get(name, "url", fallback="").strip()
            return (default, url) if url else None
    return None
