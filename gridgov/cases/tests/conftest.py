"""The matters fixtures live in ``fixtures.py`` (the root conftest registers them for every app);
the constants are re-exported here for tests that imported them from this module."""

from .fixtures import INSIDE_A, INSIDE_B, LAT0, LNG0, monday, square

__all__ = ["INSIDE_A", "INSIDE_B", "LAT0", "LNG0", "monday", "square"]
