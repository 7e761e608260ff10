"""What CML's GitHub driver reads from the runner: the trigger's SHA, branch, pull request.

The same variables and event payload a step sees on GitHub (src/drivers/github.js): on
``pull_request`` the SHA is the PR head's (not the merge SHA in GITHUB_SHA), the branch is
GITHUB_HEAD_REF or GITHUB_REF, and only ``pull_request``/``pull_request_target`` events name
a pull request.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def event_payload() -> dict[str, Any]:
    path = os.environ.get("GITHUB_EVENT_PATH", "")
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}
    return payload if isinstance(payload, dict) else {}


def trigger_sha() -> str:
    if os.environ.get("GITHUB_EVENT_NAME") == "pull_request":
        head = (event_payload().get("pull_request") or {}).get("head") or {}
        sha = head.get("sha")
        if isinstance(sha, str) and sha:
            return sha
    return os.environ.get("GITHUB_SHA", "")


def branch() -> str:
    ref = os.environ.get("GITHUB_HEAD_REF") or os.environ.get("GITHUB_REF", "")
    for prefix in ("refs/heads/", "refs/tags/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref


def pull_request_number() -> str | None:
    if os.environ.get("GITHUB_EVENT_NAME") not in ("pull_request", "pull_request_target"):
        return None
    number = (event_payload().get("pull_request") or {}).get("number")
    return None if number is None else str(number)


def repository_url() -> str:
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    return f"{server}/{os.environ.get('GITHUB_REPOSITORY', '')}"
