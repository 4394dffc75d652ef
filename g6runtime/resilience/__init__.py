"""Resilience: the fault budget, adaptive detail and the memory-pressure tiers.

* :mod:`.budget` — which cycles breach their SLA; a rolling window with a budget;
* :mod:`.detail` — per index, full → band → aggregates and back;
* :mod:`.memory` — the one memory-pressure model (tiers 0–3, hysteresis, depth scale);
* :mod:`.controller` — plans each cycle and judges it, keeping the state in between;
* :mod:`.state`, :mod:`.publish` — the frozen per-cycle view and its metrics;
* :mod:`.fault_spec` — the SPEC of ``g6 simulate --faults SPEC`` (flags in ``g6runtime.cli``).

Nothing happens at import.
"""
