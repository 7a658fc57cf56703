"""Audit entries cannot be edited in the database: a trigger refuses UPDATE on both SQLite and
PostgreSQL. The hash chain detects what the trigger cannot stop (someone with the rights to drop
it; deleted entries break the chain or its head); the trigger stops the application, a slip in a
SQL console or a bug from rewriting history. Deleting is left to retention and test set-up,
which the chain's head reveals when it cuts the tail."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS core_auditentry_no_update"]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_auditentry_no_update() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit entries cannot be changed'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
       FOR EACH ROW EXECUTE FUNCTION core_auditentry_no_update()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update ON core_auditentry",
    "DROP FUNCTION IF EXISTS core_auditentry_no_update()",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in POSTGRES_REVERSE if vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_actor_kept")]

    operations = [migrations.RunPython(forwards, backwards)]
