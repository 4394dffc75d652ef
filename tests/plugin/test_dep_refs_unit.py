"""Unit tests of DEP001 for dotted items: the Python reference rules of
``pytest_g6gov/checks/dep_refs.py`` and the full-path rule in other text files."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_g6gov.checks.deprecation_table import parse_deprecations
from pytest_g6gov.checks.deprecations import scan_references

from .dep_helpers import check, removed_project, row, table
from .helpers import write

# --------------------------------------------------------------------------- DEP001, dotted items

LOAD = row("`pkg.legacy.load`", status="Removed", removal="1.5.0")


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("from pkg.legacy import load\n", 1),
        ("import os\nfrom pkg.legacy import load as read\n", 2),
        ("import pkg.legacy.load\n", 1),
        ("import pkg.legacy.load.sub as s\n", 1),
        ("from pkg import legacy\n\nlegacy.load()\n", 3),
        ("import pkg.legacy\nx = 1\npkg.legacy.load(x)\n", 3),
        ("import pkg.legacy as lg\nlg.load()\n", 2),
        ("import pkg\n\npkg.legacy.load()\n", 3),
        ("from pkg import legacy as lg\nlg.load.cache_clear()\n", 2),
        ("from pkg.legacy import *\n\nload()\n", 3),
        ("def f():\n    from pkg.legacy import (\n        dump,\n        load,\n    )\n", 4),
        ('x = 1\npatch("pkg.legacy.load")\n', 2),
        ("x = 1  # pkg.legacy.load is gone\n", 1),
        ('"""Docs.\n\nSee pkg.legacy.load.\n"""\n', 3),
        ('x = f"{y} pkg.legacy.load"\n', 1),
        ("import pkg.legacy as lg\n# pkg.legacy.load\nlg.load\n", 2),
    ],
)
def test_dep001_a_dotted_item_is_referenced_by_imports_and_full_paths(
    tmp_path: Path, source: str, line: int
) -> None:
    removed_project(tmp_path, LOAD)
    write(tmp_path, "app/main.py", source)
    assert [(f.code, f.path, f.line) for f in check(tmp_path)] == [("DEP001", "app/main.py", line)]


@pytest.mark.parametrize(
    "source",
    [
        "import json\n\ndata = json.load(fh)\n",
        "def load(path):\n    return path\n",
        "class Store:\n    def load(self):\n        return self.load()\n",
        "from other.legacy import load\n",
        "from pkg.legacy import dump\nload = 1\n",
        "import pkg.legacy\nlegacy.load()\n",
        "from pkg import legacy\nlegacy2.load()\n",
        "from pkg.legacy_tools import load\n",
        "from pkg.legacy.load_all import x\n",
        "import pkg\npkg.load()\n",
        "# load the legacy data with legacy.load\n",
        'x = "mypkg.legacy.load"\n',
        "import mypkg.legacy\nmypkg.legacy.load()\n",
        'x = "pkg.legacy.loader"\n',
    ],
)
def test_dep001_a_dotted_item_is_not_referenced_by_its_last_name_alone(
    tmp_path: Path, source: str
) -> None:
    removed_project(tmp_path, LOAD)
    write(tmp_path, "app/main.py", source)
    assert check(tmp_path) == []


@pytest.mark.parametrize(
    ("rel", "source", "line"),
    [
        ("pkg/app.py", "from .legacy import load\n", 1),
        ("src/pkg/app.py", "x = 1\nfrom .legacy import load\n", 2),
        ("pkg/app.py", "from . import legacy\nlegacy.load()\n", 2),
        ("pkg/legacy/other.py", "from . import load\n", 1),
        ("pkg/sub/deep.py", "from ..legacy import load\n", 1),
        ("other/app.py", "from .legacy import load\n", None),
        ("pkg/sub/deep.py", "from .legacy import load\n", None),
        ("app.py", "from ...legacy import load\n", None),
    ],
)
def test_dep001_relative_imports_resolve_from_the_files_folder(
    tmp_path: Path, rel: str, source: str, line: int | None
) -> None:
    removed_project(tmp_path, LOAD)
    write(tmp_path, rel, source)
    assert [(f.path, f.line) for f in check(tmp_path)] == ([] if line is None else [(rel, line)])


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import pkg.legacy\n", True),
        ("from pkg import legacy\n", True),
        ("from pkg.legacy import thing\n", True),
        ("import pkg\nx = pkg.legacy.thing\n", True),
        ("import pkg.legacy_new\n", False),
        ("from pkg import legacy_new\n", False),
        ("legacy = 1\n", False),
    ],
)
def test_dep001_a_removed_module(tmp_path: Path, source: str, found: bool) -> None:
    removed_project(tmp_path, row("pkg.legacy", "module", "Removed"))
    write(tmp_path, "m.py", source)
    assert len(check(tmp_path)) == int(found)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Use `pkg.legacy.load()` no more.\n", 1),
        ("intro\n\nSee pkg.legacy.load.\n", 3),
        ("pkg.legacy.load.cache is gone too\n", 1),
        ("json.load, load(), legacy.load and def load(\n", None),
        ("mypkg.legacy.load\n", None),
        ("other.pkg.legacy.load\n", None),
        ("pkg.legacy.loader and pkg.legacy.load_all\n", None),
        ("from pkg.legacy import load\n", None),  # not Python: only the full path counts
    ],
)
def test_dep001_a_dotted_item_in_other_text_files_is_its_full_path(
    tmp_path: Path, text: str, line: int | None
) -> None:
    removed_project(tmp_path, LOAD)
    write(tmp_path, "docs/guide.md", text)
    assert [f.line for f in check(tmp_path)] == ([] if line is None else [line])


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("x = pkg.legacy.load(\n", 1),
        ("def load(:\n    json.load\n", None),
        ("from pkg.legacy import load\nclass (:\n", None),
    ],
)
def test_dep001_a_python_file_that_does_not_parse_gets_the_text_rule(
    tmp_path: Path, source: str, line: int | None
) -> None:
    removed_project(tmp_path, LOAD)
    write(tmp_path, "broken.py", source)
    assert [f.line for f in check(tmp_path)] == ([] if line is None else [line])


def test_dep001_one_finding_per_item_per_file_at_the_first_of_any_kind(tmp_path: Path) -> None:
    removed_project(tmp_path, LOAD, row("pkg.legacy", "module", "Removed"))
    source = "import os\n\n# see pkg.legacy.load\nfrom pkg import legacy\nlegacy.load()\n"
    write(tmp_path, "m.py", source)
    assert sorted((f.message.split(" ")[0], f.line) for f in check(tmp_path)) == [
        ("pkg.legacy", 3),  # the comment names a member of the removed module too
        ("pkg.legacy.load", 3),
    ]


_PARENTS = st.lists(st.sampled_from(["pkg", "legacy", "core", "util_2"]), min_size=1, max_size=3)
_OTHERS = st.sampled_from(["json", "os.path", "yaml", "pickle", "io", "self", "obj.inner"])
_LASTS = st.sampled_from(["load", "dump", "run", "Reader", "_private"])


def _noise(other: str, last: str) -> st.SearchStrategy[str]:
    head = other.split(".")[0]
    return st.sampled_from(
        [
            f"import {head}\n",
            f"x = {other}.{last}(1)\n",
            f"def {last}(arg):\n    return arg\n",
            f"class K:\n    def {last}(self):\n        return {other}.{last}\n",
            f"# {last} is mentioned here\n",
            f"y = '{last}'\n",
            "\n",
        ]
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), _PARENTS, _OTHERS, _LASTS, st.booleans())
def test_property_dotted_items_need_an_import_not_just_their_last_name(
    data: st.DataObject, parent: list[str], other: str, last: str, imported: bool
) -> None:
    item = ".".join([*parent, last])
    rows = parse_deprecations(table(row(f"`{item}`", status="Removed")), "D.md").rows
    lines = data.draw(st.lists(_noise(other, last), max_size=8))
    at = data.draw(st.integers(0, len(lines)))
    if imported:
        lines.insert(at, f"from {'.'.join(parent)} import {last}\n")
    source = "".join(lines)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write(root, "mod.py", source)
        write(root, "notes.md", source)
        found = scan_references(root, ["mod.py", "notes.md"], rows, "D.md")
    expected = [("mod.py", "".join(lines[:at]).count("\n") + 1)] if imported else []
    assert [(f.path, f.line) for f in found] == expected


def test_the_scan_cache_fingerprint_follows_the_reference_rules_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_g6gov.checks import dep_refs, deprecations

    rules = tmp_path / "rules.py"
    rules.write_text("v1\n")
    monkeypatch.setattr(dep_refs, "__file__", str(rules))
    rows = parse_deprecations(table(LOAD), "D.md").rows
    needles = deprecations._needles(rows)
    before = deprecations._cache_inputs(needles)
    assert before["needles"] == [["dotted", b"pkg.legacy.load".hex()]]
    rules.write_text("v22\n")
    assert deprecations._cache_inputs(needles) != before
