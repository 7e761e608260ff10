"""Local actions (``uses: ./path``, or a ``--local-repository`` mapping), as GitHub runs them:
``action.yml`` is read and its ``runs.using`` picks the handler (composite, node or docker),
as GitHub's HandlerFactory does.
"""

from __future__ import annotations

from pathlib import Path

from mlops.errors import MlopsError
from mlops.runner.steps.base import StepFailure, StepHandler
from mlops.workflow.schema.actionfile import load_action


def local_action(
    directory: Path, uses: str, roots: list[Path] | None = None, *, remote: bool = False
) -> StepHandler:
    """The handler for the action in ``directory``; ``roots`` hold the repository it came
    from (where a docker action's Dockerfile may be); ``remote``: it stands for an action of
    another repository (``--local-repository``), whose ``pre`` runs, unlike a local one's."""
    try:
        action = load_action(directory, uses)
    except MlopsError as error:
        raise StepFailure(str(error)) from None
    if action.using == "composite":
        from mlops.runner.steps.composite import CompositeAction

        return CompositeAction(action, directory, uses)
    if action.using.startswith("node"):
        from mlops.runner.steps.node import NodeAction

        return NodeAction(action, directory, uses, remote=remote)
    if action.using == "docker":
        from mlops.runner.steps.container import ContainerAction

        # The reader refuses a docker action without runs.image, and any other runs.using.
        return ContainerAction(
            uses, str(action.runs["image"]), action, directory, roots, remote=remote
        )
    raise AssertionError(f"{uses}: runs.using {action.using!r} passed the action reader")
