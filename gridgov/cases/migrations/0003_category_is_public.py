from django.db import migrations, models


def publish(apps, schema_editor):
    # Public places: hazards, sanitation, suggestions. Family matters stay private.
    apps.get_model("cases", "Category").objects.filter(
        code__in=["safety", "environment", "suggestion"]
    ).update(is_public=True)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_default_categories")]

    operations = [
        migrations.AddField(
            model_name="category",
            name="is_public",
            field=models.BooleanField(
                default=False,
                help_text="勾选后，此类事项的内容、地点和答复可经Open311公开查询；否则只公开编号和状态",
                verbose_name="内容公开",
            ),
        ),
        migrations.RunPython(publish, migrations.RunPython.noop),
    ]
