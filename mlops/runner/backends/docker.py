"""The docker backend: each job's steps run in a container, beside its ``services:``.

One ``DockerSession`` per run talks to the engine through the docker SDK (imported here
only). For each job with services it makes a network and starts them on it (reachable by
their id from the job's container, and by their published port from the host), waits for
their health checks, then starts the job's container: its ``container:`` image, else the
image ``-P LABEL=IMAGE`` maps its ``runs-on`` label to (``-self-hosted``: steps on the host).
The job's private directory (its workspace copy, temp and command files) is mounted at the
same path inside, so file commands, built-in actions and paths in contexts work unchanged;
the user's tree is never mounted. Steps run through ``exec``; a timeout or cancel kills the
step's process group. Images are never pulled unless ``--pull``. Every container, network
and volume carries the run's label and is removed at the end of its job and of the run.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops.errors import UsageError
from mlops.runner.backends.host import HostBackend, ProbeResult, ProcessGroups, ProcessResult
from mlops.runner.lines import LineSplitter

if TYPE_CHECKING:
    from mlops.runner.job import JobRun
    from mlops.workflow.plan import Plan

RUN_LABEL = "dev.mlops.run"
SELF_HOSTED = "-self-hosted"
# act's defaults, so act users' images serve as they are.
DEFAULT_PLATFORMS = {
    "ubuntu-latest": "catthehacker/ubuntu:act-latest",
    "ubuntu-24.04": "catthehacker/ubuntu:act-24.04",
    "ubuntu-22.04": "catthehacker/ubuntu:act-22.04",
    "ubuntu-20.04": "catthehacker/ubuntu:act-20.04",
}
HEALTH_TIMEOUT = 180.0  # seconds a service may take to become healthy
KEEP_ALIVE = ["tail", "-f", "/dev/null"]  # the job container's command, as GitHub's


class ContainerError(Exception):
    """A job's container or service could not start; the job fails with this message."""


def engine_hint() -> str:
    where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    return (
        f"cannot reach the Docker engine at {where}: start it (`sudo systemctl start docker`, "
        "or `sudo dockerd &`) or point DOCKER_HOST at one"
    )


def configured_platforms(root: Path) -> dict[str, str]:
    """``[tool.mlops.run.platforms]`` (label = image) in the repository's pyproject.toml."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"{path}: {error}") from None
    table = data.get("tool", {}).get("mlops", {}).get("run", {}).get("platforms", {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise UsageError(f"{path}: [tool.mlops.run.platforms] maps labels to image names")
    return table


def parse_platforms(*layers: dict[str, str]) -> dict[str, str]:
    """act's defaults, then each layer (the config file, then -P flags); labels match
    case-insensitively."""
    merged = dict(DEFAULT_PLATFORMS)
    for layer in layers:
        merged.update({k.lower(): v for k, v in layer.items()})
    return merged


def _labels(runs_on: Any) -> list[str]:
    if isinstance(runs_on, dict):
        runs_on = runs_on.get("labels") or []
    labels = runs_on if isinstance(runs_on, list) else [runs_on]
    return [label for label in labels if isinstance(label, str)]


class DockerSession:
    """One run's connection to the engine and everything it created."""

    def __init__(
        self, run_id: str, platforms: dict[str, str], pull: bool, root: Path | None = None
    ) -> None:
        try:
            import docker
            import docker.errors
        except ImportError:  # pragma: no cover - a dependency
            raise UsageError(
                "--backend docker needs the docker package: pip install docker"
            ) from None
        self.errors = docker.errors
        try:
            self.client = docker.from_env(timeout=300)
            self.client.ping()
        except Exception:
            raise UsageError(engine_hint()) from None
        self.run_id = run_id
        self.label = {RUN_LABEL: run_id}
        config = configured_platforms(root) if root is not None else {}
        self.platforms = parse_platforms(config, platforms)
        self.pull = pull
        self._images: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    # -- images ---------------------------------------------------------------------------

    def image_for_labels(self, runs_on: Any) -> str:
        for label in _labels(runs_on):
            image = self.platforms.get(label.lower())
            if image:
                return image
        labels = ", ".join(_labels(runs_on)) or "(none)"
        raise ContainerError(
            f"runs-on {labels}: no image for this label; map one with -P LABEL=IMAGE"
        )

    def check_plan(self, plan: Plan) -> None:
        """Exit 2 before anything runs when an image the plan names is not on this machine."""
        for planned in plan.jobs.values():
            job = planned.job
            if job.uses:
                continue
            images: list[str] = []
            container = job.container
            image = container.get("image") if isinstance(container, dict) else container
            if isinstance(image, str) and image and "${{" not in image:
                images.append(image)
            elif container is None and not any("${{" in label for label in _labels(job.runs_on)):
                with contextlib.suppress(ContainerError):
                    images.append(self.image_for_labels(job.runs_on))
            for service in (job.services or {}).values():
                image = service.get("image") if isinstance(service, dict) else None
                if isinstance(image, str) and image and "${{" not in image:
                    images.append(image)
            for image in images:
                if image != SELF_HOSTED:
                    self.image_config(image, planned.key)

    def image_config(self, image: str, where: str) -> dict[str, Any]:
        """The image's config (env, healthcheck); pulled only with --pull."""
        with self._lock:
            if image in self._images:
                return self._images[image]
            try:
                found = self.client.images.get(image)
            except self.errors.ImageNotFound:
                if not self.pull:
                    raise UsageError(
                        f"{where}: image {image} is not on this machine; build or pull it "
                        "(docker pull), or run with --pull"
                    ) from None
                try:
                    found = self.client.images.pull(image)
                except self.errors.DockerException as error:
                    raise UsageError(f"{where}: cannot pull {image}: {_explain(error)}") from None
            self._images[image] = found.attrs.get("Config") or {}
            return self._images[image]

    def cleanup(self) -> None:
        """Remove every container, network and volume labelled with this run."""
        selector: dict[str, str | list[str] | bool] = {"label": f"{RUN_LABEL}={self.run_id}"}
        with contextlib.suppress(self.errors.DockerException):
            for container in self.client.containers.list(all=True, filters=selector):
                with contextlib.suppress(self.errors.DockerException):
                    container.remove(force=True, v=True)
            for network in self.client.networks.list(filters=selector):
                with contextlib.suppress(self.errors.DockerException):
                    network.remove()
            for volume in self.client.volumes.list(filters=selector):
                with contextlib.suppress(self.errors.DockerException):
                    volume.remove(force=True)


def _explain(error: Exception) -> str:
    text = getattr(error, "explanation", None) or str(error)
    return str(text).strip().splitlines()[0] if str(text).strip() else type(error).__name__


@dataclass
class ContainerSpec:
    """A ``container:`` or service definition, evaluated."""

    image: str
    env: dict[str, str] = field(default_factory=dict)
    ports: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    options: str = ""
    credentials: bool = False

    @classmethod
    def from_yaml(cls, value: Any, job: JobRun) -> ContainerSpec:
        value = job.evaluate(value)
        if isinstance(value, str):
            return cls(image=value)
        if not isinstance(value, dict):
            return cls(image="")
        env = value.get("env") or {}
        return cls(
            image=job.text(value.get("image")),
            env={str(k): job.text(v) for k, v in (env.items() if isinstance(env, dict) else [])},
            ports=[job.text(p) for p in value.get("ports") or []],
            volumes=[job.text(v) for v in value.get("volumes") or []],
            options=job.text(value.get("options") or ""),
            credentials=bool(value.get("credentials")),
        )


BOOLEAN_OPTIONS = {"--privileged", "--init", "--read-only"}


def _create_options(options: str) -> dict[str, Any]:
    """The ``docker create`` flags of ``options:`` that this backend understands."""
    words = shlex.split(options)
    kwargs: dict[str, Any] = {}
    health: dict[str, Any] = {}
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        name, sep, value = word.partition("=")
        if name in BOOLEAN_OPTIONS:
            kwargs[name[2:].replace("-", "_")] = not sep or value != "false"
            continue
        if not sep:
            if index >= len(words):
                raise ContainerError(f"options: {word} needs a value")
            value = words[index]
            index += 1
        if name == "--health-cmd":
            health["test"] = ["CMD-SHELL", value]
        elif name in ("--health-interval", "--health-timeout", "--health-start-period"):
            health[name[len("--health-") :].replace("-", "_")] = _nanoseconds(value)
        elif name == "--health-retries":
            health["retries"] = int(value)
        elif name in ("--user", "-u"):
            kwargs["user"] = value
        elif name == "--hostname":
            kwargs["hostname"] = value
        elif name in ("--memory", "-m"):
            kwargs["mem_limit"] = value
        elif name == "--cpus":
            kwargs["nano_cpus"] = int(float(value) * 1e9)
        elif name in ("-e", "--env"):
            key, _, val = value.partition("=")
            kwargs.setdefault("environment", {})[key] = val
        elif name == "--shm-size":
            kwargs["shm_size"] = value
        else:
            raise ContainerError(f"options: {name} is not supported by the docker backend")
    if health:
        kwargs["healthcheck"] = health
    return kwargs


def _nanoseconds(text: str) -> int:
    units = {"ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9}
    for unit in ("ms", "s", "m", "h"):
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * units[unit])
    return int(float(text) * 1e9)


def _port_bindings(ports: list[str]) -> dict[str, Any]:
    """GitHub's ``ports:`` (``8000``, ``8080:80``, ``80/udp``) as docker-py port bindings."""
    bindings: dict[str, Any] = {}
    for port in ports:
        host, sep, inside = port.rpartition(":")
        if "/" not in inside:
            inside += "/tcp"
        bindings[inside] = ("127.0.0.1", int(host)) if sep and host else ("127.0.0.1", None)
    return bindings


class DockerBackend:
    """One job's network, services and (unless self-hosted) container.

    The job's directories are the host backend's, mounted at the same path in the
    container; a self-hosted job's steps run through the host backend.
    """

    name = "docker"

    def __init__(self, session: DockerSession, root: Path, tool_cache: Path) -> None:
        self.session = session
        self.host = HostBackend(root, tool_cache)
        self.root = root
        self.paths = self.host.paths
        self.step_paths = self.host.step_paths
        self.client = session.client
        self.network: Any = None
        self.container: Any = None
        self.services: list[Any] = []
        self.image_env: dict[str, str] = {}
        self.job: Any = None
        self.image = ""
        self._suffix = f"{session.run_id}-{os.urandom(3).hex()}"

    @property
    def local(self) -> bool:
        """Whether the job's processes run on this machine (a self-hosted job's do)."""
        return self.container is None

    @property
    def where(self) -> str:
        return "this machine" if self.container is None else f"the container {self.image}"

    def at_close(self, callback: Callable[[], object]) -> None:
        self.host.at_close(callback)

    @property
    def cancelled(self) -> threading.Event:
        return self.host.cancelled

    def start(self) -> None:
        self.host.start()

    def cancel(self) -> None:
        self.host.cancel()  # kills the steps' process groups, in containers too

    def copy_in(self, source: Path, target: Path) -> None:
        self.host.copy_in(source, target)  # the job's directories are mounted

    def copy_out(self, source: Path, target: Path) -> None:
        self.host.copy_out(source, target)

    def base_env(self, host_env: dict[str, str]) -> dict[str, str]:
        """A container step starts from the image's environment, not the host's."""
        return self.image_env if self.container is not None else host_env

    def which(self, program: str, path: str) -> str | None:
        if self.container is None:
            return self.host.which(program, path)
        found = self.container.exec_run(
            ["sh", "-c", 'command -v "$1"', "sh", program], environment={"PATH": path}
        )
        text = found.output.decode("utf-8", "replace").strip()
        return text if found.exit_code == 0 and text else None

    def probe(self, argv: list[str], env: dict[str, str], timeout: float = 60) -> ProbeResult:
        if self.container is None:
            return self.host.probe(argv, env, timeout)
        found = self.container.exec_run(argv, environment=env, demux=True)
        out, err = found.output
        return ProbeResult(
            found.exit_code if found.exit_code is not None else -1,
            (out or b"").decode("utf-8", "replace"),
            (err or b"").decode("utf-8", "replace"),
        )

    def run(
        self,
        argv: list[str],
        *,
        cwd: str,
        env: dict[str, str],
        on_line: Callable[[str], None],
        timeout: float | None,
    ) -> ProcessResult:
        if self.container is None:
            return self.host.run(argv, cwd=cwd, env=env, on_line=on_line, timeout=timeout)
        return self._exec(argv, cwd, env, on_line, timeout, self.host.groups)

    def open(
        self,
        job: JobRun,
        container: dict[str, Any] | None,
        services: dict[str, dict[str, Any]],
    ) -> None:
        """Start the job's services and container, given evaluated (empty images left out)."""
        self.job = job
        if container is not None:
            spec = ContainerSpec.from_yaml(container, job)
        else:
            spec = ContainerSpec(image=self.session.image_for_labels(job.evaluate(job.job.runs_on)))
        if spec.credentials:
            job.state.reporter.line(
                job.key, "notice: container credentials are ignored locally (no registry)"
            )
        if services:  # a network of the job's own; without services the default bridge serves
            self.network = self.client.networks.create(
                f"mlops-{self._suffix}", driver="bridge", labels=self.session.label
            )
            job.contexts["job"]["container"] = {"network": self.network.name}
            self._start_services(services)
        if spec.image != SELF_HOSTED:
            self._start_container(spec)

    def _start_services(self, services: dict[str, dict[str, Any]]) -> None:
        contexts: dict[str, Any] = {}
        started: list[tuple[str, Any]] = []
        for service_id, value in services.items():
            spec = ContainerSpec.from_yaml(value, self.job)
            self.session.image_config(spec.image, f"services.{service_id}")
            options = _create_options(spec.options)
            environment = {**spec.env, **options.pop("environment", {})}
            container = self.client.containers.run(
                spec.image,
                detach=True,
                name=f"mlops-{service_id}-{self._suffix}",
                labels=self.session.label,
                environment=environment,
                ports=_port_bindings(spec.ports),
                volumes=self._volumes(spec.volumes),
                network=self.network.name,
                # The name is unique per run; the service id is its alias on the job's network.
                networking_config={
                    self.network.name: self.client.api.create_endpoint_config(aliases=[service_id])
                },
                **options,
            )
            self.services.append(container)
            started.append((service_id, container))
        for service_id, container in started:
            self._wait_healthy(service_id, container)
            container.reload()
            ports = {}
            for inside, bound in (container.attrs["NetworkSettings"]["Ports"] or {}).items():
                if bound:
                    ports[inside.split("/")[0]] = bound[0]["HostPort"]
            contexts[service_id] = {
                "id": container.id,
                "network": self.network.name,
                "ports": ports,
            }
        self.job.contexts["job"]["services"] = contexts

    def _wait_healthy(self, service_id: str, container: Any) -> None:
        deadline = time.monotonic() + HEALTH_TIMEOUT
        reporter = self.job.state.reporter
        reporter.line(self.job.key, f"Waiting for service {service_id} to be ready")
        while True:
            container.reload()
            state = container.attrs["State"]
            health = (state.get("Health") or {}).get("Status")
            if not state.get("Running"):
                logs = container.logs(tail=5).decode("utf-8", "replace").strip()
                raise ContainerError(f"service {service_id} exited: {logs}")
            if health in (None, "healthy"):
                return
            if health == "unhealthy":
                raise ContainerError(f"service {service_id} is unhealthy")
            if self.cancelled.is_set():
                raise ContainerError("cancelled")
            if time.monotonic() > deadline:
                raise ContainerError(f"service {service_id} not healthy after {HEALTH_TIMEOUT:g}s")
            time.sleep(0.25)

    def _volumes(self, volumes: list[str]) -> list[str]:
        out = []
        for volume in volumes:
            source, sep, rest = volume.partition(":")
            if sep and source.startswith((".", "~")):
                source = str((self.job.workspace / source).resolve())
            out.append(f"{source}{sep}{rest}" if sep else volume)
        return out

    def _start_container(self, spec: ContainerSpec) -> None:
        config = self.session.image_config(spec.image, "container")
        image_env = dict(item.split("=", 1) for item in config.get("Env") or [] if "=" in item)
        options = _create_options(spec.options)
        environment = {**spec.env, **options.pop("environment", {})}
        root = str(self.root)
        mounts = [f"{root}:{root}", *self._volumes(spec.volumes)]
        event_path = self.job.contexts["github"].get("event_path")
        if event_path and Path(event_path).is_file():
            mounts.append(f"{event_path}:{event_path}:ro")
        self.container = self.client.containers.run(
            spec.image,
            entrypoint=KEEP_ALIVE[:1],
            command=KEEP_ALIVE[1:],
            detach=True,
            name=f"mlops-job-{self._suffix}",
            labels=self.session.label,
            environment=environment,
            ports=_port_bindings(spec.ports),
            volumes=mounts,
            network=self.network.name if self.network is not None else None,
            working_dir=str(self.job.workspace),
            **options,
        )
        self.image = spec.image
        self.image_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", **image_env, **environment}
        self.image_env.setdefault("HOME", "/tmp" if options.get("user") else "/root")
        self.job.contexts["job"]["container"] = {
            "id": self.container.id,
            "network": self.network.name if self.network is not None else "bridge",
        }

    def _exec(
        self,
        argv: list[str],
        cwd: str,
        env: dict[str, str],
        on_line: Callable[[str], None],
        timeout: float | None,
        groups: ProcessGroups,
    ) -> ProcessResult:
        """Run ``argv`` in the job's container, like the host backend's ``run_process``."""
        if groups.cancelled.is_set():
            return ProcessResult(-1, cancelled=True)
        api = self.client.api
        exec_id = api.exec_create(
            self.container.id, argv, environment=env, workdir=cwd, stdout=True, stderr=True
        )["Id"]
        stream = api.exec_start(exec_id, stream=True, demux=False)
        pid_box: list[int] = []
        done = threading.Event()

        def read() -> None:
            splitter = LineSplitter(on_line)
            try:
                for chunk in stream:
                    if not pid_box:
                        self._note_pid(exec_id, pid_box, groups)
                    splitter.feed(chunk)
                splitter.close()
            except Exception:  # the connection closes when the container is removed
                pass
            finally:
                done.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        if not pid_box:
            self._note_pid(exec_id, pid_box, groups)
        deadline = None if timeout is None else time.monotonic() + timeout
        timed_out = False
        while not done.wait(0.2):
            timed_out = deadline is not None and time.monotonic() > deadline
            if timed_out or groups.cancelled.is_set():
                self._kill(exec_id, pid_box)
                if not done.wait(5):
                    # The step's group would not die: stop the whole container.
                    with contextlib.suppress(self.session.errors.DockerException):
                        self.container.kill()
                    done.wait(5)
                break
        exit_code = api.exec_inspect(exec_id).get("ExitCode")
        return ProcessResult(
            -1 if exit_code is None else exit_code,
            timed_out=timed_out,
            cancelled=groups.cancelled.is_set(),
        )

    def _note_pid(self, exec_id: str, box: list[int], groups: ProcessGroups) -> None:
        """The step's host pid: it leads its process group, so a cancel kills its tree."""
        pid = self.client.api.exec_inspect(exec_id).get("Pid") or 0
        if pid and not box:
            box.append(pid)
            groups.add(pid)

    def _kill(self, exec_id: str, box: list[int]) -> None:
        if not box:
            self._note_pid(exec_id, box, ProcessGroups())
        for pid in box:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                inner = _namespace_pid(pid)
                if inner:
                    self.container.exec_run(["kill", "-KILL", "--", f"-{inner}"])

    def close(self) -> None:
        errors = self.session.errors
        self.host.groups.close()
        if self.container is not None and os.getuid() != 0:
            # Files the container's root user wrote in the mounted job directory.
            with contextlib.suppress(errors.DockerException):
                self.container.exec_run(
                    ["chown", "-R", f"{os.getuid()}:{os.getgid()}", str(self.root)], user="0"
                )
        for container in [self.container, *self.services]:
            if container is not None:
                with contextlib.suppress(errors.DockerException):
                    container.remove(force=True, v=True)
        if self.network is not None:
            with contextlib.suppress(errors.DockerException):
                self.network.remove()
        self.host.close()


def _namespace_pid(host_pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{host_pid}/status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    except (OSError, ValueError):
        return None
    return None
