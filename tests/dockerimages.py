"""Local stand-ins for the images the docker tests need, built once and reused.

No registry is reachable from the test machines, so nothing can be pulled. This module
builds, under the exact names the code under test expects:

- ``python:3.11.11-slim-bookworm`` (the generated Dockerfile's ``FROM``): a
  ``debootstrap --variant=minbase`` Debian bookworm root file system with Python, venv and
  pip, imported with ``docker import``. It differs from the official image: Python is
  Debian's (3.11.2, in /usr/bin, with ``python``/``pip`` links in /usr/local/bin), Debian's
  ``EXTERNALLY-MANAGED`` marker is removed so ``pip install`` as root works as in the
  official image, and the host's CA bundle replaces Debian's (PyPI is reached through the
  machine's TLS-inspecting proxy). ``PATH`` and ``LANG`` are the official image's.
- ``catthehacker/ubuntu:act-latest`` (the docker backend's default ``ubuntu-latest``
  image, as act's): the same base plus git and curl, as the real image has them. It differs
  from the real image: Debian, not Ubuntu; one Python (Debian's 3.11.2) and no
  /opt/hostedtoolcache with other versions; none of its other tools (node, docker CLI, ...).
- ``mlops-test/python-without-pip:1``: the base image with pip removed (ensurepip kept, as
  python3-venv provides it), for setup-python's pip bootstrap.
- ``mlops-test/http-service:1``: a tiny web server with a health check, the "service"
  of the services tests.
- ``mlops-test/project-ci:<hash of the locks>`` (``ensure_project_ci_image``): the runner
  image of the docker journey, a generated project's locked requirements (and dev
  requirements) preinstalled, as a team's prebuilt CI image would have them, so the journey
  measures the runner rather than PyPI. It is built from the project's own Dockerfile up to
  its ``pip install`` (so that layer is shared with the training-image tests through the
  build cache), then the dev requirements, as root. Unlike the real ``catthehacker`` image
  it has no git (the jobs need none: checkout is done by the runner). ``ensure_all`` builds
  it for a project made by ``mlops new --defaults``, before the tests, so the training-image
  tests find their ``pip install`` layer in the cache.

``python -m tests.dockerimages`` builds them all (.ci/run does, before the tests); the
fixtures call the same functions, which return at once when the image exists.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

BASE_IMAGE = "python:3.11.11-slim-bookworm"
RUNNER_IMAGE = "catthehacker/ubuntu:act-latest"
SERVICE_IMAGE = "mlops-test/http-service:1"

MIRROR = os.environ.get("MLOPS_DEBIAN_MIRROR", "http://deb.debian.org/debian")
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Downloaded .debs are kept between builds (debootstrap --cache-dir).
DEB_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mlops-test-debs"
OFFICIAL_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class MissingTool(RuntimeError):
    """Something the images need is not on this machine; the message says what."""


@contextlib.contextmanager
def _building(lock_name: str = ".lock") -> Iterator[None]:
    """One builder at a time across pytest-xdist workers (per lock)."""
    DEB_CACHE.mkdir(parents=True, exist_ok=True)
    with (DEB_CACHE / lock_name).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def image_exists(name: str) -> bool:
    result = subprocess.run(
        ["docker", "image", "inspect", name], capture_output=True, text=True, check=False
    )
    return result.returncode == 0


def _run(*args: str, **kwargs: object) -> None:
    subprocess.run(list(args), check=True, **kwargs)  # type: ignore[call-overload]


def _need(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        raise MissingTool(f"{tool} not found: install it with `apt-get install {package}`")


def _rootfs(target: Path, packages: list[str]) -> None:
    _need("debootstrap", "debootstrap")
    DEB_CACHE.mkdir(parents=True, exist_ok=True)
    _run(
        "debootstrap",
        "--variant=minbase",
        f"--cache-dir={DEB_CACHE}",
        f"--include={','.join(packages)}",
        "bookworm",
        str(target),
        MIRROR,
        stdout=subprocess.DEVNULL,
    )
    # Like the official image: pip may install into the system Python as root.
    for marker in target.glob("usr/lib/python3*/EXTERNALLY-MANAGED"):
        marker.unlink()
    for name, to in (("python", "/usr/bin/python3"), ("pip", "/usr/bin/pip3")):
        link = target / "usr/local/bin" / name
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        link.symlink_to(to)
    shutil.copyfile(HOST_CA_BUNDLE, target / "etc/ssl/certs/ca-certificates.crt")
    shutil.rmtree(target / "var/cache/apt/archives", ignore_errors=True)
    (target / "var/cache/apt/archives/partial").mkdir(parents=True)
    for lists in (target / "var/lib/apt/lists").glob("*_*"):
        lists.unlink()


def _import(root: Path, name: str) -> None:
    tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
    _run(
        "docker",
        "import",
        "--change",
        f"ENV PATH={OFFICIAL_PATH}",
        "--change",
        "ENV LANG=C.UTF-8",
        "--change",
        'CMD ["python3"]',
        "-",
        name,
        stdin=tar.stdout,
        stdout=subprocess.DEVNULL,
    )
    assert tar.stdout is not None
    tar.stdout.close()
    if tar.wait() != 0:
        raise RuntimeError(f"tar of {root} failed")


def _build_rootfs_image(name: str, packages: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="mlops-rootfs-") as tmp:
        root = Path(tmp) / "root"
        _rootfs(root, packages)
        _import(root, name)


def ensure_base_image() -> str:
    """The stand-in for the generated Dockerfile's base image."""
    with _building():
        if not image_exists(BASE_IMAGE):
            _build_rootfs_image(
                BASE_IMAGE, ["python3", "python3-venv", "python3-pip", "ca-certificates"]
            )
    return BASE_IMAGE


def ensure_runner_image() -> str:
    """The stand-in for the default ``ubuntu-latest`` image: bash, git, python3."""
    with _building():
        if not image_exists(RUNNER_IMAGE):
            _build_rootfs_image(
                RUNNER_IMAGE,
                [
                    "python3",
                    "python3-venv",
                    "python3-pip",
                    "ca-certificates",
                    "git",
                    "procps",
                    "curl",
                ],
            )
    return RUNNER_IMAGE


SERVICE_DOCKERFILE = f"""\
FROM {BASE_IMAGE}
RUN mkdir -p /srv && echo 'hello from the service' > /srv/index.html
WORKDIR /srv
EXPOSE 8000
HEALTHCHECK --interval=1s --timeout=2s --retries=30 \\
  CMD python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/')"
CMD ["python3", "-m", "http.server", "8000"]
"""


def ensure_service_image() -> str:
    """A web server on port 8000 with a health check, built on the base image."""
    ensure_base_image()
    with _building():
        if image_exists(SERVICE_IMAGE):
            return SERVICE_IMAGE
        with tempfile.TemporaryDirectory(prefix="mlops-service-") as tmp:
            (Path(tmp) / "Dockerfile").write_text(SERVICE_DOCKERFILE)
            _run("docker", "build", "-q", "-t", SERVICE_IMAGE, tmp, stdout=subprocess.DEVNULL)
    return SERVICE_IMAGE


PROJECT_CI_IMAGE = "mlops-test/project-ci"
PROJECT_CI_LOCK = ".project-ci.lock"  # also held by the Dockerfile tests' builds
_INSTALL_LINE = "RUN python -m pip install --no-cache-dir -r requirements.txt"


def ensure_project_ci_image(project: Path) -> str:
    """The journey's runner image for ``project`` (made by ``mlops new --defaults``)."""
    import hashlib

    ensure_base_image()
    locks = [project / "requirements.txt", project / "requirements-dev.txt"]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in locks)).hexdigest()[:12]
    name = f"{PROJECT_CI_IMAGE}:{digest}"
    dockerfile = (project / "Dockerfile").read_text()
    if _INSTALL_LINE not in dockerfile:
        raise RuntimeError(f"{project}/Dockerfile no longer has {_INSTALL_LINE!r}")
    head = dockerfile.split(_INSTALL_LINE)[0] + _INSTALL_LINE + "\n"
    with _building(PROJECT_CI_LOCK):  # minutes: the base images' builders need not wait
        if image_exists(name):
            return name
        with tempfile.TemporaryDirectory(prefix="mlops-project-ci-") as tmp:
            for lock in locks:
                shutil.copyfile(lock, Path(tmp) / lock.name)
            (Path(tmp) / "Dockerfile").write_text(
                head
                + "COPY requirements-dev.txt ./\n"
                + "RUN python -m pip install --no-cache-dir -r requirements-dev.txt\n"
                + "WORKDIR /\n"
            )
            # The legacy builder: BuildKit would pull its frontend image for `# syntax=`.
            env = {**os.environ, "DOCKER_BUILDKIT": "0"}
            _run("docker", "build", "-q", "-t", name, tmp, stdout=subprocess.DEVNULL, env=env)
    return name


NO_PIP_IMAGE = "mlops-test/python-without-pip:1"


def ensure_no_pip_image() -> str:
    """The base image without pip (its ensurepip still works)."""
    ensure_base_image()
    with _building():
        if image_exists(NO_PIP_IMAGE):
            return NO_PIP_IMAGE
        with tempfile.TemporaryDirectory(prefix="mlops-no-pip-") as tmp:
            (Path(tmp) / "Dockerfile").write_text(
                f"FROM {BASE_IMAGE}\n"
                "RUN rm -rf /usr/lib/python3/dist-packages/pip /usr/local/bin/pip "
                "/usr/lib/python3/dist-packages/pip-* /usr/bin/pip /usr/bin/pip3*\n"
            )
            _run("docker", "build", "-q", "-t", NO_PIP_IMAGE, tmp, stdout=subprocess.DEVNULL)
    return NO_PIP_IMAGE


def ensure_all() -> None:
    ensure_base_image()
    ensure_runner_image()
    ensure_service_image()
    ensure_no_pip_image()
    with tempfile.TemporaryDirectory(prefix="mlops-project-") as tmp:
        project = Path(tmp) / "ml-project"
        _run(
            sys.executable,
            "-m",
            "mlops",
            "new",
            str(project),
            "--defaults",
            stdout=subprocess.DEVNULL,
        )
        ensure_project_ci_image(project)


if __name__ == "__main__":
    try:
        ensure_all()
    except (MissingTool, subprocess.CalledProcessError, RuntimeError) as error:
        print(f"tests.dockerimages: {error}", file=sys.stderr)
        sys.exit(1)
    print(f"images ready: {BASE_IMAGE}, {RUNNER_IMAGE}, {SERVICE_IMAGE}")
