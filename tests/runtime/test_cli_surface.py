"""The `g6` command's surface (issue 12, item 4; SPEC §2): closed stdout, logging flags and
levels, stdout for the result only, output paths checked up front, `--version`, a default
in every `--help` line, and the CLI as a package that no feature package imports."""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import g6runtime
from g6runtime.cli.main import CLOSED_STDOUT, build_parser

from .support import clean_env, run_g6
from .test_panels_support import START_ISO

PACKAGE = Path(g6runtime.__file__).parent
SMALL = ("--csv-dir", "csv", "--panels-dir", "panels", "--start", START_ISO)


def closed_reader(cwd: Path, *args: str) -> tuple[int, str]:
    """Run ``g6 ARGS`` with the reading end of its stdout closed before it prints anything
    (what ``g6 ... | head -1`` becomes once ``head`` has left)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "g6runtime", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=clean_env(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    return proc.wait(timeout=60), err


# --- a closed stdout ends the command quietly -------------------------------------------------


@pytest.mark.slow
def test_a_closed_stdout_ends_each_command_quietly(tmp_path: Path) -> None:
    # issue 12: `simulate | head -1`, `integrity --json | head -1`, `summary --watch | head -2`
    # printed BrokenPipeError tracebacks.
    status, err = closed_reader(tmp_path, "simulate", "--cycles", "40", *SMALL)
    assert (status, err) == (CLOSED_STDOUT, "")
    check = run_g6("integrity", "--panels-dir", "panels", "--csv-dir", "csv", cwd=tmp_path)
    assert check.returncode == 0, check.stdout  # the cycles it ran are whole
    for args in (
        ("integrity", "--json", "--panels-dir", "panels", "--csv-dir", "csv"),
        ("summary", "--watch", "0.05", "--panels-dir", "panels"),
        ("retention", "scan", "--csv-dir", "csv", "--json"),
        ("config", "show"),
        ("version",),
    ):
        assert closed_reader(tmp_path, *args) == (CLOSED_STDOUT, ""), args


def test_a_closed_stdout_in_a_real_pipeline(tmp_path: Path) -> None:
    shell = (
        f"{sys.executable} -m g6runtime simulate --cycles 30 {' '.join(SMALL)} | head -1; "
        'echo "status=${PIPESTATUS[0]}" >&2'
    )
    done = subprocess.run(
        ["bash", "-c", shell], capture_output=True, text=True, cwd=tmp_path, env=clean_env()
    )
    assert done.stdout.startswith("cycle 1 ") and done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] in ("status=0", f"status={CLOSED_STDOUT}")


# --- stdout is the result, diagnostics are logging on stderr ----------------------------------


@pytest.mark.slow
def test_collect_json_prints_nothing_but_json(tmp_path: Path) -> None:
    # issue 12: `g6 collect --json` put "g6: metrics on http://..." before the JSON
    run = run_g6(
        "collect", "--cycles", "2", "--interval", "0.2", "--ignore-market-hours",
        "--metrics-port", "0", "--json", *SMALL[:4], cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    cycles = [json.loads(line) for line in run.stdout.splitlines()]
    assert [c["cycle"] for c in cycles] == [1, 2] and all(c["ok"] for c in cycles)
    assert run.stderr.startswith("g6: metrics on http://127.0.0.1:")


@pytest.mark.slow
def test_collect_stops_after_storage_max_failed_cycles_from_the_config(tmp_path: Path) -> None:
    (tmp_path / "csv").write_text("a file where the CSV folder should be\n")
    (tmp_path / "g6.yaml").write_text("storage:\n  max_failed_cycles: 2\n")
    run = run_g6(
        "collect", "--cycles", "6", "--interval", "0.2", "--ignore-market-hours",
        "--metrics-port", "0", "--json", "--config", "g6.yaml", *SMALL[:4], cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 2
    assert [json.loads(line)["cycle"] for line in run.stdout.splitlines()] == [1, 2]
    last = run.stderr.splitlines()[-1]
    assert "2 consecutive cycles with a failed output" in last
    assert last.endswith("stopping (storage.max_failed_cycles 2)")


def test_log_format_json_makes_every_stderr_line_a_json_object(tmp_path: Path) -> None:
    run = run_g6("simulate", *SMALL, "-vv", "--log-format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stderr.splitlines()]
    assert {r["level"] for r in records} == {"DEBUG", "TRACE"}
    assert all(set(r) == {"time", "level", "logger", "message"} for r in records)
    assert any(r["message"].startswith("cycle 1: csv output ok in ") for r in records)
    assert run.stdout.startswith("cycle 1 ")  # the result stays on stdout, as text


@pytest.mark.parametrize(
    ("env", "flags", "levels"),
    [
        ({}, [], set()),  # INFO: a clean simulate says nothing on stderr
        ({"G6_LOG_LEVEL": "TRACE"}, [], {"trace", "debug"}),
        ({"G6_LOG_LEVEL": "debug"}, [], {"debug"}),
        ({}, ["-v"], {"debug"}),
        ({}, ["-v", "-v"], {"trace", "debug"}),
        ({"G6_LOG_LEVEL": "TRACE"}, ["-q", "-q"], set()),
    ],
)
def test_g6_log_level_and_the_verbosity_flags(
    tmp_path: Path, env: dict[str, str], flags: list[str], levels: set[str]
) -> None:
    run = run_g6("simulate", *SMALL, *flags, cwd=tmp_path, env=clean_env(**env))
    assert run.returncode == 0, run.stderr
    tags = {line.split("]")[0].removeprefix("g6: [") for line in run.stderr.splitlines()}
    assert tags == levels, run.stderr
    assert "unknown environment variable" not in run.stderr  # G6_LOG_LEVEL is a known one


def test_quiet_hides_info_but_not_errors(tmp_path: Path) -> None:
    (tmp_path / "csv").write_text("a file where the CSV folder should be\n")
    run = run_g6("simulate", *SMALL, "-q", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.startswith("g6: cycle 1: csv output failed: ")
    assert run.stderr.count("\n") == 1


def test_a_bad_g6_log_level_is_one_line_exit_2(tmp_path: Path) -> None:
    run = run_g6("version", cwd=tmp_path, env=clean_env(G6_LOG_LEVEL="LOUD"))
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == (
        "g6: G6_LOG_LEVEL='LOUD' is not a log level; use one of TRACE, DEBUG, INFO, WARNING, "
        "ERROR\n"
    )


# --- output paths are checked before the first cycle -----------------------------------------


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("/proc/x", "--metrics-out /proc/x: cannot write in /proc: "),
        ("nowhere/m.prom", "--metrics-out nowhere/m.prom: nowhere does not exist; create it"),
        (".", "--metrics-out .: is a folder; name a file"),
    ],
)
def test_metrics_out_is_checked_before_any_cycle_runs(
    tmp_path: Path, target: str, message: str
) -> None:
    # issue 12: `--metrics-out /proc/x` failed only after every cycle had run
    run = run_g6("simulate", "--cycles", "3", *SMALL, "--metrics-out", target, cwd=tmp_path)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith(f"g6: {message}") and run.stderr.count("\n") == 1
    assert not (tmp_path / "csv").exists() and not (tmp_path / "panels").exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # the probe left nothing behind


def test_metrics_out_into_a_writable_folder_leaves_only_the_file(tmp_path: Path) -> None:
    run = run_g6("simulate", *SMALL, "--metrics-out", "m.prom", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csv", "m.prom", "panels"]


# --- --version and --help -------------------------------------------------------------------


def test_dash_dash_version(tmp_path: Path) -> None:
    run = run_g6("--version", cwd=tmp_path)
    assert run.returncode == 0 and run.stderr == ""
    assert run.stdout == run_g6("version", cwd=tmp_path).stdout
    assert run.stdout.startswith(f"g6runtime {g6runtime.__version__} panel_schema_version ")


def _parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _parsers(child, (*path, name))
    return found


def test_every_option_says_what_it_does_and_its_default() -> None:
    missing = []
    commands = _parsers(build_parser())
    for path, parser in commands:
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            if action.dest == "version" and not path:
                continue
            text = action.help or ""
            if "default" not in text or len(text) < 20:
                missing.append(f"g6 {' '.join(path)} {'/'.join(action.option_strings)}: {text!r}")
    assert missing == []
    leaves = {" ".join(p) for p, parser in commands if not parser._subparsers}
    assert {"simulate", "collect", "summary", "integrity", "bench", "version"} <= leaves
    assert {"retention scan", "retention prune", "config show", "config check"} <= leaves
    for path, parser in commands:
        if not parser._subparsers and path:  # every command takes the logging flags
            options = {o for a in parser._actions for o in a.option_strings}
            assert {"-v", "--verbose", "-q", "--quiet", "--log-format"} <= options, path


# --- the CLI is one package; feature packages never import it --------------------------------


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
    return names


def test_only_the_cli_package_parses_arguments_or_imports_the_cli() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "cli" or rel.name == "__main__.py":
            continue
        for name in _imports(path):
            if name == "argparse" or "cli" in name.replace(".", " ").split():
                offenders.append(f"{rel}: imports {name}")
    assert offenders == []
    assert not list(PACKAGE.glob("*/cli.py")) and not (PACKAGE / "commands.py").exists()


def test_every_subcommand_dispatches_through_set_defaults_func() -> None:
    for path, parser in _parsers(build_parser()):
        if path and not parser._subparsers:
            func = parser.get_default("func")
            assert callable(func), path
            assert func.__module__.startswith("g6runtime.cli."), (path, func.__module__)


_LOADED = (
    "import sys\n"
    "from g6runtime.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit:\n"
    "    pass\n"
    "from g6runtime.cli.main import SUBCOMMANDS\n"
    "print(' '.join(sorted(n for n in SUBCOMMANDS if f'g6runtime.cli.{n}' in sys.modules)))\n"
)


@pytest.mark.parametrize(
    ("argv", "loaded"),
    [
        (("--version",), "version"),  # main imports it for the --version text
        (("--help",), "version"),
        (("integrity", "--panels-dir", "nowhere"), "integrity version"),
        (("nonsense",), "version"),
    ],
)
def test_a_command_imports_only_its_own_subcommand_module(
    argv: tuple[str, ...], loaded: str, tmp_path: Path
) -> None:
    run = subprocess.run(
        [sys.executable, "-c", _LOADED, *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(),
        timeout=60,
    )
    assert run.stdout.splitlines()[-1] == loaded, run.stderr


def test_the_help_of_g6_lists_every_subcommand_with_its_help(tmp_path: Path) -> None:
    from g6runtime.cli.main import SUBCOMMANDS

    run = run_g6("--help", cwd=tmp_path)
    assert run.returncode == 0
    words = " ".join(run.stdout.split())  # argparse wraps the help column
    for name, text in SUBCOMMANDS.items():
        assert f" {name} {text} " in words, name
    assert set(SUBCOMMANDS) == {p.stem for p in (PACKAGE / "cli").glob("*.py")} - {
        "__init__", "main", "common", "argtypes", "cycles", "signals"
    }  # fmt: skip
