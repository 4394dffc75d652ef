"""A cycle's rows as InfluxDB points: one point per CSV row, built from the CSV line itself.

The sink spools a cycle's CSV lines as they are (:mod:`.sink`); its sender turns them
into points with :func:`spooled_points` before posting them.

SPEC §2: measurement ``g6_option`` with tags ``index``, ``expiry_tag``, ``expiry_date``,
``offset`` and every other column as a field; ``g6_overview`` with tag ``index``. The
fields are the CSV cells as the CSV sink writes them (one formatting, so a point equals
its row field by field): prices, IV and Greeks are floats, volumes, open interest,
expiry counts and masks integers (``i``); empty cells are left out. The point's time is
the row's timestamp in whole seconds (``precision=s``), so writing a row twice
overwrites the same point instead of adding one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..storage.csv_format import OPTION_HEADER, OVERVIEW_HEADER
from .line_protocol import escape_tag_value

__all__ = [
    "OPTION_MEASUREMENT",
    "OVERVIEW_MEASUREMENT",
    "option_point",
    "option_points",
    "spooled_points",
]

OPTION_MEASUREMENT = "g6_option"
OVERVIEW_MEASUREMENT = "g6_overview"
_INTEGERS = frozenset(
    {
        "ce_vol", "pe_vol", "ce_oi", "pe_oi",
        "expiries_expected", "expiries_collected", "expected_mask", "collected_mask",
        "missing_mask",
    }
)  # fmt: skip
_OPTION_TAGS = ("index", "expiry_tag", "expiry_date", "offset")
_OPTION_FIELDS = tuple(
    (f"{name}=", "i" if name in _INTEGERS else "")
    for name in OPTION_HEADER.split(",")[1 + len(_OPTION_TAGS) :]
)
_OVERVIEW_FIELDS = tuple(
    (f"{name}=", "i" if name in _INTEGERS else "") for name in OVERVIEW_HEADER.split(",")[2:]
)


def _fields(cells: Sequence[str], names: tuple[tuple[str, str], ...]) -> str:
    return ",".join(
        key + cell + suffix for (key, suffix), cell in zip(names, cells, strict=True) if cell
    )


# The usual option line (every cell present, tags that need no escaping) in one %-format:
# the same text as the general path below, cell for cell.
_OPTION_TEMPLATE = (
    f"{OPTION_MEASUREMENT},"
    + ",".join(f"{tag}=%s" for tag in _OPTION_TAGS)
    + " "
    + ",".join(f"{key}%s{suffix}" for key, suffix in _OPTION_FIELDS)
    + " %d"
)
_PLAIN_TAG: dict[str, bool] = {}


def _plain(value: str) -> bool:
    """``value`` needs no escaping as a tag value (cached: tags come from a small set)."""
    known = _PLAIN_TAG.get(value)
    if known is None:
        known = _PLAIN_TAG[value] = bool(value) and escape_tag_value(value) == value
    return known


def option_point(line: str, seconds: int) -> str:
    """The ``g6_option`` point of one option CSV line (header order, newline optional)."""
    cells = line.rstrip("\n").split(",")
    if "" not in cells and all(_plain(t) for t in cells[1:5]):
        return _OPTION_TEMPLATE % (*cells[1:], seconds)
    return option_point_cells(cells, seconds)


def option_point_cells(cells: Sequence[str], seconds: int) -> str:
    """The general path: empty cells left out, tag values escaped."""
    tags = ",".join(
        f"{key}={escape_tag_value(value)}"
        for key, value in zip(_OPTION_TAGS, cells[1:5], strict=True)
        if value
    )
    return f"{OPTION_MEASUREMENT},{tags} {_fields(cells[5:], _OPTION_FIELDS)} {seconds}"


def overview_point(line: str, seconds: int) -> str:
    cells = line.rstrip("\n").split(",")
    tag = f"index={escape_tag_value(cells[1])}"
    return f"{OVERVIEW_MEASUREMENT},{tag} {_fields(cells[2:], _OVERVIEW_FIELDS)} {seconds}"


# A run of usual option lines that share a second, in one %-format over all of their
# cells: the CSV line's timestamp cell is consumed by ``%.0s`` (formatted as nothing), the
# second is written into the template. The same text as option_point() line by line.
_RUN_ROW = "%.0s" + _OPTION_TEMPLATE[: -len(" %d")]
_CELLS = len(OPTION_HEADER.split(","))
_OVERVIEW_CELLS = len(OVERVIEW_HEADER.split(","))


def _unusual(text: str) -> bool:
    """An empty cell (left out of the point) or a missing line end in CSV ``text``."""
    return ",," in text or ",\n" in text or not text.endswith("\n")


def option_points(lines: Sequence[str], seconds: int) -> list[str]:
    """The points of option CSV ``lines`` of one second, in order (each as option_point)."""
    text = "".join(lines)
    if not _unusual(text):
        return _usual_run(text, lines, seconds)
    points: list[str] = []
    start = 0
    odd = [i for i, x in enumerate(lines) if ",," in x or ",\n" in x or x[-1:] != "\n"]
    for i in odd:  # _unusual(x), inline: a function call per line costs as much again
        # the usual lines before it in one format, this one alone
        points += _usual_run("".join(lines[start:i]), lines[start:i], seconds)
        points.append(option_point(lines[i], seconds))
        start = i + 1
    points += _usual_run("".join(lines[start:]), lines[start:], seconds)
    return points


def _usual_run(text: str, lines: Sequence[str], seconds: int) -> list[str]:
    """``text`` is ``lines`` joined, none of them unusual."""
    if not lines:
        return []
    cells = text.replace("\n", ",").split(",")
    cells.pop()  # after the last line end
    if len(cells) != _CELLS * len(lines) or not all(
        _plain(value) for column in range(1, 5) for value in set(cells[column::_CELLS])
    ):
        return [option_point(line, seconds) for line in lines]
    points = (f"{_RUN_ROW} {seconds}\n" * len(lines) % tuple(cells)).split("\n")
    points.pop()
    return points


def spooled_points(text: str) -> list[str]:
    """The points of CSV ``text`` as the sink spools it: a cycle's option lines, then its
    overview lines (each line ends in a newline). Each point's second is its line's
    timestamp cell (ISO 8601 with offset, as the CSV writes it). Raises ValueError for a
    line that is neither an option nor an overview line."""
    points: list[str] = []
    run: list[str] = []  # option lines of one timestamp, formatted together
    run_ts = ""
    seconds: dict[str, int] = {}

    def second(ts: str) -> int:
        value = seconds.get(ts)
        if value is None:
            value = seconds[ts] = int(datetime.fromisoformat(ts).timestamp())
        return value

    for line in text.splitlines(keepends=True):
        ts = line[: line.find(",")]
        commas = line.count(",")
        if commas == _CELLS - 1:
            if ts != run_ts and run:
                points += option_points(run, second(run_ts))
                run = []
            run_ts = ts
            run.append(line)
        elif commas == _OVERVIEW_CELLS - 1:
            if run:
                points += option_points(run, second(run_ts))
                run = []
            points.append(overview_point(line, second(ts)))
        else:
            raise ValueError(f"not a G6 CSV line ({commas + 1} cells): {line[:60]!r}")
    if run:
        points += option_points(run, second(run_ts))
    return points
