"""One question both source-scanning checks ask of an ``ast`` node before descending."""

from __future__ import annotations

import ast
import bisect


def spans(node: ast.AST, lines: list[int]) -> bool:
    """Whether ``node``'s source lines (decorators included) hold one of the sorted ``lines``;
    True for nodes without a position (module, arguments, comprehension, ...)."""
    lo = getattr(node, "lineno", None)
    if lo is None:
        return True
    hi = getattr(node, "end_lineno", None) or lo
    decorators = getattr(node, "decorator_list", None)
    if decorators:
        lo = min(lo, *(d.lineno for d in decorators))
    i = bisect.bisect_left(lines, lo)
    return i < len(lines) and lines[i] <= hi
