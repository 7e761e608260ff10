"""Our rule ids, their default severity and a one-line description (SARIF ``rules``)."""

from __future__ import annotations

RULES: dict[str, tuple[str, str]] = {
    # From the workflow engine's checks (mlops.workflow.schema.loader)
    "yaml": ("error", "The file is not valid YAML (syntax, tabs, duplicate keys, encoding)."),
    "syntax": ("error", "A key or value GitHub Actions would reject."),
    "expression": ("error", "A ${{ }} expression that does not parse or calls a function wrongly."),
    "context-availability": ("error", "A context or function used where GitHub does not offer it."),
    "needs": (
        "error",
        "A job needs an unknown job, jobs depend in a cycle, or needs.<job> is "
        "read without listing the job in needs.",
    ),
    "events": ("error", "An unknown event or an invalid trigger filter."),
    "if-cond": ("error", "An if: with text outside ${{ }} is always true."),
    "matrix": (
        "error",
        "A matrix GitHub refuses to expand, or matrix.<key> that the matrix does not define.",
    ),
    "local-uses": ("error", "A local action or reusable workflow that is not in the repository."),
    # Our own workflow checks
    "version-float": (
        "error",
        "A version such as 3.10 written unquoted: YAML makes it the number 3.1.",
    ),
    "template-injection": ("error", "An attacker-controlled ${{ }} expanded into a script."),
    "pr-target-checkout": ("error", "pull_request_target checks out the pull request's code."),
    "missing-permissions": (
        "warning",
        "No permissions: block, so the job gets the default GITHUB_TOKEN scopes.",
    ),
    "unpinned-action": ("warning", "An action not pinned to a full commit SHA."),
    "checkout-persist-credentials": (
        "warning",
        "actions/checkout without persist-credentials: false leaves the token on disk.",
    ),
    "shallow-checkout": ("error", "A DVC diff against another revision after a shallow checkout."),
    "secrets-fork-guard": (
        "warning",
        "A pull_request job reads secrets but does not skip fork pull requests, which get none.",
    ),
    "deprecated-command": (
        "warning",
        "A workflow command GitHub has deprecated "
        "(::set-output, ::save-state, ::set-env, ::add-path).",
    ),
    "action-metadata": ("error", "An action.yml GitHub cannot use."),
    # DVC
    "dvc-yaml": ("error", "dvc.yaml that DVC cannot read."),
    "dvc-missing-dep": ("error", "A stage dependency that does not exist and nothing produces."),
    "dvc-missing-params-file": ("error", "A params file a stage reads that does not exist."),
    "dvc-missing-param": ("error", "A params key a stage reads that the params file lacks."),
    "dvc-overlapping-outs": (
        "error",
        "Two outputs that are the same path or one inside the other.",
    ),
    "params-yaml": ("error", "A params file that is not a valid YAML mapping."),
    # Dockerfiles
    "dockerfile-root-user": (
        "warning",
        "The image runs as root: no non-root USER in the final stage.",
    ),
    "dockerfile-syntax": ("error", "A Dockerfile without a FROM instruction."),
    # Ours, about the run itself
    "internal-error": ("error", "A check of mlops lint failed on this file (a bug in mlops)."),
    "unreadable": ("error", "The file cannot be read."),
}


def severity_of(rule: str) -> str:
    return RULES.get(rule, ("error", ""))[0]


def description_of(rule: str) -> str:
    return RULES.get(rule, ("", ""))[1]
