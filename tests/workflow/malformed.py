"""Malformed workflows a user could write, each with where GitHub-like checking must point.

Shared by the loader tests (exit 2, one ``file:line:col`` line) and, later, by lint tests
(findings, never a crash). Each case: (id, file bytes, line, column, text in the message).
"""

from __future__ import annotations

OK_JOB = "    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"

CASES: list[tuple[str, bytes, int, int, str]] = [
    ("yaml-syntax", b"on: push\njobs:\n  a: [1, 2\n", 4, 1, "expected"),
    ("tab-indent", b"on: push\njobs:\n  a:\n\truns-on: x\n", 4, 1, "tab"),
    ("empty-file", b"", 1, 1, "empty"),
    ("only-comments", b"# nothing here\n", 1, 1, "empty"),
    ("top-level-list", b"- on: push\n", 1, 1, "must be a mapping"),
    ("top-level-string", b"hello\n", 1, 1, "must be a mapping"),
    ("missing-on", ("jobs:\n  a:\n" + OK_JOB).encode(), 1, 1, "no 'on'"),
    ("missing-jobs", b"on: push\n", 1, 1, "no 'jobs'"),
    (
        "unknown-top-key",
        ("on: push\nnmae: x\njobs:\n  a:\n" + OK_JOB).encode(),
        2,
        1,
        "unknown key 'nmae'",
    ),
    (
        "unknown-job-key",
        ("on: push\njobs:\n  a:\n    timeout: 5\n" + OK_JOB).encode(),
        4,
        5,
        "unknown key 'timeout'",
    ),
    (
        "unknown-step-key",
        b"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
        b"      - run: echo\n        shel: bash\n",
        7,
        9,
        "unknown key 'shel'",
    ),
    (
        "timeout-not-number",
        ("on: push\njobs:\n  a:\n    timeout-minutes: soon\n" + OK_JOB).encode(),
        4,
        22,
        "timeout-minutes must be a number, got 'soon'",
    ),
    (
        "steps-not-list",
        b"on: push\njobs:\n  a:\n    runs-on: x\n    steps: echo\n",
        5,
        12,
        "steps must be a sequence",
    ),
    (
        "uses-and-run",
        b"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
        b"      - uses: actions/checkout@v4\n        run: echo\n",
        6,
        9,
        "exactly one of",
    ),
    (
        "neither-uses-nor-run",
        b"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - name: nothing\n",
        6,
        9,
        "neither",
    ),
    (
        "unknown-needs",
        ("on: push\njobs:\n  a:\n    needs: build\n" + OK_JOB).encode(),
        4,
        12,
        "unknown job 'build'",
    ),
    (
        "needs-cycle",
        (
            "on: push\njobs:\n  a:\n    needs: b\n" + OK_JOB + "  b:\n    needs: a\n" + OK_JOB
        ).encode(),
        4,
        12,
        "cycle",
    ),
    (
        "bad-expression",
        b"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ github. }}\n",
        6,
        29,
        "Unexpected end",
    ),
    (
        "unknown-function",
        b"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
        b"      - run: echo ${{ frobnicate(1) }}\n",
        6,
        23,
        "frobnicate",
    ),
    (
        "wrong-arity",
        b"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
        b"      - run: echo ${{ contains('a') }}\n",
        6,
        23,
        "contains",
    ),
    (
        "double-quoted-string",
        b"on: push\njobs:\n  a:\n    runs-on: x\n"
        b'    if: github.event_name == "push"\n    steps:\n      - run: echo\n',
        5,
        30,
        "double quotes",
    ),
    (
        "unbalanced-parens",
        b"on: push\njobs:\n  a:\n    runs-on: x\n"
        b"    if: (github.ref == 'x'\n    steps:\n      - run: echo\n",
        5,
        24,
        "Unexpected end",
    ),
    (
        "scalar-matrix",
        (
            "on: push\njobs:\n  a:\n    strategy:\n      matrix:\n        py: 3.11\n" + OK_JOB
        ).encode(),
        6,
        13,
        "must be a sequence",
    ),
    (
        "duplicate-step-id",
        b"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
        b"      - id: s\n        run: echo\n      - id: s\n        run: echo\n",
        8,
        13,
        "duplicate step id 's'",
    ),
    ("invalid-job-id", ("on: push\njobs:\n  1build:\n" + OK_JOB).encode(), 3, 3, "invalid job id"),
    (
        "duplicate-key",
        ("on: push\njobs:\n  a:\n" + OK_JOB + "  a:\n" + OK_JOB).encode(),
        7,
        3,
        "duplicate key 'a'",
    ),
    (
        "unknown-event",
        ("on: pull_requests\njobs:\n  a:\n" + OK_JOB).encode(),
        1,
        5,
        "unknown event 'pull_requests'",
    ),
    ("non-utf8", b"on: push\njobs:\n  a:\n    runs-on: \xff\xfe\n", 4, 14, "UTF-8"),
    (
        "env-in-job-if",
        ("on: push\njobs:\n  a:\n    if: env.X == 'y'\n" + OK_JOB).encode(),
        4,
        9,
        "'env' is not available",
    ),
    (
        "secrets-in-step-if",
        b"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
        b"      - run: echo\n        if: secrets.T != ''\n",
        7,
        13,
        "'secrets' is not available",
    ),
    ("missing-runs-on", b"on: push\njobs:\n  a:\n    steps:\n      - run: echo\n", 3, 3, "runs-on"),
    (
        "bang-tag-if",
        b"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
        b"      - run: echo\n        if: !cancelled()\n",
        7,
        13,
        "tag",
    ),
    (
        "missing-reusable",
        b"on: push\njobs:\n  a:\n    uses: ./.github/workflows/nope.yml\n",
        3,
        3,
        "does not exist",
    ),
    (
        "unclosed-expression",
        b"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ github.sha\n",
        6,
        19,
        "not closed",
    ),
    (
        "bad-permission",
        ("on: push\npermissions:\n  contents: readwrite\njobs:\n  a:\n" + OK_JOB).encode(),
        3,
        13,
        "read, write or none",
    ),
    (
        "hashfiles-in-job",
        ("on: push\njobs:\n  a:\n    name: ${{ hashFiles('x') }}\n" + OK_JOB).encode(),
        4,
        11,
        "hashFiles() is not available",
    ),
    (
        "bad-filter-pattern",
        ("on:\n  push:\n    branches: ['[main']\njobs:\n  a:\n" + OK_JOB).encode(),
        3,
        15,
        "on.push.branches",
    ),
]
