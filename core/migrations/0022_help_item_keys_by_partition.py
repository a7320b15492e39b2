"""A help item's key to its visit, declared between each province's pair of history partitions.

The same rows are allowed as with the one key between the partitioned tables (a help item and its visit
share a province, hence a pair of partitions), and each check at a push's commit reads one plain table
instead of routing through the partitioned one (core/history_partitions.py). PostgreSQL only: SQLite
has plain tables and Django's own keys.
"""

from django.db import migrations

from core.history_partitions import help_item_key_on_parents, help_item_keys_by_partition, history_is_partitioned


def _on_partitioned_history(step):
    def run(apps, schema_editor):
        connection = schema_editor.connection
        if history_is_partitioned(using=connection):
            with connection.cursor() as cursor:
                step(cursor)

    return run


class Migration(migrations.Migration):
    # Statement by statement: validating the keys of a large history must not hold pushes (see
    # ``help_item_keys_by_partition``).
    atomic = False
    dependencies = [("field_api", "0021_helpitem_province_by_visit_key")]

    operations = [
        migrations.RunPython(
            _on_partitioned_history(help_item_keys_by_partition),
            _on_partitioned_history(help_item_key_on_parents),
        )
    ]
