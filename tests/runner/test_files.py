"""The runner's one way to touch files (mlops.runner.files): no link followed out, writes
replace instead of writing through, copies keep links as links."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlops.runner.files import Refused, Tree, locate


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    canary = tmp_path / "outside" / "canary"
    canary.parent.mkdir()
    canary.write_text("untouched\n")
    return canary


def test_a_write_replaces_links_and_hard_links_instead_of_writing_through(
    tmp_path: Path, outside: Path
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(outside)
    os.link(outside, root / "hard")
    (root / "dir").symlink_to(outside.parent)
    with Tree(root) as tree:
        tree.write_text("link", "new\n")
        tree.write_text("hard", "new\n")
        tree.write_text("dir/canary", "new\n")
    assert outside.read_text() == "untouched\n"
    assert not (root / "link").is_symlink() and (root / "link").read_text() == "new\n"
    assert (root / "hard").read_text() == "new\n"
    assert not (root / "dir").is_symlink() and (root / "dir" / "canary").read_text() == "new\n"


def test_reads_refuse_links_and_paths_that_climb_out(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(outside)
    (root / "dir").symlink_to(outside.parent)
    with Tree(root) as tree:
        for name in ("link", "dir/canary", "../outside/canary", str(outside)):
            with pytest.raises(Refused):
                tree.read_text(name)


def test_a_tree_whose_directory_became_a_link_is_refused(tmp_path: Path, outside: Path) -> None:
    (tmp_path / "root").symlink_to(outside.parent)
    with pytest.raises(Refused):
        Tree(tmp_path / "root")


def test_a_copy_keeps_links_as_links_and_restores_below_its_target(
    tmp_path: Path, outside: Path
) -> None:
    source = tmp_path / "source"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "file").write_text("content\n")
    (source / "up").symlink_to(outside.parent)  # a link out: stored as a link, not followed
    (source / "abs").symlink_to("/")
    stored = tmp_path / "stored"
    stored.mkdir()
    with Tree(source) as tree, Tree(stored) as into:
        assert tree.copy(".", into, "entry") == 3
    assert (stored / "entry" / "up").readlink() == outside.parent
    assert (
        not (stored / "entry" / "abs" / "etc").exists() or (stored / "entry" / "abs").is_symlink()
    )
    target = tmp_path / "target"
    (target / "sub").mkdir(parents=True)
    os.link(outside, target / "sub" / "file")  # the restore must not truncate this
    with Tree(stored) as tree, Tree(target) as into:
        tree.copy("entry", into, ".")
    assert outside.read_text() == "untouched\n"
    assert (target / "sub" / "file").read_text() == "content\n"
    assert (target / "up").is_symlink()


def test_locate_follows_links_only_while_inside_the_roots(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "root"
    (root / "real").mkdir(parents=True)
    (root / "inner").symlink_to(root / "real")
    (root / "out").symlink_to(outside)
    assert locate(root / "inner", [root]) == (root.resolve(), "real")
    assert locate(root / "out", [root]) is None
