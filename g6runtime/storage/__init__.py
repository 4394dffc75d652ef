"""Sinks that persist cycle results (CSV now)."""
