"""The per-village coverage rollup now belongs to the coverage app (coverage 0001): state only, the
table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("maps", "0005_campaign_models_to_campaigns_app"),
        ("coverage", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="VillageCoverage")],
            database_operations=[],
        ),
    ]
