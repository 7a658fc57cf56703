"""Shared mechanisms: actor context, scoped querysets, audit chain, personal-data crypto, rules.

``core`` imports nothing else of gridgov's (import-linter contract in pyproject.toml).
"""
