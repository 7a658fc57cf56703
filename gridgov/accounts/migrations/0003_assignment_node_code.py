import gridgov.core.fields
from django.db import migrations


def copy_codes(apps, schema_editor):
    Assignment = apps.get_model("accounts", "Assignment")
    for assignment in Assignment.objects.select_related("node"):
        Assignment.objects.filter(pk=assignment.pk).update(node_code=assignment.node.code)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_signin_failures"),
        ("grid", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="node_code",
            field=gridgov.core.fields.BytewiseCharField(
                default="", editable=False, max_length=18, verbose_name="网格代码"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(copy_codes, migrations.RunPython.noop),
    ]
