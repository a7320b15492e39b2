"""Repair households whose "last visit" came from a visit flagged in the future (before the rule).

It calls the service itself: on a new database there are no visits and it does nothing; on an
existing one it runs right after the code that defines the rule, so the models agree with it.
"""

from django.db import migrations


def repair(apps, schema_editor):
    from core.services.integrity import TIME_IN_FUTURE
    from core.services.last_visit import household_last_visit_refresh

    Visit = apps.get_model("field_api", "Visit")
    affected = {
        household_id
        for household_id, flags in Visit.objects.filter(is_flagged=True)
        .values_list("household_id", "flags")
        .iterator(chunk_size=5000)
        if TIME_IN_FUTURE in (flags or [])
    }
    affected = sorted(affected)
    for start in range(0, len(affected), 1000):
        household_last_visit_refresh(household_ids=affected[start : start + 1000])


class Migration(migrations.Migration):
    dependencies = [("field_api", "0009_sync_epoch")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
