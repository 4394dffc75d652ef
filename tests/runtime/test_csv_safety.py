"""SPEC §2 "Nothing lost silently" for the CSV tree: no duplicate or out-of-order rows,
a cycle's rows committed as a unit (a cycle cut short is rolled back by the next run),
and ``g6 integrity --csv-dir``. Real processes on real files, plus properties."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g6runtime.collectors.model import OptionRow, OverviewRow
from g6runtime.market.calendar import IST
from g6runtime.storage.csv_integrity import check_tree
from g6runtime.storage.csv_sink import CsvSink

from .support import OPTION_HEADER, OVERVIEW_HEADER, clean_env, run_g6

ROOT = Path(__file__).resolve().parents[2]
START = "2026-11-26T09:15"
NOW = datetime(2026, 11, 26, 9, 15, tzinfo=IST)
SMALL = {"indices": ["NIFTY", "SENSEX"], "strikes_per_side": 1}


def small_config(base: Path) -> Path:
    path = base / "small.json"
    path.write_text(json.dumps(SMALL), encoding="utf-8")
    return path


def simulate(base: Path, cycles: int, start: str = START) -> subprocess.CompletedProcess[str]:
    return run_g6(
        "simulate",
        "--config",
        str(small_config(base)),
        "--cycles",
        str(cycles),
        "--start",
        start,
        "--csv-dir",
        "csv",
        "--panels-dir",
        "panels",
        cwd=base,
    )


def integrity(base: Path, csv_dir: str = "csv") -> tuple[int, dict[str, object]]:
    proc = run_g6("integrity", "--panels-dir", "panels", "--csv-dir", csv_dir, "--json", cwd=base)
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout) if proc.stdout else {}
    return proc.returncode, doc


def stamps(path: Path) -> list[str]:
    return [line[:25] for line in path.read_text(encoding="utf-8").splitlines()[1:]]


def day_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.csv"))}


# --- re-running over the same interval (the "09:15 and 09:16 again") ---------------


@pytest.mark.slow
def test_simulate_twice_into_one_folder_writes_each_cycle_once(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    assert simulate(clean, 3).returncode == 0

    first = simulate(tmp_path, 2)
    assert first.returncode == 0, first.stderr
    again = simulate(tmp_path, 2)  # the same interval: nothing new
    assert again.returncode == 0, again.stderr
    more = simulate(tmp_path, 3)  # one cycle more than written: only 09:17 is appended
    assert more.returncode == 0, more.stderr

    files = day_files(tmp_path / "csv")
    assert files == day_files(clean / "csv")  # byte-identical to one uninterrupted run
    for rel in files:
        assert stamps(tmp_path / "csv" / rel) == [
            "2026-11-26T09:15:00+05:30",
            "2026-11-26T09:16:00+05:30",
            "2026-11-26T09:17:00+05:30",
        ], rel
    code, doc = integrity(tmp_path)
    assert code == 0 and doc["csv"]["ok"] is True  # type: ignore[index]


def test_rows_not_later_than_the_file_are_skipped_and_counted(tmp_path: Path) -> None:
    sink = CsvSink(tmp_path)
    sink.write_cycle(
        [option_row(NOW + timedelta(minutes=1))], [overview_row(NOW + timedelta(minutes=1))]
    )
    same = sink.write_cycle(
        [option_row(NOW + timedelta(minutes=1))], [overview_row(NOW + timedelta(minutes=1))]
    )
    earlier = CsvSink(tmp_path).write_cycle([option_row(NOW)], [overview_row(NOW)])

    assert same.rows == 0 and same.skipped == {"duplicate": 2}
    assert earlier.rows == 0 and earlier.skipped == {"out_of_order": 2}
    for path in tmp_path.rglob("*.csv"):
        assert stamps(path) == ["2026-11-26T09:16:00+05:30"]


def test_two_cycles_within_one_second_give_one_row(tmp_path: Path) -> None:
    # g6 collect with a sub-second interval: timestamps are written in whole seconds.
    sink = CsvSink(tmp_path)
    for micro in (100_000, 700_000):
        ts = NOW.replace(microsecond=micro)
        sink.write_cycle([option_row(ts)], [overview_row(ts)])
    for path in tmp_path.rglob("*.csv"):
        assert stamps(path) == ["2026-11-26T09:15:00+05:30"]


def test_an_index_whose_overview_row_is_skipped_gets_no_back_filled_option_rows(
    tmp_path: Path,
) -> None:
    later = NOW + timedelta(minutes=5)
    CsvSink(tmp_path).write_cycle([option_row(later)], [overview_row(later)])
    # An earlier cycle with a strike the tree has no file for yet: not written either.
    stats = CsvSink(tmp_path).write_cycle([option_row(NOW, 50)], [overview_row(NOW)])
    assert stats.rows == 0 and stats.skipped == {"out_of_order": 2}
    assert not (tmp_path / "NIFTY" / "this_week" / "+50").exists()


# --- a cycle cut short by SIGKILL ---------------------------------------------------------

# A writer killed by SIGKILL after `after` of the cycle's appends (a real kill mid-cycle,
# at a chosen point, so the test is deterministic; the soak does it at random moments).
_KILLED_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    import g6runtime.storage.csv_sink as sink
    from g6runtime.cli import main

    after = int(sys.argv[1])
    real, done = sink.append_to, [0]

    def append(*args, **kwargs):
        if done[0] == after:
            os.kill(os.getpid(), signal.SIGKILL)
        done[0] += 1
        return real(*args, **kwargs)

    sink.append_to = append
    sys.exit(main(sys.argv[2:]))
    """
)


def killed_simulate(base: Path, after: int, cycles: int) -> int:
    proc = subprocess.run(
        [
            *(sys.executable, "-c", _KILLED_CHILD, str(after), "simulate"),
            *("--config", str(small_config(base)), "--cycles", str(cycles), "--start", START),
            *("--csv-dir", "csv", "--panels-dir", "panels"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=base,
        env=clean_env(PYTHONPATH=str(ROOT)),
    )
    return proc.returncode


@pytest.mark.slow
def test_sigkill_mid_cycle_is_reported_then_rolled_back_by_the_next_run(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    assert simulate(clean, 3).returncode == 0
    reference = day_files(clean / "csv")
    per_cycle = sum(1 for rel in reference)  # one row per file per cycle here

    # Killed in cycle 2, after 5 of its appends: 5 files one row longer than the rest.
    assert killed_simulate(tmp_path, per_cycle + 5, 3) == -9
    longer = [
        rel
        for rel, data in day_files(tmp_path / "csv").items()
        if data.count(b"\n") == 3  # header + 2 rows
    ]
    assert len(longer) == 5

    code, doc = integrity(tmp_path)
    assert code == 1
    csv = doc["csv"]
    assert csv["ok"] is False and csv["counts"]["partial_cycle"] >= 1  # type: ignore[index]
    assert csv["pending_cycle"] == "2026-11-26T09:16:00+05:30"  # type: ignore[index]

    proc = simulate(tmp_path, 3)  # the next run rolls cycle 2 back, then writes 2 and 3
    assert proc.returncode == 0, proc.stderr
    assert "rolled back cycle 2026-11-26T09:16:00+05:30" in proc.stderr
    assert day_files(tmp_path / "csv") == reference
    assert not (tmp_path / "csv" / ".g6_csv_journal").exists()
    code, doc = integrity(tmp_path)
    assert code == 0 and doc["csv"]["ok"] is True  # type: ignore[index]


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_failed_write_mid_cycle_leaves_every_file_of_the_cycle_as_it_was(
    tmp_path: Path,
) -> None:
    sink = CsvSink(tmp_path)
    sink.write_cycle([option_row(NOW, 0)], [])
    for minute in range(1, 8):  # the +50 file grows well past the 0 file
        sink.write_cycle([option_row(NOW + timedelta(minutes=minute), 50)], [])
    before = day_files(tmp_path)
    small, big = (len(before[f"NIFTY/this_week/{o}/2026-11-26.csv"]) for o in ("0", "+50"))
    child = textwrap.dedent(
        """
        import resource, signal, sys
        from datetime import date, datetime
        from pathlib import Path
        from g6runtime.collectors.model import OptionRow
        from g6runtime.errors import StorageError
        from g6runtime.market.calendar import IST
        from g6runtime.storage.csv_sink import CsvSink

        def row(offset):
            return OptionRow(datetime(2026, 11, 26, 10, 0, tzinfo=IST), "NIFTY", "this_week",
                             date(2026, 12, 1), offset, 25362.51, 25350, 25350 + offset,
                             186.38, 154.48, 1, 2, 3, 4, 0.14, 0.14)

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), resource.RLIM_INFINITY))
        try:
            CsvSink(Path(sys.argv[1])).write_cycle([row(0), row(50)], [])
        except StorageError as exc:
            print(exc)
            sys.exit(0)
        sys.exit(3)
        """
    )
    limit = (small + 400 + big) // 2  # the 0 file's row fits, the +50 file's does not
    assert small + 300 < limit < big
    proc = subprocess.run(
        [sys.executable, "-c", child, str(tmp_path), str(limit)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert "+50/2026-11-26.csv: row not written" in proc.stdout
    assert "rolled back" in proc.stdout
    assert day_files(tmp_path) == before  # the 0 file's row of that cycle went too
    assert not (tmp_path / ".g6_csv_journal").exists()


# --- g6 integrity --csv-dir on damaged trees ----------------------------------------------


def good_tree(root: Path, cycles: int = 3) -> None:
    sink = CsvSink(root)
    for minute in range(cycles):
        ts = NOW + timedelta(minutes=minute)
        sink.write_cycle([option_row(ts, 0), option_row(ts, 50)], [overview_row(ts)])


OPTION_0 = "NIFTY/this_week/0/2026-11-26.csv"
OVERVIEW = "overview/NIFTY/2026-11-26.csv"


def _duplicate(root: Path) -> None:
    path = root / OPTION_0
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([*lines, lines[-1]]))


def _out_of_order(root: Path) -> None:
    path = root / OPTION_0
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([lines[0], lines[2], lines[1], *lines[3:]]))


def _torn(root: Path) -> None:
    path = root / OPTION_0
    data = path.read_bytes()
    path.write_bytes(data[:-40])


def _header(root: Path) -> None:
    path = root / OVERVIEW
    path.write_bytes(path.read_bytes().replace(b"pcr_this_week", b"pcr_week", 1))


def _partial(root: Path) -> None:  # what the old sink left after a kill mid-cycle
    path = root / OPTION_0
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(path.read_bytes() + lines[-1].replace(b"09:17", b"09:18"))


@pytest.mark.parametrize(
    ("damage", "kind"),
    [
        (_duplicate, "duplicate_timestamp"),
        (_out_of_order, "out_of_order"),
        (_torn, "torn_line"),
        (_header, "header_mismatch"),
        (_partial, "partial_cycle"),
    ],
)
def test_integrity_finds_each_kind_of_damage(damage: object, kind: str, tmp_path: Path) -> None:
    good_tree(tmp_path)
    assert check_tree(tmp_path).ok
    damage(tmp_path)  # type: ignore[operator]
    report = check_tree(tmp_path)
    assert not report.ok and report.exit_code == 1
    assert report.counts[kind] >= 1, report.text()
    assert kind.replace("_", " ") in report.text()


def test_integrity_cli_exit_statuses(tmp_path: Path) -> None:
    (tmp_path / "panels").mkdir()
    good_tree(tmp_path / "csv")
    missing = run_g6("integrity", "--panels-dir", "panels", "--csv-dir", "nowhere", cwd=tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    _duplicate(tmp_path / "csv")
    proc = run_g6("integrity", "--panels-dir", "panels", "--csv-dir", "csv", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "csv FAILED" in proc.stdout and "duplicate timestamp" in proc.stdout


# --- properties ----------------------------------------------------------------------------


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=12))
def test_any_sequence_of_cycles_leaves_strictly_increasing_files(
    tmp_path_factory: pytest.TempPathFactory, minutes: list[int]
) -> None:
    root = tmp_path_factory.mktemp("seq")
    sink = CsvSink(root)
    skipped = 0
    for minute in minutes:
        ts = NOW + timedelta(minutes=minute)
        skipped += sum(sink.write_cycle([option_row(ts)], [overview_row(ts)]).skipped.values())
    expected, last = [], -1
    for minute in minutes:
        if minute > last:
            expected.append(minute)
            last = minute
    for path in root.rglob("*.csv"):
        assert stamps(path) == [(NOW + timedelta(minutes=m)).isoformat() for m in expected]
    assert skipped == 2 * (len(minutes) - len(expected))
    assert check_tree(root).ok


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_a_cut_anywhere_inside_a_line_is_never_ok(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    root = tmp_path_factory.mktemp("cut")
    good_tree(root)
    rel = data.draw(st.sampled_from([OPTION_0, OVERVIEW]))
    blob = (root / rel).read_bytes()
    cut = data.draw(st.integers(min_value=1, max_value=len(blob) - 1))
    if blob[cut - 1 : cut] == b"\n":
        cut -= 1  # keep the cut inside a line
    (root / rel).write_bytes(blob[:cut])
    assert not check_tree(root).ok


# --- helpers -------------------------------------------------------------------------------


def option_row(ts: datetime, offset: int = 0) -> OptionRow:
    return OptionRow(
        ts,
        "NIFTY",
        "this_week",
        date(2026, 12, 1),
        offset,
        25_362.51,
        25_350,
        25_350 + offset,
        186.38,
        154.48,
        1,
        2,
        3,
        4,
        0.14,
        0.14,
    )


def overview_row(ts: datetime) -> OverviewRow:
    return OverviewRow(ts, "NIFTY", 25_362.51, 25_350, {"this_week": 0.9}, 1, 1)


def test_headers_are_the_spec_headers() -> None:  # the tree checker pins the same contract
    from g6runtime.storage import csv_integrity

    expected = {"option": OPTION_HEADER.encode(), "overview": OVERVIEW_HEADER.encode()}
    assert expected == csv_integrity._HEADERS
