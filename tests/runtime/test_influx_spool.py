"""The Influx spool as a safety rule (issue 13): whatever sequence of appends, sends, failures
and restarts, every batch is sent exactly once in order or is still spooled, never torn."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g6runtime.errors import StorageError
from g6runtime.influx.sink import batches
from g6runtime.influx.spool import Spool

ops = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(1, 40)),
        st.tuples(st.just("send"), st.integers(1, 100)),
        st.tuples(st.just("fail"), st.just(0)),
        st.tuples(st.just("restart"), st.just(0)),
        st.tuples(st.just("crash_mid_append"), st.just(0)),
    ),
    max_size=40,
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=ops)
def test_batches_leave_in_order_exactly_once_or_stay_spooled(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, int]]
) -> None:
    folder = tmp_path_factory.mktemp("spool")
    spool = Spool(folder, max_bytes=2000)
    spool.open()
    appended: list[bytes] = []
    sent: list[bytes] = []
    n = 0
    for op, arg in steps:
        if op == "append":
            n += 1
            body = f"m v={n}i {n}\n".encode() * arg
            if spool.append(body, arg) is not None:
                appended.append(body)
        elif op == "send":
            batch = spool.take(arg)
            sent.extend(spool.read(s) for s in batch)
            spool.remove(batch)
        elif op == "fail":
            for segment in spool.pending():
                spool.make_durable(segment)
        elif op == "restart":
            spool.close()
            spool = Spool(folder, max_bytes=2000)
            spool.open()
        else:  # a process killed while writing: a temporary file, never renamed
            (folder / "0000000000000999-000000001.lp.tmp").write_bytes(b"half a li")
            spool.close()
            spool = Spool(folder, max_bytes=2000)
            spool.open()
            assert not list(folder.glob("*.tmp"))
        assert spool.bytes <= 2000
        assert spool.points == sum(s.points for s in spool.pending())
    left = [spool.read(s) for s in spool.pending()]
    assert sent + left == appended  # nothing lost, nothing twice, the order kept
    spool.close()


def test_take_groups_the_oldest_segments_up_to_the_batch_size(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=10_000)
    spool.open()
    for points in (3, 3, 3, 10):
        spool.append(b"x\n" * points, points)
    assert [s.points for s in spool.take(7)] == [3, 3]
    assert [s.points for s in spool.take(2)] == [3]  # at least one, even when over
    spool.remove(spool.take(9))
    assert [s.points for s in spool.pending()] == [10]
    spool.close()


def test_one_process_per_spool_folder(tmp_path: Path) -> None:
    first = Spool(tmp_path, max_bytes=100)
    first.open()
    second = Spool(tmp_path, max_bytes=100)
    with pytest.raises(StorageError, match="another g6 process is using this Influx spool"):
        second.open()
    first.close()
    second.open()
    second.close()


def test_a_full_spool_refuses_whole_batches(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=10)
    spool.open()
    assert spool.append(b"12345\n", 1) is not None
    assert spool.append(b"123456\n", 1) is None  # would not fit: refused, not truncated
    assert spool.append(b"123\n", 1) is not None
    assert [p.read_bytes() for p in sorted(tmp_path.glob("*.lp"))] == [b"12345\n", b"123\n"]
    spool.close()


def test_an_unwritable_spool_is_a_storage_error(tmp_path: Path) -> None:
    blocked = tmp_path / "spool"
    blocked.write_text("a file where the spool folder should be")
    with pytest.raises(StorageError, match="cannot open the Influx spool"):
        Spool(blocked, 100).open()
    folder = tmp_path / "ok"
    spool = Spool(folder, 100)
    spool.open()
    if os.geteuid() != 0:  # root writes into read-only folders
        folder.chmod(0o500)
        with pytest.raises(StorageError, match="cannot spool Influx points"):
            spool.append(b"x\n", 1)
        folder.chmod(0o700)
    spool.close()


def test_concurrent_appends_and_sends_keep_every_batch(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=10**9)
    spool.open()
    sent: list[bytes] = []
    done = threading.Event()

    def sender() -> None:
        while not done.is_set() or spool.pending():
            batch = spool.take(50)
            sent.extend(spool.read(s) for s in batch)
            spool.remove(batch)

    thread = threading.Thread(target=sender)
    thread.start()
    bodies = [f"m v={i}i {i}\n".encode() for i in range(500)]
    for body in bodies:
        spool.append(body, 1)
    done.set()
    thread.join(10)
    assert sent == bodies
    spool.close()


def test_batches_split_at_batch_points() -> None:
    chunks = list(batches([f"2026-11-26T09:15:00+05:30,{i}\n" for i in range(7)], 3))
    assert [n for _, n in chunks] == [3, 3, 1]
    assert chunks[2][0] == b"2026-11-26T09:15:00+05:30,6\n"
    assert b"".join(body for body, _ in chunks).count(b"\n") == 7


def test_csv_and_line_protocol_segments_survive_a_restart_in_order(tmp_path: Path) -> None:
    # An earlier version's .lp segments are replayed as they are, before the new .csv ones.
    spool = Spool(tmp_path, max_bytes=10_000)
    spool.open()
    spool.append(b"m v=1i 1\n", 1)
    spool.append(b"a,b\n", 1, "csv")
    with pytest.raises(ValueError, match="one of"):
        spool.append(b"x", 1, "json")
    spool.close()
    again = Spool(tmp_path, max_bytes=10_000)
    again.open()
    assert [(s.kind, s.points, spool.read(s)) for s in again.pending()] == [
        ("lp", 1, b"m v=1i 1\n"),
        ("csv", 1, b"a,b\n"),
    ]
    again.close()


@pytest.mark.parametrize("durable", [False, True])
def test_a_converted_segment_keeps_its_place_and_a_cut_short_conversion_keeps_one(
    tmp_path: Path, durable: bool
) -> None:
    spool = Spool(tmp_path, max_bytes=100)
    spool.open()
    first = spool.append(b"a,b\n" * 10, 10, "csv")  # 40 bytes
    second = spool.append(b"c,d\n", 1, "csv")
    assert first is not None and second is not None
    if durable:
        spool.make_durable(first)
    converted = spool.convert(first, b"GZ", "gz")
    assert [(s.sequence, s.kind) for s in spool.pending()] == [(1, "gz"), (2, "csv")]
    assert converted.size == 40 and spool.bytes == 44  # counted as spooled: no room made
    assert not first.path.exists() and converted.path.read_bytes() == b"GZ"
    spool.close()
    # a crash between writing the converted file and removing the CSV one: both exist
    second.path.with_name(second.path.name.replace(".csv", ".gz")).write_bytes(b"G2")
    again = Spool(tmp_path, max_bytes=100)
    again.open()
    assert [(s.sequence, s.kind, again.read(s)) for s in again.pending()] == [
        (1, "gz", b"GZ"),
        (2, "gz", b"G2"),
    ]
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".csv") == []
    again.close()
