"""`mlops run` imports only what the run uses (start-up cost; bench/run.py has the figures).

A one-step workflow is run in a real process that reports ``sys.modules`` at exit; modules
for features the workflow does not use must not be among them. The second run is the one
checked: the first one parses the YAML and fills the workflow cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.runner.conftest import Repo

# Loaded by commands or features a one-step `run:` workflow does not use.
NOT_ON_THE_RUN_PATH = (
    # other commands and heavy third-party packages
    "mlops.scaffold",
    "mlops.lint",
    "mlops.report",
    "copier",
    "jinja2",
    "dvc",
    "docker",
    "rich",
    "matplotlib",
    "yaml",  # the workflow comes from the cache
    "mlops.workflow.schema",
    # runner features the workflow does not use
    "mlops.workflow.expressions.evaluator",  # no ${{ }} to evaluate
    "mlops.workflow.expressions.parser",
    "mlops.workflow.expressions.functions",
    "mlops.workflow.filters",  # `on: push` with no branch or path filter
    "mlops.runner.cml",  # no cml command ran
    "mlops.runner.actions",  # no built-in action
    "mlops.runner.steps.builtin",
    "mlops.runner.steps.call",  # no reusable workflow
    "mlops.runner.backends.docker",
    "mlops.runner.describe",  # text for -l/-g/-n only
    # standard-library modules nothing on the path needs
    "decimal",
    "tempfile",
    "asyncio",
    "logging",
    "email",
    "http",
    "concurrent",
)

REPORT_MODULES = (
    "import atexit, json, sys\n"
    "atexit.register(lambda: open(sys.argv[1], 'w').write(json.dumps(sorted(sys.modules))))\n"
    "from mlops.cli import main\n"
    "main(['run', 'push', '-C', sys.argv[2]])\n"
)


def _modules_of_a_run(repo: Repo) -> list[str]:
    report = repo.root.parent / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", REPORT_MODULES, str(report), str(repo.root)],
        env={**os.environ, "MLOPS_CACHE_DIR": str(repo.cache)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "success" in result.stderr
    return json.loads(report.read_text())


def _loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_a_one_step_run_imports_only_what_it_uses(repo: Repo) -> None:
    repo.workflow(
        """\
        on: push
        jobs:
          one:
            runs-on: ubuntu-latest
            steps:
              - run: true
        """
    )
    repo.commit()
    assert repo.run("push").returncode == 0  # fills the workflow cache
    modules = _modules_of_a_run(repo)
    assert "mlops.runner.engine" in modules  # the probe saw the run
    assert _loaded(modules, NOT_ON_THE_RUN_PATH) == []


def test_the_evaluator_is_imported_when_an_expression_is_evaluated(repo: Repo) -> None:
    repo.workflow(
        """\
        on: push
        jobs:
          one:
            runs-on: ubuntu-latest
            steps:
              - if: ${{ github.event_name == 'push' }}
                run: true
        """
    )
    repo.commit()
    assert repo.run("push").returncode == 0
    modules = _modules_of_a_run(repo)
    assert "mlops.workflow.expressions.evaluator" in modules
    assert _loaded(modules, ("mlops.runner.cml", "mlops.runner.steps.call", "decimal")) == []
