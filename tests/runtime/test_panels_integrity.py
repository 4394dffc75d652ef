"""``g6 integrity``: statuses, severities, exit codes, tampering, the in-flight protocol, metrics."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g6runtime.cli import main
from g6runtime.errors import IntegrityError
from g6runtime.metrics.registry import exposition
from g6runtime.panels import manifest as mf
from g6runtime.panels.envelope import PANEL_NAMES, encode
from g6runtime.panels.integrity import check_and_record, verify
from g6runtime.panels.report import SEVERITY
from g6runtime.panels.writer import PanelWriter

from .test_panels_support import START_ISO, env, flip, g6, run_cycles

KEY = b"integrity-test-key"
FILES = [f"{n}.json" for n in PANEL_NAMES]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two panel folders of 2 real cycles each: unsigned and signed with KEY."""
    base = tmp_path_factory.mktemp("integrity")
    run_cycles(base / "u", 2)
    run_cycles(base / "s", 2, KEY)
    return base / "u" / "panels", base / "s" / "panels"


@pytest.fixture
def unsigned(template: tuple[Path, Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(template[0], tmp_path / "unsigned"))


@pytest.fixture
def signed(template: tuple[Path, Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(template[1], tmp_path / "signed"))


pytestmark = pytest.mark.usefixtures("isolated")


def statuses(folder: Path, key: bytes | None = None) -> dict[str, str]:
    return {f.file: f.status for f in verify(folder, key, settle=0).files}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def rewrite(folder: Path, name: str, **changes: object) -> None:
    doc = json.loads((folder / name).read_bytes())
    doc.update(changes)
    (folder / name).write_bytes(encode(doc))


# --- verdicts -----------------------------------------------------------------------------


def test_clean_folder_is_ok(unsigned: Path, signed: Path) -> None:
    report = verify(unsigned, None)
    assert report.ok and report.exit_code == 0 and report.result == "ok" and report.passes == 1
    assert report.manifest_cycle == 2 and report.generated_at == "2026-11-26T09:16:00+05:30"
    assert {f.file: f.status for f in report.files} == dict.fromkeys(
        ["manifest.json", *FILES], "ok"
    )
    assert all(f.severity == "info" for f in report.files)
    assert verify(signed, KEY).ok


def test_signed_manifest_without_a_key_is_ok_but_not_verified(signed: Path) -> None:
    report = verify(signed, None)
    assert report.ok and report.exit_code == 0
    (sig,) = [f for f in report.files if f.file == "manifest.json"]
    assert sig.status == "signature_not_verified" and sig.severity == "warn"
    assert "signature not verified" in report.headline()


@pytest.mark.parametrize(
    ("folder_key", "check_key", "status"),
    [("signed", b"wrong", "bad_signature"), ("unsigned", KEY, "unsigned")],
)
def test_signature_problems_are_critical(
    unsigned: Path, signed: Path, folder_key: str, check_key: bytes, status: str
) -> None:
    folder = signed if folder_key == "signed" else unsigned
    report = verify(folder, check_key, settle=0)
    assert report.exit_code == 1
    (sig,) = [f for f in report.files if f.file == "manifest.json"]
    assert sig.status == status and sig.severity == "critical"


def test_a_changed_panel_of_the_same_cycle_is_a_mismatch(signed: Path) -> None:
    rewrite(signed, "indices.json", generated_at="2026-11-26T09:16:01+05:30")
    start = time.monotonic()
    report = verify(signed, KEY)  # default settle: no wait, nothing is in flight
    assert time.monotonic() - start < 1.0
    assert statuses(signed, KEY)["indices.json"] == "mismatch"
    assert report.exit_code == 1 and report.result == "failed"
    assert "indices.json mismatch" in report.headline()


def test_missing_unlisted_unreadable_and_manifest_problems(unsigned: Path) -> None:
    (unsigned / "storage.json").unlink()
    (unsigned / "extra.json").write_text("{}")
    (unsigned / ".hidden.json").write_text("{}")  # hidden: not a panel, never reported
    (unsigned / ".system.json.k3j4.tmp").write_text("{")  # a temp file: ignored
    (unsigned / "analytics.json").unlink()
    (unsigned / "analytics.json").symlink_to(unsigned / "system.json")
    got = statuses(unsigned)
    assert got == {
        "manifest.json": "ok",
        "analytics.json": "unreadable",
        "indices.json": "ok",
        "resilience.json": "ok",
        "storage.json": "missing",
        "system.json": "ok",
        "extra.json": "unlisted",
    }
    report = verify(unsigned, None, settle=0)
    assert {f.file: f.severity for f in report.files if f.status != "ok"} == {
        "analytics.json": "critical",
        "storage.json": "critical",
        "extra.json": "warn",
    }
    assert report.exit_code == 1

    os.replace(unsigned / "manifest.json", unsigned / "elsewhere")
    (unsigned / "manifest.json").symlink_to(unsigned / "elsewhere")
    assert statuses(unsigned) == {"manifest.json": "unreadable"}
    (unsigned / "manifest.json").unlink()
    (unsigned / "manifest.json").write_text("{}")
    assert statuses(unsigned) == {"manifest.json": "invalid"}
    (unsigned / "manifest.json").unlink()
    assert statuses(unsigned) == {"manifest.json": "missing"}
    assert verify(unsigned, None, settle=0).exit_code == 1


def test_an_unreadable_folder_is_an_error_not_a_verdict(tmp_path: Path) -> None:
    with pytest.raises(IntegrityError, match="does not exist"):
        verify(tmp_path / "nope", None)
    (tmp_path / "file").write_text("x")
    with pytest.raises(IntegrityError, match="cannot open panels folder"):
        verify(tmp_path / "file", None)


def test_every_status_has_a_severity() -> None:
    assert set(SEVERITY.values()) == {"info", "warn", "critical"}


# --- tampering with any byte -------------------------------------------------------------

TAMPER = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@TAMPER
@given(
    panel=st.sampled_from(FILES),
    position=st.integers(min_value=0, max_value=1 << 20),
    xor=st.integers(1, 255),
)
def test_any_changed_byte_of_any_panel_fails(
    template: tuple[Path, Path], panel: str, position: int, xor: int
) -> None:
    for folder, key in ((template[0], None), (template[1], KEY)):
        original = flip(folder / panel, position, xor)
        try:
            report = verify(folder, key, settle=0)
        finally:
            (folder / panel).write_bytes(original)
        assert not report.ok and report.exit_code == 1
        (bad,) = [f for f in report.files if f.status not in ("ok", "signature_not_verified")]
        assert bad.file == panel and bad.status in ("mismatch", "incomplete")


@TAMPER
@given(position=st.integers(min_value=0, max_value=1 << 20), xor=st.integers(1, 255))
def test_any_changed_byte_of_a_signed_manifest_fails(
    template: tuple[Path, Path], position: int, xor: int
) -> None:
    path = template[1] / "manifest.json"
    original = flip(path, position, xor)
    try:
        report = verify(template[1], KEY, settle=0)
    finally:
        path.write_bytes(original)
    assert not report.ok and report.exit_code == 1


def test_replaying_another_signed_manifest_with_other_panels_fails(signed: Path) -> None:
    older = mf.parse((signed / "manifest.json").read_bytes())
    run_cycles(signed.parent / "again", 3, KEY)  # a later cycle, same key
    shutil.copy(signed.parent / "again" / "panels" / "manifest.json", signed / "manifest.json")
    report = verify(signed, KEY, settle=0)
    assert report.manifest_cycle == 3 != older.cycle
    assert {f.status for f in report.files if f.file != "manifest.json"} == {"incomplete"}
    assert report.exit_code == 1


# --- the in-flight protocol ---------------------------------------------------------------


def half_written_cycle(folder: Path, key: bytes | None = None) -> PanelWriter:
    """Panels of the next cycle on disk, the manifest still of the last: a writer mid-cycle."""
    w = PanelWriter(folder, key)
    doc = json.loads((folder / "system.json").read_bytes())
    (folder / "system.json.new").write_bytes(encode({**doc, "cycle": doc["cycle"] + 1}))
    os.replace(folder / "system.json.new", folder / "system.json")
    return w


def test_a_cycle_in_progress_is_named_incomplete_not_mismatch(unsigned: Path) -> None:
    half_written_cycle(unsigned)
    report = verify(unsigned, None, settle=0)
    assert report.result == "incomplete" and report.incomplete_cycle == 3
    assert report.exit_code == 1
    (f,) = [f for f in report.files if f.status != "ok"]
    assert f.file == "system.json" and f.severity == "warn" and "cycle 3" in f.detail
    assert "INCOMPLETE cycle 3" in report.headline()


def test_verify_waits_for_the_writer_to_finish_its_cycle(unsigned: Path) -> None:
    w = half_written_cycle(unsigned)

    def finish() -> None:
        time.sleep(0.15)
        panels = {n: json.loads((unsigned / f"{n}.json").read_bytes())["data"] for n in PANEL_NAMES}
        w.write(3, "2026-11-26T09:17:00+05:30", panels)

    t = threading.Thread(target=finish)
    t.start()
    report = verify(unsigned, None, settle=5)
    t.join()
    assert report.ok and report.manifest_cycle == 3 and report.passes >= 2


def test_the_wait_is_bounded_by_the_age_of_the_in_flight_files(unsigned: Path) -> None:
    half_written_cycle(unsigned)
    hour_ago = time.time() - 3600
    os.utime(unsigned / "system.json", (hour_ago, hour_ago))
    start = time.monotonic()
    report = verify(unsigned, None, settle=30)  # stopped an hour ago: no point waiting
    assert time.monotonic() - start < 1.0 and report.result == "incomplete"

    os.utime(unsigned / "system.json")  # just written: wait up to settle, then report
    start = time.monotonic()
    assert verify(unsigned, None, settle=0.3).result == "incomplete"
    assert 0.25 < time.monotonic() - start < 3.0


def test_a_first_cycle_without_a_manifest_yet(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "system.json").write_bytes(
        encode(
            {"schema_version": 1, "panel": "system", "generated_at": "x", "cycle": 1, "data": {}}
        )
    )
    report = verify(folder, None, settle=0)
    (f,) = report.files
    assert f.status == "missing" and "cycle 1" in f.detail and report.exit_code == 1


# --- the command --------------------------------------------------------------------------


def test_cli_text_and_exit_codes(capsys: pytest.CaptureFixture[str], unsigned: Path) -> None:
    status, out, err = cli(capsys, "integrity", "--panels-dir", str(unsigned))
    assert status == 0 and err == ""
    assert "ok: 5 panels match manifest cycle 2" in out
    for name in FILES:
        assert f"ok                      info      {name}" in out
    rewrite(unsigned, "system.json", data={})
    status, out, _ = cli(capsys, "integrity", "--panels-dir", str(unsigned))
    assert status == 1 and "mismatch                critical  system.json" in out


def test_cli_json(capsys: pytest.CaptureFixture[str], unsigned: Path) -> None:
    (unsigned / "storage.json").unlink()
    status, out, _ = cli(capsys, "integrity", "--panels-dir", str(unsigned), "--json")
    doc = json.loads(out)
    assert status == 1 and doc["ok"] is False and doc["result"] == "failed"
    assert doc["manifest"] == {"cycle": 2, "generated_at": "2026-11-26T09:16:00+05:30"}
    by_file = {f["file"]: f for f in doc["files"]}
    assert by_file["storage.json"] == {
        "file": "storage.json",
        "status": "missing",
        "severity": "critical",
        "detail": "listed in the manifest, not on disk",
    }
    assert doc["counts"] == {"ok": 5, "missing": 1}


def test_cli_missing_folder_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = cli(capsys, "integrity", "--panels-dir", "nowhere")
    assert status == 2 and out == ""
    assert err == "g6: panels folder nowhere does not exist\n"


def test_cli_reads_the_key_from_the_environment_and_key_file(
    capsys: pytest.CaptureFixture[str],
    signed: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("G6_PANELS_HMAC_KEY", "wrong")
    assert cli(capsys, "integrity", "--panels-dir", str(signed))[0] == 1
    monkeypatch.setenv("G6_PANELS_HMAC_KEY", KEY.decode())
    status, out, _ = cli(capsys, "integrity", "--panels-dir", str(signed))
    assert status == 0 and "signature verified" in out and KEY.decode() not in out
    (tmp_path / "key").write_bytes(KEY + b"\n")
    monkeypatch.delenv("G6_PANELS_HMAC_KEY")
    monkeypatch.setenv("G6_PANELS_HMAC_KEY_FILE", str(tmp_path / "key"))
    assert cli(capsys, "integrity", "--panels-dir", str(signed))[0] == 0


@pytest.mark.slow
def test_simulate_integrity_summary_end_to_end(tmp_path: Path) -> None:
    """The issue's "done when": g6 simulate --cycles 5 && g6 integrity && g6 summary."""
    sim = g6(
        "simulate", "--cycles", "5", "--start", START_ISO, cwd=tmp_path, environ=env(**SMALL_ENV)
    )
    assert sim.returncode == 0, sim.stderr
    assert sorted(p.name for p in (tmp_path / "data" / "panels").iterdir()) == sorted(
        ["manifest.json", *FILES]
    )
    integ = g6("integrity", cwd=tmp_path)
    assert integ.returncode == 0 and "ok: 5 panels match manifest cycle 5" in integ.stdout
    summ = g6("summary", cwd=tmp_path)
    assert summ.returncode == 0 and summ.stderr == "" and "\x1b[" not in summ.stdout
    signed = g6(
        "simulate",
        "--cycles",
        "1",
        "--panels-dir",
        "s",
        cwd=tmp_path,
        environ=env(G6_PANELS_HMAC_KEY="k", **SMALL_ENV),
    )
    assert signed.returncode == 0
    assert g6("integrity", "--panels-dir", "s", cwd=tmp_path).returncode == 0
    assert (
        g6(
            "integrity", "--panels-dir", "s", cwd=tmp_path, environ=env(G6_PANELS_HMAC_KEY="other")
        ).returncode
        == 1
    )


SMALL_ENV = {"G6_INDICES": "NIFTY,SENSEX", "G6_EXPIRIES": "this_week", "G6_STRIKES_PER_SIDE": "2"}


# --- inside the writer: metrics -----------------------------------------------------------


def sample(text: str, name: str) -> float:
    (line,) = [x for x in text.splitlines() if x.startswith(name + " ")]
    return float(line.split()[1])


def test_check_and_record_feeds_the_spec_metrics(tmp_path: Path) -> None:
    rt, _ = run_cycles(tmp_path, 1)
    folder = tmp_path / "panels"
    assert check_and_record(rt.metrics, folder, None).ok
    text = exposition(rt.metrics).decode()
    assert sample(text, "g6_panels_integrity_ok") == 1
    assert sample(text, "g6_panels_integrity_checks_total") == 1
    assert sample(text, "g6_panels_integrity_mismatches_total") == 0
    (folder / "system.json").write_text("{}")
    (folder / "stray.json").write_text("{}")
    assert not check_and_record(rt.metrics, folder, None).ok
    text = exposition(rt.metrics).decode()
    assert sample(text, "g6_panels_integrity_ok") == 0
    assert sample(text, "g6_panels_integrity_checks_total") == 2
    assert sample(text, "g6_panels_integrity_mismatches_total") == 2
    shutil.rmtree(folder)
    with pytest.raises(IntegrityError):
        check_and_record(rt.metrics, folder, None)
    assert sample(exposition(rt.metrics).decode(), "g6_panels_integrity_checks_total") == 3


def test_collect_writes_panels_and_checks_them_every_n_cycles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from g6runtime.cli import signals
    from g6runtime.config import Settings
    from g6runtime.runner import Runtime

    made: list[Runtime] = []
    real = Runtime.from_settings

    def keep(settings: Settings, **kwargs: Any) -> Runtime:
        made.append(real(settings, **kwargs))
        return made[-1]

    monkeypatch.setattr(Runtime, "from_settings", keep)
    monkeypatch.setattr(signals.signal, "signal", lambda *a: None)
    (tmp_path / "c.yaml").write_text("panels:\n  integrity_every_cycles: 2\n")
    args = ["collect", "--cycles", "4", "--interval", "0.01", "--ignore-market-hours"]
    args += ["--metrics-port", "0", "--panels-dir", "pp", "--config", "c.yaml"]
    status, out, err = cli(capsys, *args)
    assert status == 0 and "integrity" not in err, err
    assert [line.split()[:2] for line in out.splitlines()] == [
        ["cycle", str(i)] for i in range(1, 5)
    ]
    text = exposition(made[0].metrics).decode()
    assert sample(text, "g6_panels_integrity_checks_total") == 2
    assert sample(text, "g6_panels_integrity_ok") == 1
    assert verify(tmp_path / "pp", None).manifest_cycle == 4


def test_collect_goes_on_when_panels_cannot_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from g6runtime.cli import signals
    from g6runtime.errors import StorageError
    from g6runtime.panels import writer

    real = writer.PanelWriter.write

    def flaky(self: PanelWriter, cycle: int, *args: object) -> object:
        if cycle == 2:
            raise StorageError(f"{self.folder}/system.json: cannot write panel: No space left")
        return real(self, cycle, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(writer.PanelWriter, "write", flaky)
    monkeypatch.setattr(signals.signal, "signal", lambda *a: None)
    args = ["collect", "--cycles", "3", "--interval", "0.01", "--ignore-market-hours"]
    status, out, err = cli(capsys, *args, "--metrics-port", "0", "--panels-dir", "pp", "-q")
    assert status == 2  # collection went on, but a cycle's panels were lost: never exit 0
    lines = out.splitlines()
    assert [line.split()[1] for line in lines] == ["1", "2", "3"]
    assert "NOT WRITTEN to panels" in lines[1] and "NOT WRITTEN" not in lines[0] + lines[2]
    failed = [line for line in err.splitlines() if "detail of" not in line]  # 10 ms SLA
    assert failed == [
        "g6: cycle 2: panels output failed: pp/system.json: cannot write panel: No space left",
        "g6: 1 of 3 cycles had a failed output; their data was not written (see the lines above)",
    ]


def test_simulate_into_an_unusable_panels_folder_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").write_text("a file")
    status, out, err = cli(capsys, "simulate", "--panels-dir", "taken", "--csv-dir", "c")
    assert status == 2 and out == ""
    assert err == "g6: taken: cannot list panels folder: Not a directory\n"
