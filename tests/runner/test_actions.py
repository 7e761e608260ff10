"""Actions: the built-in local versions, local composite and node actions, mapped remotes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runner.conftest import Repo


def test_checkout_copies_history_per_fetch_depth(repo: Repo) -> None:
    repo.write("a.txt", "1\n")
    repo.commit("second")
    repo.workflow("""\
        on: push
        jobs:
          shallow:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: echo "commits=$(git rev-list --count HEAD) shallow=$(git rev-parse --is-shallow-repository)"
          full:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
                with:
                  fetch-depth: 0
              - run: |
                  echo "full-commits=$(git rev-list --count HEAD) $(ls a.txt)"
                  git rev-parse --verify --quiet origin/main > /dev/null && echo has-origin-main
    """)
    repo.commit("workflow")
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "commits=1 shallow=true" in run.stderr
    assert "full-commits=3 a.txt" in run.stderr
    assert "has-origin-main" in run.stderr


def test_setup_python_uses_a_local_interpreter_or_says_which_exist(repo: Repo) -> None:
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    repo.workflow(f"""\
        on: push
        jobs:
          ok:
            runs-on: ubuntu-latest
            steps:
              - id: py
                uses: actions/setup-python@v5
                with:
                  python-version: "{version}"
              - run: python -c "import sys; print('running', sys.version_info[:2])"
              - run: echo "reported ${{{{ steps.py.outputs.python-version }}}}"
          missing:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/setup-python@v5
                with:
                  python-version: "2.6"
    """)
    run = repo.run("push")
    assert run.returncode == 1
    major, minor = version.split(".")
    assert f"running ({major}, {minor})" in run.stderr
    assert f"reported {version}." in run.stderr
    assert "Python 2.6 is not installed on this machine (available:" in run.stderr
    assert version in run.stderr.split("available:")[1]


def test_setup_python_gives_the_job_mlops_pip_and_names_its_version(repo: Repo) -> None:
    """A job's pip is the one of mlops's environment, at least as new as GitHub's floor
    (a venv's own pip can be years older), and setup-python says which it is."""
    import pip

    from mlops.runner.actions.python import GITHUB_PIP_FLOOR

    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    repo.workflow(f"""\
        on: push
        jobs:
          ok:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/setup-python@v5
                with:
                  python-version: "{version}"
              - run: python -m pip --version
    """)
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert f"with pip {pip.__version__} in the job's own environment" in run.stderr
    assert f"pip {pip.__version__} from " in run.stderr  # what the step ran
    assert "is older than the pip GitHub's runners give" not in run.stderr
    floor = tuple(int(p) for p in GITHUB_PIP_FLOOR.split("."))
    assert tuple(int(p) for p in pip.__version__.split(".")[:2]) >= floor
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    assert f'"pip>={GITHUB_PIP_FLOOR}",' in pyproject  # what `pip install mlops` brings


def test_cache_saves_then_restores_across_runs(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          cached:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - id: cache
                uses: actions/cache@v4
                with:
                  path: build-cache
                  key: deps-${{ hashFiles('README.md') }}
                  restore-keys: deps-
              - run: |
                  echo "hit=${{ steps.cache.outputs.cache-hit }}"
                  mkdir -p build-cache && test -f build-cache/item && echo "restored $(cat build-cache/item)" || echo computed > build-cache/item
    """)
    first = repo.run("push")
    assert first.returncode == 0, first.stderr
    assert "hit=false" in first.stderr and "cache: saved 1 path(s)" in first.stderr
    second = repo.run("push")
    assert "hit=true" in second.stderr and "restored computed" in second.stderr
    repo.write("README.md", "changed\n")  # new key: falls back to the restore-keys prefix
    third = repo.run("push")
    assert "hit=false" in third.stderr and "restored computed" in third.stderr


def test_artifacts_pass_between_jobs_and_stay_in_the_record(repo: Repo) -> None:
    repo.workflow("""\
        on: push
        jobs:
          make:
            runs-on: ubuntu-latest
            steps:
              - run: mkdir -p out/sub && echo model > out/model.txt && echo x > out/sub/x.txt
              - uses: actions/upload-artifact@v4
                with:
                  name: model
                  path: out/
          use:
            needs: make
            runs-on: ubuntu-latest
            steps:
              - uses: actions/download-artifact@v4
                with:
                  name: model
                  path: got
              - run: cat got/model.txt got/sub/x.txt
    """)
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "[use]   model" in run.stderr
    assert (run.record / "artifacts" / "model" / "model.txt").read_text() == "model\n"


def test_cml_comment_is_saved_updated_in_place_and_printed(repo: Repo) -> None:
    repo.workflow("""\
        on: pull_request
        jobs:
          report:
            runs-on: ubuntu-latest
            steps:
              - uses: iterative/setup-cml@v2
              - run: |
                  mkdir -p plots && printf 'PNGDATA' > plots/roc.png
                  echo "# First report" > report.md
                  cml comment update --watermark-title="model report" report.md
                  { echo "# Second report"; echo "![ROC](plots/roc.png)"; echo "![remote](https://example.com/x.png)"; } > report.md
                  cml comment update --watermark-title="model report" report.md
                  echo "# Other" > other.md
                  cml comment create other.md
    """)
    run = repo.run("pull_request")
    assert run.returncode == 0, run.stderr
    comments = sorted((run.record / "comments").glob("*.md"))
    assert len(comments) == 2
    first = comments[0].read_text()
    assert first.startswith("# Second report")
    assert "CML watermark model report" in first
    # Local images are copied beside the saved comment, as CML would upload them.
    assert "![ROC](1-assets/plots-roc.png)" in first
    assert (comments[0].parent / "1-assets" / "plots-roc.png").read_bytes() == b"PNGDATA"
    assert "![remote](https://example.com/x.png)" in first
    assert "── CML comment" in run.stderr and "# Second report" in run.stderr


def test_remote_action_needs_a_local_repository(repo: Repo, tmp_path: Path) -> None:
    repo.workflow("""\
        on: push
        jobs:
          remote:
            runs-on: ubuntu-latest
            steps:
              - id: hi
                uses: acme/hello-action@v1
                with:
                  who: mapped
              - run: echo "said ${{ steps.hi.outputs.said }}"
    """)
    run = repo.run("push")
    assert run.returncode == 1
    assert "acme/hello-action@v1 is not built into mlops" in run.stderr
    assert "--local-repository acme/hello-action@v1=PATH" in run.stderr
    action = tmp_path / "hello-action"
    action.mkdir()
    (action / "action.yml").write_text(
        "name: hello\ninputs:\n  who: {required: true}\noutputs:\n  said:\n"
        "    value: ${{ steps.s.outputs.said }}\nruns:\n  using: composite\n  steps:\n"
        '    - id: s\n      shell: bash\n      run: echo "said=hi ${{ inputs.who }}" >> "$GITHUB_OUTPUT"\n'
    )
    mapped = repo.run("push", "--local-repository", f"acme/hello-action@v1={action}")
    assert mapped.returncode == 0, mapped.stderr
    assert "said hi mapped" in mapped.stderr


def test_local_composite_action_nests_with_inputs_and_outputs(repo: Repo) -> None:
    repo.write(
        ".github/actions/inner/action.yml",
        """\
        name: inner
        inputs:
          word: {default: inner-default}
        outputs:
          echoed:
            value: ${{ steps.e.outputs.echoed }}
        runs:
          using: composite
          steps:
            - id: e
              shell: bash
              run: echo "echoed=${{ inputs.word }}" >> "$GITHUB_OUTPUT"
    """,
    )
    repo.write(
        ".github/actions/outer/action.yml",
        """\
        name: outer
        inputs:
          word: {required: true}
        outputs:
          result:
            value: ${{ steps.call.outputs.echoed }}
        runs:
          using: composite
          steps:
            - id: call
              uses: ./.github/actions/inner
              with:
                word: ${{ inputs.word }}-via-outer
            - shell: bash
              run: echo "action path ends with $(basename "${{ github.action_path }}")"
    """,
    )
    repo.workflow("""\
        on: push
        jobs:
          composite:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - id: outer
                uses: ./.github/actions/outer
                with:
                  word: hello
              - run: echo "final=${{ steps.outer.outputs.result }}"
    """)
    repo.commit()
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "action path ends with outer" in run.stderr
    assert "final=hello-via-outer" in run.stderr


def test_local_node_action_with_pre_and_post(repo: Repo) -> None:
    if shutil.which("node") is None:
        pytest.fail(
            "node is not installed: the node-action test needs node on PATH "
            "(apt-get install nodejs)"
        )
    repo.write(
        "node-action/action.yml",
        """\
        name: node
        inputs:
          greeting: {default: hi}
        runs:
          using: node20
          pre: pre.js
          main: main.js
          post: post.js
    """,
    )
    repo.write(
        "node-action/pre.js",
        """\
        const fs = require('fs');
        fs.appendFileSync(process.env.GITHUB_STATE, 'started=yes\\n');
        console.log('pre ran');
    """,
    )
    repo.write(
        "node-action/main.js",
        """\
        const fs = require('fs');
        console.log(`main says ${process.env.INPUT_GREETING} state=${process.env.STATE_started}`);
        fs.appendFileSync(process.env.GITHUB_OUTPUT, 'answer=42\\n');
    """,
    )
    repo.write(
        "node-action/post.js", "console.log(`post ran state=${process.env.STATE_started}`);\n"
    )
    repo.workflow("""\
        on: push
        jobs:
          node:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - id: n
                uses: ./node-action
                with:
                  greeting: hello
              - run: echo "answer=${{ steps.n.outputs.answer }}"
    """)
    repo.commit()
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    # GitHub never runs a local action's pre (the repository is not checked out when pre
    # steps run); it warns. Mapped as an action of another repository, the pre runs first.
    assert "`pre` execution is not supported for local action from './node-action'" in run.stderr
    assert "pre ran" not in run.stderr
    order = [
        run.stderr.index(text)
        for text in ("main says hello state=undefined", "answer=42", "post ran state=undefined")
    ]
    assert order == sorted(order)

    workflow = repo.root / ".github" / "workflows" / "w.yml"
    workflow.write_text(workflow.read_text().replace("./node-action", "acme/node@v1"))
    repo.commit()
    run = repo.run("push", "--local-repository", f"acme/node@v1={repo.root / 'node-action'}")
    assert run.returncode == 0, run.stderr
    assert "not supported" not in run.stderr
    order = [
        run.stderr.index(text)
        for text in (
            "pre ran",
            "Run actions/checkout@v4",
            "main says hello state=yes",
            "answer=42",
            "post ran state=yes",
        )
    ]
    assert order == sorted(order)


def _lint(root: Path, *paths: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlops", "lint", "--no-tools", *paths],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("action", "located"),
    [
        (
            "name: b\ndescription: d\nruns:\n  using: node8\n  main: index.js\n",
            "4:10: runs.using 'node8' is not supported; use one of 'composite', 'docker', "
            "'node12', 'node16', 'node20', 'node24'",
        ),
        (
            "name: b\ndescription: d\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n",
            "6:7: a run step of a composite action needs 'shell' (e.g. shell: bash)",
        ),
        ("name: b\ndescription: d\n", "1:1: an action needs a 'runs' mapping (how it runs)"),
        (
            "name: b\ndescription: d\nruns:\n  using: composite\n  steps:\n"
            "    - run: echo ${{ secrets.TOKEN }}\n      shell: bash\n",
            "6:12: context 'secrets' is not available in runs.steps.run; available: env, github, "
            "inputs, job, matrix, runner, steps, strategy",
        ),
        (
            "name: b\ndescription: d\nruns:\n  using: composite\n  steps:\n"
            "    - run: echo hi\n      shell: bash\n      timeout-minutes: 1\n",
            "8:7: unknown key 'timeout-minutes' in a run step of a composite action; expected one "
            "of: continue-on-error, env, id, if, name, run, shell, working-directory",
        ),
    ],
    ids=[
        "unknown-using",
        "composite-run-without-shell",
        "no-runs",
        "composite-secrets",
        "composite-timeout-minutes",
    ],
)
def test_a_broken_action_yml_gets_one_located_message_from_run_and_lint(
    repo: Repo, action: str, located: str
) -> None:
    repo.write(".github/actions/b/action.yml", action)
    repo.workflow(WORKFLOW_USING_B)
    repo.commit()
    run = repo.run("push")
    message = f".github/actions/b/action.yml:{located}"
    assert run.returncode == 1, run.stderr
    assert f"error: {message}\n" in run.stderr
    assert "Traceback" not in run.stderr
    lint = _lint(repo.root, ".github/actions/b/action.yml")
    assert lint.returncode == 1, lint.stdout + lint.stderr
    path, _, rest = message.partition(":")
    line, column, text = rest.split(":", 2)
    assert f"{path}:{line}:{column}: error " in lint.stdout
    assert text.strip() in lint.stdout


WORKFLOW_USING_B = """\
    on: push
    jobs:
      b:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - uses: ./.github/actions/b
          - run: echo after
"""


def test_an_action_without_description_runs_and_lint_flags_it(repo: Repo) -> None:
    repo.write(
        ".github/actions/b/action.yml",
        "name: b\nruns:\n  using: composite\n  steps:\n"
        "    - run: echo composite ran\n      shell: bash\n",
    )
    repo.workflow(WORKFLOW_USING_B)
    repo.commit()
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "composite ran" in run.stderr
    lint = _lint(repo.root, ".github/actions/b/action.yml")
    assert lint.returncode == 1, lint.stdout + lint.stderr
    assert (
        ".github/actions/b/action.yml:1:1: warning action-metadata: an action should have a "
        "'description'" in lint.stdout
    )
    assert "error" not in lint.stdout.split("[mlops]")[0]


def test_setup_python_cache_needs_a_dependency_file_and_may_run_twice(repo: Repo) -> None:
    """setup-python's pip cache is keyed by the hash of ``cache-dependency-path`` (default
    requirements files, then pyproject.toml): when nothing matches, GitHub fails the step with
    "No file in <workspace> matched to [...], make sure you have checked out the target
    repository" (actions/setup-python, "Caching packages dependencies"). A second
    setup-python of the same version in one job sets it up again."""
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    repo.write("src/requirements.txt", "")
    repo.workflow(f"""\
        on: push
        jobs:
          none:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/setup-python@v5
                with:
                  python-version: "{version}"
                  cache: pip
                  cache-dependency-path: |
                    requirements/*.txt
                    setup.cfg
              - run: echo never
          found:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - uses: actions/setup-python@v5
                with: {{python-version: "{version}", cache: pip}}
              - uses: actions/setup-python@v5
                with:
                  python-version: "{version}"
                  cache: pip
                  cache-dependency-path: src/requirements.txt
              - run: echo twice
    """)
    repo.commit()
    run = repo.run("push")
    assert run.returncode == 1, run.stderr
    assert (
        "matched to [requirements/*.txt,setup.cfg], make sure you have checked out the "
        "target repository" in run.stderr
    )
    assert "No file in " in run.stderr and "never" not in run.stderr
    assert "twice" in run.stderr
    assert "File exists" not in run.stderr
