"""What a container leaves in the bind-mounted job directory is read and written by the
runner's own code on this machine: links and hard links the container planted are never
followed out or written through, the relay's request directory is untrusted, and no secret
ends up in a name of the run record (issue 19; tests/runner/test_hostile_workspace.py has the
host-mode counterparts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runner.conftest import Repo, new_repo

pytestmark = pytest.mark.docker


@pytest.fixture
def repo(tmp_path: Path, runner_image: str) -> Repo:
    return new_repo(tmp_path)


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    """A file of this machine, outside every job directory (the container cannot see it, but
    a link it plants can name it)."""
    path = tmp_path / "outside" / "canary.txt"
    path.parent.mkdir()
    path.write_text("CANARY-CONTENT\n")
    return path


def _docker(repo: Repo, *args: str) -> tuple[int, str]:
    run = repo.run(*args, "--backend", "docker", timeout=300)
    return run.returncode, run.stderr


def test_checkout_cache_and_artifacts_neither_follow_nor_write_through_planted_links(
    repo: Repo, canary: Path
) -> None:
    private = canary.parent / "private"
    private.mkdir()
    (private / "key.pem").write_text("private key\n")
    repo.write("docs/guide.md", "guide\n")
    repo.workflow(
        f"""\
        on: push
        jobs:
          save:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/cache@v4
                with:
                  path: stash
                  key: k-1
              - run: |
                  mkdir -p stash && echo from-cache > stash/data.txt
                  ln -s {private} stash/private
                  ln -s / stash/machine
        """
    )
    repo.commit()
    code, log = _docker(repo, "push")
    assert code == 0, log
    stored = {p.name: p for p in (repo.cache / "actions-cache").rglob("*")}
    assert "key.pem" not in stored and "etc" not in stored, sorted(stored)
    repo.workflow(
        f"""\
        on: push
        jobs:
          up:
            runs-on: ubuntu-latest
            steps:
              - run: mkdir out && echo from-artifact > out/file.txt
              - uses: actions/upload-artifact@v4
                with:
                  name: out
                  path: out
          plant:
            needs: up
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: |
                  ln -sf {canary} README.md
                  rm -rf docs && ln -s {canary.parent} docs
                  mkdir -p stash got
                  ln -s {canary} stash/data.txt
                  echo inner > "$RUNNER_TEMP/inner"
                  ln "$RUNNER_TEMP/inner" got/file.txt
              - uses: actions/checkout@v4
                with:
                  clean: false
              - uses: actions/cache@v4
                with:
                  path: stash
                  key: k-1
              - uses: actions/download-artifact@v4
                with:
                  name: out
                  path: got
              - run: |
                  test ! -L README.md && test ! -L docs && test -L stash/private
                  echo "readme: $(cat README.md) guide: $(cat docs/guide.md)"
                  echo "now $(cat stash/data.txt) $(cat got/file.txt) inner: $(cat "$RUNNER_TEMP/inner")"
        """
    )
    repo.commit()
    code, log = _docker(repo, "push")
    assert code == 0, log
    assert "readme: hello guide: guide" in log
    assert "now from-cache from-artifact inner: inner" in log
    assert canary.read_text() == "CANARY-CONTENT\n"
    assert sorted(p.name for p in canary.parent.iterdir()) == ["canary.txt", "private"]
    assert (private / "key.pem").read_text() == "private key\n"


RELAY_STEPS = r"""
relay="$RUNNER_TEMP/cml-relay"
# A request whose argv is a link to a file of this machine.
mkdir "$relay/new.91" "$relay/new.91/env"
ln -s OUTSIDE/canary.txt "$relay/new.91/argv"
pwd > "$relay/new.91/cwd"
: > "$relay/new.91/stdin"
mv "$relay/new.91" "$relay/req.91"
while [ ! -d "$relay/res.91" ]; do sleep 0.1; done
echo "forged: exit $(cat "$relay/res.91/exit") $(cat "$relay/res.91/stderr")"
rm -rf "$relay/res.91" "$relay/req.91"
# What the runner writes when the job ends, made a link to this machine's files.
ln -s OUTSIDE/created "$relay/closed"
printf 'PNG' > plot.png
ln -s OUTSIDE/canary.txt linked.md
cml comment create linked.md 2> err.txt || echo "comment-link: exit $? $(cat err.txt)"
cml publish plot.png --file OUTSIDE/written.txt 2> err.txt || echo "file: exit $? $(cat err.txt)"
echo '![x](OUTSIDE/canary.txt)' > outside.md
cml comment create outside.md
cp plot.png "plot-$TOKEN.png"
echo "![p](plot-$TOKEN.png)" > named.md
cml comment create named.md
"""


def test_the_relay_and_the_cml_stand_in_treat_the_containers_files_as_untrusted(
    repo: Repo, canary: Path
) -> None:
    steps = RELAY_STEPS.replace("OUTSIDE", str(canary.parent)).strip()
    indented = "\n".join(" " * 18 + line for line in steps.splitlines())
    repo.workflow(
        f"""\
        on: push
        jobs:
          cml:
            runs-on: ubuntu-latest
            steps:
              - uses: iterative/setup-cml@v2
              - env:
                  TOKEN: ${{{{ secrets.TOKEN }}}}
                run: |
{indented}
              - uses: actions/upload-artifact@v4
                with:
                  name: model-${{{{ secrets.TOKEN }}}}
                  path: plot.png
        """
    )
    repo.commit()
    run = repo.run("push", "--backend", "docker", "-s", "TOKEN=s3cr3t-name", timeout=300)
    assert run.returncode == 1, run.stderr  # the artifact's name holds the secret
    log = run.stderr
    assert "forged: exit 2 cml: the request could not be answered: argv is a link" in log
    assert "comment-link: exit 1" in log and "file: exit 1" in log
    assert "The artifact name is not valid: it holds a secret" in log
    assert "CANARY-CONTENT" not in log + run.stdout
    assert b"CANARY-CONTENT" not in run.record_bytes()
    assert sorted(p.name for p in canary.parent.iterdir()) == ["canary.txt"]
    assert run.record is not None
    names = [str(p.relative_to(run.record)) for p in run.record.rglob("*")]
    assert not any("s3cr3t" in n for n in names), names
    assert "comments/2-assets/plot-***.png" in names


def test_a_command_file_the_container_replaced_by_a_link_is_not_read(
    repo: Repo, canary: Path
) -> None:
    canary.write_text("LEAK=CANARY-CONTENT\n")
    repo.workflow(
        f"""\
        on: push
        jobs:
          env:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  ln -sf {canary} "$GITHUB_ENV"
                  ln -sf {canary} "$GITHUB_OUTPUT"
              - if: always()
                run: echo "leak=${{LEAK:-none}}"
        """
    )
    repo.commit()
    code, log = _docker(repo, "push")
    assert code == 1
    assert "is a link; not followed; nothing of it was applied" in log
    assert "leak=none" in log and "CANARY-CONTENT" not in log
