"""What a container leaves in the bind-mounted workspace cannot steer the runner's own code on
the host (issue 19): the runner's git obeys no ``.git/config`` the container wrote."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.runner.conftest import Repo, new_repo

pytestmark = pytest.mark.docker


@pytest.fixture
def repo(tmp_path: Path, runner_image: str) -> Repo:
    return new_repo(tmp_path)


def test_git_on_the_host_obeys_no_config_the_container_wrote(repo: Repo, tmp_path: Path) -> None:
    """Finding 5 under docker: a core.fsmonitor the container set ran on the host."""
    canary = tmp_path / f"canary-{uuid.uuid4().hex[:8]}"
    repo.workflow(
        f"""\
        on: push
        jobs:
          plant:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: |
                  printf '#!/bin/sh\\nenv > {canary}\\n' > hook.sh
                  chmod +x hook.sh
                  cat >> .git/config <<EOF
                  [core]
                    fsmonitor = $PWD/hook.sh
                    hooksPath = $PWD
                  [filter "evil"]
                    smudge = $PWD/hook.sh
                    clean = $PWD/hook.sh
                  EOF
                  echo '* filter=evil' > .git/info/attributes
                  cp hook.sh post-checkout
              - uses: actions/checkout@v4
                with:
                  clean: false
              - run: echo survived
        """
    )
    repo.commit()
    run = repo.run("push", "--backend", "docker", timeout=300)
    assert run.returncode == 0, run.stderr
    assert "survived" in run.stderr
    assert not canary.exists(), canary.read_text()
