"""``cml comment create|update``, ``cml check create`` and ``cml publish``, saved instead of sent.

A comment gets CML's hidden watermark (src/watermark.js) and goes to the run record;
``update`` edits the newest comment on the same target with the same watermark title, as
CML does on GitHub. Where CML uploads the local images and files a report links to
(``--publish``, on by default), they are copied beside the saved comment and the links point
there. The target is resolved as CML's GitHub driver resolves it: the pull request of a
``pull_request`` event, else the trigger commit.
"""

from __future__ import annotations

import mimetypes
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

from mlops.runner.cml import forge
from mlops.runner.cml.args import Parsed, UsageError
from mlops.runner.cml.store import Store, read_index
from mlops.runner.files import Tree, locate

_LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))")
_DEFINITION = re.compile(r"^( {0,3}\[[^\]]+\]:[ \t]*)(\S+)", re.MULTILINE)
WATERMARK_IMAGE = "https://cml.dev/watermark.png"


class CommandFailed(Exception):
    """What CML itself fails with (exit 1)."""


READ_LIMIT = 16 * 1024 * 1024  # a markdown report; GitHub takes 65,536 characters


def job_root() -> Path:
    """The job's own directories: every file the local cml reads or writes is inside them."""
    root = os.environ.get("MLOPS_CML_CONTAIN") or os.environ.get("MLOPS_JOB_ROOT")
    return Path(root) if root else Path.cwd()


def _located(path: Path) -> tuple[Path, str] | None:
    """(root, relative) of ``path``, its links followed only while inside the job's
    directories; None when it leads out of them."""
    return locate(path if path.is_absolute() else Path.cwd() / path, [job_root()])


def outside(path: Path) -> bool:
    """Whether ``path`` resolves outside the job's directories (the local cml never reads
    or writes there)."""
    return _located(path) is None


def read_text(source: Path) -> str:
    """A file the user named, read only inside the job's directories and without following
    a link out of them: a path outside is refused without being read."""
    located = _located(source)
    if located is None:
        raise CommandFailed(
            f"{source} is outside the job's directories (the local cml reads only those)"
        )
    try:
        with Tree(located[0]) as tree:
            return tree.read_text(located[1], limit=READ_LIMIT)
    except FileNotFoundError:
        raise CommandFailed(f"ENOENT: no such file or directory, open '{source}'") from None
    except OSError as error:
        raise CommandFailed(f"{source}: {error.strerror or error}") from None


def copy_into(source: Path, record: Path, relative: str) -> bool:
    """Copy the regular file ``source`` (inside the job's directories) to ``record/relative``,
    replacing what is there; False, copying nothing, when it is not such a file."""
    located = _located(source)
    if located is None:
        return False
    with Tree(located[0]) as tree:
        info = tree.lstat(located[1])
        if info is None or not stat.S_ISREG(info.st_mode):
            return False
        with Tree(record) as into:
            tree.copy(located[1], into, relative)
    return True


def write_output(path: Path, text: str) -> None:
    """``--file``: written only inside the job's directories, by replacing what is there."""
    located = _located(path)
    if located is None:
        raise CommandFailed(
            f"{path} is outside the job's directories (the local cml writes only there)"
        )
    try:
        with Tree(located[0]) as tree:
            tree.write_text(located[1], text)
    except OSError as error:
        raise CommandFailed(f"{path}: {error.strerror or error}") from None


def _is_url(target: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE)) or target.startswith("#")


def local_links(body: str) -> list[str]:
    """Every link, image and definition target in ``body`` but the watermark."""
    targets = [m.group(2) for m in _LINK.finditer(body)]
    targets += [m.group(2) for m in _DEFINITION.finditer(body)]
    return [t for t in targets if not t.startswith(WATERMARK_IMAGE)]


def publish_locally(body: str, source_dir: Path, assets: Path) -> str:
    """Copy each local file the markdown links to into ``assets``; link to the copies.

    Only files inside the job's directories are copied; a link to anything else is left
    alone, as CML leaves a missing file's link.
    """
    names: dict[str, str] = {}

    def copy(target: str) -> str | None:
        if _is_url(target):
            return None  # a URL (http:, data:, ...) or an anchor: as CML leaves it
        if target in names:
            return names[target]
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", target.lstrip("./")) or "asset"
        if not copy_into(source_dir / target, assets.parent, f"{assets.name}/{name}"):
            return None
        names[target] = f"{assets.name}/{name}"
        return names[target]

    def replace_link(match: re.Match[str]) -> str:
        copied = copy(match.group(2))
        return match.group(0) if copied is None else f"{match.group(1)}{copied}{match.group(3)}"

    def replace_definition(match: re.Match[str]) -> str:
        copied = copy(match.group(2))
        return match.group(0) if copied is None else f"{match.group(1)}{copied}"

    return _DEFINITION.sub(replace_definition, _LINK.sub(replace_link, body))


def watermark_title(label: str) -> str:
    """CML's marker title: GitHub escapes these characters when it echoes a comment back."""
    title = f"CML watermark {label}".strip()
    for char in ("_", "*", "[", "<"):
        title = title.replace(char, "\\" + char)
    return title


def watermark(label: str, sha: str) -> str:
    return f'![]({WATERMARK_IMAGE}#{sha} "{watermark_title(label)}")'


def has_watermark(text: str, label: str) -> bool:
    """Whether ``text`` carries the watermark with this title (the SHA in it is ignored)."""
    title = re.escape(watermark_title(label))
    pattern = rf'!\[\]\({re.escape(WATERMARK_IMAGE)}#[0-9a-fA-F]* "{title}"\)'
    return re.search(pattern, text) is not None


def comment_target(values: dict[str, Any], warn: Any) -> str:
    """``pr/<n>``, ``commit/<sha>`` or ``issue/<n>``, as src/commenttarget.js decides."""
    target = values.get("target") or "auto"
    if values.get("commit-sha"):
        warn('Deprecation warning: use --target="commit/<sha>" instead of --commit-sha=<sha>')
        target = f"commit/{values['commit-sha']}"
    if values.get("pr"):
        warn("Deprecation warning: use --target=pr instead of --pr")
        target = "pr"
    lowered = target.lower()
    if lowered == "commit":
        return f"commit/{forge.trigger_sha()}"
    if lowered in ("pr", "auto"):
        number = forge.pull_request_number()
        if number is not None:
            return f"pr/{number}"
        if lowered == "auto":
            return f"commit/{forge.trigger_sha()}"
        raise CommandFailed(
            f'PR for commit sha "{forge.trigger_sha()}" not found (a local run knows only '
            "the pull request of a pull_request event)"
        )
    kind, sep, ident = target.partition("/")
    if not sep:
        raise CommandFailed(f'Failed to parse comment --target="{target}"')
    if kind.lower() not in ("commit", "pr", "issue"):
        raise CommandFailed(f'unsupported comment target "{target}"')
    return f"{kind.lower()}/{ident}"


def comment_create(store: Store, parsed: Parsed, *, update: bool) -> str:
    values, positionals = parsed.values, parsed.positionals
    if len(positionals) != 1:
        raise UsageError("expects one markdown file")
    notes: list[str] = []
    if values.get("rm-watermark") and update:
        raise CommandFailed("watermarks are mandatory for updatable comments")
    source = _one_path(positionals, "markdown file")
    body = read_text(source).rstrip("\n")
    target = comment_target(values, warn)
    label = (
        (values.get("watermark-title") or "")
        .replace("{workflow}", os.environ.get("GITHUB_WORKFLOW", ""))
        .replace("{run}", os.environ.get("GITHUB_RUN_ID", ""))
    )
    sha = values.get("commit-sha") or forge.trigger_sha()
    mark = None if values.get("rm-watermark") else watermark(label, sha)
    if values.get("watch"):
        notes.append("--watch: saved once; a local run does not watch the file for changes")
    if values.get("publish") and values.get("publish-native") and local_links(body):
        raise CommandFailed("Github does not support publish! (--native; CML fails so on GitHub)")
    if values.get("publish-url") and "publish-url" in parsed.given:
        notes.append("--publish-url: nothing is uploaded; files are copied into the run record")
    with store.locked():
        path = _updatable(store, target, label) if update else None
        action = "updated" if path is not None else "created"
        if path is None:
            path = store.next_path("comments")
        assets = path.parent / f"{path.stem}-assets"
        with Tree(store.record) as record:
            record.remove(f"{path.parent.name}/{assets.name}")
            if values.get("publish"):
                body = publish_locally(body, (Path.cwd() / source).parent, assets)
            text = body if mark is None else f"{body}\n\n{mark}"
            record.write_text(f"{path.parent.name}/{path.name}", text + "\n")
        store.log(
            "comment " + ("update" if update else "create"),
            action=action,
            target=target,
            watermark_title=label,
            path=str(path),
            notes=notes,
        )
    for note in notes:
        print(f"cml: {note}", file=sys.stderr)
    print(
        f"cml: comment {action} on {target} (saved in the run record, not posted)", file=sys.stderr
    )
    return path.as_uri()


def _updatable(store: Store, target: str, label: str) -> Path | None:
    """The newest saved comment on ``target`` carrying the watermark titled ``label``."""
    for entry in reversed(read_index(store.record)):
        if not entry.get("command", "").startswith("comment") or entry.get("target") != target:
            continue
        path = Path(entry.get("path", ""))
        if path.parent != store.record / "comments":
            continue  # the index names only the record's own comments
        with Tree(store.record) as record:
            text = (
                record.read_text(f"comments/{path.name}")
                if record.exists(f"comments/{path.name}")
                else ""
            )
        if has_watermark(text, label):
            return path
    return None


def _one_path(positionals: list[str], what: str) -> Path:
    """The single file argument a command takes, as CML reports a missing one."""
    if len(positionals) != 1:
        raise UsageError(f"expects one {what}")
    return Path(positionals[0])


def check_create(store: Store, parsed: Parsed) -> str:
    values = parsed.values
    report = read_text(_one_path(parsed.positionals, "markdown file"))
    head_sha = values.get("commit-sha") or forge.trigger_sha()
    with store.locked():
        path = store.next_path("checks")
        with Tree(store.record) as record:
            record.write_text(f"checks/{path.name}", f"# {values['title']}\n\n{report.rstrip()}\n")
        store.log(
            "check create",
            title=values["title"],
            conclusion=values["conclusion"],
            status=values["status"],
            head_sha=head_sha,
            path=str(path),
        )
    print(
        f"cml: check {values['title']!r} ({values['conclusion']}) on commit {head_sha[:8]} "
        "saved in the run record, not sent",
        file=sys.stderr,
    )
    return ""


def publish(store: Store, parsed: Parsed) -> str:
    values = parsed.values
    source = _one_path(parsed.positionals, "file")
    if outside(source):
        raise CommandFailed(
            f"{source} is outside the job's directories (the local cml reads only those)"
        )
    if values.get("native"):
        raise CommandFailed("Github does not support publish! (--native; CML fails so on GitHub)")
    guessed = mimetypes.guess_type(source.name)[0]
    mime = values.get("mime-type") or guessed or "application/octet-stream"
    with store.locked():
        directory = store.directory("assets")
        number = len(list(directory.iterdir())) + 1
        copy = directory / f"{number}-{re.sub(r'[^A-Za-z0-9._-]+', '-', source.name)}"
        if not copy_into(source, store.record, f"assets/{copy.name}"):
            raise CommandFailed(f"ENOENT: no such file or directory, open '{source}'")
        store.log("publish", source=str(source), path=str(copy), mime_type=mime)
    uri = copy.as_uri()
    title = values.get("title") or ""
    if values.get("md") and re.match(r"(image|video)/", mime):
        output = f"![]({uri}{f' {chr(34)}{title}{chr(34)}' if title else ''})"
    elif values.get("md"):
        output = f"[{title}]({uri})"
    else:
        output = uri
    if values.get("file"):
        write_output(Path(values["file"]), output)
        return ""
    return output


def warn(message: str) -> None:
    """CML's GitHub driver warns with a workflow command, so the runner shows an annotation."""
    print(f"::warning::{message}", file=sys.stderr)
