"""Coverage counts households reached (met) and tried apart, and leaves out held visits (core.counting).

The stored rows were counted by the old rule (any visit), so they are dropped: every reader and writer
recounts a village whose row is missing (coverage.numbers.ensure_coverage_rollup)."""

from django.db import migrations, models


def forget_old_counts(apps, schema_editor):
    apps.get_model("coverage", "VillageCoverage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0001_initial"),
        ("field_api", "0017_visit_review"),
    ]

    operations = [
        migrations.RenameField(
            model_name="villagecoverage", old_name="households_visited", new_name="households_reached"
        ),
        migrations.AlterField(
            model_name="villagecoverage",
            name="households_reached",
            field=models.PositiveIntegerField(default=0, verbose_name="số hộ đã gặp"),
        ),
        migrations.AddField(
            model_name="villagecoverage",
            name="households_registered",
            field=models.PositiveIntegerField(default=0, verbose_name="số hộ đã đăng ký"),
        ),
        migrations.AddField(
            model_name="villagecoverage",
            name="households_tried",
            field=models.PositiveIntegerField(default=0, verbose_name="số hộ đã đến chưa gặp"),
        ),
        migrations.RunPython(forget_old_counts, migrations.RunPython.noop, elidable=True),
    ]
