"""Settings of the database connection that the write path's speed rests on."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_postgresql_prepares_a_statement_run_five_times():
    """Django turns psycopg's preparing off unless asked; planning the matter's read took six
    times as long as running it (bench/load.py), so gridgov asks."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 5
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute("SELECT count(*) FROM core_audithead WHERE id = %s", [1])
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] >= 1
