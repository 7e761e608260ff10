"""A job's ``container`` and ``services`` as GitHub's runner takes them, once evaluated.

An image that evaluates to an empty string means no container: a job container with an empty
image runs the job on the runner host, and a service with an empty image is not started
("The service 'NAME' will not be started because the container definition has an empty
image.", actions/runner JobExtension) — so ``image: ${{ matrix.db }}`` can turn a service on
for some legs only. Pure: the runner evaluates the expressions, any backend applies this.
"""

from __future__ import annotations

from typing import Any

from mlops.workflow.model import scalar_text


def _image(spec: Any) -> str:
    if isinstance(spec, dict):
        image = spec.get("image")
        return "" if image is None else scalar_text(image).strip()
    return "" if spec is None else scalar_text(spec).strip()


def job_container(evaluated: Any) -> dict[str, Any] | None:
    """The job container (``image`` and the rest), or None when the job runs on the host."""
    image = _image(evaluated)
    if not image:
        return None
    return {**evaluated, "image": image} if isinstance(evaluated, dict) else {"image": image}


def job_services(evaluated: Any) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The services to start, and the names of those not started for an empty image."""
    started: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    for name, spec in (evaluated or {}).items() if isinstance(evaluated, dict) else ():
        container = job_container(spec)
        if container is None:
            skipped.append(str(name))
        else:
            started[str(name)] = container
    return started, skipped


def empty_image_notice(name: str) -> str:
    return (
        f"The service '{name}' will not be started because the container definition "
        "has an empty image."
    )
