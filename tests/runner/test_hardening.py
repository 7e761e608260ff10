"""The runner's own machinery cannot be steered by what a workflow leaves behind (issue 19,
part B): its git obeys no repository config that runs a program and takes no user value as an
option; step output is masked in full before the next step; no process outlives the run;
what the runner holds is bounded as on GitHub."""

from __future__ import annotations

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


def test_checkout_of_a_ref_still_works(repo: Repo) -> None:
    repo.git("tag", "v1")
    repo.write("README.md", "second\n")
    repo.commit("second")
    repo.workflow(
        """\
        on: push
        jobs:
          old:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
                with:
                  ref: v1
                  fetch-depth: 0
              - run: cat README.md
        """
    )
    repo.commit()
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "hello" in run.stderr
