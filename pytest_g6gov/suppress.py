"""``g6gov: ignore[CODE,...]`` comments on a finding's line, and the per-check ``ignore`` key.

The marker counts only inside a real comment of the file's language:

* Python (``.py``, ``.pyi``, ``.pyw``): a comment token (``tokenize``), never a string;
* TOML (``.toml``): after a ``#`` outside any string (multi-line strings included);
* YAML (``.yaml``, ``.yml``): after a ``#`` at the line start or after a blank, outside
  quoted scalars and block scalars (``|``, ``>``);
* Markdown (``.md``, ``.markdown``): inside ``<!-- … -->``, not in a code span or a fenced
  code block (a ``#`` there is a heading or text, never a comment);
* HTML and XML: inside ``<!-- … -->``; JSON: nowhere (it has no comments);
* any other text file: after a ``#`` at the line start or after a blank.

Lines are numbered as the checks number them: 1-based, split at ``\\n`` only (a form feed
or U+2028 inside a line does not start a new one).
"""

from __future__ import annotations

import io
import posixpath
import re
import tokenize
from collections.abc import Callable, Iterable
from pathlib import Path

from .findings import Finding

MARK = re.compile(r"g6gov:\s*ignore\[([A-Za-z0-9_,\s]*)\]")
PYTHON = frozenset({".py", ".pyi", ".pyw"})
TOML = frozenset({".toml"})
YAML = frozenset({".yaml", ".yml"})
MARKDOWN = frozenset({".md", ".markdown"})
HTML = frozenset({".html", ".htm", ".xml"})
NO_COMMENTS = frozenset({".json"})

Comments = dict[int, list[str]]
"""The comment texts of each line (1-based) that has any."""


def _lines(source: str) -> list[str]:
    return [line.removesuffix("\r") for line in source.split("\n")]


def _codes(text: str) -> set[str]:
    return {c.strip() for m in MARK.finditer(text) for c in m.group(1).split(",") if c.strip()}


# ----------------------------------------------------------------------------- Python


def _python(source: str) -> Comments:
    """Comment tokens; a file that stops tokenizing keeps the comments seen before."""
    out: Comments = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                out.setdefault(tok.start[0], []).append(tok.string)
    except (tokenize.TokenError, SyntaxError):  # IndentationError is a SyntaxError
        pass  # what follows the error is not known to be a comment: it suppresses nothing
    return out


# ----------------------------------------------------------------------------- TOML


def _quoted_end(line: str, i: int, quote: str, escapes: bool) -> int:
    """The index after the closing ``quote`` (one or three characters) from ``i``; -1: none."""
    n = len(line)
    while i < n:
        if escapes and line[i] == "\\":
            i += 2
            continue
        if line.startswith(quote, i):
            end = i + len(quote)
            if len(quote) == 3:  # up to two quotes of the content may precede the closing ones
                extra = 0
                while end < n and line[end] == quote[0] and extra < 2:
                    end, extra = end + 1, extra + 1
            return end
        i += 1
    return -1


def _toml(source: str) -> Comments:
    out: Comments = {}
    open_: str | None = None  # a multi-line string ('"""' or "'''") continues
    for number, line in enumerate(_lines(source), start=1):
        i = 0
        while i < len(line):
            if open_ is not None:
                end = _quoted_end(line, i, open_, open_ == '"""')
                if end < 0:
                    break
                i, open_ = end, None
                continue
            c = line[i]
            if c == "#":
                out[number] = [line[i:]]
                break
            if line.startswith(('"""', "'''"), i):
                open_, i = line[i : i + 3], i + 3
            elif c in "\"'":
                end = _quoted_end(line, i + 1, c, c == '"')
                i = len(line) if end < 0 else end
            else:
                i += 1
    return out


# ----------------------------------------------------------------------------- YAML

_BLOCK_HEADER = re.compile(r"(?:^|[\s:\-?])[|>][1-9+\-]{0,2}\s*$")
_PROPERTY = re.compile(r"(?:^|\s)[!&]\S*$")


def _scalar_starts(line: str, i: int) -> bool:
    """Whether a quote at ``i`` opens a quoted scalar (``it's`` in plain text does not)."""
    if i and line[i - 1] not in " \t[{,":
        return False
    before = line[:i].rstrip()
    return not before or before[-1] in ":-?[{," or _PROPERTY.search(before) is not None


def _yaml_line(line: str, quote: str | None) -> tuple[str | None, str | None, str]:
    """(the comment, the quote still open at the end, the text before the comment)."""
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if quote == '"':
            if c == "\\":
                i += 2
                continue
            quote = None if c == '"' else quote
        elif quote == "'":
            if c == "'" and line.startswith("''", i):
                i += 2
                continue
            quote = None if c == "'" else quote
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[i:], None, line[:i]
        elif c in "\"'" and _scalar_starts(line, i):
            quote = c
        i += 1
    return None, quote, line


def _yaml(source: str) -> Comments:
    out: Comments = {}
    block: int | None = None  # the indentation of the line that opened a block scalar
    quote: str | None = None  # a quoted scalar continues from an earlier line
    for number, line in enumerate(_lines(source), start=1):
        indent = len(line) - len(line.lstrip(" "))
        if block is not None:
            if not line.strip() or indent > block:
                continue  # the block scalar's content: text, never a comment
            block = None
        comment, quote, code = _yaml_line(line, quote)
        if comment is not None:
            out[number] = [comment]
        if quote is None and _BLOCK_HEADER.search(code):
            block = indent
    return out


# ----------------------------------------------------------------------------- Markdown, HTML

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_TICKS = re.compile(r"`+")


def _span_end(line: str, ticks: re.Match[str]) -> int:
    """The end of the code span a backtick run opens; -1 when no run of its length closes it."""
    for close in _TICKS.finditer(line, ticks.end()):
        if len(close.group()) == len(ticks.group()):
            return close.end()
    return -1


def _markup_line(line: str, inside: bool, spans: bool) -> tuple[list[str], bool]:
    """The HTML comment texts on a line, and whether a comment is still open at its end."""
    texts: list[str] = []
    i = 0
    if inside:
        end = line.find("-->")
        if end < 0:
            return [line], True
        texts.append(line[:end])
        i = end + 3
    while True:
        start = line.find("<!--", i)
        ticks = _TICKS.search(line, i) if spans else None
        if ticks is not None and (start < 0 or ticks.start() < start):
            end = _span_end(line, ticks)
            i = ticks.end() if end < 0 else end  # unmatched backticks are literal text
            continue
        if start < 0:
            return texts, False
        end = line.find("-->", start + 4)
        if end < 0:
            texts.append(line[start + 4 :])
            return texts, True
        texts.append(line[start + 4 : end])
        i = end + 3


def _fence_closes(line: str, fence: str) -> bool:
    m = _FENCE.match(line)
    if m is None:
        return False
    run = m.group(1)
    return run[0] == fence[0] and len(run) >= len(fence) and not line[m.end() :].strip()


def _markup(source: str, markdown: bool) -> Comments:
    out: Comments = {}
    fence: str | None = None
    inside = False
    for number, line in enumerate(_lines(source), start=1):
        if markdown and not inside:
            if fence is not None:
                if _fence_closes(line, fence):
                    fence = None
                continue
            m = _FENCE.match(line)
            if m is not None and not (m.group(1)[0] == "`" and "`" in line[m.end() :]):
                fence = m.group(1)
                continue
        texts, inside = _markup_line(line, inside, spans=markdown)
        if texts:
            out[number] = texts
    return out


# ----------------------------------------------------------------------------- other files


_HASH = re.compile(r"(?:^|(?<=[ \t]))#")


def _hash(source: str) -> Comments:
    out: Comments = {}
    for number, line in enumerate(_lines(source), start=1):
        m = _HASH.search(line)
        if m is not None:
            out[number] = [line[m.start() :]]
    return out


def comments(suffix: str, source: str) -> Comments:
    """Each line's comment texts in a file of this suffix (``".py"``, ``".md"``, …)."""
    suffix = suffix.lower()
    reader: Callable[[str], Comments]
    if suffix in PYTHON:
        reader = _python
    elif suffix in TOML:
        reader = _toml
    elif suffix in YAML:
        reader = _yaml
    elif suffix in MARKDOWN:
        return _markup(source, markdown=True)
    elif suffix in HTML:
        return _markup(source, markdown=False)
    elif suffix in NO_COMMENTS:
        return {}
    else:
        reader = _hash
    return reader(source)


def file_codes(suffix: str, source: str) -> dict[int, frozenset[str]]:
    """The codes each line's suppression comments name (lines naming none are left out)."""
    out: dict[int, frozenset[str]] = {}
    for line, texts in comments(suffix, source).items():
        codes = frozenset(c for text in texts for c in _codes(text))
        if codes:
            out[line] = codes
    return out


def line_codes(suffix: str, source: str, line: int) -> set[str]:
    """The codes a suppression comment names on ``line`` (1-based) of a file's text."""
    return set(file_codes(suffix, source).get(line, ()))


# ----------------------------------------------------------------------------- findings


class Suppressor:
    """Decides which findings are suppressed; reads and parses each file once per session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, dict[int, frozenset[str]]] = {}

    def _codes(self, rel: str) -> dict[int, frozenset[str]]:
        if rel not in self._files:
            self._files[rel] = self._load(rel)
        return self._files[rel]

    def _load(self, rel: str) -> dict[int, frozenset[str]]:
        norm = posixpath.normpath(rel.replace("\\", "/"))
        if posixpath.isabs(norm) or norm == ".." or norm.startswith("../"):
            return {}  # findings name files inside the rootdir; nothing else is read
        try:
            data = (self.root / norm).read_bytes()
        except OSError:
            return {}  # unreadable: nothing there suppresses anything
        if b"g6gov:" not in data:
            return {}
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return {}
        return file_codes(posixpath.splitext(norm)[1], text)

    def suppressed(self, code: str, path: object, line: object) -> bool:
        """Whether a comment on ``path``'s ``line`` names ``code`` (never for G6G000)."""
        if code == "G6G000" or not isinstance(path, str) or type(line) is not int:
            return False
        return code in self._codes(path).get(line, ())


def split(
    findings: Iterable[Finding], ignore: frozenset[str], suppressor: Suppressor
) -> tuple[list[Finding], int]:
    """The findings that stay, and how many distinct ones were suppressed (by ``ignore``
    or a comment); a finding reported twice counts once, as it is shown once."""
    kept: list[Finding] = []
    dropped = 0
    for f in dict.fromkeys(findings):
        if f.code != "G6G000" and (
            f.code in ignore or suppressor.suppressed(f.code, f.path, f.line)
        ):
            dropped += 1
        else:
            kept.append(f)
    return kept, dropped
