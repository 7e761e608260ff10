"""``mlops report``: the pull-request comment a reviewer reads.

Compares the workspace with a base revision through DVC's Python API, in one process:
metrics (with direction, deltas and thresholds), params, plots rendered offline to PNG,
and the pipeline's stage status; renders markdown (or JSON) under GitHub's comment limit.

Modules: ``base`` (which revision to compare with, fetching it in shallow clones),
``config`` (``[tool.mlops.report]`` in pyproject.toml), ``collect`` (DVC -> data),
``compare`` (pure: deltas and the verdict), ``plots`` (matplotlib, offline),
``markdown`` and ``jsonout`` (output), ``build`` (the whole report).
Nothing here is imported by ``mlops --help``: the command imports it when it runs.
"""
