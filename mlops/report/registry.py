"""The model registry kept in git by GTO: which version of each artifact is in each stage now.

Versions and stage assignments are git tags (``model@v1.2.0``, ``model#prod#3``); GTO's
Python API reads them (imported here only, and only when the repository has such a tag, so
a project without a registry pays nothing). The report shows, per stage, the version in it
and the metrics at its commit: what the pull request's candidate would replace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops.report.base import git

# GTO's tag shapes: <artifact>@<version> (registration), <artifact>#<stage>... (assignment).
TAG_PATTERNS = ("*@*", "*#*")


@dataclass
class StageVersion:
    """The version of ``artifact`` that is in ``stage`` now, and its commit."""

    artifact: str
    stage: str
    version: str
    sha: str
    tag: str = ""
    metrics: list[Any] = field(default_factory=list)  # MetricRow: stage's vs the candidate's

    @property
    def short(self) -> str:
        return self.sha[:7]


def has_registry_tags(root: Path) -> bool:
    result = git(root, "tag", "--list", *TAG_PATTERNS)
    return result.returncode == 0 and bool(result.stdout.strip())


def stage_versions(root: Path, warnings: list[str]) -> list[StageVersion]:
    """Every (artifact, stage) that has a version now, in GTO's order. A registry GTO
    cannot read adds a warning and gives nothing; so does a missing gto."""
    if not has_registry_tags(root):
        return []
    try:
        from gto import api
    except ImportError:
        warnings.append("the model registry's tags were not read: gto is not installed")
        return []
    try:
        shown = api.show(str(root), table=False)
        found = []
        for artifact, entry in shown.items():
            for stage, version in (entry.get("stage") or {}).items():
                if not version:
                    continue
                found.append(_in_stage(api, root, artifact, stage, str(version)))
    except Exception as error:  # GTO raises many kinds; one line says why
        text = " ".join(str(error).split()) or type(error).__name__
        warnings.append(f"the model registry (GTO tags) could not be read: {text}")
        return []
    return [entry for entry in found if entry is not None]


def _in_stage(api: Any, root: Path, artifact: str, stage: str, version: str) -> StageVersion | None:
    for vstage in api.find_versions_in_stage(str(root), artifact, stage) or []:
        if vstage.version != version:
            continue
        tags = [a.tag for a in vstage.assignments if getattr(a, "tag", None)]
        return StageVersion(
            artifact, stage, version, vstage.commit_hexsha, tags[-1] if tags else ""
        )
    return None
