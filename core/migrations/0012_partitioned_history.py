"""Visits and help items carry their province and, on PostgreSQL, live in one partition per province.

See ``core/history_partitions.py`` for why. On PostgreSQL the two tables are rebuilt: each is
renamed, a partitioned table of the same columns takes its name with a partition per province (and a
default one), the rows are copied with their province, the old table is dropped, and the keys, indexes
and foreign keys are made again (the primary keys with the province: ``(id, province_id)``). The ids
go to ``VisitKey``, which keeps them unique across partitions. On SQLite the province is filled in.

Going back rebuilds plain tables the same way.
"""

import django.db.models.deletion
from django.db import migrations, models

from core.history_partitions import has_own_partition, partition_name

VISIT, HELP_ITEM = "field_api_visit", "field_api_helpitem"

# Each visit's province, from its village's commune.
VISIT_PROVINCE = (
    "(SELECT c.province_id FROM field_api_village v JOIN field_api_commune c ON c.code = v.commune_id "
    "WHERE v.code = field_api_visit.village_id)"
)
HELP_ITEM_PROVINCE = "(SELECT province_id FROM field_api_visit WHERE id = field_api_helpitem.visit_id)"


def _fill_plain(cursor) -> None:
    cursor.execute(f"UPDATE {VISIT} SET province_id = {VISIT_PROVINCE}")  # noqa: S608
    cursor.execute(f"UPDATE {HELP_ITEM} SET province_id = {HELP_ITEM_PROVINCE}")  # noqa: S608


def _foreign_keys_and_indexes(cursor, table: str) -> tuple[list[str], list[str]]:
    """The table's foreign keys (as ALTER TABLE statements) and plain indexes (as CREATE INDEX)."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    foreign_keys = [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for name, definition in cursor
    ]
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT i.indisunique ORDER BY 1",
        [table],
    )
    # Made on a partitioned table, an index is made on each partition too.
    indexes = [row[0].replace(" ON ONLY ", " ON ") for row in cursor]
    return foreign_keys, indexes


def _rebuild(cursor, *, partitioned: bool, province_codes: list[str]) -> None:
    """Rebuild visits and help items as partitioned (or plain) tables, rows and all."""
    kept = {table: _foreign_keys_and_indexes(cursor, table) for table in (VISIT, HELP_ITEM)}
    cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {HELP_ITEM}")  # noqa: S608
    next_help_item_id = cursor.fetchone()[0]
    for table in (HELP_ITEM, VISIT):
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_old")
    for table in (VISIT, HELP_ITEM):
        split = " PARTITION BY LIST (province_id)" if partitioned else ""
        cursor.execute(
            f"CREATE TABLE {table} (LIKE {table}_old INCLUDING DEFAULTS INCLUDING CONSTRAINTS){split}"
        )
        if table == HELP_ITEM:  # its old id sequence goes with the old table; a new one comes below
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id DROP DEFAULT")
        if partitioned:
            for code in province_codes:
                name = partition_name(table=table, province_code=code)
                cursor.execute(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES IN ('{code}')")
            cursor.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
    cursor.execute(
        "SELECT column_name FROM information_schema.columns "
        f"WHERE table_schema = current_schema() AND table_name = '{VISIT}_old' ORDER BY ordinal_position"
    )
    names = [name for (name,) in cursor.fetchall() if name != "province_id"]
    columns = ", ".join(f'"{name}"' for name in names)
    cursor.execute(
        f"INSERT INTO {VISIT} ({columns}, province_id) "  # noqa: S608
        f"SELECT {', '.join(f'o.{name}' for name in names)}, coalesce(o.province_id, c.province_id) "
        f"FROM {VISIT}_old o "
        "JOIN field_api_village v ON v.code = o.village_id JOIN field_api_commune c ON c.code = v.commune_id"
    )
    cursor.execute(
        f"INSERT INTO {HELP_ITEM} (id, visit_id, service_id, result, people, province_id) "  # noqa: S608
        f"SELECT h.id, h.visit_id, h.service_id, h.result, h.people, v.province_id FROM {HELP_ITEM}_old h "
        f"JOIN {VISIT} v ON v.id = h.visit_id"
    )
    cursor.execute(f"DROP TABLE {HELP_ITEM}_old")
    cursor.execute(f"DROP TABLE {VISIT}_old")

    key = "(id, province_id)" if partitioned else "(id)"
    cursor.execute(f"ALTER TABLE {VISIT} ADD CONSTRAINT {VISIT}_pkey PRIMARY KEY {key}")
    cursor.execute(f"ALTER TABLE {HELP_ITEM} ADD CONSTRAINT {HELP_ITEM}_pkey PRIMARY KEY {key}")
    # Partitioned tables cannot have identity columns before PostgreSQL 17: a sequence the column owns.
    cursor.execute(f"CREATE SEQUENCE {HELP_ITEM}_id_seq OWNED BY {HELP_ITEM}.id")
    cursor.execute(f"SELECT setval('{HELP_ITEM}_id_seq', {int(next_help_item_id)}, false)")
    cursor.execute(f"ALTER TABLE {HELP_ITEM} ALTER COLUMN id SET DEFAULT nextval('{HELP_ITEM}_id_seq')")
    for table in (VISIT, HELP_ITEM):
        foreign_keys, indexes = kept[table]
        for statement in [*indexes, *foreign_keys]:
            cursor.execute(statement)
    if partitioned:
        cursor.execute(
            f"ALTER TABLE {HELP_ITEM} ADD CONSTRAINT {HELP_ITEM}_visit_fk FOREIGN KEY (visit_id, province_id) "
            f"REFERENCES {VISIT} (id, province_id) DEFERRABLE INITIALLY DEFERRED"
        )


def partition_history(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("SELECT code FROM field_api_province ORDER BY code")
            codes = [code for (code,) in cursor.fetchall() if has_own_partition(code)]
            _rebuild(cursor, partitioned=True, province_codes=codes)
        else:
            _fill_plain(cursor)
        cursor.execute("INSERT INTO field_api_visitkey (id) SELECT id FROM field_api_visit")


def unpartition_history(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {HELP_ITEM} DROP CONSTRAINT {HELP_ITEM}_visit_fk")
            _rebuild(cursor, partitioned=False, province_codes=[])


HISTORY = ("visit", "helpitem")


def _province(*, null: bool) -> models.ForeignKey:
    """The partition key of visits and help items: nullable only until the rows have it."""
    return models.ForeignKey(
        db_index=False,
        null=null,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="field_api.province",
        verbose_name="tỉnh",
    )


class Migration(migrations.Migration):
    dependencies = [("field_api", "0011_campaigns_to_campaigns_app")]

    operations = [
        migrations.CreateModel(
            name="VisitKey",
            fields=[("id", models.UUIDField(editable=False, primary_key=True, serialize=False))],
            options={"verbose_name": "mã lượt thăm", "verbose_name_plural": "mã lượt thăm"},
        ),
        # Foreign keys to a visit's id alone cannot point at the partitioned table.
        migrations.AlterField(
            model_name="followup",
            name="opened_by",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="field_api.visit",
            ),
        ),
        migrations.AlterField(
            model_name="followup",
            name="closed_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="field_api.visit",
            ),
        ),
        migrations.AlterField(
            model_name="helpitem",
            name="visit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="help_items",
                to="field_api.visit",
            ),
        ),
        migrations.RemoveConstraint(model_name="helpitem", name="helpitem_one_per_service"),
        *[migrations.AddField(model_name=m, name="province", field=_province(null=True)) for m in HISTORY],
        migrations.RunPython(partition_history, migrations.RunPython.noop),
        *[migrations.AlterField(model_name=m, name="province", field=_province(null=False)) for m in HISTORY],
        # Going back, the tables are made plain before the province may be null again (it is in the
        # partitioned tables' primary keys).
        migrations.RunPython(migrations.RunPython.noop, unpartition_history),
        migrations.AddConstraint(
            model_name="helpitem",
            constraint=models.UniqueConstraint(
                fields=("visit", "service", "province"), name="helpitem_one_per_service"
            ),
        ),
    ]
