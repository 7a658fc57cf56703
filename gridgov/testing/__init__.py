"""Test fixtures shared by every app's tests (registered as pytest plugins in gridgov/conftest.py).

Not imported by the running platform: apps may build fixtures from any app here.
"""
