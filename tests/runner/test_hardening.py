"""The runner's own machinery cannot be steered by what a workflow leaves behind (issue 19,
part B): its git obeys no repository config that runs a program and takes no user value as an
option; step output is masked in full before the next step; no process outlives the run;
what the runner holds is bounded as on GitHub."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from tests.runner.conftest import Repo

HOSTILE_CONFIG = """\
              - run: |
                  cat > "$RUNNER_TEMP/../hook.sh" <<'EOF'
                  #!/bin/sh
                  {{ echo "hook $0 $*"; tr "\\0" " " < /proc/$PPID/cmdline; echo; env; }} >> {canary}
                  EOF
                  chmod +x "$RUNNER_TEMP/../hook.sh"
                  git config core.fsmonitor "$RUNNER_TEMP/../hook.sh"
                  git config core.pager "$RUNNER_TEMP/../hook.sh"
                  git config filter.evil.smudge "$RUNNER_TEMP/../hook.sh"
                  git config filter.evil.clean "$RUNNER_TEMP/../hook.sh"
                  git config filter.evil.required true
                  git config remote.origin.uploadpack "$RUNNER_TEMP/../hook.sh"
                  echo '* filter=evil' > .git/info/attributes
                  mkdir -p .git/hooks && cp "$RUNNER_TEMP/../hook.sh" .git/hooks/pre-commit
                  cp "$RUNNER_TEMP/../hook.sh" .git/hooks/post-checkout
"""


def test_the_runners_git_obeys_no_config_a_step_wrote(repo: Repo, tmp_path: Path) -> None:
    """Finding 5: core.fsmonitor (and filters, hooks, upload-pack) in a .git/config a step
    wrote ran as a child of mlops, with host variables the job's allow-list hides."""
    canary = tmp_path / f"canary-{uuid.uuid4().hex[:8]}"
    repo.workflow(
        f"""\
        on: push
        jobs:
          plant:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
{HOSTILE_CONFIG.format(canary=canary)}
              - uses: actions/checkout@v4
                with:
                  clean: false
              - uses: iterative/setup-cml@v2
              - run: |
                  echo change >> README.md
                  cml pr create README.md
              - run: echo survived
        """
    )
    repo.commit()
    run = repo.run("push", env={"MLOPS_HOST_ONLY": "hidden-host-value"})
    assert run.returncode == 0, run.stderr
    assert "survived" in run.stderr
    assert not canary.exists(), canary.read_text()


class ConfigRacer:
    """What a container's background process can do while checkout runs git on the host: as
    soon as the job's workspace has a new ``.git``, its config includes a FIFO that tells
    ``git config --list`` (the runner's check) nothing and every other git a filter."""

    def __init__(self, runs: Path, canary: Path) -> None:
        self.runs = runs
        self.fifo = runs.parent / "include.fifo"
        os.mkfifo(self.fifo)
        self.evil = f'[filter "pwn"]\n\tclean = touch {canary} && cat\n'
        self.done = threading.Event()
        self.threads = [threading.Thread(target=t) for t in (self._plant, self._serve)]

    def __enter__(self) -> ConfigRacer:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        with contextlib.suppress(OSError):  # release a writer waiting for a reader
            os.close(os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK))
        for thread in self.threads:
            thread.join(timeout=30)

    def _plant(self) -> None:
        seen: set[int] = set()
        while not self.done.is_set():
            with contextlib.suppress(OSError):  # the run's directories come and go
                for git in self.runs.glob("mlops-run-*/*/workspace/.git"):
                    if git.stat().st_ino not in seen:
                        seen.add(git.stat().st_ino)
                        with (git / "config").open("a") as config:
                            config.write(f"[include]\n\tpath = {self.fifo}\n")

    def _serve(self) -> None:
        while not self.done.is_set():
            fd = os.open(self.fifo, os.O_WRONLY)  # until a git reads the include
            try:
                os.write(fd, b"" if self._checking() else self.evil.encode())
            except OSError:
                pass
            finally:
                os.close(fd)

    @staticmethod
    def _checking() -> bool:
        """Whether the git reading now is a ``git config --list``."""
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            with contextlib.suppress(OSError):
                if b"config\0--list" in cmdline.read_bytes():
                    return True
        return False


def test_checkout_runs_git_on_no_config_a_step_can_change_while_it_runs(
    repo: Repo, tmp_path: Path
) -> None:
    """Known gap of issue 19: the runner checked the repository's config, then git read it
    again; a process rewriting it in between (a container's, under docker) ran a filter on
    this machine. Checkout now runs git only on its own clone, outside the workspace."""
    canary = tmp_path / f"canary-{uuid.uuid4().hex[:8]}"
    runs = tmp_path / "runs"
    runs.mkdir()
    repo.write(".gitattributes", "* filter=pwn\n")
    for index in range(300):  # the time checkout takes to copy them is the racer's
        repo.write(f"data/file-{index}.txt", f"{index}\n")
    repo.workflow(
        """\
        on: push
        jobs:
          checkout:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              # The index checkout left describes the workspace's files (reading it runs no
              # filter, though git now reads the racer's config).
              - run: |
                  index=$(git ls-files --debug data/file-7.txt | grep -o 'ino: *[0-9]*' | tr -dc 0-9)
                  echo "files $(ls data | wc -l), inode $index $(stat -c %i data/file-7.txt)"
        """
    )
    repo.commit()
    with ConfigRacer(runs, canary):
        run = repo.run("push", env={"TMPDIR": str(runs)})
    assert not canary.exists(), "a filter the racer configured ran"
    assert run.returncode == 0, run.stderr
    found = re.search(r"files 300, inode (\d+) (\d+)", run.stderr)
    assert found and found[1] == found[2], run.stderr


def test_checkout_ref_is_never_an_option(repo: Repo, tmp_path: Path) -> None:
    """Finding 6: `ref: --pathspec-from-file=FILE` printed FILE's content."""
    secret = tmp_path / "private.txt"
    secret.write_text("private-content-7Qz\n")
    repo.workflow(
        f"""\
        on: push
        jobs:
          inject:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
                with:
                  ref: --pathspec-from-file={secret}
              - run: echo should-not-run
        """
    )
    repo.commit()
    run = repo.run("push")
    assert run.returncode == 1, run.stderr
    assert "private-content-7Qz" not in run.stderr + run.stdout
    assert "ref: '--pathspec-from-file=" in run.stderr
    assert "is not a valid git ref name" in run.stderr
    assert "should-not-run" not in run.stderr
    assert "Traceback" not in run.stderr


def test_checkout_of_a_ref_still_works(repo: Repo, tmp_path: Path) -> None:
    """The ref is checked out outside the workspace and copied in: the ref's files (one the
    current commit deleted too, under a directory a step replaced with a link), none of the
    files it does not have, the user's untracked files kept, nothing written outside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    repo.write("docs/old.md", "old doc\n")
    repo.commit("with docs")
    repo.git("tag", "v1")
    repo.git("rm", "-q", "-r", "docs")
    repo.write("README.md", "second\n")
    repo.write("added-later.txt", "later\n")
    repo.workflow(
        f"""\
        on: push
        jobs:
          old:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: ln -s {outside} docs
              - uses: actions/checkout@v4
                with:
                  ref: v1
                  fetch-depth: 0
                  clean: false
              - run: |
                  test ! -L docs && test ! -e added-later.txt
                  echo "readme $(cat README.md), doc $(cat docs/old.md), $(cat untracked.txt)"
                  echo "status [$(git status --porcelain --untracked-files=no)]"
        """
    )
    repo.commit()
    repo.write("untracked.txt", "mine\n")
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "readme hello, doc old doc, mine" in run.stderr
    assert "status []" in run.stderr
    assert list(outside.iterdir()) == []


def _run_slowly_read(repo: Repo, *args: str) -> tuple[int, str]:
    """`mlops run` whose console (stderr, a pipe) is read slowly: 1 KiB every 10 ms."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mlops", "run", *args, "-C", str(repo.root)],
        env={**os.environ, "MLOPS_CACHE_DIR": str(repo.cache)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    chunks = []
    while chunk := process.stderr.read1(1024):
        chunks.append(chunk)
        time.sleep(0.01)
    return process.wait(timeout=120), b"".join(chunks).decode()


def test_a_slow_console_shows_no_masked_value_and_loses_no_line(repo: Repo) -> None:
    """Finding 1: 4,000 lines then ::add-mask::; the next step's echo was shown in clear and
    ~330 lines were lost when the console was read slowly."""
    repo.workflow(
        """\
        on: push
        jobs:
          race:
            runs-on: ubuntu-latest
            env:
              TOKEN: Tk-unmasked-4242
            steps:
              - run: |
                  seq -f '%g is a line long enough that 4,000 of them overflow a pipe' 1 4000
                  echo "::add-mask::$TOKEN"
              - run: echo "value $TOKEN"
              - run: seq -f '%g is a line long enough that 4,000 of them overflow a pipe' 4001 4100
        """
    )
    repo.commit()
    code, log = _run_slowly_read(repo, "push")
    assert code == 0, log[-2000:]
    assert "Tk-unmasked-4242" not in log.split("Run echo")[1]  # the step's own line names it
    assert "[race]   value ***" in log
    shown = [line.split("]   ", 1)[1] for line in log.splitlines() if line.startswith("[race]   ")]
    suffix = " is a line long enough that 4,000 of them overflow a pipe"
    numbers = [int(text.removesuffix(suffix)) for text in shown if text.endswith(suffix)]
    assert numbers == list(range(1, 4101))


def test_masks_from_the_line_after_add_mask(repo: Repo) -> None:
    repo.workflow(
        """\
        on: push
        jobs:
          order:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  echo "before Zq-order-771"
                  echo "::add-mask::Zq-order-771"
                  echo "after Zq-order-771"
        """
    )
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "before Zq-order-771" in run.stderr  # as on GitHub: not retroactive
    assert "after ***" in run.stderr


def test_many_masks_stay_linear_and_lose_nothing(repo: Repo) -> None:
    """Finding 12: 10,000 ::add-mask:: lines took 9 s, super-linearly, and lost output."""
    repo.workflow(
        """\
        on: push
        jobs:
          masks:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  for i in $(seq 1 10000); do echo "::add-mask::mask-value-$i-x"; echo "line $i"; done
                  echo "last mask-value-1-x mask-value-10000-x mask-value-5000-x"
              - run: echo "next mask-value-7777-x"
        """
    )
    run = repo.run("push", timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "last *** *** ***" in run.stderr
    assert "next ***" in run.stderr
    shown = [line for line in run.stderr.splitlines() if line.startswith("[masks]   line ")]
    assert len(shown) == 10000


def _peak_of(repo: Repo, *args: str) -> tuple[int, str, int]:
    """Exit code, console and peak resident memory (bytes) of one `mlops run`, measured in a
    fresh interpreter whose only child is mlops (ru_maxrss of its largest child)."""
    helper = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stderr.write(done.stderr)\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", helper, sys.executable, "-m", "mlops", "run", *args],
        cwd=repo.root,
        env={**os.environ, "MLOPS_CACHE_DIR": str(repo.cache)},
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    code, peak_kib = map(int, done.stdout.split())
    return code, done.stderr, peak_kib * 1024


def test_a_200_mb_line_and_a_150_mb_summary_stay_bounded(repo: Repo) -> None:
    """Finding 12: a 200 MB line took mlops to 1.2 GB; a 150 MB summary was held and printed."""
    repo.workflow(
        """\
        on: push
        jobs:
          big:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  echo "::add-mask::Sx-hidden-2718"
                  { printf 'start '; head -c 65530 /dev/zero | tr '\\0' a; printf 'Sx-hidden-2718';
                    head -c 200000000 /dev/zero | tr '\\0' b; echo; }
                  echo after-the-line
                  head -c 150000000 /dev/zero | tr '\\0' c >> "$GITHUB_STEP_SUMMARY"
              - run: echo "# small" >> "$GITHUB_STEP_SUMMARY"
        """
    )
    repo.commit()
    code, log, peak = _peak_of(repo, "push")
    assert code == 0, log[-3000:]
    assert peak < 300 * 1024 * 1024, f"peak {peak >> 20} MiB"
    long_line = next(line for line in log.splitlines() if "start aaa" in line)
    assert long_line.endswith("…[line truncated by mlops]")
    assert len(long_line) < 70_000
    assert "Sx-hidden" not in long_line and "Sx-h" not in long_line[-40:]
    assert "after-the-line" in log
    assert "$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k" in log
    assert "ccccccccccccccccccccc" not in log
    summary = (repo.cache / "runs").glob("*/summary*")
    assert all("ccccccccccc" not in p.read_text() for p in summary if p.is_file())


def test_input_files_past_their_limit_are_exit_2(repo: Repo) -> None:
    """Finding 12: `--secret-file /dev/zero` ended in MemoryError."""
    repo.workflow(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n"
    )
    for flag in ("--secret-file", "--env-file", "--var-file", "-e"):
        run = repo.run("push", flag, "/dev/zero", timeout=60)
        assert run.returncode == 2, (flag, run.stderr[-500:])
        assert f"{flag} /dev/zero: larger than" in run.stderr
        assert "Traceback" not in run.stderr and "MemoryError" not in run.stderr


def test_a_nul_byte_in_github_env_fails_that_step_only(repo: Repo) -> None:
    """Finding 14: a NUL byte in GITHUB_ENV broke every later step ("embedded null byte")."""
    repo.workflow(
        """\
        on: push
        jobs:
          nul:
            runs-on: ubuntu-latest
            steps:
              - run: printf 'BAD=a\\0b\\n' >> "$GITHUB_ENV"
                continue-on-error: true
              - run: printf '/x\\0y\\n' >> "$GITHUB_PATH"
                continue-on-error: true
              - run: echo "later step runs, BAD=${BAD:-unset}"
        """
    )
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "GITHUB_ENV: 'BAD' holds a NUL byte" in run.stderr
    assert "GITHUB_PATH: a line holds a NUL byte" in run.stderr
    assert "later step runs, BAD=unset" in run.stderr
    assert "embedded null byte" not in run.stderr
    assert "Traceback" not in run.stderr


def test_setup_python_runs_no_interpreter_a_step_put_on_the_path(
    repo: Repo, tmp_path: Path
) -> None:
    """Finding 11: setup-python ran a `python3.X` a step put on GITHUB_PATH, with the runner's
    whole environment. The planted python3.15 is the only one of that version (this machine
    has none), so the runner asks it its version unless it looks on the PATH the run started
    with; it answers as a real 3.15 would, so it would also have become the job's Python."""
    canary = tmp_path / f"canary-{uuid.uuid4().hex[:8]}"
    repo.workflow(
        f"""\
        on: push
        jobs:
          plant:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  mkdir -p "$RUNNER_TEMP/fake"
                  cat > "$RUNNER_TEMP/fake/python3.15" <<'FAKE'
                  #!/bin/sh
                  env > {canary}
                  echo '["3.15.0", []]'
                  FAKE
                  chmod +x "$RUNNER_TEMP/fake/python3.15"
                  echo "$RUNNER_TEMP/fake" >> "$GITHUB_PATH"
              - id: setup
                uses: actions/setup-python@v5
                continue-on-error: true
                with:
                  python-version: "3.15"
              - run: echo "still-here ${{{{ steps.setup.outcome }}}}"
        """
    )
    run = repo.run("push", env={"MLOPS_HOST_ONLY": "hidden-host-value"})
    assert not canary.exists(), canary.read_text()
    assert run.returncode == 0, run.stderr
    assert "/fake/python3.15" not in run.stderr
    assert "still-here failure" in run.stderr, run.stderr
