"""The service catalogue and its guides, so a deployment that only migrates can take pushes.

fixtures/services.json stays the one copy of the catalogue. Only codes not yet stored are inserted: a
province's own edits of names, guides or follow-up days, and services it switched off, are kept; running
it over a database that already has the catalogue (e.g. loaded with `loaddata`) changes nothing.
"""

import json

from django.conf import settings
from django.db import migrations


def catalogue_insert_missing(apps, schema_editor):
    Service = apps.get_model("field_api", "Service")
    path = settings.BASE_DIR / "fixtures" / "services.json"
    entries = [entry for entry in json.loads(path.read_text(encoding="utf-8")) if entry["model"] == "field_api.service"]
    # The fixture follows today's model; keep only the fields this migration's model knows.
    known = {field.name for field in Service._meta.get_fields()}
    existing = set(Service.objects.values_list("code", flat=True))
    Service.objects.bulk_create(
        Service(code=entry["pk"], **{name: value for name, value in entry["fields"].items() if name in known})
        for entry in entries
        if entry["pk"] not in existing
    )


class Migration(migrations.Migration):
    dependencies = [
        ("field_api", "0007_campaign_target_limits"),
    ]

    operations = [
        # Going back leaves the catalogue: visits refer to it and a province may have edited it.
        migrations.RunPython(catalogue_insert_missing, migrations.RunPython.noop),
    ]
