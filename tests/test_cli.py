"""The command line's contract: help, version, and one line plus exit 2 for bad usage."""

from __future__ import annotations

import subprocess
import sys

from mlops import __version__
from tests.conftest import run_mlops


def test_help_lists_commands() -> None:
    result = run_mlops("--help")
    assert result.returncode == 0
    assert "new" in result.stdout
    assert "Create a ready-to-use ML project" in result.stdout


def test_bare_command_prints_help() -> None:
    result = run_mlops()
    assert result.returncode == 0
    assert "Usage: mlops" in result.stdout


def test_version() -> None:
    result = run_mlops("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_unknown_command_is_one_line_and_exit_2() -> None:
    result = run_mlops("frobnicate")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "frobnicate" in lines[0]
    assert "Traceback" not in result.stderr


def test_unknown_option_is_one_line_and_exit_2() -> None:
    result = run_mlops("new", "x", "--no-such-flag")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--no-such-flag" in result.stderr


def test_missing_argument_is_one_line_and_exit_2() -> None:
    result = run_mlops("new")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "PATH" in result.stderr


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys; from mlops.cli import cli; "
        "heavy = [m for m in ('copier', 'dvc', 'docker', 'rich', 'sklearn', 'pandas') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"imported at startup: {out.stdout.strip()}"


def _entry(argv: list[str], prelude: str = "") -> subprocess.CompletedProcess[str]:
    code = f"import sys\n{prelude}\nfrom mlops.cli import entry\nsys.argv = ['mlops', *{argv!r}]\nentry()\n"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )


def test_the_quick_exit_delivers_all_output_and_keeps_the_exit_code() -> None:
    help_text = _entry(["run", "--help"])
    assert help_text.returncode == 0
    assert help_text.stdout.rstrip().endswith(run_mlops("run", "--help").stdout.rstrip()[-200:])
    assert len(help_text.stdout) > 2000  # more than one buffer's worth, all of it flushed
    bad = _entry(["run", "--no-such-flag"])
    assert bad.returncode == 2
    assert "--no-such-flag" in bad.stderr


def test_exit_handlers_still_run_when_something_registered_one() -> None:
    result = _entry(["--version"], prelude="import atexit; atexit.register(print, 'handler ran')")
    assert result.returncode == 0
    assert result.stdout.splitlines()[-1] == "handler ran"


def test_the_collector_is_off_only_while_the_command_loads() -> None:
    code = (
        "import gc, sys\n"
        "from mlops.__main__ import entry\n"
        "off_while_loading = not gc.isenabled()\n"
        "from mlops.cli import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(off_while_loading, gc.isenabled(), gc.get_freeze_count() > 1000)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "True True True"
