"""``g6 dashboard [--output F]``: the Grafana dashboard of the metrics spec, as JSON.

The dashboard is built from ``docs/metrics_spec.yaml`` (see :mod:`g6runtime.dashboard`)
and printed on stdout, or written to ``--output`` atomically (a temporary file in the
same folder, then a rename): a bad path is one line and exit 2, with nothing written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import StorageError
from .common import add_logging, check_output_file


def configure(p: argparse.ArgumentParser) -> None:
    """The arguments of ``g6 dashboard`` (its one-line help is in main.SUBCOMMANDS)."""
    p.description = "Print the Grafana dashboard JSON generated from the metrics spec."
    p.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write the dashboard to FILE, atomically (default: print it on stdout)",
    )
    add_logging(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..dashboard import build_dashboard, render
    from ..metrics import load_spec

    output: Path | None = args.output
    if output is not None:
        check_output_file(output, "--output")
    text = render(build_dashboard(load_spec()))
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()  # a closed stdout fails here, inside main (exit 141)
        return 0
    from ..storage.atomic import write_atomic

    try:
        write_atomic(output, text.encode("ascii"))
    except OSError as exc:
        raise StorageError(f"--output {output}: cannot write: {exc.strerror}") from None
    return 0
