"""The per-village coverage rollup, moved from the maps app (maps 0006): state only, the table stays."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("field_api", "0013_province_services_erased_households"),
        ("maps", "0005_campaign_models_to_campaigns_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="VillageCoverage",
                    fields=[
                        (
                            "village",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="coverage",
                                serialize=False,
                                to="field_api.village",
                            ),
                        ),
                        ("households", models.PositiveIntegerField(default=0, verbose_name="số hộ")),
                        ("households_visited", models.PositiveIntegerField(default=0, verbose_name="số hộ đã thăm")),
                        (
                            "people_helped",
                            models.PositiveIntegerField(default=0, verbose_name="lượt người được hướng dẫn"),
                        ),
                        ("services_done", models.PositiveIntegerField(default=0, verbose_name="dịch vụ hoàn thành")),
                        ("visits", models.PositiveIntegerField(default=0, verbose_name="lượt thăm")),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "verbose_name": "độ phủ theo thôn",
                        "verbose_name_plural": "độ phủ theo thôn",
                        "db_table": "maps_villagecoverage",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
