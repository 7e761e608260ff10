"""Docker actions on the engine: the images they run (``docker://`` names, or built from the
action's Dockerfile) and one container per step, run to completion.

Used by both backends: on the host, as on a GitHub Linux runner, a docker action still runs
in a container, through a Docker engine session made when the first docker step needs one
(the docker backend's own session otherwise). Images are never pulled without ``--pull``;
a Dockerfile is built only when every ``FROM`` image is on this machine (the builder would
pull it otherwise). A built image is tagged and labelled with the run, made once per job and
Dockerfile (as GitHub builds once per job; the engine's layer cache makes the next job's build
cheap) and removed at the end of the run, so nothing accumulates on the machine. Every
container carries the run's label and is removed when its step ends; a timeout or cancel
kills it.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops.errors import UsageError
from mlops.runner.backends.host import ProcessResult
from mlops.runner.lines import LineSplitter

if TYPE_CHECKING:
    from mlops.runner.state import RunState
    from mlops.workflow.plan import Plan

WORKDIR = "/github/workspace"
POLL = 0.2  # seconds between checks for a timeout or cancel while a container runs
_engines_lock = threading.Lock()


class EngineUnavailable(Exception):
    """No Docker engine can be reached; the message says how to start one."""


class ActionEngine:
    """One run's use of the Docker engine for docker actions: its session and built images."""

    def __init__(self, state: RunState) -> None:
        self.session: Any = state.docker
        self.owned = False
        self.unavailable = ""
        if self.session is None:
            from mlops.runner.backends.docker import DockerSession

            try:
                self.session = DockerSession(state.record.path.name, {}, state.options.pull)
                self.owned = True
            except UsageError as error:
                self.unavailable = error.message
        self.built: dict[str, str] = {}  # Dockerfile (real path) -> image tag
        self._lock = threading.Lock()

    def require(self) -> Any:
        """The session, or EngineUnavailable saying how to start an engine."""
        if self.session is None:
            raise EngineUnavailable(f"docker actions need a Docker engine; {self.unavailable}")
        return self.session

    def image(self, name: str, where: str) -> str:
        """``name``, checked to be on this machine (pulled only with ``--pull``)."""
        self.require().image_config(name, where)
        return name

    def build(
        self,
        dockerfile: Path,
        where: str,
        on_line: Callable[[str], None],
        stop: Callable[[], str],
    ) -> str:
        """The image built from ``dockerfile`` (its directory is the context), once per path."""
        session = self.require()
        key = os.path.realpath(dockerfile)
        with self._lock:  # one build at a time: a second job's build is then a cache hit
            if key in self.built:
                return self.built[key]
            for image in from_images(dockerfile.read_text(encoding="utf-8", errors="replace")):
                session.image_config(image, f"{where}: Dockerfile FROM")
            tag = f"mlops-action/{session.run_id.lower()}:{os.urandom(6).hex()}"
            _build(session, dockerfile, tag, where, on_line, stop)
            self.built[key] = tag
            return tag

    def run(
        self,
        image: str,
        *,
        entrypoint: str,
        args: list[str] | None,
        env: dict[str, str],
        mounts: dict[Path, str],
        network: str | None,
        on_line: Callable[[str], None],
        timeout: float,
        cancelled: threading.Event,
    ) -> ProcessResult:
        """One container of ``image``: its output lines as they come, its exit code; killed
        on timeout or cancel, removed in every case."""
        session = self.require()
        if cancelled.is_set():
            return ProcessResult(-1, cancelled=True)
        container = session.client.containers.create(
            image,
            command=args,
            entrypoint=[entrypoint] if entrypoint else None,
            environment=env,
            working_dir=WORKDIR,
            volumes=[f"{host}:{inside}" for host, inside in mounts.items()],
            labels=session.label,
            network=network,
            name=f"mlops-action-{session.run_id}-{os.urandom(4).hex()}",
            detach=True,
        )
        try:
            container.start()
            stream = container.logs(stream=True, follow=True)
            done = threading.Event()
            reader = threading.Thread(target=_lines, args=(stream, on_line, done), daemon=True)
            reader.start()
            deadline = time.monotonic() + timeout
            timed_out = False
            while not done.wait(POLL):
                timed_out = time.monotonic() > deadline
                if timed_out or cancelled.is_set():
                    with contextlib.suppress(session.errors.DockerException):
                        container.kill()
                    done.wait(5)
                    break
            exit_code = container.wait(timeout=30).get("StatusCode", -1)
            return ProcessResult(exit_code, timed_out=timed_out, cancelled=cancelled.is_set())
        finally:
            with contextlib.suppress(session.errors.DockerException):
                container.remove(force=True, v=True)

    def give_back(self, paths: list[Path], image: str) -> None:
        """Files a container's root user made under ``paths`` given to this user (as whom
        mlops runs), so the job can change and remove them; nothing to do as root."""
        if os.getuid() == 0 or not paths:
            return
        session = self.require()
        with contextlib.suppress(session.errors.DockerException):
            session.client.containers.run(
                image,
                entrypoint=["chown"],
                command=[
                    "-R",
                    f"{os.getuid()}:{os.getgid()}",
                    *(f"/m{i}" for i in range(len(paths))),
                ],
                volumes=[f"{path}:/m{i}" for i, path in enumerate(paths)],
                user="0",
                labels=session.label,
                remove=True,
                network_mode="none",
            )

    def close(self) -> None:
        """Remove the run's action containers (left by a cancel) and the images it built."""
        if self.session is None:
            return
        errors = self.session.errors
        if self.owned:
            self.session.cleanup()
        for tag in self.built.values():
            with contextlib.suppress(errors.DockerException):
                self.session.client.images.remove(tag, force=True)


def engine_for(state: RunState) -> ActionEngine:
    """The run's :class:`ActionEngine`, made on first use."""
    with _engines_lock:
        if state.action_engine is None:
            state.action_engine = ActionEngine(state)
        engine: ActionEngine = state.action_engine
        return engine


def check_step_images(state: RunState, plan: Plan) -> None:
    """Exit 2 before anything runs when a ``docker://`` step's image is not on this machine
    (as a job's image is); with no engine reachable, the steps fail, saying so."""
    images: list[tuple[str, str]] = []
    for planned in plan.jobs.values():
        for step in planned.job.steps:
            uses = step.uses or ""
            if step.kind == "docker-action" and "${{" not in uses:
                images.append((uses.removeprefix("docker://"), f"{planned.key}: {uses}"))
    if not images:
        return
    engine = engine_for(state)
    if engine.session is None:
        return
    for image, where in images:
        engine.image(image, where)


FROM_LINE = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", re.IGNORECASE)
ARG_LINE = re.compile(r"^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?", re.IGNORECASE)


def from_images(dockerfile: str) -> list[str]:
    """The images a Dockerfile's ``FROM`` lines name (not ``scratch``, not an earlier stage),
    with the defaults of the ``ARG``s before the first ``FROM`` substituted."""
    text = re.sub(r"\\\r?\n", " ", dockerfile)
    args: dict[str, str] = {}
    stages: set[str] = set()
    images: list[str] = []
    seen_from = False
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        arg = ARG_LINE.match(line)
        if arg and not seen_from:
            args[arg.group(1)] = (arg.group(2) or "").strip("\"'")
            continue
        found = FROM_LINE.match(line)
        if not found:
            continue
        seen_from = True
        image = re.sub(
            r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: args.get(m.group(1), ""), found.group(1)
        )
        if found.group(2):
            stages.add(found.group(2).lower())
        if image.lower() != "scratch" and image.lower() not in stages and image not in images:
            images.append(image)
    return images


def _build(
    session: Any,
    dockerfile: Path,
    tag: str,
    where: str,
    on_line: Callable[[str], None],
    stop: Callable[[], str],
) -> None:
    """``docker build`` of ``dockerfile`` in its directory; its output lines shown."""
    failure: list[str] = []
    done = threading.Event()

    def read() -> None:
        try:
            chunks: Iterator[dict[str, Any]] = session.client.api.build(
                path=str(dockerfile.parent),
                dockerfile=dockerfile.name,
                tag=tag,
                labels=session.label,
                rm=True,
                forcerm=True,
                pull=False,
                decode=True,
            )
            for chunk in chunks:
                if "error" in chunk:
                    failure.append(str(chunk["error"]).strip())
                for text in str(chunk.get("stream") or "").splitlines():
                    if text.strip():
                        on_line(text.rstrip())
        except session.errors.DockerException as error:
            failure.append(_explain(error))
        except Exception as error:  # the build context could not be read
            failure.append(f"{type(error).__name__}: {error}")
        finally:
            done.set()

    threading.Thread(target=read, daemon=True).start()
    while not done.wait(POLL):
        why = stop()
        if why:  # the engine ends the build when this process goes
            raise BuildStopped(why)
    if failure:
        first = failure[0].splitlines()[0] if failure[0] else "failed"
        raise UsageError(f"{where}: docker build failed: {first}")


class BuildStopped(Exception):
    """The step timed out or was cancelled while its image was being built."""


def _lines(stream: Any, on_line: Callable[[str], None], done: threading.Event) -> None:
    splitter = LineSplitter(on_line)
    try:
        for chunk in stream:
            splitter.feed(chunk)
        splitter.close()
    except Exception:  # the stream ends when the container is killed or removed
        pass
    finally:
        done.set()


def _explain(error: Exception) -> str:
    text = str(getattr(error, "explanation", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
