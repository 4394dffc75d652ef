"""The static checks' scan cache: reuse only while a file is unchanged, never trust a bad cache."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_g6gov.scan_cache import ScanCache, fingerprint, identity


def _decode(value: Any) -> list[int] | None:
    if isinstance(value, list) and all(type(v) is int for v in value):
        return list(value)
    return None


def _encode(value: list[int]) -> list[int]:
    return value


def cache(path: Path, fprint: str = "fp", racy_ns: int = 0) -> ScanCache[list[int]]:
    return ScanCache(path, fprint, _decode, _encode, racy_ns=racy_ns)


def test_a_stored_result_is_reused_while_the_file_is_unchanged(tmp_path: Path) -> None:
    src = tmp_path / "a.py"
    src.write_text("x = 1\n")
    store = tmp_path / "c.json"
    first = cache(store)
    assert first.get("a.py", identity(str(src))) is None
    first.put("a.py", identity(str(src)), [3, 4])
    assert first.save() is None
    second = cache(store)
    assert second.get("a.py", identity(str(src))) == [3, 4]
    assert second.stats() == {"scanned": 0, "reused": 1}


def test_an_edit_that_keeps_size_and_mtime_still_invalidates(tmp_path: Path) -> None:
    src = tmp_path / "a.py"
    src.write_text("x = 1\n")
    before = os.stat(src)
    store = tmp_path / "c.json"
    first = cache(store)
    first.put("a.py", identity(str(src)), [1])
    first.save()
    src.write_text("y = 2\n")  # same size
    os.utime(src, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime put back; ctime moves
    assert os.stat(src).st_mtime_ns == before.st_mtime_ns
    assert cache(store).get("a.py", identity(str(src))) is None


def test_recently_changed_files_are_not_stored(tmp_path: Path) -> None:
    src = tmp_path / "a.py"
    src.write_text("x = 1\n")
    store = tmp_path / "c.json"
    fresh = cache(store, racy_ns=2_000_000_000)
    fresh.put("a.py", identity(str(src)), [1])
    fresh.save()
    assert cache(store).get("a.py", identity(str(src))) is None


def test_another_fingerprint_starts_empty_and_vanished_files_are_dropped(tmp_path: Path) -> None:
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("a\n")
    b.write_text("b\n")
    store = tmp_path / "c.json"
    first = cache(store)
    first.put("a.py", identity(str(a)), [1])
    first.put("b.py", identity(str(b)), [2])
    first.save()
    assert cache(store, fprint="other").get("a.py", identity(str(a))) is None
    second = cache(store)
    assert second.get("a.py", identity(str(a))) == [1]
    second.save()  # b.py was not seen this session
    assert set(json.loads(store.read_text())["files"]) == {"a.py"}


def test_fingerprints_differ_by_check_and_inputs() -> None:
    assert fingerprint("deprecations", ["aa"]) != fingerprint("deprecations", ["ab"])
    assert fingerprint("env_docs", "G6_") != fingerprint("deprecations", "G6_")
    assert fingerprint("env_docs", "G6_") == fingerprint("env_docs", "G6_")


def test_an_edited_check_module_invalidates_its_results(tmp_path: Path) -> None:
    code = tmp_path / "check.py"
    code.write_text("v1\n")
    before = fingerprint("env_docs", "G6_", str(code))
    assert fingerprint("env_docs", "G6_", str(code)) == before
    code.write_text("v22\n")
    assert fingerprint("env_docs", "G6_", str(code)) != before


def test_an_unwritable_cache_folder_is_reported_not_raised(tmp_path: Path) -> None:
    src = tmp_path / "a.py"
    src.write_text("x\n")
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    broken = cache(blocker / "c.json")
    broken.put("a.py", identity(str(src)), [1])
    stats: dict[str, Any] = {}
    broken.finish(stats)
    assert "scan cache not saved" in stats["cache_error"]
    assert stats["files"] == {"scanned": 1, "reused": 0}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.dictionaries(st.sampled_from(["a.py", "b.py"]), JSON, max_size=2), top=JSON)
def test_any_stored_json_is_a_miss_or_a_valid_result(
    tmp_path: Path, files: dict[str, Any], top: Any
) -> None:
    src = tmp_path / "a.py"
    src.write_text("x\n")
    store = tmp_path / "c.json"
    ident = identity(str(src))
    assert ident is not None
    body = {"format": 1, "fingerprint": "fp", "files": files}
    for content in (body, top, {**body, "files": {"a.py": [*ident, top]}}):
        store.write_text(json.dumps(content))
        got = cache(store).get("a.py", ident)
        assert got is None or all(type(v) is int for v in got)
    store.write_bytes(b"\xff{not json")
    assert cache(store).get("a.py", ident) is None


@pytest.mark.parametrize("content", [b"", b"[]", b'{"format": 1, "fingerprint": "fp"}'])
def test_a_corrupt_cache_file_is_an_empty_cache(tmp_path: Path, content: bytes) -> None:
    src = tmp_path / "a.py"
    src.write_text("x\n")
    store = tmp_path / "c.json"
    store.write_bytes(content)
    assert cache(store).get("a.py", identity(str(src))) is None
