"""``g6gov: ignore[CODE]`` comments: which lines of which file types name which codes
(``suppress.line_codes``), and how findings are split into kept and suppressed."""

from __future__ import annotations

import ast
import json
import operator
import tomllib
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_g6gov import suppress
from pytest_g6gov.findings import Finding
from pytest_g6gov.suppress import Suppressor, line_codes, split

M = "g6gov: ignore[X1]"

# (suffix, source, line, codes): every comment syntax SPEC names, and the places that look
# like one but are not
CASES = [
    # Python: comment tokens only
    (".py", f"x = 1  # {M}\n", 1, {"X1"}),
    (".py", f"# {M}\nx = 1\n", 1, {"X1"}),
    (".py", f"x = '# {M}'\n", 1, set()),
    (".py", f'x = """\n# {M}\n"""\n', 2, set()),
    (".py", f'x = f"{{y}} # {M}"\n', 1, set()),
    (".py", f"x = '# {M}'  # g6gov: ignore[X2]\n", 1, {"X2"}),
    (".py", f"x = 1  # {M}\n", 2, set()),
    (".py", f"x = 1  # {M}\n", 0, set()),
    # a form feed (PEP 8 allows them) or U+2028 does not start a line for the checks
    (".py", f"\x0c\nx = 1  # {M}\n", 2, {"X1"}),
    (".py", f"s = 'a\u2028b'\nx = 1  # {M}\n", 2, {"X1"}),
    (".py", f"x = 1\r\ny = 2  # {M}\r\n", 2, {"X1"}),
    # a file that stops tokenizing: the comments before the error still count
    (".py", f"x = 1  # {M}\ny = (\n", 1, {"X1"}),
    (".pyi", f"def f() -> int: ...  # {M}\n", 1, {"X1"}),
    (".PY", f"x = 1  # {M}\n", 1, {"X1"}),
    # TOML: a # outside strings
    (".toml", f"a = 1  # {M}\n", 1, {"X1"}),
    (".toml", f"a = 1#{M}\n", 1, {"X1"}),
    (".toml", f'a = "# {M}"\n', 1, set()),
    (".toml", f"a = '# {M}'\n", 1, set()),
    (".toml", f'a = "q\\" # {M}"\n', 1, set()),
    (".toml", f'a = "q\\\\" # {M}\n', 1, {"X1"}),
    (".toml", f'a = """\n# {M}\n"""\n', 2, set()),
    (".toml", f"a = '''\n# {M}\n'''\n", 2, set()),
    (".toml", f'a = """x""""  # {M}\n', 1, {"X1"}),
    (".toml", f'a = """\nx\n"""  # {M}\n', 3, {"X1"}),
    # YAML: a # at the start or after a blank, outside quoted and block scalars
    (".yaml", f"- name: a  # {M}\n", 1, {"X1"}),
    (".yml", f"# {M}\n- a\n", 1, {"X1"}),
    (".yaml", f"a: b#{M}\n", 1, set()),
    (".yaml", f'a: "x # {M}"\n', 1, set()),
    (".yaml", f"a: 'x # {M}'\n", 1, set()),
    (".yaml", f"a: 'it''s # {M}'\n", 1, set()),
    (".yaml", f"a: it's plain # {M}\n", 1, {"X1"}),
    (".yaml", f'- {{a: 1, b: "x # {M}"}}\n', 1, set()),
    (".yaml", f'- {{a: 1, b: "x"}}  # {M}\n', 1, {"X1"}),
    (".yaml", f"a: |\n  # {M}\nb: 1  # g6gov: ignore[X2]\n", 2, set()),
    (".yaml", f"a: |\n  # {M}\nb: 1  # g6gov: ignore[X2]\n", 3, {"X2"}),
    (".yaml", f"- d: >-\n\n    text # {M}\n", 3, set()),
    (".yaml", f'a: "one\n  two # {M}"\n', 2, set()),
    (".yaml", f"a: !!str 'x # {M}'\n", 1, set()),
    # Markdown: inside <!-- --> only, not in code
    (".md", f"- entry <!-- {M} -->\n", 1, {"X1"}),
    (".md", f"- entry <!--{M}-->\n", 1, {"X1"}),
    (".md", f"- entry # {M}\n", 1, set()),
    (".md", f"# {M}\n", 1, set()),
    (".md", f"- entry `<!-- {M} -->`\n", 1, set()),
    (".md", f"- entry ``a ` <!-- {M} -->``\n", 1, set()),
    (".md", f"- entry ` unmatched <!-- {M} -->\n", 1, {"X1"}),
    (".md", f"```\nx <!-- {M} -->\n```\n", 2, set()),
    (".md", f"~~~~ text\nx <!-- {M} -->\n~~~~\nafter <!-- {M} -->\n", 2, set()),
    (".md", f"~~~~ text\nx <!-- {M} -->\n~~~~\nafter <!-- {M} -->\n", 4, {"X1"}),
    (".md", f"```\n```` not closing\nx <!-- {M} -->\n", 3, set()),
    (".md", f"<!--\n{M}\n-->\n", 2, {"X1"}),
    (".md", f"<!-- open\n```\n{M} -->\n", 3, {"X1"}),
    (".md", f"| a | b <!-- {M} --> |\n", 1, {"X1"}),
    (".markdown", f"text <!-- {M} -->\n", 1, {"X1"}),
    # HTML: comments, backticks are text
    (".html", f"<p>`x` <!-- {M} --></p>\n", 1, {"X1"}),
    (".html", f"<p>{M}</p>\n", 1, set()),
    # JSON has no comments
    (".json", f'{{"a": 1}}  # {M}\n', 1, set()),
    # any other text file: a # at the start or after a blank
    (".txt", f"text # {M}\n", 1, {"X1"}),
    (".cfg", f"key = a#{M}\n", 1, set()),
    ("", f"RUN make  # {M}\n", 1, {"X1"}),
    # several codes, spacing, several markers, and what does not count as one
    (".py", "x  # g6gov: ignore[A1, B2,C3]\n", 1, {"A1", "B2", "C3"}),
    (".py", "x  # g6gov:ignore[ A1 ,, ]\n", 1, {"A1"}),
    (".py", "x  # g6gov: ignore[A1] g6gov: ignore[B2]\n", 1, {"A1", "B2"}),
    (".py", "x  # g6gov: ignore[]\n", 1, set()),
    (".py", "x  # g6gov ignore[A1]\n", 1, set()),
    (".py", "x  # g6gov: ignore A1\n", 1, set()),
    (".py", "x  # g6gov: noqa[A1]\n", 1, set()),
]


@pytest.mark.parametrize(("suffix", "source", "line", "codes"), CASES)
def test_line_codes(suffix: str, source: str, line: int, codes: set[str]) -> None:
    assert line_codes(suffix, source, line) == codes


def test_the_line_numbers_are_the_checks_line_numbers() -> None:
    """ast (env_docs, DEP001) and the doc parsers number lines by ``\\n`` only."""
    source = f"a = 'x\x0cy\x1cz\x85w\u2029v'\nb = 'G6_X'  # {M}\n"
    node = next(n for n in ast.walk(ast.parse(source)) if getattr(n, "value", None) == "G6_X")
    assert line_codes(".py", source, node.lineno) == {"X1"}


# ----------------------------------------------------------------------------- hypothesis

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CODE = st.builds(operator.add, st.sampled_from(UPPER), st.text(UPPER + "0123456789_", max_size=7))
BLANK = st.text(" \t", max_size=3)
# text with no line break or control character in it (YAML refuses those unescaped)
TEXT = st.text(st.characters(exclude_categories=["Cc", "Cs", "Cn", "Zl", "Zp"]), max_size=30)


@st.composite
def markers(draw: st.DrawFn) -> tuple[str, list[str]]:
    codes = draw(st.lists(CODE, min_size=1, max_size=4))
    inner = ",".join(f"{draw(BLANK)}{c}{draw(BLANK)}" for c in codes)
    return f"g6gov:{draw(BLANK)}ignore[{inner}]", codes


COMMENTED = {
    ".py": "value = 1  # {m}",
    ".toml": "value = 1  # {m}",
    ".yaml": "- value: 1  # {m}",
    ".md": "- `G6_X` – str – x – text <!-- {m} -->",
    ".html": "<p>text</p><!--{m}-->",
    ".txt": "text # {m}",
}


@settings(max_examples=150, deadline=None)
@given(markers(), st.sampled_from(sorted(COMMENTED)), st.integers(0, 3))
def test_any_code_list_and_spacing_round_trip(
    marker: tuple[str, list[str]], suffix: str, before: int
) -> None:
    text, codes = marker
    source = "\n" * before + COMMENTED[suffix].format(m=text) + "\n"
    assert line_codes(suffix, source, before + 1) == set(codes)
    assert line_codes(suffix, source, before + 2) == set()


@pytest.mark.slow  # about 2 s under this repository's coverage measurement
@settings(max_examples=150, deadline=None)
@given(markers(), TEXT, TEXT)
def test_a_marker_outside_a_comment_never_counts(
    marker: tuple[str, list[str]], left: str, right: str
) -> None:
    text = left + marker[0] + right
    quoted = json.dumps(
        text, ensure_ascii=False
    )  # a valid string literal in Python, TOML and YAML alike
    assert ast.literal_eval(quoted) == text
    assert tomllib.loads(f"value = {quoted}\n")["value"] == text
    assert yaml.safe_load(f"value: {quoted}\n")["value"] == text
    assert line_codes(".py", f"value = {quoted}\n", 1) == set()
    assert line_codes(".toml", f"value = {quoted}\n", 1) == set()
    assert line_codes(".yaml", f"value: {quoted}\n", 1) == set()
    fence = "`" * (max((len(r) for r in suppress._TICKS.findall(text)), default=0) + 1)
    assert line_codes(".md", f"text {fence} {text} {fence}\n", 1) == set()
    assert line_codes(".md", f"```\n{text}\n```\n", 2) == set()
    if "<!--" not in text:
        assert line_codes(".md", f"# {text}\n", 1) == set()
    assert line_codes(".json", f"{{{quoted}: 1}}  # {marker[0]}\n", 1) == set()


@pytest.mark.slow  # about 3 s under this repository's coverage measurement
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markers(), TEXT, st.booleans(), st.booleans())
def test_random_python_lines_string_or_comment(
    marker: tuple[str, list[str]], noise: str, in_string: bool, in_comment: bool
) -> None:
    """A Python line with the marker in a string literal (repr of random text, with # in
    it or not), in a comment, in both or in neither: only the comment counts."""
    text, codes = marker
    string = noise + (f"# {text}" if in_string else "")
    literal = repr(string)
    line = f"value = {literal}" + (f"  # {noise} {text}" if in_comment else "")
    source = f"import os\n{line}\nother = 2\n"
    ast.parse(source)
    expected = set(codes) if in_comment else set()
    assert line_codes(".py", source, 2) == expected
    # the TOML and YAML readers agree with their parsers about the same line
    quoted = json.dumps(string, ensure_ascii=False)
    toml = f"value = {quoted}" + (f"  # {text}" if in_comment else "")
    tomllib.loads(toml)
    assert line_codes(".toml", toml, 1) == expected
    yml = f"value: {quoted}" + (f"  # {text}" if in_comment else "")
    yaml.safe_load(yml)
    assert line_codes(".yaml", yml, 1) == expected


# ----------------------------------------------------------------------------- split


def test_split_keeps_what_no_comment_or_ignore_names(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(f"x = 1  # g6gov: ignore[ENV002, G6G000]\ny = 2  # {M}\n")
    findings = [
        Finding("ENV002", "on the line", "a.py", 1),
        Finding("ENV002", "on the line", "a.py", 1),  # reported twice, shown once
        Finding("ENV003", "another code", "a.py", 1),
        Finding("ENV002", "another line", "a.py", 2),
        Finding("ENV004", "ignored by the key", "docs/x.md", 9),
        Finding("ENV002", "no line", "a.py", None),
        Finding("ENV002", "no path", None, 1),
        Finding("G6G000", "never suppressed", "a.py", 1),
    ]
    kept, dropped = split(findings, frozenset({"ENV004"}), Suppressor(tmp_path))
    assert dropped == 2
    assert [f.message for f in kept] == [
        "another code",
        "another line",
        "no line",
        "no path",
        "never suppressed",
    ]


def test_split_without_suppressions_keeps_everything(tmp_path: Path) -> None:
    findings = [Finding("A1", "m", "a.py", 1), Finding("A2", "m", None, None)]
    assert split(findings, frozenset(), Suppressor(tmp_path)) == (findings, 0)


def test_the_suppressor_reads_nothing_outside_the_rootdir(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside.py").write_text(f"x  # {M}\n")
    (root / "inside.py").write_text(f"x  # {M}\n")
    s = Suppressor(root)
    assert s.suppressed("X1", "inside.py", 1)
    assert s.suppressed("X1", "./sub/../inside.py", 1)
    assert not s.suppressed("X1", "../outside.py", 1)
    assert not s.suppressed("X1", str(tmp_path / "outside.py"), 1)


@pytest.mark.parametrize(
    ("path", "line"),
    [("missing.py", 1), ("folder", 1), ("latin1.py", 1), ("a.py", "1"), ("a.py", True), (3, 1)],
)
def test_odd_locations_suppress_nothing_and_never_raise(
    tmp_path: Path, path: object, line: object
) -> None:
    (tmp_path / "a.py").write_text(f"x  # {M}\n")
    (tmp_path / "folder").mkdir()
    (tmp_path / "latin1.py").write_bytes(f"x = 'é'  # {M}\n".encode("latin-1"))
    assert not Suppressor(tmp_path).suppressed("X1", path, line)


def test_a_bom_does_not_hide_the_first_line(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_bytes(f"x = 1  # {M}\n".encode("utf-8-sig"))
    assert Suppressor(tmp_path).suppressed("X1", "a.py", 1)


def test_each_file_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.md").write_text(f"a <!-- {M} -->\nb\n")
    (tmp_path / "plain.md").write_text("nothing to see\n")
    calls: list[str] = []
    real = suppress.file_codes

    def counting(suffix: str, source: str) -> dict[int, frozenset[str]]:
        calls.append(suffix)
        return real(suffix, source)

    monkeypatch.setattr(suppress, "file_codes", counting)
    s = Suppressor(tmp_path)
    results = [s.suppressed("X1", "a.md", n) for n in (1, 2, 1, 2)]
    results += [s.suppressed("X1", "plain.md", 1)]
    assert results == [True, False, True, False, False]
    assert calls == [".md"]  # plain.md holds no marker: never parsed


def test_g6g000_is_never_suppressed(tmp_path: Path) -> None:
    """Neither by a comment naming it nor by an ignore set holding it (config refuses that
    too): a check that could not run must be seen."""
    (tmp_path / "a.yaml").write_text("a: [  # g6gov: ignore[G6G000]\n")
    assert not Suppressor(tmp_path).suppressed("G6G000", "a.yaml", 1)
    crash = Finding("G6G000", "cannot parse a.yaml", "a.yaml", 1)
    assert split([crash], frozenset({"G6G000"}), Suppressor(tmp_path)) == ([crash], 0)
