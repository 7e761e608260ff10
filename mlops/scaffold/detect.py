"""What an existing repository already has, as default answers for ``mlops generate``.

The Python version (``.python-version``, ``requires-python``, ``runtime.txt``), where the
dependencies are (``requirements*.txt`` or ``pyproject.toml``), the package with a
``serve`` module (``src/<package>/serve.py``), and the DVC remote
(``.dvc/config``). Only what is found is returned; the template's defaults fill the rest.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path
from typing import Any

PYTHON_VERSIONS = ("3.11", "3.12", "3.13", "3.14")  # the template's choices
DEV_REQUIREMENTS = ("requirements-dev.txt", "requirements_dev.txt", "dev-requirements.txt")


def detect(root: Path) -> dict[str, Any]:
    found: dict[str, Any] = {"project_name": _project_name(root)}
    version = _python_version(root)
    if version:
        found["python_version"] = version
    if (root / "requirements.txt").is_file():
        found["requirements"] = "requirements.txt"
    elif (root / "pyproject.toml").is_file():
        found["requirements"] = ""  # install the project itself
    dev = next((name for name in DEV_REQUIREMENTS if (root / name).is_file()), "")
    found["dev_requirements"] = dev
    servers = list(root.glob("src/*/serve.py"))
    if len(servers) == 1:  # the package `python -m <package>.serve` runs
        found["package_name"] = servers[0].parent.name
    remote = _dvc_remote(root)
    if remote:
        found["dvc_remote"] = remote
    return found


def _project_name(root: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", root.name).strip("-._")
    return name or "ml-project"


def _python_version(root: Path) -> str | None:
    candidates: list[str] = []
    for name in (".python-version", "runtime.txt"):
        path = root / name
        if path.is_file():
            candidates += re.findall(r"(\d+\.\d+)", path.read_text(errors="replace"))[:1]
    pyproject = root / "pyproject.toml"
    if not candidates and pyproject.is_file():
        try:
            project = tomllib.loads(pyproject.read_text()).get("project", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            project = {}
        requires = str(project.get("requires-python", ""))
        candidates += re.findall(r">=?\s*(\d+\.\d+)", requires)[:1]
    if not candidates:
        return None
    wanted = tuple(int(part) for part in candidates[0].split("."))
    supported = [tuple(int(p) for p in v.split(".")) for v in PYTHON_VERSIONS]
    chosen = min(max(wanted, supported[0]), supported[-1])  # nearest version we support
    return ".".join(map(str, chosen))


def _dvc_remote(root: Path) -> str | None:
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
            return parser.get(name, "url", fallback="").strip() or None
    return None
