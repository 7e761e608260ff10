"""Time `mlops update` against `copier update` on the same project and template change.

A git template tagged v1 and v2 (a changed line, a new file); a project made from v1 with
a user edit; each tool updates a fresh copy of it. mlops merges from the rendering it
stored in git (one render plus git's merge); copier renders the old version again from the
template's history. Usage: python bench/update.py [N]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
TEMPLATE = {
    "copier.yml": "_templates_suffix: .jinja\nname:\n  type: str\n  default: demo\n",
    "{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml }}",
    "README.md.jinja": "# {{ name }}\n\nA demo.\n",
    "params.yaml": "epochs: 10\nlr: 0.1\n",
    **{f"src/module{i}.py": f"VALUE = {i}\n" for i in range(20)},
}


def _git(cwd: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True)


def _template_v1(root: Path) -> Path:
    for name, text in TEMPLATE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "v1")
    _git(root, "tag", "v1")
    return root


def _release_v2(root: Path) -> None:
    (root / "params.yaml").write_text("epochs: 20\nlr: 0.1\n")
    (root / "NEWS.md").write_text("# News\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "v2")
    _git(root, "tag", "v2")


def _project(template: Path, target: Path, mlops: bool) -> None:
    if mlops:
        argv = [str(BIN / "mlops"), "new", str(target), "--defaults", "--template", str(template)]
        subprocess.run([*argv], check=True, capture_output=True)
    else:
        copier = shutil.which("copier") or str(BIN / "copier")
        argv = [copier, "copy", "--defaults", str(template), str(target)]
        subprocess.run(argv, check=True, capture_output=True)
        _git(target, "init", "-q", "-b", "main")
        _git(target, "add", "-A")
        _git(target, "commit", "-qm", "v1")
    with (target / "README.md").open("a") as readme:
        readme.write("\nOur notes.\n")
    _git(target, "commit", "-qam", "edit")


def _median_update(runs: int, mlops: bool) -> float:
    samples = []
    for index in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            template = _template_v1(Path(scratch) / "template")
            target = Path(scratch) / f"p{index}"
            _project(template, target, mlops)
            _release_v2(template)
            if mlops:
                argv = [str(BIN / "mlops"), "update"]
            else:
                copier = shutil.which("copier") or str(BIN / "copier")
                argv = [copier, "update", "--defaults", "--conflict", "inline"]
            start = time.perf_counter()
            subprocess.run(argv, cwd=target, check=True, capture_output=True)
            samples.append(time.perf_counter() - start)
            assert (target / "NEWS.md").is_file()
            assert "Our notes" in (target / "README.md").read_text()
    return statistics.median(samples)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    ours = _median_update(runs, mlops=True)
    print(f"mlops update  (stored rendering + git merge-recursive): {ours:.3f} s")
    peer = _median_update(runs, mlops=False)
    print(f"copier update (renders v1 again, diff, apply):          {peer:.3f} s")
    print(f"ratio mlops/copier: {ours / peer:.2f}")


if __name__ == "__main__":
    main()
