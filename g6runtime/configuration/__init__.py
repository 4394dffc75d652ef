"""Configuration internals: the JSON Schema, its problems, documents and their sources.

:mod:`g6runtime.config` is the public face (settings, the env-var registry, the one
reader of the environment); nothing here reads the environment or imports it.
"""
