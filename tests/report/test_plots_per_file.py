"""Plots over several data files: a series (or confusion matrix) per revision and file.

DVC's plots definitions may name several files for one plot (``y: {train.json: tpr,
test.json: tpr}``, https://dvc.org/doc/user-guide/project-structure/dvcyaml-files#plots);
DVC draws one line per revision and file, and one confusion matrix per revision and file
(https://dvc.org/doc/user-guide/experiment-management/visualizing-plots). A small project
of our own, read through DVC's API as the report reads it.
"""

from __future__ import annotations

import json
from pathlib import Path

from mlops.report.collect import collect, open_repo
from mlops.report.plots import confusion_matrices, series_label
from tests.report.conftest import dvc, git, report

DVC_YAML = """\
plots:
  - roc:
      template: simple
      x: fpr
      y:
        eval/train.json: tpr
        eval/test.json: tpr
  - cm:
      template: confusion
      x: actual
      y:
        eval/train_cm.json: predicted
        eval/test_cm.json: predicted
"""


def _write(root: Path, shift: float) -> None:
    (root / "eval").mkdir(exist_ok=True)
    for name, offset in (("train", 0.0), ("test", 0.1)):
        points = [{"fpr": f, "tpr": min(1.0, f + shift + offset)} for f in (0.0, 0.5, 1.0)]
        (root / "eval" / f"{name}.json").write_text(json.dumps(points))
    # train: 3 right; test: 1 right, 1 wrong
    train = [{"actual": "a", "predicted": "a"}] * 2 + [{"actual": "b", "predicted": "b"}]
    test = [{"actual": "a", "predicted": "b"}, {"actual": "b", "predicted": "b"}]
    (root / "eval" / "train_cm.json").write_text(json.dumps(train))
    (root / "eval" / "test_cm.json").write_text(json.dumps(test))


def test_one_series_and_matrix_per_revision_and_file(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    dvc(root, "init", "-q")
    (root / "dvc.yaml").write_text(DVC_YAML)
    _write(root, 0.0)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    _write(root, 0.2)

    repo = open_repo(root)
    try:
        base = git(root, "rev-parse", "HEAD")
        data = collect(repo, base, {"base": "main", "head": "exp"}, want_plots=True)
    finally:
        repo.close()
    plots = {plot.id: plot for plot in data.plots}
    labels = {"base": "main", "head": "exp"}

    roc = plots["roc"]
    shown = sorted(series_label(s.rev, s.name, labels) for s in roc.series)
    assert shown == [
        "exp: test.json",
        "exp: train.json",
        "main (base): test.json",
        "main (base): train.json",
    ]
    by_label = {series_label(s.rev, s.name, labels): s.points for s in roc.series}
    assert by_label["main (base): test.json"] == [(0.0, 0.1), (0.5, 0.6), (1.0, 1.0)]

    classes, matrices = confusion_matrices(plots["cm"])
    assert classes == ["a", "b"]
    # never summed across files: train and test each keep their own counts
    assert matrices[("base", "train_cm.json")] == [[2.0, 0.0], [0.0, 1.0]]
    assert matrices[("base", "test_cm.json")] == [[0.0, 1.0], [0.0, 1.0]]
    assert set(matrices) == {
        (rev, name) for rev in ("base", "head") for name in ("train_cm.json", "test_cm.json")
    }

    result = report(root, "--base", "main", "--out", "r.md")
    assert result.returncode == 0, result.stderr
    assert (root / "r-plots" / "roc.png").is_file() and (root / "r-plots" / "cm.png").is_file()
