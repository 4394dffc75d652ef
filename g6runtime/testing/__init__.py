"""Test support shipped with the runtime: local stand-ins for the services G6 talks to.

``g6runtime.testing.kite_server`` is a local Kite Connect protocol server (real HTTP on
127.0.0.1, prices from the synthetic market, injectable faults, a rate limit and request
counts); run ``python -m g6runtime.testing.kite_server --port 0`` for a demo. Nothing here
is imported by the runtime itself, and importing this package does no work.
"""
