"""registry: validating contributed checks, assembling them with the built-in ones, loading
``g6gov`` entry points, and judging what a check's run() returned."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest

from pytest_g6gov.api import Baseline, Check, Context, Finding, Key, Result
from pytest_g6gov.baselines import BaselineUpdate
from pytest_g6gov.checks.builtin import BUILTIN, EnvDocs
from pytest_g6gov.registry import (
    RegistryError,
    all_rules,
    assemble,
    entry_point_checks,
    hook_checks,
    result_problem,
    validate,
)

from .helpers import write


class Good(Check):
    name = "good"
    rules: ClassVar[Mapping[str, str]] = {"GOOD001": "something is not good"}
    keys: ClassVar[Mapping[str, Key]] = {"limit": Key("number", 1.0)}

    def run(self, ctx: Context) -> list[Finding]:
        return []


class Twin(Good):
    """Another class with the same check name."""

    rules: ClassVar[Mapping[str, str]] = {"TWIN001": "x"}


def variant(**attrs: Any) -> Check:
    """A Good check with some attributes replaced."""
    check: Check = type("Variant", (Good,), attrs)()
    return check


def error_of(check: Any) -> str:
    with pytest.raises(RegistryError) as info:
        validate(check, "plugin p")
    message = str(info.value)
    assert "\n" not in message and "plugin p" in message
    return message


def test_a_good_check_is_returned_as_is() -> None:
    check = Good()
    assert validate(check, "plugin p") is check


@pytest.mark.parametrize("name", ["", "Good", "1st", "my-check", "a b", 3, None])
def test_name_must_be_snake_case(name: object) -> None:
    assert "name must be snake_case" in error_of(variant(name=name))


@pytest.mark.parametrize("name", ["release", "baseline_dir", "enforce"])
def test_top_level_keys_are_not_check_names(name: str) -> None:
    assert "is a [tool.g6gov] key, not a check name" in error_of(variant(name=name))


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ({}, "rules must map its codes"),
        (None, "rules must map its codes"),
        ({"abc001": "x"}, "rule code 'abc001' must be capitals"),
        ({"AB01": "x"}, "rule code 'AB01' must be capitals"),
        ({"G6G000": "x"}, "G6G000 is the framework's"),
        ({"ABC001": "  "}, "rule ABC001 needs a one-line description"),
        ({"ABC001": "two\nlines"}, "rule ABC001 needs a one-line description"),
        ({"ABC001": 3}, "rule ABC001 needs a one-line description"),
    ],
)
def test_rules(rules: object, expected: str) -> None:
    assert expected in error_of(variant(rules=rules))


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ([], "keys must map key names to pytest_g6gov.api.Key"),
        ({"limit": 3}, "keys must map key names to pytest_g6gov.api.Key"),
        ({"": Key("str", "")}, "keys must map key names to pytest_g6gov.api.Key"),
        ({"mode": Key("str", "")}, "key 'mode' is common to every check"),
        ({"ignore": Key("list", [])}, "key 'ignore' is common to every check"),
        ({"n": Key("integer", 3)}, "key 'n' has kind 'integer'; use one of: str, bool, number"),  # type: ignore[arg-type]
        ({"n": Key("number", 3, "positive")}, "key 'n': rule must be a function"),  # type: ignore[arg-type]
    ],
)
def test_keys(keys: object, expected: str) -> None:
    assert expected in error_of(variant(keys=keys))


@pytest.mark.parametrize(
    ("baseline", "expected"),
    [
        ({"higher_is_better": True}, "baseline must be None or a pytest_g6gov.api.Baseline"),
        (Baseline(True, schema=[]), "the baseline's schema must be a JSON Schema object"),  # type: ignore[arg-type]
        (
            Baseline(True, schema={"type": "nonsense"}),
            "the baseline's schema is not a valid JSON Schema: ",
        ),
    ],
)
def test_baseline(baseline: object, expected: str) -> None:
    assert expected in error_of(variant(baseline=baseline))


def test_a_valid_baseline_schema_passes() -> None:
    schema = {"type": "object", "additionalProperties": {"type": "integer"}}
    assert validate(variant(baseline=Baseline(False, schema=schema)), "p") is not None


def test_static_must_be_a_bool() -> None:
    assert "static must be True or False" in error_of(variant(static=1))


class NoRun:
    name = "no_run"
    rules: ClassVar[dict[str, str]] = {"NRN001": "x"}
    keys: ClassVar[dict[str, Key]] = {}
    static = True
    baseline = None


class NotOverridden(Check):
    name = "not_overridden"
    rules: ClassVar[Mapping[str, str]] = {"NOV001": "x"}


@pytest.mark.parametrize("check", [NoRun(), variant(run="run"), NotOverridden()])
def test_run_is_required(check: object) -> None:
    assert "needs a run(ctx) method" in error_of(check)


def test_assemble_builtin_first_then_contributed() -> None:
    checks = assemble([("plugin p", Good())])
    assert list(checks) == [*(c.name for c in BUILTIN), "good"]
    assert all_rules(checks)["GOOD001"] == "something is not good"
    assert next(iter(all_rules(checks))) == "G6G000"


def test_same_class_from_two_providers_counts_once() -> None:
    """A package that is both a g6gov entry point and a pytest11 plugin."""
    first = Good()
    checks = assemble([("dist (entry point e)", first), ("pytest11 e", Good())])
    assert checks["good"] is first
    assert list(checks).count("good") == 1


def test_same_name_from_another_class_is_an_error() -> None:
    with pytest.raises(RegistryError, match=r"'good' is provided twice, by one and two: rename"):
        assemble([("one", Good()), ("two", Twin())])


def test_a_builtin_name_is_an_error_even_for_the_builtin_class() -> None:
    with pytest.raises(RegistryError, match="provided twice, by pytest_g6gov and p"):
        assemble([("p", EnvDocs())])


@pytest.mark.parametrize(
    ("contributed", "expected"),
    [
        (
            [("p", variant(rules={"ENV001": "x"}))],
            "check 'good' from p: rule code ENV001 is already used by check 'env_docs'",
        ),
        (
            [("p", Good()), ("q", variant(name="other", rules={"GOOD001": "y"}))],
            "check 'other' from q: rule code GOOD001 is already used by check 'good'",
        ),
    ],
)
def test_codes_are_unique(contributed: list[tuple[str, Any]], expected: str) -> None:
    with pytest.raises(RegistryError, match=expected):
        assemble(contributed)


def test_hook_checks_names_the_provider_on_one_line() -> None:
    def broken() -> list[Check]:
        raise ValueError("first\nsecond")

    with pytest.raises(RegistryError) as info:
        hook_checks([("conftest.py", broken)])
    assert str(info.value) == (
        "pytest_g6gov_checks of conftest.py failed: ValueError: first second"
    )
    with pytest.raises(RegistryError, match=r"conftest\.py must return a list of checks"):
        hook_checks([("conftest.py", lambda: None)])
    check = Good()
    assert hook_checks([("c", lambda: (check,))]) == [("c", check)]


_unique = itertools.count()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on sys.path for fake installed distributions (module names are unique per
    test, so sys.modules never hands back another test's module)."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    for name in [m for m in sys.modules if m.startswith("g6fake_")]:
        monkeypatch.delitem(sys.modules, name)
    return folder


def fake_dist(site: Path, dist: str, entry_points: dict[str, str], modules: dict[str, str]) -> None:
    info = site / f"{dist}-0.1.dist-info"
    write(info, "METADATA", f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    write(info, "entry_points.txt", f"[g6gov]\n{lines}")
    for module, source in modules.items():
        write(site, f"{module}.py", source)


GOOD_MODULE = """
from pytest_g6gov.api import Check

class Fake(Check):
    name = "fake_check"
    rules = {"FAKE001": "x"}

    def run(self, ctx):
        return []

def pytest_g6gov_checks():
    return [Fake()]
"""


def mine(found: list[tuple[str, Check]], dist: str) -> list[tuple[str, str]]:
    return [(p, c.name) for p, c in found if p.startswith(dist + " ")]


def test_entry_point_checks_found_with_their_provider(site: Path) -> None:
    module = f"g6fake_{next(_unique)}"
    fake_dist(site, "fakedist", {"fake": module}, {module: GOOD_MODULE})
    assert mine(entry_point_checks(), "fakedist") == [
        (f"fakedist (entry point fake = {module})", "fake_check")
    ]


def test_a_distribution_on_two_paths_and_two_entry_points_to_one_module_count_once(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = f"g6fake_{next(_unique)}"
    fake_dist(site, "fakedist", {"a": module, "b": module}, {module: GOOD_MODULE})
    other = tmp_path / "other"
    fake_dist(other, "fakedist", {"a": module}, {module: GOOD_MODULE})
    monkeypatch.syspath_prepend(str(other))
    found = entry_point_checks()
    assert [name for _, name in mine(found, "fakedist")] == ["fake_check"]
    assemble(found)  # and no "provided twice"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("raise ImportError('no\\nluck')\n", "cannot be loaded: ImportError: no luck: fix or"),
        ("X = 1\n", "names no module or object with a pytest_g6gov_checks() function"),
        (
            "def pytest_g6gov_checks(config):\n    return []\n",
            "Argument(s) {'config'} are declared",
        ),
        ("def pytest_g6gov_checkz():\n    return []\n", "unknown hook 'pytest_g6gov_checkz'"),
        ("def pytest_g6gov_checks():\n    return 'x'\n", "must return a list of checks"),
    ],
    ids=["import-error", "no-hook", "wrong-arguments", "misspelt-hook", "not-a-list"],
)
def test_entry_point_errors_name_it_on_one_line(site: Path, source: str, expected: str) -> None:
    module = f"g6fake_{next(_unique)}"
    fake_dist(site, "brokendist", {"broken": module}, {module: source})
    with pytest.raises(RegistryError) as info:
        entry_point_checks()
    message = str(info.value)
    assert f"brokendist (entry point broken = {module})" in message
    assert expected in message and "\n" not in message


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (Result(), None),
        (Result([Finding("A001", "m")], entries={"k": 1, "j": 2.5}), None),
        (Result(update=BaselineUpdate("c", {})), None),
        (Result(["x"]), "findings are not a list of Finding"),  # type: ignore[list-item]
        (Result(entries={"k": "3"}), "entries are not {name: finite number}"),  # type: ignore[dict-item]
        (Result(entries={"k": True}), "entries are not {name: finite number}"),
        (Result(entries={"k": float("nan")}), "entries are not {name: finite number}"),
        (Result(entries=[1]), "entries are not {name: finite number}"),  # type: ignore[arg-type]
        (Result(update={"k": 1}), "update is not a BaselineUpdate"),  # type: ignore[arg-type]
        (Result(skipped=True), "skipped is not a string"),  # type: ignore[arg-type]
        (Result(notes=[1]), "notes are not strings"),  # type: ignore[list-item]
    ],
)
def test_result_problem(result: Result, expected: str | None) -> None:
    problem = result_problem(result)
    assert problem == expected if expected is None else expected in str(problem)
