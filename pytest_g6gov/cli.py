"""``g6gov check``: the static governance checks without a test session.

Same configuration (``[tool.g6gov]``), staging, findings, suppression and exit statuses
as the pytest plugin, for the checks that need no test run (``static = True``: env_docs,
deprecations, metrics_spec and installed third-party static checks). Start-up imports
only ``argparse``; the governance modules are imported once the arguments are valid, and
pytest never is.

Exit statuses: 0 clean or warnings only, 1 an enforcing check has findings (or an output
could not be written), 4 a usage or configuration error (one line on stderr).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from .api import Check
    from .config import GovConfig
    from .governance import Outcome

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 4
FORMATS = ("text", "json", "sarif", "github")
CACHE_FOLDER = ".g6gov_cache"


class UsageError(Exception):
    """One line for stderr (after ``g6gov: ``); the command exits 4."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"g6gov: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    top = _Parser(
        prog="g6gov",
        description="Repository governance checks of pytest_g6gov outside a pytest session.",
    )
    top.add_argument("--version", action="version", version=f"g6gov {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    check = sub.add_parser(
        "check",
        help="run the static checks (no test session)",
        description=(
            "Run the configured checks that need no test run (env_docs, deprecations, "
            "metrics_spec and installed third-party static checks) with the same "
            "[tool.g6gov] configuration, staging (warn/enforce), findings and suppressions "
            "as the pytest plugin. Exit status: 0 clean or warnings only; 1 an enforcing "
            "check has findings, or the output could not be written; 4 a usage or "
            "configuration error. Baseline files are read, never written: updating them "
            "(--g6-update-baselines) stays a pytest-session thing."
        ),
    )
    check.add_argument(
        "--root",
        metavar="DIR",
        type=Path,
        default=None,
        help=(
            "the project folder whose pyproject.toml holds [tool.g6gov] (default: the "
            "nearest folder holding a pyproject.toml, from the current directory upwards)"
        ),
    )
    check.add_argument(
        "--only",
        metavar="CHECK,...",
        default=None,
        help="run only these configured static checks, comma-separated (default: all of them)",
    )
    check.add_argument(
        "--enforce",
        action="store_true",
        default=False,
        help="every check that is not off enforces, as --g6-enforce (default: off)",
    )
    check.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help=(
            "text: the lines of the plugin's 'g6 governance' section; json: the --g6-report "
            "document; sarif: SARIF 2.1.0; github: GitHub Actions workflow commands "
            "(default: text)"
        ),
    )
    check.add_argument(
        "--output",
        metavar="PATH",
        type=Path,
        default=None,
        help="write the result to PATH (atomically) instead of stdout (default: stdout)",
    )
    check.add_argument(
        "--no-cache",
        action="store_true",
        default=False,
        help=(
            "read and keep no per-file scan results (default: kept in .pytest_cache/d/g6gov "
            f"when the project has a pytest cache folder, else in {CACHE_FOLDER}/)"
        ),
    )
    return top


def find_root(start: Path) -> Path | None:
    """The nearest folder holding a pyproject.toml: ``start`` or one of its parents."""
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return None


def _pytest_cache(root: Path) -> Path:
    """pytest's cache folder for ``root``: ``[tool.pytest.ini_options] cache_dir`` of its
    pyproject.toml (environment variables and ``~`` expanded, as pytest does), else
    ``.pytest_cache``."""
    import tomllib

    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        configured = data["tool"]["pytest"]["ini_options"]["cache_dir"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        configured = None
    if not isinstance(configured, str) or not configured:
        return root / ".pytest_cache"
    return root / os.path.expanduser(os.path.expandvars(configured))


def cache_dir(root: Path) -> Path | None:
    """Where the checks keep per-file results: ``<pytest cache>/d/g6gov`` (what a test
    session uses, so the hook and the suite share it) when pytest's cache folder exists,
    else ``<root>/.g6gov_cache`` (made with a ``.gitignore`` of ``*`` and a CACHEDIR.TAG).
    None when neither can be written (every file is then scanned)."""
    pytest_cache = _pytest_cache(root)
    folder = pytest_cache / "d" / "g6gov" if pytest_cache.is_dir() else root / CACHE_FOLDER
    try:
        fresh = not folder.is_dir()
        folder.mkdir(parents=True, exist_ok=True)
        if fresh and folder.name == CACHE_FOLDER:
            (folder / ".gitignore").write_text("# Created by g6gov automatically.\n*\n")
            (folder / "CACHEDIR.TAG").write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by g6gov.\n"
            )
    except OSError:
        return None
    return folder


def _root(given: Path | None) -> Path | None:
    if given is None:
        try:
            here = Path.cwd().resolve()
        except OSError as exc:
            raise UsageError(
                f"the current directory cannot be read ({exc.strerror or exc}): give --root DIR"
            ) from None
        return find_root(here)
    if not given.is_dir():
        raise UsageError(f"--root {given}: not a folder")
    return given.resolve()


def _output(given: Path | None) -> Path | None:
    """The output path (relative to the current directory), known to be writable."""
    if given is None:
        return None
    from .atomic import unwritable

    path = Path.cwd() / given
    why = "it is a folder" if path.is_dir() else unwritable(path.parent)
    if why is not None:
        raise UsageError(f"--output {given}: cannot be written ({why}): give a writable file path")
    return path


def _formatter(fmt: str) -> None:
    """A usage error when the modules behind ``fmt`` are not part of this installation."""
    import importlib.util

    module = {"sarif": "pytest_g6gov.sarif", "github": "pytest_g6gov.github"}.get(fmt)
    if module is not None and importlib.util.find_spec(module) is None:
        raise UsageError(f"--format {fmt}: not available yet in this version (use text or json)")


def _selected(only: str | None, gov: GovConfig, known: dict[str, Check]) -> GovConfig:
    """``gov`` narrowed to the checks ``--only`` names (each a known static check)."""
    from dataclasses import replace

    if only is None:
        return gov
    names = [n.strip() for n in only.split(",") if n.strip()]
    static = sorted(n for n, c in known.items() if c.static)
    if not names:
        raise UsageError(f"--only: name at least one check (static checks: {', '.join(static)})")
    for name in names:
        if name not in known:
            raise UsageError(f"--only {name}: unknown check (static checks: {', '.join(static)})")
        if not known[name].static:
            raise UsageError(
                f"--only {name}: a run-time check, judged at the end of a pytest session "
                f"(static checks: {', '.join(static)})"
            )
    for name in names:
        if name not in gov.checks:
            _note(f"--only {name}: no [tool.g6gov.{name}] table in pyproject.toml: not run")
    return replace(gov, checks={n: c for n, c in gov.checks.items() if n in names})


def _note(message: str) -> None:
    print(f"g6gov: {message}", file=sys.stderr)


def render(fmt: str, outcome: Outcome, gov: GovConfig, known: dict[str, Check]) -> bytes:
    """The command's result in ``fmt``."""
    if fmt == "json":
        from .report import dump_report, report_json

        return dump_report(report_json(outcome.results, gov.release))
    if fmt == "sarif":
        return _sarif(outcome, gov, known)
    if fmt == "github":
        return _github(outcome, gov, known)
    from .report import section_lines

    lines = section_lines(outcome.results, outcome.updates, False)
    lines += [f"g6gov: {message}" for message in outcome.messages]
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def _sarif(outcome: Outcome, gov: GovConfig, known: dict[str, Check]) -> bytes:
    from . import __version__
    from .registry import all_rules
    from .sarif import config_anchors, dump_sarif, rule_checks, sarif_log

    owners, anchors = rule_checks(known), config_anchors(gov.root)
    log = sarif_log(outcome.results, all_rules(known), gov.root, __version__, owners, anchors)
    return dump_sarif(log)


def _github(outcome: Outcome, gov: GovConfig, known: dict[str, Check]) -> bytes:
    """The annotations; the summary table also goes to ``$GITHUB_STEP_SUMMARY`` when that
    is set (a failed append is only a message: it is the CI runner's file)."""
    from .github import annotation_lines, append_summary, summary_markdown

    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        error = append_summary(Path(summary), summary_markdown(outcome.results))
        if error is not None:
            _note(error)
    return "".join(f"{line}\n" for line in annotation_lines(outcome.results)).encode("utf-8")


def _emit(data: bytes, output: Path | None) -> bool:
    """Write the result to ``output`` (atomically) or stdout; False when the file could
    not be written. A reader that leaves early (``| head``) is fine."""
    if output is not None:
        from .atomic import write_atomic

        try:
            write_atomic(output, data)
        except OSError as exc:
            _note(f"cannot write --output {output}: {exc.strerror or exc}")
            return False
        return True
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return True


def check(args: argparse.Namespace) -> int:
    _formatter(args.format)
    root = _root(args.root)
    output = _output(args.output)
    if root is None or not (root / "pyproject.toml").is_file():
        where = f"{Path.cwd()} or a folder above it" if root is None else str(root)
        _note(f"no pyproject.toml in {where}: nothing checked")
        return EXIT_OK
    from .config import ConfigError, load_config
    from .registry import RegistryError, assemble, entry_point_checks

    try:
        known = assemble(entry_point_checks())
        gov = load_config(root, known)
    except (ConfigError, RegistryError) as exc:
        raise UsageError(str(exc)) from None
    if gov is None:
        _note(f"{root / 'pyproject.toml'} has no [tool.g6gov] table: nothing checked")
        return EXIT_OK
    gov = _selected(args.only, gov, known)
    if not any(known[name].static for name in gov.checks):
        _note("no static check is configured: nothing checked")
    from .governance import Flags, Governance

    summary = os.environ.get("GITHUB_STEP_SUMMARY") if args.format == "github" else None
    outputs = tuple(Path(p) for p in (output, summary) if p)
    flags = Flags(enforce=args.enforce, outputs=outputs)
    folder = None if args.no_cache else cache_dir(root)
    outcome = Governance(gov, flags, known, cache_dir=lambda: folder).run_static()
    written = _emit(render(args.format, outcome, gov, known), output)
    return EXIT_FINDINGS if outcome.failing or not written else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_usage(sys.stderr)
        _note("a command is needed: check (see 'g6gov --help')")
        return EXIT_USAGE
    try:
        return check(args)
    except UsageError as exc:
        _note(str(exc))
        return EXIT_USAGE
    except OSError as exc:  # e.g. the current directory was removed: one line, no traceback
        _note(f"{exc.filename}: {exc.strerror or exc}" if exc.filename else str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _note("interrupted")
        return 130
