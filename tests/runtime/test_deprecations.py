"""Runtime deprecations: ``warn_once``, the deprecated aliases through the real ``g6``, and
the contract between the ``warn_once`` calls in ``g6runtime`` and ``DEPRECATIONS.md``.

The contract, both directions: every ``warn_once`` call names (with a string literal) an
``Active`` or ``Pending Removal`` row and mentions that row's replacement in its message;
every such row of type ``cli``, ``env`` or ``config`` has a call. The table is read with
the governance check's own parser, so the rows are the ones the ``deprecations`` check sees.
"""

from __future__ import annotations

import ast
import functools
import json
import logging
import shutil
import subprocess
import sys
import threading
import uuid
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

import g6runtime
from g6runtime.config import resolve, unknown_variables
from g6runtime.deprecations import warn_once
from pytest_g6gov.checks.deprecation_table import parse_deprecations

from .support import clean_env, run_g6

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "DEPRECATIONS.md"
PACKAGE = Path(g6runtime.__file__).resolve().parent
LIVE = ("Active", "Pending Removal")
ALIAS_TYPES = ("cli", "env", "config")


# --- warn_once ------------------------------------------------------------------------------


def _item() -> str:
    """An item no other test (in this process) has warned about."""
    return f"test.item_{uuid.uuid4().hex}"


def test_warn_once_warns_and_logs_the_first_call_only(caplog: pytest.LogCaptureFixture) -> None:
    item = _item()
    caplog.set_level(logging.WARNING, logger="g6runtime.deprecations")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = warn_once(item, f"{item} is deprecated; use the new one")
        second = warn_once(item, f"{item} is deprecated; use the new one")
    assert (first, second) == (True, False)
    assert [(w.category, str(w.message)) for w in caught] == [
        (DeprecationWarning, f"{item} is deprecated; use the new one")
    ]
    assert caught[0].filename == __file__  # stacklevel: the caller's line, not the helper's
    records = [r for r in caplog.records if item in r.getMessage()]
    assert [(r.name, r.levelno) for r in records] == [("g6runtime.deprecations", logging.WARNING)]


def test_warn_once_is_per_item() -> None:
    one, two = _item(), _item()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = [warn_once(one, "one"), warn_once(two, "two"), warn_once(one, "one")]
    assert results == [True, True, False]
    assert [str(w.message) for w in caught] == ["one", "two"]


def test_warn_once_from_many_threads_warns_once() -> None:
    item = _item()
    threads_count = 32
    barrier = threading.Barrier(threads_count)
    results: list[bool] = []
    lock = threading.Lock()

    def call() -> None:
        barrier.wait()
        result = warn_once(item, f"{item} is deprecated")
        with lock:
            results.append(result)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        threads = [threading.Thread(target=call) for _ in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    assert sorted(results) == [False] * (threads_count - 1) + [True]
    assert [str(w.message) for w in caught] == [f"{item} is deprecated"]


def test_one_warning_per_process_however_often_the_alias_is_read(tmp_path: Path) -> None:
    """A fresh process with every warning shown: two resolutions, one DeprecationWarning."""
    code = (
        "from g6runtime.config import resolve\n"
        "for _ in range(3):\n"
        "    assert resolve(environ={'G6_COLLECTION_INTERVAL': '30'}).settings()"
        ".interval_seconds == 30\n"
    )
    done = _run([sys.executable, "-W", "always::DeprecationWarning", "-c", code], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("DeprecationWarning") == 1, done.stderr


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=60, cwd=cwd, env=clean_env()
    )


# --- each alias through the real g6 -----------------------------------------------------------


def _show(tmp_path: Path, *args: str, **env: str) -> tuple[dict[str, Any], list[str]]:
    done = run_g6("config", "show", "--json", *args, cwd=tmp_path, env=clean_env(**env))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["settings"], done.stderr.splitlines()


def _one_deprecation_line(lines: list[str], old: str, new: str) -> None:
    assert len(lines) == 1, lines
    assert lines[0].startswith("g6: ") and "deprecated" in lines[0]
    assert old in lines[0] and new in lines[0]


def _one_conflict(done: subprocess.CompletedProcess[str], old: str, new: str) -> None:
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert old in lines[0] and new in lines[0] and "both" in lines[0]
    assert "Traceback" not in done.stderr


def test_env_alias_sets_interval_seconds_and_warns_once(tmp_path: Path) -> None:
    settings, stderr = _show(tmp_path, G6_COLLECTION_INTERVAL="30")
    assert settings["interval_seconds"] == {"value": 30, "source": "G6_COLLECTION_INTERVAL"}
    _one_deprecation_line(stderr, "G6_COLLECTION_INTERVAL", "G6_INTERVAL_SECONDS")
    same, _ = _show(tmp_path, G6_INTERVAL_SECONDS="30")
    assert same["interval_seconds"]["value"] == 30


def test_env_alias_is_validated_like_its_replacement(tmp_path: Path) -> None:
    env = clean_env(G6_COLLECTION_INTERVAL="-1")
    done = run_g6("config", "check", cwd=tmp_path, env=env)
    assert done.returncode == 2
    assert "g6: G6_COLLECTION_INTERVAL: interval_seconds: -1" in done.stderr


def test_env_alias_with_its_replacement_is_one_error(tmp_path: Path) -> None:
    env = clean_env(G6_COLLECTION_INTERVAL="30", G6_INTERVAL_SECONDS="5")
    done = run_g6("config", "show", cwd=tmp_path, env=env)
    _one_conflict(done, "G6_COLLECTION_INTERVAL", "G6_INTERVAL_SECONDS")


def test_config_key_alias_sets_csv_dir_and_warns_once(tmp_path: Path) -> None:
    config = tmp_path / "g6.yaml"
    config.write_text("seed: 7\nstorage:\n  csv_dir: legacy/csv\n  max_failed_cycles: 4\n")
    settings, stderr = _show(tmp_path, "--config", str(config))
    assert settings["csv_dir"] == {"value": "legacy/csv", "source": f"{config}:3"}
    assert settings["storage.max_failed_cycles"]["value"] == 4
    _one_deprecation_line(stderr, "storage.csv_dir", "csv_dir")
    assert stderr[0].startswith(f"g6: {config}:3: ")


def test_config_key_alias_with_its_replacement_is_one_error(tmp_path: Path) -> None:
    config = tmp_path / "g6.json"
    config.write_text(json.dumps({"csv_dir": "new", "storage": {"csv_dir": "old"}}))
    done = run_g6("config", "show", "--config", str(config), cwd=tmp_path)
    _one_conflict(done, "storage.csv_dir", "csv_dir")
    assert done.stderr.startswith(f"g6: {config}:1: ")


def test_flag_alias_sets_csv_dir_and_warns_once(tmp_path: Path) -> None:
    done = run_g6(
        "simulate", "--cycles", "1", "--csv-folder", "legacy", "--panels-dir", "panels",
        "--json", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["csv_dir"] == "legacy"
    assert sorted(p.name for p in (tmp_path / "legacy").iterdir()) == [
        "BANKNIFTY", "FINNIFTY", "NIFTY", "SENSEX", "overview",
    ]  # fmt: skip
    deprecations = [line for line in done.stderr.splitlines() if "deprecated" in line]
    _one_deprecation_line(deprecations, "--csv-folder", "--csv-dir")


def test_flag_alias_with_its_replacement_is_one_error(tmp_path: Path) -> None:
    done = run_g6(
        "simulate", "--csv-folder", "a", "--csv-dir", "b", "--panels-dir", "p", cwd=tmp_path
    )
    _one_conflict(done, "--csv-folder", "--csv-dir")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_an_alias_is_a_known_variable_and_a_near_miss_gets_its_replacement() -> None:
    assert unknown_variables({"G6_COLLECTION_INTERVAL": "30"}) == []
    assert unknown_variables({"G6_COLECTION_INTERVAL": "30"}) == [
        "unknown environment variable G6_COLECTION_INTERVAL is ignored; "
        "did you mean G6_INTERVAL_SECONDS?"
    ]


def test_the_replacement_alone_warns_nothing() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert resolve(environ={"G6_INTERVAL_SECONDS": "30"}).problems == []
    assert [w for w in caught if issubclass(w.category, DeprecationWarning)] == []


# --- the contract with DEPRECATIONS.md, both directions -------------------------------------


@functools.cache
def _file_calls(text: str) -> tuple[ast.Call, ...]:
    """The ``warn_once(...)`` / ``x.warn_once(...)`` calls in a file's text (cached: a copy of
    the package costs nothing more)."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "warn_once":
                found.append(node)
    return tuple(found)


def _calls(roots: Iterable[Path]) -> list[tuple[str, int, ast.Call]]:
    """Every ``warn_once`` call in the Python files under ``roots``: (file, line, call)."""
    return [
        (str(path), call.lineno, call)
        for root in roots
        for path in sorted(root.rglob("*.py"))
        for call in _file_calls(path.read_text(encoding="utf-8"))
    ]


def _literal_text(node: ast.expr | None) -> str | None:
    """A string literal's text, an f-string's literal parts joined; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    return None


def contract_problems(table_text: str, roots: Iterable[Path]) -> list[str]:
    """Every disagreement between the ``warn_once`` calls under ``roots`` and the table."""
    table = parse_deprecations(table_text, "DEPRECATIONS.md")
    problems = [f"DEPRECATIONS.md:{f.line}: {f.code} {f.message}" for f in table.findings]
    rows = {row.item: row for row in table.rows}
    warned: set[str] = set()
    for path, line, call in _calls(roots):
        where = f"{path}:{line}"
        first = call.args[0] if call.args else None
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            problems.append(f"{where}: warn_once's first argument must be a string literal")
            continue
        item = first.value
        warned.add(item)
        row = rows.get(item)
        if row is None:
            problems.append(f"{where}: warn_once({item!r}) has no row in DEPRECATIONS.md")
            continue
        if row.status not in LIVE:
            problems.append(f"{where}: warn_once({item!r}) but its row is {row.status}")
        message = _literal_text(call.args[1] if len(call.args) > 1 else None)
        replacement = row.replacement.strip("`")
        if message is None or replacement not in message:
            problems.append(f"{where}: warn_once({item!r}) must name {replacement!r} in a literal")
    for row in table.rows:
        if row.status in LIVE and row.type in ALIAS_TYPES and row.item not in warned:
            problems.append(
                f"DEPRECATIONS.md:{row.line}: {row.item} ({row.type}, {row.status}) "
                "has no warn_once call in g6runtime"
            )
    return problems


def test_the_warn_once_calls_and_deprecations_md_agree() -> None:
    assert contract_problems(TABLE.read_text(encoding="utf-8"), [PACKAGE]) == []


def test_the_runtime_keeps_at_least_one_alias_of_each_type() -> None:
    table = parse_deprecations(TABLE.read_text(encoding="utf-8"), "DEPRECATIONS.md")
    live = {row.type for row in table.rows if row.status in LIVE}
    assert set(ALIAS_TYPES) <= live
    assert {item for _, _, call in _calls([PACKAGE]) if (item := _literal_text(call.args[0]))} >= {
        "G6_COLLECTION_INTERVAL", "storage.csv_dir", "--csv-folder",
    }  # fmt: skip


def _without_row(text: str, item: str) -> str:
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(f"| `{item}` |")]
    assert len(kept) == len(lines) - 1
    return "".join(kept)


@pytest.mark.parametrize("item", ["G6_COLLECTION_INTERVAL", "storage.csv_dir", "--csv-folder"])
def test_a_call_without_its_row_fails_the_contract(item: str) -> None:
    text = _without_row(TABLE.read_text(encoding="utf-8"), item)
    problems = contract_problems(text, [PACKAGE])
    assert len(problems) == 1, problems
    assert f"warn_once({item!r}) has no row in DEPRECATIONS.md" in problems[0]


def test_a_row_marked_removed_fails_the_contract() -> None:
    text = TABLE.read_text(encoding="utf-8").replace(
        "| `--csv-folder` | cli | Active |", "| `--csv-folder` | cli | Removed |"
    )
    problems = contract_problems(text, [PACKAGE])
    assert [p.split(": ", 1)[1] for p in problems] == [
        "warn_once('--csv-folder') but its row is Removed"
    ]


def test_a_row_without_a_call_fails_the_contract(tmp_path: Path) -> None:
    tree = tmp_path / "g6runtime"
    shutil.copytree(PACKAGE, tree, ignore=shutil.ignore_patterns("__pycache__"))
    path = tree / "configuration" / "aliases.py"
    source = path.read_text(encoding="utf-8")
    assert source.count('warn_once(\n        "G6_COLLECTION_INTERVAL",') == 1
    path.write_text(source.replace('warn_once(\n        "G6_COLLECTION_INTERVAL",', "print(\n"))
    problems = contract_problems(TABLE.read_text(encoding="utf-8"), [tree])
    assert len(problems) == 1, problems
    assert "G6_COLLECTION_INTERVAL (env, Active) has no warn_once call in g6runtime" in problems[0]


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        ('warn_once("G6_NOT_IN_THE_TABLE", "use G6_X")', "has no row in DEPRECATIONS.md"),
        ('warn_once(NAME, "use --csv-dir")', "first argument must be a string literal"),
        ('deprecations.warn_once(f"--{x}", "m")', "first argument must be a string literal"),
        ('warn_once("--csv-folder", "gone")', "must name '--csv-dir' in a literal"),
        ('warn_once("G6_METRICS_ENABLE", "G6_ENABLE_METRIC_GROUPS")', "its row is Removed"),
    ],
)
def test_an_extra_call_fails_the_contract(tmp_path: Path, call: str, fragment: str) -> None:
    (tmp_path / "extra.py").write_text(f"def f() -> None:\n    {call}\n", encoding="utf-8")
    problems = contract_problems(TABLE.read_text(encoding="utf-8"), [PACKAGE, tmp_path])
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path / 'extra.py'}:2: ") and fragment in problems[0]


def test_a_malformed_row_fails_the_contract() -> None:
    text = TABLE.read_text(encoding="utf-8").replace("| cli | Active |", "| cli | Retired |")
    problems = contract_problems(text, [PACKAGE])
    assert any("DEP003" in p and "--csv-folder" in p for p in problems), problems
