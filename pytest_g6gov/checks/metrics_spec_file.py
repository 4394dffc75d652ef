"""The metrics spec file (SPEC §1 "Metrics spec") as the check sees it: MET007 findings.

Parsing and validation are :mod:`pytest_g6gov.metrics_doc`'s, the one parser the runtime
uses too (against the one schema ``schemas/metrics_spec.schema.json``), so the check and the
runtime accept the same specs and word a refusal alike.

:func:`load_spec` raises :class:`InputError` (G6G000) only when the file cannot be
read or is not YAML at all (including the limits of :mod:`..yaml_safe`: the size cap
and alias bombs); everything that parses but breaks the format (the schema, duplicate
keys or names, names out of plain string order, buckets not increasing) is a MET007
finding at its line; an entry the schema refuses is left out of the comparison with the
registry.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from ..findings import Finding
from ..metrics_doc import SpecMetric, read_spec

__all__ = ["LoadedSpec", "SpecMetric", "load_spec"]


class LoadedSpec(NamedTuple):
    """The schema-valid entries (in file order) and the MET007 findings of the rest."""

    metrics: list[SpecMetric]
    findings: list[Finding]


def load_spec(path: Path, rel: str) -> LoadedSpec:
    """Parse and validate the spec; :class:`InputError` (G6G000) only when it cannot be read."""
    document = read_spec(path, rel)
    findings = [Finding("MET007", p.message, rel, p.line) for p in document.problems]
    return LoadedSpec(document.metrics, findings)
