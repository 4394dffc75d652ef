"""``g6 summary``: 80 columns, colour only on a terminal, bad panels shown, --json, --watch."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g6runtime.cli import main
from g6runtime.cli.summary import watch
from g6runtime.panels.envelope import PANEL_NAMES
from g6runtime.panels.reader import PanelRead, parse_panel, read_panels
from g6runtime.panels.summary import fit, frame, render

from .test_panels_support import START, run_cycles

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
GOLDEN = Path(__file__).parent / "golden"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("summary")
    run_cycles(base, 2)
    return base / "panels"


@pytest.fixture
def panels(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "panels"))


pytestmark = pytest.mark.usefixtures("isolated")


def summary(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["summary", *args])
    out, err = capsys.readouterr()
    return status, out, err


def visible(text: str) -> list[str]:
    return ANSI.sub("", text).splitlines()


def test_shows_every_panel_in_80_columns_without_colour_off_a_tty(
    capsys: pytest.CaptureFixture[str], panels: Path
) -> None:
    status, out, err = summary(capsys, "--panels-dir", str(panels))
    assert status == 0 and err == "" and "\x1b" not in out
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].startswith("G6 panels") and "cycle 2" in lines[0]
    assert "2026-11-26T09:16:00+05:30" in lines[0]
    assert lines[1].startswith("INTEGRITY  ok: 5 panels match manifest cycle 2")
    for name in PANEL_NAMES:
        assert any(line.startswith(name.upper()) for line in lines), name
    for index in ("NIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX"):
        assert sum(line.split()[:1] == [index] for line in lines) == 2  # indices + analytics


def test_colour_only_on_a_terminal(panels: Path) -> None:
    tty, plain = Tty(), io.StringIO()
    watch(panels, None, False, 1, tty, frames=1)
    watch(panels, None, False, 1, plain, frames=1)
    assert "\x1b[32m" in tty.getvalue() and "\x1b" not in plain.getvalue()
    assert visible(tty.getvalue()) == visible(plain.getvalue())
    assert all(len(line) <= 80 for line in visible(tty.getvalue()))


def test_long_lines_are_cut_to_80_columns(panels: Path, tmp_path: Path) -> None:
    deep = tmp_path / ("x" * 120)
    shutil.copytree(panels, deep)
    out = Tty()
    watch(deep, None, False, 1, out, frames=1)
    lines = visible(out.getvalue())
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].endswith("…")


def test_missing_and_invalid_panels_are_shown_not_a_crash(
    capsys: pytest.CaptureFixture[str], panels: Path
) -> None:
    (panels / "analytics.json").unlink()
    (panels / "storage.json").write_text('{"schema_version": 1, "panel": "storage"')
    doc = json.loads((panels / "indices.json").read_bytes())
    doc["data"]["indices"]["NIFTY"]["status"] = "great"
    (panels / "indices.json").write_text(json.dumps(doc))
    status, out, err = summary(capsys, "--panels-dir", str(panels))
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert any(line.startswith("ANALYTICS  MISSING") for line in lines)
    assert any(line.startswith("STORAGE    INVALID invalid JSON") for line in lines)
    assert any(line.startswith("INDICES    INVALID data/indices/NIFTY/status") for line in lines)
    assert lines[1].startswith("INTEGRITY  FAILED")
    assert all(len(line) <= 80 for line in lines)


def test_a_missing_folder_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    # issue 12: `g6 summary --panels-dir /nonexistent` exited 0 with a frame of MISSING panels
    for args in ([], ["--json"], ["--watch", "0.01"]):
        status, out, err = summary(capsys, "--panels-dir", "nowhere", *args)
        assert status == 2 and out == ""
        assert err == (
            "g6: panels folder nowhere does not exist; run g6 simulate or g6 collect first, "
            "or pass --panels-dir\n"
        )


def test_an_empty_folder_shows_every_panel_missing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, _ = summary(capsys, "--panels-dir", str(tmp_path))
    assert status == 0
    assert out.count("MISSING") == len(PANEL_NAMES)


def test_a_failed_index_renders_with_dashes(tmp_path: Path) -> None:
    from g6runtime.providers.faults import FaultPlan, FaultRule
    from g6runtime.providers.synthetic import SyntheticMarket

    rt, _ = run_cycles(tmp_path, 1)
    rt.provider = SyntheticMarket(
        rt.settings.seed, FaultPlan((FaultRule("error", index="SENSEX"),))
    )
    rt.cycle(2, START)
    out = io.StringIO()
    watch(tmp_path / "panels", None, False, 1, out, frames=1)
    lines = out.getvalue().splitlines()
    assert lines[3].startswith("SYSTEM     FAILED") is False  # other indices were collected
    assert any(re.fullmatch(r" +SENSEX +- +- +0/4 +- +- +failed", line) for line in lines), lines
    assert any(re.search(r"provider \d+ calls.* [1-9]\d* failures", line) for line in lines)


def test_an_n_minus_1_panel_and_panels_of_other_cycles_are_flagged(panels: Path) -> None:
    shutil.copy(GOLDEN / "panel_v0_indices.json", panels / "indices.json")
    out = io.StringIO()
    watch(panels, None, False, 1, out, frames=1)
    text = out.getvalue()
    assert "(schema version 0, upgraded)" in text
    assert text.count("! this panel is of cycle 2, the newest of 7") == 4
    assert "cycle 7" in text.splitlines()[0]
    assert all(len(line) <= 80 for line in text.splitlines())


def test_json_prints_the_merged_panels(capsys: pytest.CaptureFixture[str], panels: Path) -> None:
    (panels / "storage.json").unlink()
    status, out, _ = summary(capsys, "--panels-dir", str(panels), "--json")
    doc = json.loads(out)
    assert status == 0 and doc["panels_dir"] == str(panels)
    assert list(doc["panels"]) == list(PANEL_NAMES)
    system = doc["panels"]["system"]
    assert system["status"] == "ok" and system["cycle"] == 2 and system["panel"] == "system"
    assert system["data"] == json.loads((panels / "system.json").read_bytes())["data"]
    assert doc["panels"]["storage"]["status"] == "missing"
    assert doc["integrity"]["result"] == "failed"


def test_watch_refreshes_until_interrupted(panels: Path) -> None:
    naps: list[float] = []
    out = Tty()
    assert watch(panels, None, False, 0.5, out, frames=3, sleep=naps.append) == 0
    assert naps == [0.5, 0.5] and out.getvalue().count("\x1b[H\x1b[2J") == 3

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    out = Tty()
    assert watch(panels, None, True, 1, out, sleep=interrupt) == 0
    (frame,) = out.getvalue().replace("\x1b[H\x1b[2J", "").splitlines()
    assert json.loads(frame)["panels"]["system"]["status"] == "ok"


def test_watch_needs_a_positive_interval(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = summary(capsys, "--watch", "0")
    assert status == 2 and out == "" and err.count("\n") == 1 and "--watch" in err


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_in_a_real_80_column_terminal(panels: Path, tmp_path: Path) -> None:
    session = f"g6-summary-{os.getpid()}"
    command = f"{sys.executable} -m g6runtime summary --panels-dir {panels}; sleep 30"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "30", command],
        check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith(("G6_", "TMUX"))},
    )
    try:
        deadline = time.monotonic() + 20
        screen = ""
        while "STORAGE" not in screen and time.monotonic() < deadline:
            time.sleep(0.1)
            screen = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
            ).stdout
        coloured = subprocess.run(
            ["tmux", "capture-pane", "-p", "-e", "-t", session], capture_output=True, text=True
        ).stdout
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)
    lines = screen.splitlines()
    assert lines[0].startswith("G6 panels") and "STORAGE" in screen, screen
    assert all(len(line) <= 80 for line in lines)
    assert "\x1b[" in coloured  # a terminal: colour


def leaves(doc: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    if isinstance(doc, dict):
        return [p for k, v in doc.items() for p in leaves(v, (*path, k))] or [path]
    if isinstance(doc, list):
        return [p for i, v in enumerate(doc) for p in leaves(v, (*path, i))] or [path]
    return [path]


JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=200),
    st.just([]),
    st.just({}),
)


@pytest.fixture(scope="module")
def reads(template: Path) -> dict[str, PanelRead]:
    return read_panels(template)


def test_an_integral_float_where_an_integer_is_expected_still_renders(
    template: Path, reads: dict[str, PanelRead]
) -> None:
    doc = json.loads(json.dumps(reads["indices"].document))
    doc["data"]["indices"]["NIFTY"]["atm"] = 25350.0  # JSON Schema: an integer
    read = parse_panel(json.dumps(doc).encode(), "indices")
    assert read.status == "ok"
    text = render(frame(template, {**reads, "indices": read}, (None, "-")), color=False)
    assert "25350.0" in text


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_panel_that_passes_the_schema_renders_in_80_columns(
    template: Path, reads: dict[str, PanelRead], data: st.DataObject
) -> None:
    """Change one value anywhere: the panel is shown (or shown as invalid), never a crash."""
    name = data.draw(st.sampled_from(PANEL_NAMES))
    doc = json.loads(json.dumps(reads[name].document))
    path = data.draw(st.sampled_from(leaves(doc["data"])))
    target = doc["data"]
    for key in path[:-1]:
        target = target[key]
    if path:
        target[path[-1]] = data.draw(JSON_VALUES)
    read = parse_panel(json.dumps(doc).encode(), name)
    lines = frame(template, {**reads, name: read}, (None, "not checked"))
    text = render(lines, color=True)
    assert all(len(line) <= 80 for line in visible(text))


@given(
    parts=st.lists(
        st.tuples(
            st.text(st.characters(blacklist_categories=["Cc"]), max_size=40),
            st.sampled_from(["", "ok", "bad"]),
        ),
        max_size=6,
    ),
    width=st.integers(1, 100),
)
def test_fit_never_exceeds_the_width_and_keeps_what_fits(
    parts: list[tuple[str, str]], width: int
) -> None:
    out = fit(parts, width)
    text, original = "".join(t for t, _ in out), "".join(t for t, _ in parts)
    assert len(text) <= width
    assert text == original if len(original) <= width else text == original[: width - 1] + "…"


def test_control_characters_from_a_panel_never_reach_the_terminal(panels: Path) -> None:
    doc = json.loads((panels / "storage.json").read_bytes())
    doc["data"].update(ok=False, error="disk\x1b[2J full\nnext line\r\x07")
    (panels / "storage.json").write_text(json.dumps(doc))
    out = Tty()
    watch(panels, None, False, 1, out, frames=1)
    (line,) = [x for x in visible(out.getvalue()) if x.startswith("STORAGE")]
    assert "ERROR disk?[2J full?next line??" in line
    assert "\x1b[2J" not in out.getvalue().replace("\x1b[H\x1b[2J", "", 1)
