"""The CSV sink: SPEC §2 layout, header written once, each row appended whole or not at all.

``<csv-dir>/<INDEX>/<EXPIRY_TAG>/<OFFSET>/<YYYY-MM-DD>.csv`` for options and
``<csv-dir>/overview/<INDEX>/<YYYY-MM-DD>.csv`` for overview rows. A row is one
``write()`` of the whole line to a file opened with ``O_APPEND``; a short or failed
write is truncated back, so a reader never sees half a row. Floats are formatted
explicitly so the same inputs give byte-identical files.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from math import isfinite
from pathlib import Path

from ..collectors.model import OptionRow, OverviewRow
from ..errors import StorageError
from ..market.calendar import IST
from ..market.expiries import EXPIRY_RULES

OPTION_HEADER = (
    "timestamp,index,expiry_tag,expiry_date,offset,index_price,atm,strike,ce,pe,tp,"
    "ce_vol,pe_vol,ce_oi,pe_oi,ce_iv,pe_iv,ce_delta,pe_delta,ce_gamma,pe_gamma,"
    "ce_theta,pe_theta,ce_vega,pe_vega,ce_rho,pe_rho"
)
OVERVIEW_HEADER = (
    "timestamp,index,index_price,atm,pcr_this_week,pcr_next_week,pcr_this_month,"
    "pcr_next_month,expiries_expected,expiries_collected,expected_mask,collected_mask,"
    "missing_mask"
)


_SPECS = {places: f".{places}f" for places in range(10)}
_NEG_ZERO = {places: "-0." + "0" * places for places in range(10)}


def fmt(value: float | None, places: int) -> str:
    """Fixed-point text, or an empty cell for a value that could not be computed."""
    if value is None or not isfinite(value):
        return ""
    text = format(value, _SPECS[places])
    return text[1:] if text == _NEG_ZERO[places] else text


def fmt_offset(offset: int) -> str:
    return f"+{offset}" if offset > 0 else str(offset)


def stamp(ts: datetime) -> str:
    """The CSV timestamp: ISO 8601 in Asia/Kolkata with its offset."""
    return ts.astimezone(IST).isoformat(timespec="seconds")


def option_line(row: OptionRow, ts: str | None = None) -> str:
    # tp from the two cells as written (2 places), so tp == ce + pe holds in the file.
    tp = None if row.ce is None or row.pe is None else round(row.ce, 2) + round(row.pe, 2)
    cells = [
        ts or stamp(row.timestamp),
        row.index,
        row.expiry_tag,
        row.expiry_date.isoformat(),
        fmt_offset(row.offset),
        fmt(row.index_price, 2),
        str(row.atm),
        str(row.strike),
        fmt(row.ce, 2),
        fmt(row.pe, 2),
        fmt(tp, 2),
        str(row.ce_vol),
        str(row.pe_vol),
        str(row.ce_oi),
        str(row.pe_oi),
        fmt(row.ce_iv, 6),
        fmt(row.pe_iv, 6),
    ]
    greeks = (
        row.ce_delta,
        row.pe_delta,
        row.ce_gamma,
        row.pe_gamma,
        row.ce_theta,
        row.pe_theta,
        row.ce_vega,
        row.pe_vega,
        row.ce_rho,
        row.pe_rho,
    )
    cells.extend(fmt(g, 6) for g in greeks)
    return ",".join(cells) + "\n"


def overview_line(row: OverviewRow) -> str:
    cells = [
        row.timestamp.astimezone(IST).isoformat(timespec="seconds"),
        row.index,
        fmt(row.index_price, 2),
        str(row.atm),
        *(fmt(row.pcr.get(tag), 4) for tag in EXPIRY_RULES),
        str(row.expiries_expected),
        str(row.expiries_collected),
        str(row.expected_mask),
        str(row.collected_mask),
        str(row.missing_mask),
    ]
    return ",".join(cells) + "\n"


def option_path(root: Path, row: OptionRow) -> Path:
    day = row.timestamp.astimezone(IST).date().isoformat()
    return root / row.index / row.expiry_tag / fmt_offset(row.offset) / f"{day}.csv"


def overview_path(root: Path, row: OverviewRow) -> Path:
    day = row.timestamp.astimezone(IST).date().isoformat()
    return root / "overview" / row.index / f"{day}.csv"


@dataclass
class WriteStats:
    rows: int = 0
    files_created: int = 0
    rows_by_index: dict[str, int] = field(default_factory=dict)
    files_by_index: dict[str, int] = field(default_factory=dict)

    def count(self, index: str, created: bool) -> None:
        self.rows_by_index[index] = self.rows_by_index.get(index, 0) + 1
        if created:
            self.files_by_index[index] = self.files_by_index.get(index, 0) + 1


class CsvSink:
    """Appends cycle rows under ``root``; checks a file's header once per process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root = os.fspath(root)
        self._checked: set[str] = set()

    def write_cycle(
        self, options: Sequence[OptionRow], overview: Sequence[OverviewRow]
    ) -> WriteStats:
        stats = WriteStats()
        stamps: dict[datetime, tuple[str, str]] = {}  # a cycle's rows share one timestamp
        for row in options:
            if row.timestamp not in stamps:
                local = row.timestamp.astimezone(IST)
                stamps[row.timestamp] = (stamp(local), local.date().isoformat())
            ts, day = stamps[row.timestamp]
            path = f"{self._root}/{row.index}/{row.expiry_tag}/{fmt_offset(row.offset)}/{day}.csv"
            created = self._append(path, OPTION_HEADER, option_line(row, ts))
            stats.count(row.index, created)
        for orow in overview:
            path = os.fspath(overview_path(self.root, orow))
            created = self._append(path, OVERVIEW_HEADER, overview_line(orow))
            stats.count(orow.index, created)
        stats.rows = sum(stats.rows_by_index.values())
        stats.files_created = sum(stats.files_by_index.values())
        return stats

    def _append(self, path: str, header: str, line: str) -> bool:
        """Append ``line`` (with the header when the file is new); True when it was created."""
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except FileNotFoundError:
            parent = os.path.dirname(path)
            try:
                os.makedirs(parent, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"{parent}: cannot create folder: {exc.strerror or exc}"
                ) from None
            fd = self._open(path)
        except OSError as exc:
            raise StorageError(f"{path}: cannot open for append: {exc.strerror}") from None
        try:
            size = os.fstat(fd).st_size
            if size == 0:
                payload = (header + "\n" + line).encode("utf-8")
            else:
                if path not in self._checked:
                    self._check_header(path, header)
                payload = line.encode("utf-8")
            _write_whole(fd, payload, size, path)
            self._checked.add(path)
            return size == 0
        finally:
            os.close(fd)

    @staticmethod
    def _open(path: str) -> int:
        try:
            return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StorageError(f"{path}: cannot open for append: {exc.strerror}") from None

    @staticmethod
    def _check_header(path: str, header: str) -> None:
        with open(path, "rb") as fh:
            first = fh.readline().rstrip(b"\n").decode("utf-8", "replace")
        if first != header:
            raise StorageError(
                f"{path}:1: header differs from the G6 CSV header; move the file away or "
                "point --csv-dir at a fresh folder"
            )


def _write_whole(fd: int, payload: bytes, size: int, path: str) -> None:
    """Write all of payload or leave the file as it was."""
    view = memoryview(payload)
    written = 0
    try:
        while written < len(payload):
            n = os.write(fd, view[written:])
            if n == 0:
                raise OSError(errno.EIO, "short write")
            written += n
    except OSError as exc:
        os.ftruncate(fd, size)
        raise StorageError(
            f"{path}: row not written ({exc.strerror}); file left as it was"
        ) from None


def read_rows(path: Path) -> Iterable[list[str]]:
    """Rows of a G6 CSV file without the header (for tests and tools)."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = fh.read().split("\n")
    return [line.split(",") for line in lines[1:] if line]
