"""Events: the payload and ``github`` context of a local run, and which workflows they trigger.

Trigger filters are honoured as GitHub honours them (act ignores them): ``branches``,
``branches-ignore``, ``tags``, ``tags-ignore``, ``paths``, ``paths-ignore`` and ``types``,
against the local repository (current branch; files changed against the base branch for
pull requests; the payload from ``-e FILE``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from mlops.errors import UsageError
from mlops.workflow.model import Workflow
from mlops.workflow.repository import Repository

# Activity types GitHub uses when a workflow lists none (docs "Events that trigger workflows").
DEFAULT_TYPES = {
    "pull_request": ["opened", "synchronize", "reopened"],
    "pull_request_target": ["opened", "synchronize", "reopened"],
}
DEFAULT_ACTION = {
    "pull_request": "synchronize",
    "pull_request_target": "synchronize",
    "issues": "opened",
    "issue_comment": "created",
    "release": "published",
    "workflow_run": "completed",
}
SERVER_URL = "https://github.com"


@dataclass(eq=False)
class Event:
    """An event to run workflows for, with everything derived from it."""

    name: str
    payload: dict[str, Any]
    ref: str
    sha: str
    base_ref: str = ""
    head_ref: str = ""
    head_message: str = ""  # a pull request's head commit message (not in its payload)
    # Files changed by the event, computed on first use (only path filters need them).
    changed_files_loader: Callable[[], list[str]] = field(default=list, repr=False)

    @cached_property
    def changed_files(self) -> list[str]:
        return self.changed_files_loader()

    @property
    def action(self) -> str | None:
        action = self.payload.get("action")
        return action if isinstance(action, str) else None


def load_event_file(path: str) -> dict[str, Any]:
    from mlops.inputfiles import PAYLOAD_LIMIT, read_limited

    try:
        payload = json.loads(read_limited(path, "-e", PAYLOAD_LIMIT).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        line = getattr(error, "lineno", 1)
        column = getattr(error, "colno", 1)
        raise UsageError(f"{path}:{line}:{column}: not a JSON event payload: {error}") from None
    if not isinstance(payload, dict):
        raise UsageError(f"{path}:1:1: an event payload must be a JSON object")
    return payload


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def make_event(
    name: str,
    repo: Repository,
    *,
    payload: dict[str, Any] | None = None,
    inputs: dict[str, str] | None = None,
    actor: str | None = None,
) -> Event:
    """The event ``name`` as it would arrive for the repository's current state, sent by
    ``actor`` (a login; default: the repository's, see :attr:`Repository.actor`).

    A payload given with ``-e`` is merged over the default one, so a partial file (say,
    just ``{"pull_request": {"base": {"ref": "develop"}}}``) is enough.
    """
    owner, repo_name = repo.owner_and_name
    repository = {
        "full_name": repo.full_name,
        "name": repo_name,
        "owner": {"login": owner},
        "default_branch": repo.default_branch,
        "html_url": f"{SERVER_URL}/{repo.full_name}",
    }
    login = actor or repo.actor
    sender = {"login": login, "type": "User"}
    branch = repo.branch or repo.default_branch
    default: dict[str, Any] = {"repository": repository, "sender": sender}
    if name in DEFAULT_ACTION:
        default["action"] = DEFAULT_ACTION[name]
    if name in ("pull_request", "pull_request_target"):
        base_branch = repo.default_branch if branch != repo.default_branch else branch
        base_sha = repo.resolve(f"origin/{base_branch}") or repo.resolve(base_branch) or repo.sha
        default.update(
            number=1,
            pull_request={
                "number": 1,
                "title": repo.head_subject,
                "draft": False,
                "head": {"ref": branch, "sha": repo.sha, "repo": dict(repository)},
                "base": {"ref": base_branch, "sha": base_sha, "repo": dict(repository)},
                "user": sender,
                "html_url": f"{SERVER_URL}/{repo.full_name}/pull/1",
            },
        )
    elif name == "push":
        tag = None if repo.branch else repo.tag
        ref = f"refs/tags/{tag}" if tag else f"refs/heads/{branch}"
        parent = repo.parent_sha or "0" * 40
        commit = _commit_payload(repo)
        default.update(
            ref=ref,
            before=parent,
            after=repo.sha,
            created=False,
            deleted=False,
            forced=False,
            base_ref=None,
            compare=f"{SERVER_URL}/{repo.full_name}/compare/{parent[:12]}...{repo.sha[:12]}",
            commits=[commit],
            head_commit=commit,
            pusher={"name": login},
        )
    elif name == "workflow_dispatch":
        default.update(ref=f"refs/heads/{branch}", inputs=dict(inputs or {}))
    merged = _merge(default, payload or {})
    _check_payload(name, merged)
    if inputs and name == "workflow_dispatch":
        merged["inputs"] = {**merged.get("inputs", {}), **inputs}
    return _derive(name, merged, repo, branch)


def _commit_payload(repo: Repository) -> dict[str, Any]:
    """HEAD as a push payload's ``head_commit`` (and its one entry of ``commits``)."""
    commit = repo.head_commit
    author = commit.get("author") or {"name": repo.actor, "email": "", "date": ""}
    committer = commit.get("committer") or author
    return {
        "id": repo.sha,
        "tree_id": commit.get("tree", ""),
        "distinct": True,
        "message": commit.get("message", ""),
        "timestamp": committer["date"],
        "url": f"{SERVER_URL}/{repo.full_name}/commit/{repo.sha}",
        "author": {"name": author["name"], "email": author["email"]},
        "committer": {"name": committer["name"], "email": committer["email"]},
        "added": [],
        "removed": [],
        "modified": [],
    }


def _check_payload(name: str, payload: dict[str, Any]) -> None:
    """The parts of a payload the runner reads must have the shape GitHub sends."""
    shapes: list[tuple[str, Any, type]] = []
    if name in ("pull_request", "pull_request_target"):
        pull = payload.get("pull_request")
        shapes.append(("pull_request", pull, dict))
        if isinstance(pull, dict):
            shapes += [(f"pull_request.{k}", pull.get(k, {}), dict) for k in ("base", "head")]
    if name == "workflow_dispatch":
        shapes.append(("inputs", payload.get("inputs", {}), dict))
    for key, value, kind in shapes:
        if not isinstance(value, kind):
            raise UsageError(
                f"event payload: {key} must be a JSON object, got {json.dumps(value)[:40]}"
            )


def _derive(name: str, payload: dict[str, Any], repo: Repository, branch: str) -> Event:
    if name in ("pull_request", "pull_request_target"):
        pull = payload.get("pull_request") or {}
        number = payload.get("number") or pull.get("number") or 1
        base_ref = str((pull.get("base") or {}).get("ref") or repo.default_branch)
        head_ref = str((pull.get("head") or {}).get("ref") or branch)
        base = repo.resolve(f"origin/{base_ref}") or repo.resolve(base_ref)
        ref = f"refs/pull/{number}/merge" if name == "pull_request" else f"refs/heads/{base_ref}"
        return Event(
            name,
            payload,
            ref,
            repo.sha,
            base_ref,
            head_ref,
            repo.head_commit.get("message", ""),
            lambda: repo.changed_files(repo.merge_base(base) if base else None),
        )
    given = payload.get("ref")
    if isinstance(given, str) and given.startswith("refs/"):
        ref = given
    else:
        ref = f"refs/heads/{given or branch}"
    sha = repo.sha
    if name == "push" and ref.startswith("refs/tags/"):
        # A tag named by the payload (-e) that exists here: the run is of the commit it
        # tags, as GitHub's github.sha is (an annotated tag's commit, not the tag object).
        sha = repo.resolve(f"{ref}^{{commit}}") or sha
    return Event(name, payload, ref, sha, changed_files_loader=lambda: repo.changed_files(None))


def payload_for(event: Event, workflow: Workflow) -> dict[str, Any]:
    """The event payload a run of ``workflow`` sees: a ``schedule`` event names the cron that
    fired (here, the workflow's first) unless the ``-e`` payload did."""
    crons = (workflow.on.get("schedule") or {}).get("cron") or []
    if event.name == "schedule" and "schedule" not in event.payload and crons:
        return {**event.payload, "schedule": crons[0]}
    return event.payload


def github_context(event: Event, repo: Repository, workflow: Workflow) -> dict[str, Any]:
    """The ``github`` context for a workflow run of ``event`` (job fields added per job)."""
    owner, _ = repo.owner_and_name
    ref_type = "tag" if event.ref.startswith("refs/tags/") else "branch"
    ref_name = event.ref.split("/", 2)[2] if event.ref.count("/") >= 2 else event.ref
    run_id = str(int(time.time() * 1000) % 10**10)
    sender = event.payload.get("sender")
    login = sender.get("login") if isinstance(sender, dict) else None
    actor = login if isinstance(login, str) and login else repo.actor  # who sent the event
    return {
        "event_name": event.name,
        "event": payload_for(event, workflow),
        "event_path": "",
        "ref": event.ref,
        "ref_name": ref_name,
        "ref_type": ref_type,
        "ref_protected": False,
        "sha": event.sha,
        "base_ref": event.base_ref,
        "head_ref": event.head_ref,
        "repository": repo.full_name,
        "repository_owner": owner,
        "repository_id": "1",
        "repository_owner_id": "1",
        "repositoryUrl": f"git://github.com/{repo.full_name}.git",
        "actor": actor,
        "actor_id": "1",
        "triggering_actor": actor,
        "workflow": workflow.display_name,
        "workflow_ref": f"{repo.full_name}/{workflow.display_path}@{event.ref}",
        "workflow_sha": event.sha,
        "run_id": run_id,
        "run_number": "1",
        "run_attempt": "1",
        "retention_days": "90",
        "server_url": SERVER_URL,
        "api_url": "https://api.github.com",
        "graphql_url": "https://api.github.com/graphql",
        "workspace": str(repo.root),
        "action": "",
        "action_path": "",
        "action_ref": "",
        "action_repository": "",
        "job": "",
        "token": "",
        "secret_source": "Actions",
    }


@dataclass(eq=False)
class TriggerDecision:
    """Whether an event triggers a workflow, and why not when it does not."""

    triggered: bool
    reason: str = ""


# The events whose filters decide whether they trigger a workflow, and the keys that apply
# (filters.EventFilter reads and checks them).
FILTER_KEYS = {
    "push": ("branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore"),
    "pull_request": ("branches", "branches-ignore", "paths", "paths-ignore"),
    "pull_request_target": ("branches", "branches-ignore", "paths", "paths-ignore"),
    "workflow_run": ("branches", "branches-ignore"),
}


# A commit message holding one of these skips push and pull_request workflows (docs: "Skipping
# workflow runs"); so does a last trailer "skip-checks: true".
SKIP_INSTRUCTIONS = ("[skip ci]", "[ci skip]", "[no ci]", "[skip actions]", "[actions skip]")


def skip_instruction(event: Event) -> str | None:
    """The instruction in the commit message(s) of a push (any of its commits) or of a pull
    request's head commit that makes GitHub skip the event's workflows; None if there is none."""
    if event.name == "push":
        commits = event.payload.get("commits")
        commits = commits if isinstance(commits, list) else []
        head = event.payload.get("head_commit")
        found = [c.get("message") for c in [*commits, head] if isinstance(c, dict)]
        messages = [m for m in found if isinstance(m, str)]
    elif event.name == "pull_request":
        messages = [event.head_message]
    else:
        return None
    for message in messages:
        for instruction in SKIP_INSTRUCTIONS:
            if instruction in message:
                return instruction
        lines = message.rstrip().splitlines()
        if len(lines) > 1 and lines[-1].strip() in ("skip-checks:true", "skip-checks: true"):
            return lines[-1].strip()
    return None


def decide(workflow: Workflow, event: Event) -> TriggerDecision:
    """Whether ``event`` triggers ``workflow``, honouring its filters; and why not."""
    if event.name not in workflow.on:
        return TriggerDecision(False, f"not triggered by {event.name}")
    instruction = skip_instruction(event)
    if instruction is not None:
        return TriggerDecision(
            False, f"the commit message says {instruction!r} (GitHub skips the run)"
        )
    config = workflow.on[event.name]
    types = config.get("types") or DEFAULT_TYPES.get(event.name)
    if types and event.action is not None and event.action not in types:
        return TriggerDecision(False, f"activity type {event.action!r} not in {types}")
    given = {k: v for k, v in config.items() if k in FILTER_KEYS.get(event.name, ())}
    if not given:
        return TriggerDecision(True)  # no filters: the filter machinery is not even imported
    from mlops.workflow import filters

    event_filter = filters.EventFilter.from_mapping(given)
    if event.name == "push":
        kind, name = filters.split_ref(event.ref)
        where = {"tag": name} if kind == "tag" else {"branch": name}
        reason = event_filter.why_not(**where, changed_paths=lambda: event.changed_files)
    elif event.name == "workflow_run":
        branch = str((event.payload.get("workflow_run") or {}).get("head_branch") or "")
        reason = event_filter.why_not(branch=branch) if branch else None
    else:  # pull_request, pull_request_target: the base branch
        reason = event_filter.why_not(
            branch=event.base_ref,
            changed_paths=lambda: event.changed_files,
            branch_word="base branch",
        )
    return TriggerDecision(reason is None, reason or "")
