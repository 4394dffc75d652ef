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
from pathlib import Path

from ..collectors.model import EXPIRY_TAGS, OptionRow, OverviewRow
from ..errors import StorageError
from ..market.calendar import IST

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


def fmt(value: float | None, places: int) -> str:
    """Fixed-point text, or an empty cell for a value that could not be computed."""
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return ""
    text = f"{value:.{places}f}"
    return "0." + "0" * places if text == "-0." + "0" * places else text


def fmt_offset(offset: int) -> str:
    return f"+{offset}" if offset > 0 else str(offset)


def option_line(row: OptionRow) -> str:
    # tp from the two cells as written (2 places), so tp == ce + pe holds in the file.
    tp = None if row.ce is None or row.pe is None else round(row.ce, 2) + round(row.pe, 2)
    cells = [
        row.timestamp.astimezone(IST).isoformat(timespec="seconds"),
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
    for name in ("delta", "gamma", "theta", "vega", "rho"):
        cells.append(fmt(getattr(row, f"ce_{name}"), 6))
        cells.append(fmt(getattr(row, f"pe_{name}"), 6))
    return ",".join(cells) + "\n"


def overview_line(row: OverviewRow) -> str:
    cells = [
        row.timestamp.astimezone(IST).isoformat(timespec="seconds"),
        row.index,
        fmt(row.index_price, 2),
        str(row.atm),
        *(fmt(row.pcr.get(tag), 4) for tag in EXPIRY_TAGS),
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
        self._checked: set[Path] = set()

    def write_cycle(
        self, options: Sequence[OptionRow], overview: Sequence[OverviewRow]
    ) -> WriteStats:
        stats = WriteStats()
        for row in options:
            created = self._append(option_path(self.root, row), OPTION_HEADER, option_line(row))
            stats.count(row.index, created)
        for orow in overview:
            created = self._append(
                overview_path(self.root, orow), OVERVIEW_HEADER, overview_line(orow)
            )
            stats.count(orow.index, created)
        stats.rows = sum(stats.rows_by_index.values())
        stats.files_created = sum(stats.files_by_index.values())
        return stats

    def _append(self, path: Path, header: str, line: str) -> bool:
        """Append ``line`` (with the header when the file is new); True when it was created."""
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except FileNotFoundError:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"{path.parent}: cannot create folder: {exc.strerror or exc}"
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
    def _open(path: Path) -> int:
        try:
            return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StorageError(f"{path}: cannot open for append: {exc.strerror}") from None

    @staticmethod
    def _check_header(path: Path, header: str) -> None:
        with path.open("rb") as fh:
            first = fh.readline().rstrip(b"\n").decode("utf-8", "replace")
        if first != header:
            raise StorageError(
                f"{path}:1: header differs from the G6 CSV header; move the file away or "
                "point --csv-dir at a fresh folder"
            )


def _write_whole(fd: int, payload: bytes, size: int, path: Path) -> None:
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
