"""The CSV sink keeps a cycle's day-files open for the next cycle: never at the cost of a
row written to a file that is no longer the one at its path, a descriptor leaked, or a
failed write left half applied."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from g6runtime.storage.csv_sink import CsvSink, read_rows

from .support import OPTION_HEADER
from .test_csv_sink import NOW, option_file, option_row

ROOT = Path(__file__).resolve().parents[2]


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def minute(n: int) -> dict[str, object]:
    return {"timestamp": NOW + timedelta(minutes=n)}


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_todays_files_stay_open_yesterdays_close_and_close_releases_all(tmp_path: Path) -> None:
    before = open_fds()
    sink = CsvSink(tmp_path)
    rows = [option_row(offset) for offset in (-50, 0, 50)]
    sink.write_cycle(rows, [])
    assert open_fds() == before + 3
    sink.write_cycle([option_row(r.offset, **minute(1)) for r in rows], [])
    assert open_fds() == before + 3  # the same three, not three more
    next_day = timedelta(days=1)
    sink.write_cycle([option_row(r.offset, timestamp=NOW + next_day) for r in rows[:2]], [])
    assert open_fds() == before + 2  # yesterday's files closed, today's two open
    sink.close()
    assert open_fds() == before
    sink.write_cycle([option_row(0, timestamp=NOW + next_day + timedelta(minutes=1))], [])
    assert len(list(read_rows(option_file(tmp_path, "0", "2026-11-27")))) == 2
    del sink  # the last reference: its descriptors go with it
    assert open_fds() == before


def test_a_day_file_moved_away_gets_no_more_rows_the_new_one_at_its_path_does(
    tmp_path: Path,
) -> None:
    sink = CsvSink(tmp_path)
    sink.write_cycle([option_row(0)], [])
    path = option_file(tmp_path, "0")
    moved = path.with_name("moved.csv")
    path.rename(moved)
    path.write_bytes(moved.read_bytes())  # a copy at the path: another inode

    sink.write_cycle([option_row(0, **minute(1))], [])

    assert len(list(read_rows(moved))) == 1
    assert [r[0] for r in read_rows(path)] == [
        "2026-11-26T09:15:00+05:30",
        "2026-11-26T09:16:00+05:30",
    ]


def test_rows_another_writer_appended_between_two_cycles_are_read_again(
    tmp_path: Path,
) -> None:
    # The sink remembers the size its own append left (no fstat after the write): a file
    # of another size at the next cycle has its last row read again before deciding.
    ours, theirs = CsvSink(tmp_path), CsvSink(tmp_path)
    ours.write_cycle([option_row(0)], [])
    theirs.write_cycle([option_row(0, **minute(2))], [])  # a later row, by another writer

    stats = ours.write_cycle([option_row(0, **minute(1))], [])  # earlier than the file's last

    assert stats.rows == 0 and stats.skipped == {"out_of_order": 1}
    assert len(list(read_rows(option_file(tmp_path, "0")))) == 2
    again = ours.write_cycle([option_row(0, **minute(2))], [])  # the same as the last
    assert again.skipped == {"duplicate": 1}
    assert ours.write_cycle([option_row(0, **minute(3))], []).rows == 1


def test_a_removed_day_file_is_created_again_with_its_header(tmp_path: Path) -> None:
    sink = CsvSink(tmp_path)
    sink.write_cycle([option_row(0)], [])
    path = option_file(tmp_path, "0")
    path.unlink()

    stats = sink.write_cycle([option_row(0, **minute(1))], [])

    assert stats.rows == 1 and stats.files_created == 1
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == OPTION_HEADER and len(lines) == 2


_FAILING_CHILD = textwrap.dedent(
    """
    import resource, signal, sys
    from datetime import timedelta
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    from g6runtime.errors import StorageError
    from g6runtime.storage.csv_sink import CsvSink
    from tests.runtime.test_csv_sink import NOW, option_file, option_row

    root = Path(sys.argv[1])
    sink = CsvSink(root)
    at = lambda n: {"timestamp": NOW + timedelta(minutes=n)}
    sink.write_cycle([option_row(0, **at(0)), option_row(50, **at(0))], [])
    for n in (1, 2, 3):  # +50 grows, 0 stays one row long
        sink.write_cycle([option_row(50, **at(n))], [])
    small, large = option_file(root, "0"), option_file(root, "+50")
    before = small.read_bytes(), large.read_bytes()
    # Room for one more row in the small file only: its append goes through, the large
    # file's fails (both through the descriptors kept from the cycles before).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = (len(before[0]) + len(before[1])) // 2  # header + 2.5 rows
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    try:
        sink.write_cycle([option_row(0, **at(4)), option_row(50, **at(4))], [])
        sys.exit(3)
    except StorageError as exc:
        print(exc)
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    if (small.read_bytes(), large.read_bytes()) != before:
        sys.exit(4)  # the cycle was not rolled back as a unit
    stats = sink.write_cycle([option_row(0, **at(5)), option_row(50, **at(5))], [])
    sys.exit(0 if stats.rows == 2 else 5)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_failed_write_through_a_kept_descriptor_rolls_the_whole_cycle_back(
    tmp_path: Path,
) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _FAILING_CHILD, str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )

    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
    assert "row not written" in proc.stdout and "+50" in proc.stdout
    assert len(list(read_rows(option_file(tmp_path, "0")))) == 2
    assert len(list(read_rows(option_file(tmp_path, "+50")))) == 5
