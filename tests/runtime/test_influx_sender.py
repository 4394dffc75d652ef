"""The sink spools a cycle's CSV lines; its sender builds their points (issue 13).

The points built from a spooled segment are each CSV line's point, with the line's own
second; a segment that is not G6 CSV is a storage error (set aside, never posted half).
The sender converts each CSV segment into a gzip member of its points before posting
anything (so a backlog is posted as it is) and posts an earlier version's line-protocol
segments too, in order.
"""

from __future__ import annotations

import socket
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from g6runtime.config import Settings
from g6runtime.errors import StorageError
from g6runtime.influx.client import InfluxClient
from g6runtime.influx.points import option_point, overview_point, spooled_points
from g6runtime.influx.sink import Sender, batches, segment_body
from g6runtime.influx.spool import Spool
from g6runtime.market.calendar import IST
from g6runtime.metrics.registry import exposition
from g6runtime.runner import Runtime, build_metrics
from g6runtime.storage.csv_format import CycleLines, cycle_lines

from .influx_server import InfluxServer

START = datetime(2026, 11, 26, 9, 15, tzinfo=IST)


def cycles(tmp_path: Path, n: int) -> list[CycleLines]:
    rt = Runtime.from_settings(replace(Settings(), csv_dir=tmp_path / "csv"), outputs=())
    out = [rt.cycle(i + 1, START + timedelta(minutes=i)) for i in range(n)]
    return [cycle_lines(o.options, o.overview) for o in out]


def fresh_database(influx: InfluxServer) -> tuple[str, InfluxClient]:
    db = f"t{uuid.uuid4().hex[:12]}"
    client = InfluxClient(influx.url, db, None, None, 10.0)
    client.create_database()
    return db, client


def spool_csv(spool: Spool, lines: CycleLines, size: int) -> None:
    for body, count in batches((*lines.options, *lines.overview), size):
        assert spool.append(body, count, "csv") is not None


def seconds(line: str) -> int:
    return int(datetime.fromisoformat(line.split(",", 1)[0]).timestamp())


def test_spooled_points_are_each_lines_point_with_its_own_second(tmp_path: Path) -> None:
    two = cycles(tmp_path, 2)
    # a row whose IV failed: empty cells, written cell by cell
    odd = two[0].options[3].split(",")
    odd[15:] = [""] * 11 + ["\n"]
    first = (*two[0].options[:3], ",".join(odd), *two[0].options[4:])
    lines = [*first, *two[0].overview, *two[1].options, *two[1].overview]
    expected = [
        overview_point(x, seconds(x)) if x.count(",") == 12 else option_point(x, seconds(x))
        for x in lines
    ]
    got = spooled_points("".join(lines))
    assert got == expected and len(got) == 2 * (252 + 4)
    assert got[0].endswith(f" {seconds(lines[0])}") and got[-1].endswith(f" {seconds(lines[-1])}")
    assert seconds(lines[-1]) - seconds(lines[0]) == 60
    assert "ce_iv" not in got[3] and "ce_iv=" in got[2]


def test_a_segment_that_is_not_g6_csv_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="3 cells"):
        spooled_points("a,b,c\n")
    spool = Spool(tmp_path, 10_000)
    spool.open()
    bad = spool.append(b"not,a,row\n", 1, "csv")
    undecodable = spool.append(b"\xff\xfe\n", 1, "csv")
    assert bad is not None and undecodable is not None
    for segment in (bad, undecodable):
        with pytest.raises(StorageError, match="not a segment of G6 CSV lines"):
            segment_body(spool, segment)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    for torn in (b"\x1f\x8b\x08\x00garbage", b"not gzip", header + b"\xff" * 4 + bytes(8)):
        segment = spool.append(torn, 1, "gz")
        assert segment is not None
        with pytest.raises(StorageError, match="not a gzip segment"):
            segment_body(spool, segment)
    spool.close()


@pytest.mark.slow
def test_the_sender_posts_old_and_new_segments_in_one_gzip_body(
    tmp_path: Path, influx: InfluxServer
) -> None:
    db, client = fresh_database(influx)
    four = cycles(tmp_path, 4)
    spool = Spool(tmp_path / "spool", 10**8)
    spool.open()
    old = "".join(f"{p}\n" for p in spooled_points("".join((*four[0].options, *four[0].overview))))
    assert spool.append(old.encode(), 256, "lp") is not None  # an earlier version's segment
    for lines in four[1:]:
        spool_csv(spool, lines, 256)
    sender = Sender(client, spool, build_metrics(Settings()), batch_points=1024)
    sender.start()
    sender.stop(drain_seconds=30.0)
    assert spool.pending() == [] and sender.state == "ok"
    assert influx.count("g6_option", db) == 4 * 252 and influx.count("g6_overview", db) == 16
    spool.close()
    client.close()


@pytest.mark.slow
def test_a_segment_that_is_not_g6_csv_is_set_aside_and_the_rest_is_posted(
    tmp_path: Path, influx: InfluxServer
) -> None:
    db, client = fresh_database(influx)
    (lines,) = cycles(tmp_path, 1)
    spool = Spool(tmp_path / "spool", 10**8)
    spool.open()
    assert spool.append(b"a torn,line\n", 1, "csv") is not None
    spool_csv(spool, lines, 5000)
    metrics = build_metrics(Settings())
    sender = Sender(client, spool, metrics, batch_points=1)  # one segment per request
    sender.start()
    sender.stop(drain_seconds=30.0)
    assert spool.pending() == []
    assert [p.name for p in (tmp_path / "spool" / "rejected").iterdir()] == [
        "0000000000000001-000000001.csv"
    ]
    assert influx.count("g6_option", db) == 252 and influx.count("g6_overview", db) == 4
    text = exposition(metrics).decode()
    assert 'g6_influx_points_dropped_total{reason="rejected"} 1.0' in text
    spool.close()
    client.close()


def test_the_sender_converts_new_segments_while_the_server_is_down(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    (lines,) = cycles(tmp_path, 1)
    text = "".join((*lines.options, *lines.overview))
    spool = Spool(tmp_path / "spool", 10**8)
    spool.open()
    assert spool.append(text.encode(), 256, "csv") is not None
    client = InfluxClient(url, "g6", None, None, 1.0)
    sender = Sender(client, spool, build_metrics(Settings()), batch_points=5000)
    sender.start()
    deadline = time.monotonic() + 10
    while spool.pending()[0].kind != "gz" and time.monotonic() < deadline:
        time.sleep(0.01)
    sender.stop(drain_seconds=0.0)
    (segment,) = spool.pending()
    assert segment.kind == "gz" and segment.path.name == "0000000000000001-000000256.gz"
    assert segment_body(spool, segment).decode() == "".join(f"{p}\n" for p in spooled_points(text))
    assert sender.state == "retrying"
    spool.close()
    client.close()
