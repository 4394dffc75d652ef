"""What the plugin needs before pytest has fully started: standard library only.

* ``critical_modules``: the ``critical_coverage`` modules from the raw TOML, so that
  measuring can start before the configuration is validated (validation imports
  ``packaging`` and the checks, which a project may list as critical modules).
* ``path_option_problem``: pytest decides its rootdir before it knows the plugin's
  options, so ``--g6-report PATH`` (space form, PATH existing) is taken for a test
  path and can move the rootdir away from the project; detected here, with one line.
"""

from __future__ import annotations

import inspect
import itertools
import os
import shlex
import tomllib
from pathlib import Path
from typing import Any

# Every --g6-* option that takes a path.
PATH_OPTIONS = ("--g6-report", "--g6-sarif")


def critical_modules(root: Path) -> list[str]:
    """The rootdir-relative paths of the critical modules (empty: nothing to measure).

    Only what exists is returned; the full validation comes later and reports the rest.
    """
    try:
        raw = (root / "pyproject.toml").read_bytes()
    except OSError:
        return []
    if b"critical_coverage" not in raw:
        return []
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    table: Any = data.get("tool", {})
    for key in ("g6gov", "critical_coverage"):
        table = table.get(key) if isinstance(table, dict) else None
    if not isinstance(table, dict) or table.get("mode") == "off":
        return []
    entries = table.get("modules", [])
    out = []
    for entry in entries if isinstance(entries, list) else []:
        path = entry.get("path") if isinstance(entry, dict) else entry
        if isinstance(path, str) and path.endswith(".py") and (root / path).is_file():
            out.append(path)
    return out


def _space_form_paths(args: list[str], base: Path) -> list[tuple[str, str]]:
    found = []
    for option, value in itertools.pairwise(args):
        if option in PATH_OPTIONS and not value.startswith("-") and (base / value).exists():
            found.append((option, value))
    return found


def _rootdir_without(config: Any) -> Path | None:
    """The rootdir pytest would pick from the command line without the options' values."""
    try:
        from _pytest.config.findpaths import determine_setup
    except ImportError:
        return None
    ns = config.known_args_namespace
    given = {
        "inifile": getattr(ns, "inifilename", None),
        "override_ini": getattr(ns, "override_ini", None),
        "args": [str(a) for a in getattr(ns, "file_or_dir", None) or []],
        "rootdir_cmd_arg": getattr(ns, "rootdir", None) or None,
        "invocation_dir": config.invocation_params.dir,
        "config": config,
    }
    try:
        params = inspect.signature(determine_setup).parameters
        rootpath = determine_setup(**{k: v for k, v in given.items() if k in params})[0]
    except (TypeError, ValueError, OSError):
        return None
    return Path(rootpath)


def path_option_problem(config: Any) -> str | None:
    """One line when a space-form path option moved pytest's rootdir (None: it did not)."""
    args = shlex.split(os.environ.get("PYTEST_ADDOPTS", "")) + [
        str(a) for a in config.invocation_params.args
    ]
    found = _space_form_paths(args, config.invocation_params.dir)
    if not found:
        return None
    expected = _rootdir_without(config)
    actual = Path(config.rootpath)
    if expected is not None and expected.resolve() == actual.resolve():
        return None
    option, value = found[0]
    return (
        f"g6gov: {option} {value}: pytest took the existing path {value!r} for a test path and "
        f"chose {actual} as its rootdir, so the project's configuration was not read; "
        f"write it as {option}={value}"
    )
