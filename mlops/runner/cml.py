"""The local `cml` command the generated workflows call (`cml comment create|update`).

CML itself runs only on GitHub; locally, `mlops run` puts this on PATH (iterative/setup-cml).
The comment is saved in the run record ($MLOPS_CML_DIR) instead of being posted, and
`update` edits the comment with the same watermark, as CML does on a pull request. Where
CML uploads the local images and files the markdown links to, this copies them beside the
saved comment and points the links there, so the record shows the comment whole.
Usage: python -m mlops.runner.cml comment {create|update} [--watermark-title T] FILE
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from pathlib import Path

_LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))")


def publish_locally(body: str, source_dir: Path, assets: Path) -> str:
    """Copy each local file the markdown links to into ``assets``; link to the copies."""

    def replace(match: re.Match[str]) -> str:
        target = match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            return match.group(0)  # a URL (http:, data:, ...) or an anchor: as CML leaves it
        file = (source_dir / target).resolve()
        if not file.is_file():
            return match.group(0)  # CML leaves a missing file's link alone too
        assets.mkdir(parents=True, exist_ok=True)
        copy = assets / re.sub(r"[^A-Za-z0-9._-]+", "-", target.lstrip("./"))
        shutil.copyfile(file, copy)
        return f"{match.group(1)}{assets.name}/{copy.name}{match.group(3)}"

    return _LINK.sub(replace, body)


def _watermark(title: str) -> str:
    return f'![](https://cml.dev/watermark.png#local "CML watermark {title}")'.replace("  ", " ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cml", description=__doc__)
    sub = parser.add_subparsers(dest="group", required=True)
    comment = sub.add_parser("comment")
    verbs = comment.add_subparsers(dest="verb", required=True)
    for verb in ("create", "update"):
        command = verbs.add_parser(verb)
        command.add_argument("markdown_file")
        command.add_argument("--watermark-title", default="")
        command.add_argument("--target", default="auto")
        command.add_argument("--publish", default="true", nargs="?", const="true")
        command.add_argument("--publish-url", default=None)
        command.add_argument("--native", action="store_true")
        command.add_argument("--watch", action="store_true")
    args, _unknown = parser.parse_known_args(argv)
    target = os.environ.get("MLOPS_CML_DIR")
    if not target:
        print("cml: this local cml only runs inside `mlops run`", file=sys.stderr)
        return 2
    source = Path(args.markdown_file)
    if not source.is_file():
        print(f"cml: {source}: no such file", file=sys.stderr)
        return 1
    body = source.read_text(encoding="utf-8", errors="replace").rstrip("\n")
    watermark = _watermark(args.watermark_title)
    directory = Path(target)
    directory.mkdir(parents=True, exist_ok=True)
    existing = sorted(directory.glob("*.md"), key=lambda p: int(p.stem))
    path = None
    if args.verb == "update":
        for candidate in reversed(existing):
            if candidate.read_text(encoding="utf-8").rstrip("\n").endswith(watermark):
                path = candidate
                break
    action = "updated" if path is not None else "created"
    if path is None:
        path = directory / f"{len(existing) + 1}.md"
    assets = directory / f"{path.stem}-assets"
    shutil.rmtree(assets, ignore_errors=True)
    body = publish_locally(body, source.resolve().parent, assets)
    path.write_text(f"{body}\n\n{watermark}\n", encoding="utf-8")
    print(f"cml: comment {action} (saved locally: {path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
