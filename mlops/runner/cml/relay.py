"""The ``cml`` of a container job: a POSIX sh shim inside, answered by the runner outside.

The local cml (:mod:`mlops.runner.cml`) is Python and writes to the run record, which only
this machine has. So setup-cml in a container job puts a shim named ``cml`` on the job's PATH
that assumes nothing but a POSIX shell and coreutils: each call becomes a request directory
in the relay directory under the job's temp (mounted at the same path in the container) —
its argv (NUL-separated), working directory, the ``CML_*``/``GITHUB_*`` environment, stdin —
renamed into place when complete. A watcher thread here answers each with the local cml
(the same program the host's shim runs, with the job's run record) and writes a response
directory (stdout, stderr, exit code) the shim relays, then removes both.

What the container may ask is bounded like the rest of the job: its working directory and
every file the cml reads must be inside the job's own directories (``MLOPS_CML_CONTAIN``), the
run record and the event file are the runner's own, not the container's word, and the
commands that run git (``ci``, ``repo prepare``, ``pr``) are refused, since git on this
machine would obey the repository configuration the container wrote. Output is masked as
any step output is; the record's cml files are masked at the end of the run. The watcher
ends with the job (the backend's ``at_close``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from mlops.runner.cml.store import job_environment, program
from mlops.runner.files import Tree, open_dir_at, open_file_at, read_at, write_new_at

if TYPE_CHECKING:
    from mlops.runner.job import JobRun

POLL_SECONDS = 0.05
COMMAND_TIMEOUT = 600.0
FORWARDED = re.compile(r"(CML|GITHUB)_[A-Za-z0-9_]+")
GIT_COMMANDS = {("ci",), ("repo", "prepare"), ("pr",), ("pr", "create")}

SHIM = r"""#!/bin/sh
# mlops: this job's local cml, answered by `mlops run` outside the container
# (see mlops/runner/cml/relay.py).
relay=@RELAY@
ended() {
  echo "cml: the job's cml relay has ended" >&2
  exit 1
}
[ -e "$relay/closed" ] && ended
id=
for suffix in '' .1 .2 .3 .4 .5 .6 .7 .8 .9; do
  # an id no earlier call left behind (one killed before it cleaned up)
  [ -e "$relay/req.$$$suffix" ] || [ -e "$relay/res.$$$suffix" ] && continue
  if mkdir "$relay/new.$$$suffix" 2> /dev/null; then
    id="$$$suffix"
    break
  fi
done
if [ -z "$id" ]; then
  echo "cml: cannot write a request in $relay" >&2
  exit 1
fi
new="$relay/new.$id"
printf '%s\0' "$@" > "$new/argv"
pwd > "$new/cwd"
mkdir "$new/env"
for name in $(env | sed -n -e 's/^\(CML_[A-Za-z0-9_]*\)=.*/\1/p' \
    -e 's/^\(GITHUB_[A-Za-z0-9_]*\)=.*/\1/p'); do
  eval "printf '%s' \"\${$name-}\"" > "$new/env/$name"
done
if [ -t 0 ]; then : > "$new/stdin"; else cat > "$new/stdin"; fi
mv "$new" "$relay/req.$id"
response="$relay/res.$id"
while [ ! -d "$response" ]; do
  if [ -e "$relay/closed" ]; then
    rm -rf "$relay/req.$id"
    ended
  fi
  sleep 0.05 2> /dev/null || sleep 1
done
cat "$response/stdout"
cat "$response/stderr" >&2
code=$(cat "$response/exit")
rm -rf "$response" "$relay/req.$id"
exit "${code:-1}"
"""


REQUEST_LIMIT = 1024 * 1024  # argv, cwd and each variable of one request
_SERVED: weakref.WeakSet[JobRun] = weakref.WeakSet()  # the jobs whose relay runs


def install(job: JobRun, bin_dir: Path, legacy: dict[str, str]) -> None:
    """Write the shims into ``bin_dir`` and start the job's watcher (once per job)."""
    if job in _SERVED:
        return  # a second setup-cml in the job: the first one's relay serves
    directory = job.temp / "cml-relay"
    with Tree(job.temp) as temp:
        temp.remove(directory.name)  # whatever the container put there
        temp.mkdir(directory.name)
        shim = SHIM.replace("@RELAY@", shlex.quote(str(directory)))
        names = {"cml": shim}
        cml = shlex.quote(str(bin_dir / "cml"))
        for name, prefix in legacy.items():
            names[name] = f'#!/bin/sh\nexec {cml} {prefix}"$@"\n'
        for name, text in names.items():
            temp.write_text(temp.relative(bin_dir / name), text, mode=0o755)
    relay = Relay(job, directory)
    _SERVED.add(job)
    job.backend.at_close(relay.stop)
    relay.start()


class Relay:
    """The watcher answering one job's requests.

    The relay directory is opened once; every request is read and every response written
    relative to that handle, one name at a time, never through a link: what the container
    puts there (a link named ``argv`` or ``stdout``, the directory itself swapped for a link)
    cannot make this side read or write anything else.
    """

    def __init__(self, job: JobRun, directory: Path) -> None:
        self.job = job
        self.directory = directory
        self.root = job.root.resolve()
        with Tree(directory) as tree:
            self.fd = os.dup(tree.fd)
        os.fchmod(self.fd, 0o777)  # the container's user may be any user
        self._stop = threading.Event()
        self._answered: set[str] = set()
        self._thread = threading.Thread(target=self._watch, name="cml-relay", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        with contextlib.suppress(OSError):
            write_new_at(self.fd, "closed", b"", 0o644)
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def _watch(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                names = sorted(os.listdir(self.fd))  # noqa: PTH208  (a descriptor)
            except OSError:
                return
            # A request the shim has removed may come again under the same id (a new pid).
            self._answered.intersection_update(names)
            for name in names:
                if name.startswith("req.") and name not in self._answered:
                    self._answered.add(name)
                    self._answer(name[len("req.") :])

    def _answer(self, request_id: str) -> None:
        try:
            code, out, err = self._run(f"req.{request_id}")
        except (OSError, ValueError, subprocess.SubprocessError) as error:
            code, out, err = 2, b"", f"cml: the request could not be answered: {error}\n".encode()
        temporary = f"tmp.{request_id}.{os.urandom(4).hex()}"
        try:
            os.mkdir(temporary, 0o700, dir_fd=self.fd)
            response = open_dir_at(self.fd, temporary)
            try:
                write_new_at(response, "stdout", out, 0o666)  # the shim removes them
                write_new_at(response, "stderr", err, 0o666)
                write_new_at(response, "exit", f"{code}\n".encode(), 0o666)
                os.fchmod(response, 0o777)
            finally:
                os.close(response)
            os.rename(temporary, f"res.{request_id}", src_dir_fd=self.fd, dst_dir_fd=self.fd)
        except OSError:
            with contextlib.suppress(OSError):
                shutil.rmtree(temporary, dir_fd=self.fd)

    def _run(self, name: str) -> tuple[int, bytes, bytes]:
        request = open_dir_at(self.fd, name)
        try:
            return self._run_request(request)
        finally:
            os.close(request)

    def _run_request(self, request: int) -> tuple[int, bytes, bytes]:
        argv = [
            a.decode("utf-8", "surrogateescape")
            for a in read_at(request, "argv", REQUEST_LIMIT).split(b"\0")[:-1]
        ]
        words = tuple(a for a in argv[:2] if not a.startswith("-"))
        if words in GIT_COMMANDS or words[:1] in GIT_COMMANDS:
            name = " ".join(words)
            return (
                2,
                b"",
                (
                    f"cml {name}: not available in a container job (it would run git on the "
                    "host in files the container wrote); run this job on the host backend\n"
                ).encode(),
            )
        text = read_at(request, "cwd", REQUEST_LIMIT).decode("utf-8", "surrogateescape")
        cwd = Path(text.rstrip("\n")).resolve()
        if not cwd.is_relative_to(self.root):
            return (
                2,
                b"",
                (
                    f"cml: the working directory {cwd} is outside the job's directories; "
                    "in a container job cml reads only those\n"
                ).encode(),
            )
        forwarded = {}
        variables = open_dir_at(request, "env")
        try:
            for entry in os.listdir(variables):  # noqa: PTH208  (a descriptor)
                if FORWARDED.fullmatch(entry):
                    value = read_at(variables, entry, REQUEST_LIMIT)
                    forwarded[entry] = value.decode("utf-8", "surrogateescape")
        finally:
            os.close(variables)
        env = {
            **self.job.state.host_env,
            **forwarded,
            "GITHUB_EVENT_PATH": str(self.job.contexts["github"].get("event_path") or ""),
            **job_environment(self.job.state.record.path, self.job.key, self.job.root),
            "MLOPS_CML_CONTAIN": str(self.root),
        }
        stdin = open_file_at(request, "stdin")
        try:
            done = subprocess.run(
                [*program(), *argv],
                cwd=cwd,
                env=env,
                stdin=stdin,
                capture_output=True,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        finally:
            os.close(stdin)
        return done.returncode, done.stdout, done.stderr
