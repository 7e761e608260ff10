"""Where a job's processes run: ``host`` (this machine) now, ``docker`` next.

A backend is made per job (per matrix leg) by the engine and owns everything that job's
processes touch. The contract a backend implements (see :class:`host.HostBackend`):

- ``paths``: a :class:`JobPaths` — the job's ``workspace``, runner ``temp`` and ``tool_cache``
  as the runner sees them on this machine, and ``step_paths`` the same directories as a step
  sees them (identical on the host; the mount points inside a container for docker). Step
  environment variables (``GITHUB_WORKSPACE``, ``RUNNER_TEMP``, the command files) and the
  ``github``/``runner`` contexts use ``step_paths``.
- ``start()``: make the job's environment (the host: its directories; docker: the container,
  with the workspace and temp mounted or copied in). ``close()``: end every process the job
  started and remove what ``start()`` made; called once, also after a failure or cancel.
- ``run(argv, cwd=, env=, on_line=, timeout=)``: start one process in the job's environment
  with exactly ``env`` (the runner builds it; the backend adds nothing), its ``cwd`` and
  ``argv[0]`` as the step sees them; call ``on_line`` with each line of its combined
  stdout/stderr as it comes; return a :class:`host.ProcessResult` (exit code, timed out,
  cancelled). A timeout or ``cancel()`` ends the process and every descendant.
- ``cancel()`` and ``cancelled`` (a ``threading.Event``): end the job's processes now and
  refuse new ones (Ctrl-C, fail-fast).
- ``which(program, path)``: where ``program`` is on ``path`` inside the job's environment.
- ``probe(argv, env)``: run a short command of the runner's own in the job's environment
  (no log lines, no process group) and return a :class:`host.ProbeResult` (exit code, stdout,
  stderr). The built-in setup actions use it to learn what the job's environment has.
- ``local``: whether the job's processes run on this machine (the host; a docker job's
  ``-self-hosted`` label); ``where``: that place in words for messages ("this machine",
  "the container (IMAGE)"). Built-in setup actions take this machine's fast path when local.
- ``at_close(callback)``: call ``callback`` when the job ends, before its directories go
  (a helper thread the job needs, such as the relay of the ``cml`` shim in a container).
- ``copy_in(source, target)`` / ``copy_out(source, target)``: files between this machine and
  the job's environment (the host: a copy between directories). The built-in actions
  (checkout, cache, artifacts) work on ``paths`` on this machine and use these when the
  backend's directories are not this machine's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, eq=False)
class JobPaths:
    """A job's own directories."""

    workspace: Path
    temp: Path
    tool_cache: Path
