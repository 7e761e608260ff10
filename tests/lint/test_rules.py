"""Our own rules, one behaviour each, on real files in temporary repositories (in process,
without the wrapped tools: these are the checks no tool makes, or makes everywhere)."""

from __future__ import annotations

from pathlib import Path

from mlops.lint.engine import lint as run_lint
from tests.lint.conftest import make_repo

HEAD = "on: {on}\npermissions: {{}}\njobs:\n"
JOB = "  {name}:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n"
CHECKOUT = (
    "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1  # v7.0.1\n"
    "        with:\n          persist-credentials: false\n"
)


def workflow(body: str, on: str = "push", name: str = "build") -> str:
    return HEAD.format(on=on) + JOB.format(name=name) + body


def findings(root: Path, *paths: str) -> list[tuple[str, int, int, str]]:
    result = run_lint(list(paths), cwd=root, tools=False)
    return [(f.path, f.line, f.column, f.rule) for f in result.findings]


def rules(root: Path, *paths: str) -> list[tuple[int, str]]:
    return [(line, rule) for _, line, _, rule in findings(root, *paths)]


def repo_with(tmp_path: Path, files: dict[str, str]) -> Path:
    return make_repo(tmp_path / "repo", files)


def test_a_clean_workflow_has_no_findings(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {".github/workflows/w.yml": workflow("    steps:\n" + CHECKOUT)})
    assert findings(root) == []


def test_version_floats_in_with_matrix_and_env(tmp_path: Path) -> None:
    text = workflow(
        "    strategy:\n      matrix:\n        python: [3.9, 3.10, '3.11']\n"
        "        include:\n          - node-version: 20.10\n"
        "    env:\n      GO_VERSION: 1.20\n      RATE: 0.10\n"
        "    steps:\n      - uses: actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97\n"
        "        with:\n          python-version: 3.10\n          python-version-file: x\n"
        "      - uses: actions/setup-go@5fda3b95a4ea91299a34e894583c3862153e4b97\n"
        "        with:\n          go-version: 1.21\n"
    )
    root = repo_with(tmp_path, {".github/workflows/w.yml": text})
    assert rules(root) == [
        (10, "version-float"),  # matrix python: 3.10 (3.9 is fine)
        (12, "version-float"),  # include node-version: 20.10
        (14, "version-float"),  # GO_VERSION: 1.20 (RATE is no version)
        (19, "version-float"),  # python-version: 3.10 (go-version: 1.21 reads the same)
    ]
    assert findings(root)[0][2] == 23  # the column of 3.10 in the flow sequence


def test_template_injection_only_for_values_an_outsider_controls(tmp_path: Path) -> None:
    text = workflow(
        "    steps:\n"
        "      - run: echo ${{ github.event.issue.title }}\n"
        "      - run: echo ${{ github.event.pull_request.number }} ${{ github.sha }}\n"
        "      - run: echo ${{ contains(github.event.comment.body, '/retrain') }}\n"
        "      - run: echo ${{ toJSON(github.event.head_commit) }}\n"
        "      - run: |\n          echo ok\n          git checkout ${{ github.head_ref }}\n"
        "      - uses: actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea\n"
        "        with:\n          script: console.log('${{ github.event.review.body }}')\n"
        "      - env:\n          TITLE: ${{ github.event.pull_request.title }}\n"
        '        run: echo "$TITLE"\n',
        on="[issues, issue_comment]",
    )
    root = repo_with(tmp_path, {".github/workflows/w.yml": text})
    found = [
        (line, column) for _, line, column, rule in findings(root) if rule == "template-injection"
    ]
    # issue title; toJSON of the head commit; head_ref in a block; github-script's script
    assert found == [(9, 19), (12, 19), (15, 24), (18, 32)]


def test_pr_target_checkout_of_the_head_and_gh_pr_checkout(tmp_path: Path) -> None:
    text = workflow(
        "    steps:\n" + CHECKOUT + "          ref: refs/pull/${{ github.event.number }}/merge\n"
        "      - run: gh pr checkout ${{ github.event.pull_request.number }}\n",
        on="pull_request_target",
    )
    root = repo_with(tmp_path, {".github/workflows/w.yml": text})
    assert rules(root) == [(12, "pr-target-checkout"), (13, "pr-target-checkout")]
    # The same checkout on pull_request is fine (the PR head is what it should build).
    (root / ".github/workflows/w.yml").write_text(
        text.replace("pull_request_target", "pull_request")
    )
    assert rules(root) == []


def test_missing_permissions_is_per_job_and_satisfied_by_either_level(tmp_path: Path) -> None:
    text = (
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"
        "  b:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n"
        "    steps:\n      - run: echo\n"
    )
    root = repo_with(tmp_path, {".github/workflows/w.yml": text})
    assert rules(root) == [(3, "missing-permissions")]
    (root / ".github/workflows/w.yml").write_text("permissions: read-all\n" + text)
    assert rules(root) == []


def test_unpinned_actions_and_reusable_workflows(tmp_path: Path) -> None:
    text = HEAD.format(on="push") + (
        "  call:\n    uses: octo/repo/.github/workflows/x.yml@main\n"
        + JOB.format(name="b")
        + "    steps:\n      - uses: actions/cache@v4\n"
        "      - uses: docker://alpine:3.20\n"
        "      - uses: actions/cache@0c45773b623bea8c8e75f6c82b208c3cf94ea4f9\n"
    )
    root = repo_with(tmp_path, {".github/workflows/w.yml": text})
    assert rules(root) == [(5, "unpinned-action"), (11, "unpinned-action")]


def test_checkout_persist_credentials(tmp_path: Path) -> None:
    text = workflow(
        "    steps:\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1\n"
        "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1\n"
        "        with:\n          persist-credentials: true\n" + CHECKOUT
    )
    root = repo_with(tmp_path, {".github/workflows/w.yml": text})
    assert rules(root) == [
        (9, "checkout-persist-credentials"),
        (10, "checkout-persist-credentials"),
    ]


def test_dvc_diff_after_a_shallow_checkout(tmp_path: Path) -> None:
    shallow = workflow(
        "    steps:\n" + CHECKOUT + "      - run: dvc repro --pull\n"
        "      - run: |\n          dvc params diff --md\n          dvc metrics diff main --md\n"
        '      - run: dvc plots diff "origin/${BASE_REF}" --targets x\n'
    )
    root = repo_with(tmp_path, {".github/workflows/w.yml": shallow})
    # `dvc repro --pull` and a diff against the workspace need no history; a revision does.
    assert findings(root) == [
        (".github/workflows/w.yml", 15, 11, "shallow-checkout"),
        (".github/workflows/w.yml", 16, 14, "shallow-checkout"),
    ]
    full = shallow.replace(
        "persist-credentials: false\n", "persist-credentials: false\n          fetch-depth: 0\n"
    )
    (root / ".github/workflows/w.yml").write_text(full)
    assert findings(root) == []
    fetched = shallow.replace("dvc repro --pull", "git fetch --depth=1 origin main:main")
    (root / ".github/workflows/w.yml").write_text(fetched)
    assert findings(root) == []


def test_secrets_without_a_fork_guard_on_pull_request(tmp_path: Path) -> None:
    body = (
        "    steps:\n      - run: dvc pull\n        env:\n"
        "          AWS_KEY: ${{ secrets.AWS_KEY }}\n          TOKEN: ${{ secrets.GITHUB_TOKEN }}\n"
    )
    root = repo_with(tmp_path, {".github/workflows/w.yml": workflow(body, on="pull_request")})
    [(_, line, _, rule)] = findings(root)
    assert (line, rule) == (4, "secrets-fork-guard")
    guarded = workflow(body, on="pull_request").replace(
        "    runs-on:",
        "    if: github.event.pull_request.head.repo.full_name == github.repository\n    runs-on:",
    )
    (root / ".github/workflows/w.yml").write_text(guarded)
    assert findings(root) == []
    (root / ".github/workflows/w.yml").write_text(workflow(body, on="push"))
    assert findings(root) == []


def test_deprecated_commands(tmp_path: Path) -> None:
    text = workflow(
        "    steps:\n      - run: |\n          echo '::save-state name=x::1'\n"
        "          echo '::set-env name=A::b'\n"
    )
    root = repo_with(tmp_path, {".github/workflows/w.yml": text})
    result = run_lint([], cwd=root, tools=False)
    assert [(f.line, f.column, f.rule, f.severity) for f in result.findings] == [
        (10, 17, "deprecated-command", "warning"),
        (11, 17, "deprecated-command", "error"),  # ::set-env is disabled: the step fails
    ]


def test_matrix_expansion_errors_and_unknown_keys(tmp_path: Path) -> None:
    text = (
        workflow(
            "    strategy:\n      matrix:\n        os: [ubuntu-latest]\n"
            "        exclude:\n          - python: '3.11'\n"
            "    steps:\n      - run: echo ${{ matrix.os }} ${{ matrix.pyhton }}\n"
        )
        + JOB.format(name="other")
        + "    steps:\n      - run: echo ${{ matrix.os }}\n"
    )
    root = repo_with(tmp_path, {".github/workflows/w.yml": text})
    result = run_lint([], cwd=root, tools=False)
    got = [(f.line, f.rule, f.message) for f in result.findings]
    assert [(line, rule) for line, rule, _ in got] == [
        (10, "matrix"),  # exclude key 'python' is no matrix key
        (14, "matrix"),  # matrix.pyhton
        (20, "matrix"),  # job 'other' has no matrix
    ]
    assert "python" in got[0][2] and "pyhton" in got[1][2] and "no matrix" in got[2][2]


def test_needs_context_of_a_job_not_in_needs(tmp_path: Path) -> None:
    text = (
        workflow("    steps:\n      - run: echo\n", name="a")
        + JOB.format(name="b")
        + (
            "    needs: a\n    if: needs.a.result == 'success' && needs.c.result == 'success'\n"
            "    steps:\n      - run: echo ${{ needs.a.outputs.x }}\n"
        )
    )
    root = repo_with(tmp_path, {".github/workflows/w.yml": text})
    assert rules(root) == [(15, "needs")]  # needs.c; needs.a is listed


def test_local_actions_and_reusable_workflows(tmp_path: Path) -> None:
    text = HEAD.format(on="push") + (
        "  call:\n    uses: ./.github/workflows/lib.yml\n"
        "  missing:\n    uses: ./.github/workflows/nope.yml\n"
        + JOB.format(name="b")
        + "    steps:\n      - uses: ./.github/actions/here\n      - uses: ./.github/actions/gone\n"
    )
    root = repo_with(
        tmp_path,
        {
            ".github/workflows/w.yml": text,
            ".github/workflows/lib.yml": HEAD.format(on="push")
            + JOB.format(name="x")
            + "    steps:\n      - run: echo\n",
            ".github/actions/here/action.yml": (
                "name: here\ndescription: d\nruns:\n  using: composite\n  steps:\n"
                "    - run: echo hi\n      shell: bash\n"
            ),
        },
    )
    assert findings(root, ".github/workflows/w.yml", ".github/actions/here/action.yml") == [
        (".github/workflows/w.yml", 4, 3, "local-uses"),  # lib.yml has no workflow_call
        (".github/workflows/w.yml", 6, 3, "local-uses"),  # nope.yml does not exist
        (".github/workflows/w.yml", 14, 15, "local-uses"),  # no action.yml in gone/
    ]


def test_action_yml_checks(tmp_path: Path) -> None:
    action = (
        "name: a\ndescription: d\nbranding: {}\nruns:\n  using: composite\n  steps:\n"
        "    - run: echo ${{ github.event.issue.body }}\n"
        "    - uses: actions/checkout@v4\n"
    )
    root = repo_with(
        tmp_path, {"sub/action.yml": action, "bad/action.yaml": "name: x\nruns:\n  using: node8\n"}
    )
    assert findings(root) == [
        ("bad/action.yaml", 1, 1, "action-metadata"),  # no description
        ("bad/action.yaml", 3, 10, "action-metadata"),  # node8
        ("sub/action.yml", 7, 7, "action-metadata"),  # composite run step without shell
        ("sub/action.yml", 7, 17, "template-injection"),
        ("sub/action.yml", 8, 7, "checkout-persist-credentials"),
        ("sub/action.yml", 8, 13, "unpinned-action"),
    ]


def test_dvc_pipeline_checks(tmp_path: Path) -> None:
    dvc_yaml = """stages:
  prepare:
    cmd: python prepare.py
    deps:
      - prepare.py
      - data/raw.csv
      - data/tracked/part.csv
    params:
      - prepare.seed
      - prepare.missing
      - extra.json:
          - lr
          - nope
      - gone.yaml:
    outs:
      - data/prepared
  train:
    cmd: python train.py
    deps:
      - data/prepared/train.csv
      - https://example.invalid/remote.csv
      - ${item}/x
    outs:
      - data/prepared/model.pkl
      - metrics.json:
          cache: false
    metrics:
      - metrics.json
  each:
    foreach: [a, b]
    do:
      cmd: echo ${item}
      deps:
        - nothing/${item}
"""
    root = repo_with(
        tmp_path,
        {
            "dvc.yaml": dvc_yaml,
            "params.yaml": "prepare:\n  seed: 1\n",
            "extra.json": '{"lr": 0.1}',
            "prepare.py": "",
            "data/tracked.dvc": "outs:\n- path: tracked\n",
        },
    )
    assert findings(root) == [
        ("dvc.yaml", 6, 9, "dvc-missing-dep"),  # data/raw.csv
        ("dvc.yaml", 10, 9, "dvc-missing-param"),  # prepare.missing
        ("dvc.yaml", 13, 13, "dvc-missing-param"),  # nope in extra.json
        ("dvc.yaml", 14, 9, "dvc-missing-params-file"),  # gone.yaml
        ("dvc.yaml", 24, 9, "dvc-overlapping-outs"),  # inside data/prepared
        ("dvc.yaml", 28, 9, "dvc-overlapping-outs"),  # metrics.json twice
    ]


def test_params_and_dvc_yaml_that_do_not_parse(tmp_path: Path) -> None:
    root = repo_with(
        tmp_path,
        {
            "params.yaml": "a: 1\na: 2\n",
            "sub/dvc.yaml": "stages:\n  x: [1\n",
            "sub/params.yaml": "- 1\n",
        },
    )
    assert rules(root) == [(2, "params-yaml"), (3, "dvc-yaml"), (1, "params-yaml")]


def test_ignore_comment_silences_one_rule_on_its_line(tmp_path: Path) -> None:
    text = workflow(
        "    steps:\n"
        "      - uses: actions/cache@v4  # mlops-lint: ignore[unpinned-action]\n"
        "      - uses: actions/cache@v4  # mlops-lint: ignore[version-float]\n"
        "      - uses: actions/cache@v4  # mlops-lint: ignore\n"
    )
    root = repo_with(tmp_path, {".github/workflows/w.yml": text})
    assert rules(root) == [(10, "unpinned-action")]


def test_discovery_skips_nested_workflow_copies_and_ignored_files(tmp_path: Path) -> None:
    bad = "on: push\njobs: {}\n"
    root = repo_with(
        tmp_path,
        {
            ".github/workflows/ok.yml": workflow("    steps:\n      - run: echo\n"),
            "vendor/x/.github/workflows/bad.yml": bad,  # someone else's repository
            "build/Dockerfile": "FROM scratch\n",  # ignored by .gitignore
            ".gitignore": "build/\n",
            "docker/Dockerfile.dev": "FROM scratch\nUSER 1000\n",
        },
    )
    result = run_lint([], cwd=root / "docker", tools=False)
    assert result.root == root.resolve()
    assert sorted((f.shown, f.kind) for f in result.files) == [
        ("../.github/workflows/ok.yml", "workflow"),
        ("Dockerfile.dev", "dockerfile"),
    ]
    assert result.findings == []
    # A workflow directory given explicitly is read, as is any *.yml file given explicitly.
    assert rules(root, "vendor/x/.github") == [(2, "syntax")]
    assert rules(root, "vendor/x/.github/workflows/bad.yml") == [(2, "syntax")]


def test_local_action_inputs_against_its_action_yml(tmp_path: Path) -> None:
    body = (
        "    steps:\n" + CHECKOUT + "      - uses: ./.github/actions/greet\n"
        "        with:\n          whom: world\n"
    )
    action = (
        "name: greet\ndescription: d\ninputs:\n  who: {required: true}\n"
        "  greeting: {required: true, default: hi}\n"
        "runs:\n  using: composite\n  steps:\n    - run: echo hi\n      shell: bash\n"
    )
    root = repo_with(
        tmp_path,
        {".github/workflows/w.yml": workflow(body), ".github/actions/greet/action.yml": action},
    )
    result = run_lint([".github/workflows/w.yml"], cwd=root, tools=False)
    assert [(f.line, f.column, f.severity, f.rule, f.message) for f in result.findings] == [
        (
            12,
            9,
            "warning",
            "local-uses",
            "./.github/actions/greet requires input 'who', which this step does not give; "
            "GitHub runs the action anyway, with the input empty",
        ),
        (
            14,
            11,
            "warning",
            "local-uses",
            "./.github/actions/greet has no input 'whom' (its inputs: who, greeting); GitHub "
            "passes it on with a warning",
        ),
    ]


def test_a_docker_action_image_may_run_as_root_but_other_dockerfiles_may_not(
    tmp_path: Path,
) -> None:
    # GitHub runs Docker container actions as root (a USER loses the mounted workspace).
    root = repo_with(
        tmp_path,
        {
            ".github/actions/greet/action.yml": (
                "name: greet\ndescription: says hello\n"
                "runs:\n  using: docker\n  image: build/Dockerfile\n"
            ),
            ".github/actions/greet/build/Dockerfile": 'FROM python:3.11-slim\nCMD ["true"]\n',
            "Dockerfile": 'FROM python:3.11-slim\nCMD ["true"]\n',
        },
    )
    found = findings(root)
    assert ("Dockerfile", 1, 1, "dockerfile-root-user") in found
    assert not [f for f in found if f[0].endswith("build/Dockerfile")]
