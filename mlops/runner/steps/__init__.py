"""Steps: one handler per kind of step, behind one interface (``pre`` / ``main`` / ``post``).

The workflow model gives each step a ``kind`` (:attr:`mlops.workflow.model.Step.kind`);
:func:`handler_for` turns it into a handler, as act's ``step_factory.go`` and GitHub's
``HandlerFactory`` do:

- ``script``: :class:`~mlops.runner.steps.script.ScriptStep`
- ``action`` built into mlops: :class:`~mlops.runner.steps.builtin.BuiltinAction`
- ``local-action`` (and an ``action`` mapped with ``--local-repository``): ``action.yml``'s
  ``runs.using`` picks :class:`~mlops.runner.steps.composite.CompositeAction` or
  :class:`~mlops.runner.steps.node.NodeAction`
- ``docker-action`` (``docker://IMAGE``), and a local action whose ``runs.using`` is
  ``docker``: :class:`~mlops.runner.steps.container.ContainerAction`, on either backend

A job that calls a reusable workflow is not a step; its result is made in
:mod:`mlops.runner.steps.call`. The lifecycle every step goes through (``if``, timeouts,
continue-on-error, outcome and conclusion) is :mod:`mlops.runner.steps.lifecycle`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops.runner.steps.base import StepFailure, StepHandler

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.model import Step


def handler_for(job: JobRun, step: Step) -> StepHandler:
    kind = step.kind
    if kind == "script":
        from mlops.runner.steps.script import ScriptStep

        return ScriptStep()
    uses = step.uses or ""
    if kind == "docker-action":
        from mlops.runner.steps.container import docker_action

        return docker_action(uses)
    if kind == "local-action":
        from mlops.runner.containment import contained
        from mlops.runner.steps.local import local_action

        return local_action(contained(job, uses, "uses", [job.workspace]), uses, [job.workspace])
    name = uses.partition("@")[0]
    mapped = job.state.options.local_repositories.get(uses)
    if mapped is not None:
        from mlops.runner.steps.local import local_action

        owner_repo = "/".join(name.split("/")[:2])
        directory = mapped / name[len(owner_repo) :].lstrip("/")
        return local_action(directory, uses, [mapped], remote=True)
    from mlops.runner.steps.builtin import BuiltinAction, builtin_actions

    implementation = builtin_actions().get(name.lower())
    if implementation is not None:
        return BuiltinAction(implementation)
    raise StepFailure(
        f"{uses} is not built into mlops and cannot be downloaded here; map it to a local "
        f"checkout with --local-repository {uses}=PATH"
    )
