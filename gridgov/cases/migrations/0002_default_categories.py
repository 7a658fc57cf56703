"""The default categories (rules.DEFAULT_CATEGORIES); an administrator edits them afterwards."""

from django.db import migrations

from gridgov.cases.rules import DEFAULT_CATEGORIES as DEFAULTS


def load(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for order, (code, name, kind, level, role, description) in enumerate(DEFAULTS, start=1):
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "start_level": level,
                "handler_role": role,
                "description": description,
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
