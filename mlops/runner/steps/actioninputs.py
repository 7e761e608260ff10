"""The inputs of a local action (composite, node or docker), as GitHub's ActionRunner makes
them: the ``with`` values, then each declared input's default evaluated (``${{
github.token }}`` and the like), else ``''``. As on GitHub, ``required: true`` is not
enforced (the action itself decides; ``@actions/core``'s ``getInput`` does), and inputs the
action does not declare are passed on with a warning."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.schema.actionfile import Action


def action_inputs(job: JobRun, action: Action, given: dict[str, str], uses: str) -> dict[str, str]:
    """The ``inputs`` the action sees; warns (as GitHub) about inputs it does not declare."""
    values = dict(given)
    for name, spec in action.inputs.items():
        if name not in values:
            values[name] = "" if spec.default is None else job.text(spec.default)
    valid = list(action.inputs)
    if action.using == "docker":
        valid += ["entryPoint", "args"]  # a container action always accepts these
    folded = {name.lower() for name in valid}
    unexpected = [name for name in given if name.lower() not in folded]
    if unexpected:
        separator = "', '"
        job.state.reporter.annotation(
            job.key,
            "warning",
            f"Unexpected input(s) '{separator.join(unexpected)}', valid inputs are "
            f"['{separator.join(valid)}']",
            {},
        )
    return values
