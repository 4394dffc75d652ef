"""Panels: envelope, builders (real cycle values), writer, manifest, signing, reader, goldens.

The golden files under ``tests/runtime/golden/`` pin the panel shapes; after a
deliberate change, regenerate them with ``python -m tests.runtime.test_panels`` and
review the diff (and bump ``PANEL_SCHEMA_VERSION`` if readers must know).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from g6runtime.errors import StorageError
from g6runtime.outputs import CycleOutcome, PanelsOutput
from g6runtime.panels import manifest as mf
from g6runtime.panels import reader, signing, writer
from g6runtime.panels.envelope import PANEL_NAMES, encode, iso
from g6runtime.panels.version import PANEL_SCHEMA_VERSION
from g6runtime.runner import Runtime

from .test_panels_support import START, run_cycles

GOLDEN = Path(__file__).parent / "golden"
KEY = b"test-key-\x00-\xff-never-written"
SCHEMAS = Path(__file__).parents[2] / "g6runtime" / "schemas"


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Runtime, list[CycleOutcome]]:
    base = tmp_path_factory.mktemp("panels")
    rt, results = run_cycles(base, 3, KEY)
    return base / "panels", rt, results


def load(folder: Path, name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((folder / f"{name}.json").read_text("utf-8"))
    return doc


# --- the envelope, per SPEC ---------------------------------------------------------------


def test_every_panel_has_the_spec_envelope(ran: tuple[Path, Runtime, list[CycleOutcome]]) -> None:
    folder, _, results = ran
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "analytics.json",
        "indices.json",
        "manifest.json",
        "resilience.json",
        "storage.json",
        "system.json",
    ]
    for name in PANEL_NAMES:
        doc = load(folder, name)
        assert list(doc) == ["schema_version", "panel", "generated_at", "cycle", "data"]
        assert doc["schema_version"] == PANEL_SCHEMA_VERSION
        assert doc["panel"] == name and doc["cycle"] == 3
        # the simulated clock, in Asia/Kolkata, never the wall clock
        assert doc["generated_at"] == "2026-11-26T09:17:00+05:30" == iso(results[-1].timestamp)
        assert (folder / f"{name}.json").read_bytes() == encode(doc)


def test_panel_values_are_the_cycle_results(ran: tuple[Path, Runtime, list[CycleOutcome]]) -> None:
    folder, rt, results = ran
    last = results[-1]
    system = load(folder, "system")["data"]
    assert system["ok"] is True and system["failures"] == []
    panels_seconds = last.reports[-1].seconds  # the panels see the outputs before them
    assert [r.name for r in last.reports] == ["csv", "metrics", "panels"]
    assert system["timings_ms"]["total"] == round(
        (last.timings["total"] - panels_seconds) * 1000, 3
    )
    sla = rt.settings.interval_seconds * rt.settings.resilience.sla_fraction
    assert system["sla"]["budget_ms"] == round(sla * 1000, 3)
    assert system["sla"]["met"] is (last.timings["total"] <= sla)
    assert system["provider"]["calls"] == len(last.provider_durations)

    indices = load(folder, "indices")["data"]["indices"]
    assert list(indices) == list(rt.settings.indices)
    for plan in last.plans:
        entry = indices[plan.index]
        assert entry["price"] == round(plan.spot, 2) and entry["atm"] == plan.atm
        # BANKNIFTY and FINNIFTY are monthly-only: two expiries expected, both collected
        listed = 4 if plan.index in ("NIFTY", "SENSEX") else 2
        assert entry["expiries_expected"] == entry["expiries_collected"] == listed
        assert entry["status"] == "ok" and len(entry["expiries"]) == listed
        assert entry["dq_score"] == 100.0  # the clean synthetic market
        overview = next(o for o in last.overview if o.index == plan.index)
        for tag, pcr in overview.pcr.items():
            assert entry["expiries"][tag]["pcr"] == (None if pcr is None else round(pcr, 4))
            assert entry["expiries"][tag]["date"] == plan.expiries[tag].isoformat()

    analytics = load(folder, "analytics")["data"]
    assert analytics["iv_solved"] == sum(v[0] for v in last.iv.values())
    assert analytics["iv_failed"] == sum(v[1] for v in last.iv.values())
    nifty_week = analytics["indices"]["NIFTY"]["expiries"]["this_week"]
    atm = next(
        r
        for r in last.options
        if r.index == "NIFTY" and r.expiry_tag == "this_week" and r.offset == 0
    )
    assert atm.ce_iv is not None and atm.pe_iv is not None
    assert nifty_week["ce_iv"] == round(atm.ce_iv, 6)
    assert nifty_week["atm_iv"] == pytest.approx((atm.ce_iv + atm.pe_iv) / 2, abs=1e-6)

    storage = load(folder, "storage")["data"]
    assert last.written is not None
    assert storage["rows"] == last.written.rows == len(last.options) + len(last.overview)
    assert storage["since_start"] == {
        "cycles": 3,
        "rows": sum(r.written.rows for r in results if r.written),
        "files_created": sum(r.written.files_created for r in results if r.written),
    }


def test_failures_and_quality_issues_reach_the_panels(tmp_path: Path) -> None:
    from g6runtime.providers.faults import FaultPlan, FaultRule
    from g6runtime.providers.synthetic import SyntheticMarket

    rt, _ = run_cycles(tmp_path, 1)
    plan = FaultPlan(
        (FaultRule("timeout", index="SENSEX"), FaultRule("crossed", index="NIFTY", rate=0.3))
    )
    rt.provider = SyntheticMarket(rt.settings.seed, plan)
    result = rt.cycle(2, START)
    system = load(tmp_path / "panels", "system")["data"]
    assert system["failures"] and {f["index"] for f in system["failures"]} == {"SENSEX"}
    assert len(system["failures"]) == len(result.failures)
    assert system["data_quality_issues"] == len(result.issues) > 0
    indices = load(tmp_path / "panels", "indices")["data"]["indices"]
    sensex, nifty = indices["SENSEX"], indices["NIFTY"]
    assert sensex["status"] == "failed" and sensex["failures"] >= 1
    assert sensex["expiries_collected"] == 0 and sensex["price"] is None
    nifty_issues = {(i.expiry_tag, i.strike, i.leg) for i in result.issues if i.index == "NIFTY"}
    assert nifty["dq_issues"] == len(nifty_issues) > 0
    assert nifty["dq_score"] == round(100 * (1 - len(nifty_issues) / (4 * 21 * 2)), 2)
    assert reader.read_panel(tmp_path / "panels", "indices").status == "ok"


def test_manifest_is_the_spec_shape_and_lists_the_exact_bytes(
    ran: tuple[Path, Runtime, list[CycleOutcome]],
) -> None:
    folder, _, _ = ran
    raw = (folder / "manifest.json").read_bytes()
    doc = json.loads(raw)
    assert list(doc) == [
        "schema_version",
        "generator",
        "cycle",
        "generated_at",
        "files",
        "signature",
    ]
    assert doc["schema_version"] == PANEL_SCHEMA_VERSION and doc["generator"] == "g6runtime"
    assert doc["cycle"] == 3 and doc["generated_at"] == "2026-11-26T09:17:00+05:30"
    assert sorted(doc["files"]) == sorted(f"{n}.json" for n in PANEL_NAMES)
    for name, entry in doc["files"].items():
        data = (folder / name).read_bytes()
        assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    schema = json.loads((SCHEMAS / "manifest.schema.json").read_text("utf-8"))
    jsonschema.validate(doc, schema)
    assert mf.parse(raw).cycle == 3


def test_signature_is_hmac_sha256_over_the_canonical_manifest(
    ran: tuple[Path, Runtime, list[CycleOutcome]],
) -> None:
    folder, _, _ = ran
    doc = json.loads((folder / "manifest.json").read_bytes())
    body = {k: v for k, v in doc.items() if k != "signature"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")
    assert signing.canonical(doc) == canonical
    expected = hmac.new(KEY, canonical, hashlib.sha256).hexdigest()
    assert doc["signature"] == {"alg": "hmac-sha256", "value": expected}
    assert signing.verify(doc, KEY) and not signing.verify(doc, KEY + b"x")


def test_signature_check_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(signing.hmac, "compare_digest", spy)
    doc = mf.build(1, "2026-11-26T09:15:00+05:30", {}, KEY)
    assert signing.verify(doc, KEY)
    doc["signature"]["value"] = "é" * 64  # non-ASCII never raises, it just fails
    assert not signing.verify(doc, KEY)
    assert len(calls) == 2


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "x",
        {"alg": "hmac-sha1", "value": "00"},
        {"alg": "hmac-sha256"},
        {"alg": "hmac-sha256", "value": 5},
    ],
)
def test_malformed_signatures_do_not_verify(signature: object) -> None:
    doc: dict[str, Any] = mf.build(1, "t", {}, None)
    doc["signature"] = signature
    assert not signing.verify(doc, KEY)


def test_the_key_is_never_written_nor_shown(
    ran: tuple[Path, Runtime, list[CycleOutcome]], tmp_path: Path
) -> None:
    folder, rt, _ = ran
    for path in folder.iterdir():
        data = path.read_bytes()
        assert KEY not in data and KEY.hex().encode() not in data
    (panels,) = [o for o in rt.outputs if isinstance(o, PanelsOutput)]
    assert "never-written" not in repr(panels.publisher.writer) and "never-written" not in repr(
        rt.settings
    )


def test_manifest_is_written_after_its_panels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[str] = []
    real: Callable[[Path, bytes], None] = writer.write_atomic

    def spy(path: Path, data: bytes) -> None:
        order.append(path.name)
        real(path, data)

    monkeypatch.setattr(writer, "write_atomic", spy)
    run_cycles(tmp_path, 2)
    per_cycle = [*(f"{n}.json" for n in PANEL_NAMES), "manifest.json"]
    assert order == per_cycle * 2


def test_temp_files_never_end_in_json_and_orphans_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real_replace = writer.write_atomic.__globals__["os"].replace

    def spy(src: str, dst: object) -> None:
        seen.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(writer.write_atomic.__globals__["os"], "replace", spy)
    run_cycles(tmp_path, 1)
    monkeypatch.undo()
    assert len(seen) == 6
    assert all(n.startswith(".") and n.endswith(".tmp") and ".json." in n for n in seen)

    folder = tmp_path / "panels"
    orphans = [folder / ".system.json.abc123.tmp", folder / ".manifest.json.x_9.tmp"]
    keep = [folder / ".hidden.tmp", folder / "notes.txt"]
    for p in orphans + keep:
        p.write_bytes(b"{")
    writer.PanelWriter(folder)  # a new writer cleans up after a killed one
    assert not any(p.exists() for p in orphans) and all(p.exists() for p in keep)


def test_write_failure_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="cannot list panels folder"):
        writer.PanelWriter(blocker)
    w = writer.PanelWriter(tmp_path / "panels")
    (tmp_path / "panels").mkdir()
    (tmp_path / "panels" / "system.json").mkdir()  # a folder where the panel goes
    with pytest.raises(StorageError, match=r"system\.json: cannot write panel"):
        w.write(1, "2026-11-26T09:15:00+05:30", {"system": {}})
    assert [p.name for p in (tmp_path / "panels").iterdir()] == ["system.json"]  # no temp left


# --- reading: JSON Schema, N and N-1 ------------------------------------------------------


def test_reader_accepts_every_written_panel(ran: tuple[Path, Runtime, list[CycleOutcome]]) -> None:
    folder, _, _ = ran
    for name, read in reader.read_panels(folder).items():
        assert read.status == "ok", read.error
        assert read.upgraded_from is None and read.document == load(folder, name)


def test_reader_upgrades_the_golden_n_minus_1_panel() -> None:
    old = json.loads((GOLDEN / "panel_v0_indices.json").read_text("utf-8"))
    assert old["schema_version"] == PANEL_SCHEMA_VERSION - 1 and "cycle" not in old
    read = reader.parse_panel((GOLDEN / "panel_v0_indices.json").read_bytes(), "indices")
    assert read.status == "ok", read.error
    assert read.upgraded_from == PANEL_SCHEMA_VERSION - 1
    assert read.document is not None
    assert read.document["schema_version"] == PANEL_SCHEMA_VERSION
    assert read.document["cycle"] == old["data"]["cycle"]
    assert "cycle" not in read.data and read.data["indices"] == old["data"]["indices"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.update(schema_version=PANEL_SCHEMA_VERSION + 1), "not supported"),
        (lambda d: d.update(schema_version=PANEL_SCHEMA_VERSION - 2), "not supported"),
        (lambda d: d.update(schema_version="1"), "not an integer"),
        (lambda d: d.update(schema_version=True), "not an integer"),
        (lambda d: d.pop("cycle"), "'cycle' is a required property"),
        (lambda d: d.update(cycle=-1), "cycle"),
        (lambda d: d.update(generated_at="yesterday"), "generated_at"),
        (lambda d: d.update(extra=1), "Additional properties"),
        (lambda d: d.update(panel="system"), "expected 'indices'"),
        (lambda d: d["data"]["indices"]["NIFTY"].update(status="great"), "status"),
        (lambda d: d["data"]["indices"]["NIFTY"].pop("price"), "'price' is a required"),
        (lambda d: d["data"]["indices"]["NIFTY"].update(dq_score=101), "dq_score"),
        (lambda d: d["data"]["indices"]["NIFTY"]["expiries"].update(someday={}), "someday"),
    ],
)
def test_reader_refuses_invalid_panels_with_a_reason(
    ran: tuple[Path, Runtime, list[CycleOutcome]],
    change: Callable[[dict[str, Any]], object],
    reason: str,
) -> None:
    folder, _, _ = ran
    doc = load(folder, "indices")
    change(doc)
    read = reader.parse_panel(json.dumps(doc).encode(), "indices")
    assert read.status == "invalid" and read.document is None
    assert read.error is not None and reason in read.error


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "invalid JSON"), (b"\xff\xfe", "not UTF-8"), (b"[1, 2]", "not a JSON object")],
)
def test_reader_refuses_non_panels(data: bytes, reason: str) -> None:
    read = reader.parse_panel(data, "system")
    assert read.status == "invalid" and read.error is not None and reason in read.error


def test_reader_reports_missing_and_unreadable(tmp_path: Path) -> None:
    assert reader.read_panel(tmp_path, "system").status == "missing"
    (tmp_path / "storage.json").mkdir()
    read = reader.read_panel(tmp_path, "storage")
    assert read.status == "invalid" and read.error is not None and "cannot read" in read.error


def test_the_panel_schema_is_valid_and_matches_the_envelope() -> None:
    schema = json.loads((SCHEMAS / "panel.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["required"] == ["schema_version", "panel", "generated_at", "cycle", "data"]


# --- goldens: the current shapes ----------------------------------------------------------


def shape(value: object) -> object:
    """Keys and JSON types, without the values."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(
        type(value), "null"
    )


def current_shapes(base: Path) -> dict[str, object]:
    """Shapes after a clean cycle and after one with failures (so every list has items)."""
    from g6runtime.providers.faults import FaultPlan, FaultRule
    from g6runtime.providers.synthetic import SyntheticMarket

    rt, _ = run_cycles(base, 1)
    out: dict[str, object] = {"clean": {n: shape(load(base / "panels", n)) for n in PANEL_NAMES}}
    plan = FaultPlan((FaultRule("timeout", index="SENSEX"), FaultRule("crossed", index="NIFTY")))
    rt.provider = SyntheticMarket(rt.settings.seed, plan)
    rt.cycle(2, START + timedelta(minutes=1))  # a later cycle: the same one is skipped
    out["faulty"] = {n: shape(load(base / "panels", n)) for n in PANEL_NAMES}
    return out


def test_golden_pins_the_current_panel_shapes(tmp_path: Path) -> None:
    golden = json.loads((GOLDEN / f"panels_v{PANEL_SCHEMA_VERSION}_shapes.json").read_text("utf-8"))
    assert current_shapes(tmp_path) == golden, (
        "a panel's shape changed: if deliberate, run `python -m tests.runtime.test_panels` and "
        "review the golden diff (and bump PANEL_SCHEMA_VERSION if readers must know)"
    )


def test_manifest_hand_check_agrees_with_its_json_schema() -> None:
    schema = json.loads((SCHEMAS / "manifest.schema.json").read_text("utf-8"))
    good = mf.build(2, "t", {"system.json": mf.Entry("0" * 64, 3)}, KEY)
    variants: list[object] = [
        good,
        [],
        {**good, "x": 1},
        {**good, "cycle": -1},
        {**good, "cycle": 1.5},
    ]
    variants += [{**good, "cycle": True}, {**good, "files": []}, {**good, "generator": 5}]
    variants += [
        {**good, "signature": {"alg": "a"}},
        {**good, "signature": {"alg": "a", "value": 1}},
    ]
    variants += [{k: v for k, v in good.items() if k != "files"}]
    for files in [
        {"../x.json": {"sha256": "0" * 64, "bytes": 1}},
        {"a.json": {"sha256": "A" * 64, "bytes": 1}},
        {"a.json": {"sha256": "0" * 64, "bytes": -1}},
        {"a.json": {"sha256": "0" * 64}},
        {"manifest.json": {"sha256": "0" * 64, "bytes": 1}},
        {"a.txt": {"sha256": "0" * 64, "bytes": 1}},
        {"a.json": {"sha256": "0" * 64, "bytes": 1, "x": 0}},
    ]:
        variants.append({**good, "files": files})
    for doc in variants:
        by_schema = jsonschema.Draft202012Validator(schema).is_valid(doc)
        try:
            mf.parse(mf.encode(doc))  # type: ignore[arg-type]
            by_hand = True
        except mf.ManifestError:
            by_hand = False
        assert by_hand == by_schema, doc


def test_manifest_parse_refuses_what_the_writer_would_not_write() -> None:
    doc = mf.build(1, "t", {"system.json": mf.Entry("0" * 64, 3)}, None)
    raw = mf.encode(doc)
    assert mf.parse(raw).files["system.json"] == mf.Entry("0" * 64, 3)
    for bad, reason in [
        (raw.replace(b"\n", b"\r\n"), "not in the form"),
        (raw[:-1], "not in the form"),
        (json.dumps(doc).encode(), "not in the form"),
        (b"\xff", "not UTF-8"),
        (b"{", "invalid JSON"),
        (raw.replace(b'"cycle": 1', b'"cycle": 1, "cycle": 2'), "not in the form"),
        (
            mf.encode({**doc, "schema_version": PANEL_SCHEMA_VERSION + 1}),
            "unsupported schema_version",
        ),
    ]:
        with pytest.raises(mf.ManifestError, match=re.escape(reason)):
            mf.parse(bad)
    assert mf.parse(mf.encode({**doc, "schema_version": PANEL_SCHEMA_VERSION - 1})).cycle == 1


if __name__ == "__main__":  # regenerate the goldens after a deliberate change
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        shapes = current_shapes(Path(tmp))
        out = GOLDEN / f"panels_v{PANEL_SCHEMA_VERSION}_shapes.json"
        out.write_text(json.dumps(shapes, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out}")
