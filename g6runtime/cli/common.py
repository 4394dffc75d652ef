"""What every ``g6`` subcommand shares: its common flags, its settings, its output checks.

* :func:`add_common` gives a subcommand ``--config``, ``--json`` (where it prints a
  result) and the logging flags ``-v``/``-q``/``--log-format``;
* :func:`settings` is the one place flags are laid over the configuration (defaults ←
  file ← environment ← flags), so ``g6 config show`` and the commands agree;
* :func:`check_output_file` proves an output file can be written before any cycle runs.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..deprecations import warn_once
from ..errors import ConfigError

if TYPE_CHECKING:
    from ..config import Settings

__all__ = [
    "FLAG_KEYS",
    "add_common",
    "add_folders",
    "add_logging",
    "add_market",
    "check_output_file",
    "config_flags",
    "settings",
]

_config_log = logging.getLogger("g6runtime.config")

# Flags that set a configuration key: attribute → (dotted key, flag as typed).
FLAG_KEYS: dict[str, tuple[str, str]] = {
    "csv_dir": ("csv_dir", "--csv-dir"),
    "panels_dir": ("panels_dir", "--panels-dir"),
    "interval": ("interval_seconds", "--interval"),
    "seed": ("seed", "--seed"),
    "metrics_port": ("metrics.port", "--metrics-port"),
    "provider": ("provider", "--provider"),
}


def add_logging(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more diagnostics on stderr: once DEBUG, twice TRACE (default: G6_LOG_LEVEL, INFO)",
    )
    p.add_argument(
        "-q",
        "--quiet",
        action="count",
        default=0,
        help="fewer diagnostics: once WARNING, twice ERROR only (default: G6_LOG_LEVEL, INFO)",
    )
    p.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="diagnostics on stderr as 'g6: ...' lines or one JSON object per line (default: text)",
    )


def add_folders(p: argparse.ArgumentParser) -> None:
    """``--csv-dir`` and ``--panels-dir``: where a cycle's outputs go (and ``--csv-folder``,
    the deprecated spelling of ``--csv-dir``, which :func:`settings` accepts once warned)."""
    p.add_argument(
        "--csv-dir", type=Path, help="root of the CSV tree (default: config csv_dir, data/g6_data)"
    )
    p.add_argument(
        "--panels-dir",
        type=Path,
        help="folder of the JSON panels (default: config panels_dir, data/panels)",
    )
    p.add_argument(
        "--csv-folder",
        type=Path,
        metavar="CSV_DIR",
        help="deprecated spelling of --csv-dir, warns once (default: not given)",
    )


def add_market(p: argparse.ArgumentParser, interval: str) -> None:
    """``--interval`` (``interval`` says what it means here) and ``--seed``."""
    from .argtypes import positive_float

    p.add_argument(
        "--interval",
        type=positive_float,
        metavar="S",
        help=f"{interval} (default: config interval_seconds, 60)",
    )
    p.add_argument(
        "--seed", type=int, help="seed of the synthetic market (default: config seed, 42)"
    )


def add_common(p: argparse.ArgumentParser, *, json: bool = True) -> None:
    p.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="JSON or YAML config file (default: G6_CONFIG_FILE, else none)",
    )
    if json:
        p.add_argument(
            "--json", action="store_true", help="print the result as JSON (default: text)"
        )
    add_logging(p)


def config_flags(args: argparse.Namespace) -> dict[str, tuple[str, Any]]:
    """The command's configuration flags: dotted key → ``(flag, value)``, the layer
    :func:`g6runtime.config.resolve` lays over the environment (the deprecated
    ``--csv-folder`` warned once, and refused beside ``--csv-dir``)."""
    flags = {
        key: (flag, str(value) if isinstance(value, Path) else value)
        for attr, (key, flag) in FLAG_KEYS.items()
        if (value := getattr(args, attr, None)) is not None
    }
    if getattr(args, "csv_folder", None) is not None:  # deprecated: see DEPRECATIONS.md
        if "csv_dir" in flags:
            raise ConfigError(
                "--csv-folder and --csv-dir are both given; "
                "drop --csv-folder (deprecated: --csv-dir replaces it)"
            )
        warn_once("--csv-folder", "--csv-folder is deprecated and will be removed; use --csv-dir")
        flags["csv_dir"] = ("--csv-folder", str(args.csv_folder))
    return flags


def settings(args: argparse.Namespace) -> Settings:
    """The effective :class:`Settings` of a command: config, environment, then its flags."""
    from dataclasses import replace

    from ..config import resolve

    flags = config_flags(args)
    effective = resolve(args.config, flags=flags)
    for line in effective.warnings:
        _config_log.warning("%s", line)
    result = effective.settings()
    guard: dict[str, Any] = {}
    if getattr(args, "faults", None) is not None:  # repeated flags, each a tuple of specs
        guard["faults"] = tuple(spec for specs in args.faults for spec in specs)
    if getattr(args, "memory_tier", None) is not None:
        guard["force_memory_tier"] = args.memory_tier
    if guard:
        result = replace(result, resilience=replace(result.resilience, **guard))
    return result


def check_output_file(path: Path, flag: str) -> None:
    """ConfigError unless a file can be created at ``path`` (probed with a temporary file).

    The result is written atomically (a temporary file in the same folder, then a
    rename), so the probe does exactly that much: create and remove a file beside it.
    """
    import tempfile

    if path.is_dir():
        raise ConfigError(f"{flag} {path}: is a folder; name a file")
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ConfigError(f"{flag} {path}: {folder} {what}; create it or choose another path")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
    except OSError as exc:
        raise ConfigError(f"{flag} {path}: cannot write in {folder}: {exc.strerror}") from None
    os.close(fd)
    os.unlink(probe)
