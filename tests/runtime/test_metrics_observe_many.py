"""``observe_many``: a batch of histogram observations equals one ``observe`` each.

The runtime's histograms are prometheus_client's Histogram with one method added, which
writes through the library's own value objects; these tests compare its exposition with
that of a plain prometheus_client Histogram observing the same amounts one by one, so a
library upgrade that renames those internals fails here, not in production.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from g6runtime.metrics import build_registry, load_spec
from g6runtime.metrics.spec import MetricSpec

BUCKETS = (1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0)


def spec_of(name: str) -> MetricSpec:
    return next(s for s in load_spec() if s.name == name)


def lines(registry: CollectorRegistry) -> list[str]:
    return [
        line
        for line in generate_latest(registry).decode().splitlines()
        if not line.startswith("#") and "_created" not in line  # wall-clock time
    ]


def pair(buckets: tuple[float, ...]) -> tuple[CollectorRegistry, Histogram, object]:
    """The runtime's histogram class and a plain one, same name, labels and buckets."""
    from g6runtime.metrics.registry import _Histogram

    ours, theirs = CollectorRegistry(), CollectorRegistry()
    batch = _Histogram("h", "doc", ["index"], registry=ours, buckets=buckets)
    plain = Histogram("h", "doc", ["index"], registry=theirs, buckets=buckets)
    return ours, plain, (theirs, batch)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=-5, max_value=40), max_size=60))
def test_integer_batches_give_the_exposition_of_one_observe_each(amounts: list[int]) -> None:
    ours, plain, (theirs, batch) = pair(BUCKETS)
    batch.labels(index="NIFTY").observe_many(amounts)  # type: ignore[attr-defined]
    child = plain.labels(index="NIFTY")  # the series exists, observed or not
    for a in amounts:
        child.observe(a)
    assert lines(ours) == lines(theirs)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False) | st.sampled_from(BUCKETS),
        max_size=40,
    )
)
def test_float_batches_fill_the_same_buckets(amounts: list[float]) -> None:
    # Buckets and count exactly; the sum adds each distinct amount once (amount × count),
    # so it may differ from the one-by-one sum in the last bits only.
    ours, plain, (theirs, batch) = pair(BUCKETS)
    batch.labels(index="BANKNIFTY").observe_many(amounts)  # type: ignore[attr-defined]
    child = plain.labels(index="BANKNIFTY")
    for a in amounts:
        child.observe(a)
    got, want = lines(ours), lines(theirs)
    assert [x for x in got if "_sum" not in x] == [x for x in want if "_sum" not in x]
    (got_sum,) = [float(x.split()[-1]) for x in got if "_sum" in x]
    (want_sum,) = [float(x.split()[-1]) for x in want if "_sum" in x]
    assert math.isclose(got_sum, want_sum, rel_tol=1e-9, abs_tol=1e-6)


def test_the_spec_histograms_take_batches_and_check_their_labels() -> None:
    metrics = build_registry([spec_of("g6_iv_solver_iterations")])
    hist = metrics.histogram("g6_iv_solver_iterations")
    hist.labels(index="NIFTY").observe_many([3, 3, 4, 7, 3])
    text = generate_latest(metrics.registry).decode()
    assert 'g6_iv_solver_iterations_count{index="NIFTY"} 5.0' in text
    assert 'g6_iv_solver_iterations_sum{index="NIFTY"} 20.0' in text
    with pytest.raises(ValueError, match="missing label values"):
        hist.observe_many([1])  # a labelled family, like observe()


def test_a_disabled_group_takes_batches_as_a_no_op() -> None:
    spec = spec_of("g6_iv_solver_iterations")
    metrics = build_registry([spec], disabled_groups=frozenset({spec.group}))
    hist = metrics.histogram("g6_iv_solver_iterations")
    hist.labels(index="NIFTY").observe_many([1, 2])
    with pytest.raises(ValueError, match="missing label values"):
        hist.observe_many([1])
    assert "g6_iv_solver_iterations" not in generate_latest(metrics.registry).decode()
