"""Where audit entries without a grid path are seen (docs/security.md §3), and the places of the
entries written before: from the acting user's roles as they are now. Entries about a user are
seen where that user holds a role, read at query time, so they need no row here. The entries
themselves are not touched: their hashes stay valid."""

import django.db.models.deletion
from django.db import migrations, models


def _collapse(paths):
    kept = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def backfill(apps, schema_editor):
    AuditEntry = apps.get_model("core", "AuditEntry")
    AuditPlace = apps.get_model("core", "AuditPlace")
    Assignment = apps.get_model("accounts", "Assignment")
    roles = {}
    for user_id, code in Assignment.objects.values_list("user_id", "node_code"):
        roles.setdefault(user_id, []).append(code)
    if not roles:
        return
    last = 0
    while True:
        rows = list(
            AuditEntry.objects.filter(id__gt=last, grid_path="", actor_id__isnull=False)
            .order_by("id")
            .values_list("id", "actor_id")[:5000]
        )
        if not rows:
            break
        AuditPlace.objects.bulk_create(
            [
                AuditPlace(entry_id=entry_id, path=path)
                for entry_id, actor_id in rows
                for path in _collapse(roles.get(actor_id, []))
            ],
            ignore_conflicts=True,
        )
        last = rows[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_calendarday'),
        ('accounts', '0003_assignment_node_code'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditPlace',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('path', models.CharField(max_length=32, verbose_name='网格路径')),
                ('entry', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='places', to='core.auditentry')),
            ],
            options={
                'verbose_name': '审计记录可见范围',
                'verbose_name_plural': '审计记录可见范围',
                'indexes': [models.Index(fields=['path', 'entry'], name='core_auditplace_path')],
                'constraints': [models.UniqueConstraint(fields=('entry', 'path'), name='core_auditplace_unique')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
