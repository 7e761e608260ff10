"""A workflow whose steps leave links, hard links and secrets where the runner's own code
(built-in actions, the cml stand-in, the run record) comes next: that code never reaches out
of the job's directories through them, never writes through them, and stores no secret in a
name or a file (issue 19, "one way to touch files"). Host mode; tests/docker/ has the same
with a container planting the links."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runner.conftest import Repo


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    """A file outside every job directory that no run may change."""
    path = tmp_path / "outside" / "canary.txt"
    path.parent.mkdir()
    path.write_text("canary\n")
    return path


def test_checkout_clean_false_replaces_planted_links_instead_of_writing_through(
    repo: Repo, canary: Path
) -> None:
    repo.write("docs/guide.md", "guide\n")
    repo.workflow(
        f"""\
        on: push
        jobs:
          plant:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: |
                  ln -sf {canary} README.md
                  rm -rf docs && ln -s {canary.parent} docs
              - uses: actions/checkout@v4
                with:
                  clean: false
              - run: |
                  test ! -L README.md && test ! -L docs
                  echo "readme: $(cat README.md) guide: $(cat docs/guide.md)"
        """
    )
    repo.commit()
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "readme: hello guide: guide" in run.stderr
    assert canary.read_text() == "canary\n"
    assert sorted(p.name for p in canary.parent.iterdir()) == ["canary.txt"]


def _cache_steps(path: str, key: str = "k-1") -> str:
    return f"""\
              - uses: actions/cache@v4
                with:
                  path: {path}
                  key: {key}"""


def test_cache_save_stores_links_as_links_and_restore_recreates_them(
    repo: Repo, canary: Path
) -> None:
    secret_dir = canary.parent / "private"
    secret_dir.mkdir()
    (secret_dir / "key.pem").write_text("private key\n")
    repo.workflow(
        f"""\
        on: push
        jobs:
          save:
            runs-on: ubuntu-latest
            steps:
{_cache_steps("stash")}
              - run: |
                  mkdir -p stash && echo data > stash/data.txt
                  ln -s {secret_dir} stash/private
                  ln -s / stash/machine
        """
    )
    repo.commit()
    first = repo.run("push")
    assert first.returncode == 0, first.stderr
    stored = {p.name: p for p in (repo.cache / "actions-cache").rglob("*")}
    assert "key.pem" not in stored and "etc" not in stored  # nothing followed into the cache
    assert stored["private"].is_symlink() and stored["machine"].is_symlink()
    repo.workflow(
        f"""\
        on: push
        jobs:
          restore:
            runs-on: ubuntu-latest
            steps:
              - run: mkdir -p stash/private && echo mine > stash/private/key.pem
{_cache_steps("stash")}
              - run: |
                  test -L stash/private && test -L stash/machine
                  echo "restored $(cat stash/data.txt)"
        """
    )
    repo.commit()
    second = repo.run("push")
    assert second.returncode == 0, second.stderr
    assert "restored data" in second.stderr
    assert (secret_dir / "key.pem").read_text() == "private key\n"


def test_cache_restore_and_download_artifact_replace_hard_links(repo: Repo, canary: Path) -> None:
    repo.workflow(
        f"""\
        on: push
        jobs:
          save:
            runs-on: ubuntu-latest
            steps:
{_cache_steps("stash")}
              - run: mkdir -p stash && echo from-cache > stash/file.txt
        """
    )
    repo.commit()
    assert repo.run("push").returncode == 0
    repo.workflow(
        f"""\
        on: push
        jobs:
          up:
            runs-on: ubuntu-latest
            steps:
              - run: mkdir out && echo from-artifact > out/file.txt
              - uses: actions/upload-artifact@v4
                with:
                  name: out
                  path: out
          down:
            needs: up
            runs-on: ubuntu-latest
            steps:
              - run: |
                  mkdir -p stash got
                  ln {canary} stash/file.txt
                  ln {canary} got/file.txt
{_cache_steps("stash")}
              - uses: actions/download-artifact@v4
                with:
                  name: out
                  path: got
              - run: echo "now $(cat stash/file.txt) $(cat got/file.txt)"
        """
    )
    repo.commit()
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert "now from-cache from-artifact" in run.stderr
    assert canary.read_text() == "canary\n"


def test_a_hard_link_is_saved_as_an_independent_copy_of_its_content(
    repo: Repo, canary: Path
) -> None:
    """As GitHub's tar and upload-artifact do, a hard link is read as the file it is (README:
    a step can read whatever it can link); what is stored is a copy, never the linked file."""
    repo.workflow(
        f"""\
        on: push
        jobs:
          save:
            runs-on: ubuntu-latest
            steps:
{_cache_steps("stash")}
              - run: |
                  mkdir -p stash out
                  ln {canary} stash/linked.txt
                  ln {canary} out/linked.txt
              - uses: actions/upload-artifact@v4
                with:
                  name: out
                  path: out
        """
    )
    repo.commit()
    run = repo.run("push")
    assert run.returncode == 0, run.stderr
    assert run.record is not None
    stored = [
        *(repo.cache / "actions-cache").rglob("linked.txt"),
        *run.record.rglob("linked.txt"),
    ]
    assert len(stored) == 2, stored
    canary.write_text("changed later\n")
    for path in stored:
        assert path.read_text() == "canary\n"
        assert path.stat().st_nlink == 1 and path.stat().st_ino != canary.stat().st_ino


def test_a_pull_requests_cache_is_not_restored_on_main(repo: Repo) -> None:
    def workflow(value: str) -> None:
        repo.workflow(
            f"""\
            on: [push, pull_request]
            jobs:
              cache:
                runs-on: ubuntu-latest
                steps:
                  - id: cache
                    uses: actions/cache@v4
                    with:
                      path: stash
                      key: deps-${{{{ github.ref_name }}}}
                      restore-keys: deps-
                  - run: |
                      echo "hit=${{{{ steps.cache.outputs.cache-matched-key }}}} content=$(cat stash/f 2>/dev/null || echo none)"
                      mkdir -p stash && echo {value} > stash/f
            """
        )
        repo.commit(value)

    workflow("main-1")
    repo.git("checkout", "-qb", "feature")
    workflow("poisoned")
    assert "content=none" in repo.run("pull_request").stderr  # saves under refs/pull/1/merge
    assert "content=none" in repo.run("push").stderr  # saves under refs/heads/feature
    repo.git("checkout", "-q", "main")
    on_main = repo.run("push")
    assert on_main.returncode == 0, on_main.stderr
    assert "hit= content=none" in on_main.stderr, on_main.stderr  # then saves main's
    repo.git("checkout", "-qb", "other")
    on_other = repo.run("push")  # another branch sees the default branch's entries
    assert "hit=deps-main content=main-1" in on_other.stderr, on_other.stderr


def test_a_secret_in_a_cache_key_is_not_stored(repo: Repo) -> None:
    repo.workflow(
        f"""\
        on: push
        jobs:
          save:
            runs-on: ubuntu-latest
            steps:
{_cache_steps("stash", "v-${{ secrets.CACHE_VERSION }}-deps")}
              - run: mkdir -p stash && echo data > stash/f
        """
    )
    repo.commit()
    run = repo.run("push", "-s", "CACHE_VERSION=s3cr3t-version")
    assert run.returncode == 0, run.stderr
    stored = b"".join(
        p.read_bytes() for p in (repo.cache / "actions-cache").rglob("*") if p.is_file()
    )
    assert b"-deps" in stored and b"s3cr3t-version" not in stored


def test_restore_keys_match_the_real_key_secrets_included(repo: Repo) -> None:
    """Keys are stored without their secrets, yet a restore key is compared with the real key
    as on GitHub: a prefix reaching into the secret matches while the secret is known, and an
    entry saved under another value of the secret is not the same prefix."""

    def run(token: str, label: str, key: str, restore_key: str) -> str:
        repo.workflow(
            f"""\
            on: push
            jobs:
              cache:
                runs-on: ubuntu-latest
                steps:
                  - id: c
                    uses: actions/cache@v4
                    with:
                      path: stash
                      key: {key}
                      restore-keys: {restore_key}
                  - run: |
                      echo "content=$(cat stash/f 2>/dev/null || echo none) first=${{{{ steps.c.outputs.cache-matched-key == format('deps-{{0}}-1', secrets.TOKEN) }}}}"
                      mkdir -p stash && echo {label} > stash/f
            """
        )
        repo.commit(label)
        result = repo.run("push", "-s", f"TOKEN={token}")
        assert result.returncode == 0, result.stderr
        return result.stderr

    secret_key = "deps-${{ secrets.TOKEN }}"
    assert "content=none" in run("s3cr3t-token", "one", f"{secret_key}-1", "nothing-")
    # A restore key ending inside the secret's text; the matched key is the real one.
    assert "content=one first=true" in run("s3cr3t-token", "two", "other-2", "deps-s3cr")
    # Another value of the secret: the entry saved under the first is no prefix match.
    assert "content=none" in run("another-token", "three", f"{secret_key}-3", f"{secret_key}-")
    # Back to the first: its entry, not the newer one saved under the other value.
    assert "content=one first=true" in run(
        "s3cr3t-token", "four", f"{secret_key}-4", f"{secret_key}-"
    )
    stored = b"".join(
        p.read_bytes() for p in (repo.cache / "actions-cache").rglob("*") if p.is_file()
    )
    assert b"s3cr3t-token" not in stored and b"another-token" not in stored


def test_an_artifact_named_with_a_secret_is_refused_and_leaves_no_trace(repo: Repo) -> None:
    repo.workflow(
        """\
        on: push
        jobs:
          up:
            runs-on: ubuntu-latest
            steps:
              - run: echo data > f.txt
              - uses: actions/upload-artifact@v4
                with:
                  name: model-${{ secrets.TOKEN }}
                  path: f.txt
        """
    )
    repo.commit()
    run = repo.run("push", "-s", "TOKEN=s3cr3t-token")
    assert run.returncode == 1
    assert "The artifact name is not valid: it holds a secret" in run.stderr
    assert run.record is not None
    names = [p.name for p in run.record.rglob("*")]
    assert not any("s3cr3t" in n for n in names), names


def test_setup_python_reads_a_version_file_only_in_the_workspace(repo: Repo, canary: Path) -> None:
    canary.write_text("outside-word and more\n")
    repo.workflow(
        f"""\
        on: push
        jobs:
          linked:
            runs-on: ubuntu-latest
            steps:
              - run: ln -s {canary} .python-version
              - uses: actions/setup-python@v5
                with:
                  python-version-file: .python-version
          absolute:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/setup-python@v5
                with:
                  python-version-file: {canary}
          inside:
            runs-on: ubuntu-latest
            steps:
              - run: echo 3 > .python-version
              - uses: actions/setup-python@v5
                with:
                  python-version-file: .python-version
        """
    )
    repo.commit()
    run = repo.run("push")
    assert run.returncode == 1
    assert "outside-word" not in run.stderr + run.stdout
    assert (
        "[linked]   error: python-version-file .python-version is not in the workspace"
        in run.stderr
    )
    assert f"[absolute]   error: python-version-file {canary} is not in the workspace" in run.stderr
    assert "[inside]   setup-python: Python 3." in run.stderr


def test_the_records_event_file_masks_an_input_holding_a_secret(repo: Repo) -> None:
    repo.workflow(
        """\
        on:
          workflow_dispatch:
            inputs:
              note:
                type: string
        jobs:
          read:
            runs-on: ubuntu-latest
            steps:
              - env:
                  TOKEN: ${{ secrets.TOKEN }}
                run: grep -q "$TOKEN" "$GITHUB_EVENT_PATH" && echo the-steps-see-the-input
        """
    )
    repo.commit()
    run = repo.run("workflow_dispatch", "--input", "note=s3cr3t-value", "-s", "TOKEN=s3cr3t-value")
    assert run.returncode == 0, run.stderr
    assert "the-steps-see-the-input" in run.stderr
    assert run.record is not None
    saved = (run.record / "event.json").read_text()
    assert '"note": "***"' in saved
    assert b"s3cr3t-value" not in run.record_bytes()


CML_STEPS = """\
printf 'PNG' > plot.png
echo '![outside](OUTSIDE/canary.txt)' > outside.md
cml comment create outside.md
ln -s OUTSIDE/canary.txt linked.md
cml comment create linked.md 2> err.txt || echo "comment-link rc=$? $(cat err.txt)"
cml check create OUTSIDE/canary.txt 2> err.txt || echo "check rc=$? $(cat err.txt)"
cml publish linked.md 2> err.txt || echo "publish rc=$? $(cat err.txt)"
cml publish plot.png --file OUTSIDE/written.txt 2> err.txt || echo "file rc=$? $(cat err.txt)"
CML_ASSET_FILE=OUTSIDE/env.txt cml publish plot.png 2> err.txt || echo "env rc=$? $(cat err.txt)"
cp plot.png "plot-$TOKEN.png"
echo "![p](plot-$TOKEN.png)" > named.md
cml comment create named.md
cml publish "plot-$TOKEN.png" > /dev/null
echo done
"""


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def test_the_cml_stand_in_reads_and_writes_only_inside_the_job(repo: Repo, canary: Path) -> None:
    canary.write_text("CANARY-CONTENT\n")
    steps = CML_STEPS.replace("OUTSIDE", str(canary.parent))
    repo.workflow(
        f"""\
        on: pull_request
        jobs:
          cml:
            runs-on: ubuntu-latest
            steps:
              - uses: iterative/setup-cml@v2
              - env:
                  TOKEN: ${{{{ secrets.TOKEN }}}}
                run: |
{_indent(steps, 18)}
        """
    )
    repo.commit()
    run = repo.run("pull_request", "-s", "TOKEN=s3cr3t-name")
    assert run.returncode == 0, run.stderr
    assert "done" in run.stderr
    for command in ("comment-link", "check", "publish", "file", "env"):
        assert f"{command} rc=1 " in run.stderr and "outside the job's directories" in run.stderr
    assert "CANARY-CONTENT" not in run.stderr + run.stdout
    assert b"CANARY-CONTENT" not in run.record_bytes()
    assert sorted(p.name for p in canary.parent.iterdir()) == ["canary.txt"]
    assert run.record is not None
    names = [str(p.relative_to(run.record)) for p in run.record.rglob("*")]
    assert not any("s3cr3t" in n for n in names), names
    assert any(n.startswith("comments/") and n.endswith("-assets/plot-***.png") for n in names)


def test_a_command_file_replaced_by_a_link_is_not_read(repo: Repo, canary: Path) -> None:
    canary.write_text("LEAK=CANARY-CONTENT\n")
    repo.workflow(
        f"""\
        on: push
        jobs:
          env:
            runs-on: ubuntu-latest
            steps:
              - run: ln -sf {canary} "$GITHUB_ENV"
              - if: always()
                run: echo "leak=${{LEAK:-none}}"
        """
    )
    repo.commit()
    run = repo.run("push")
    assert run.returncode == 1
    assert "is a link; not followed; nothing of it was applied" in run.stderr
    assert "leak=none" in run.stderr and "CANARY-CONTENT" not in run.stderr
