"""The field history (visits and their help items) in one partition per province, on PostgreSQL.

Visits and help items are the only tables that grow without bound, and what reads them names villages,
hence one province: a commune's coverage, a campaign's villages, a volunteer's own visits, the push's
look at a household's history. Each province's rows live in their own table (``field_api_visit_p38``,
``field_api_helpitem_p38``), so such a query reads one province's indexes, not the country's, once it
names the province (``province_id``), as the selectors do. Rows of a province with no partition yet go
to the ``_default`` partition, which a new province's partition could not be made beside; so a
province gets its partitions in the transaction that creates it (``history_partitions_ensure``).

What partitioning costs is in the keys: PostgreSQL requires the partition key in every unique key, so a
visit's primary key is ``(id, province)`` and the ids alone are kept unique by ``VisitKey``; a help
item's foreign key to its visit is ``(visit, province)``. The migration that converts the tables is
``core/migrations/0012_partitioned_history.py``.

That key is declared between the two partitions of each province (``field_api_helpitem_p38`` to
``field_api_visit_p38``, default to default), not between the partitioned tables: a help item of a
province can only be in that province's partition and so can its visit, so it holds exactly the same
rows, while each of a push's 400 checks at its commit reads one plain table instead of routing
through the partitioned one (``core/migrations/0022_help_item_keys_by_partition.py``).

SQLite has one table each: the same rows, the same answers.
"""

import re

from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.signals import post_save
from django.dispatch import receiver

VISIT, HELP_ITEM = "field_api_visit", "field_api_helpitem"
PARTITIONED_TABLES = (VISIT, HELP_ITEM)

# A province code becomes part of a table name and of the partition bound: only letters and digits.
_SAFE_CODE = re.compile(r"^[0-9A-Za-z]{1,8}$")


def partition_name(*, table: str, province_code: str) -> str:
    return f"{table}_p{province_code.lower()}"


def has_own_partition(province_code: str) -> bool:
    """Whether a province's rows get partitions of their own (every official code does)."""
    return bool(_SAFE_CODE.match(province_code))


def _partitions_present(cursor, table: str) -> set[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
        [table],
    )
    return {row[0] for row in cursor.fetchall()}


def history_is_partitioned(*, using: BaseDatabaseWrapper = connection) -> bool:
    if using.vendor != "postgresql":
        return False
    with using.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_partitioned_table t JOIN pg_class c ON c.oid = t.partrelid "
            "WHERE c.relname = ANY(%s)",
            [list(PARTITIONED_TABLES)],
        )
        return cursor.fetchone()[0] == len(PARTITIONED_TABLES)


def history_partitions_ensure(
    *, province_codes: list[str] | None = None, using: BaseDatabaseWrapper = connection
) -> list[str]:
    """Make the partitions the provinces lack (all provinces when none are named); return their names.

    A no-op on SQLite and before the history is partitioned.
    """
    if not history_is_partitioned(using=using):
        return []
    quote = using.ops.quote_name
    made = []
    with using.cursor() as cursor:
        if province_codes is None:
            cursor.execute("SELECT code FROM field_api_province ORDER BY code")
            province_codes = [row[0] for row in cursor.fetchall()]
        for table in PARTITIONED_TABLES:  # visits first: help items' foreign key points at them
            present = _partitions_present(cursor, table)
            for code in sorted(set(province_codes)):
                name = partition_name(table=table, province_code=code)
                if name in present or not has_own_partition(code):
                    continue  # an unsafe code (none in the official list) stays in the default partition
                cursor.execute(
                    f"CREATE TABLE {quote(name)} PARTITION OF {quote(table)} FOR VALUES IN ('{code}')"  # noqa: S608
                )
                made.append(name)
        for name in made:
            if name.startswith(HELP_ITEM):
                _help_item_key_add(cursor, help_item_partition=name)
    return made


def help_item_key_name(help_item_partition: str) -> str:
    return f"{help_item_partition}_visit_fk"


def _help_item_key_add(cursor, *, help_item_partition: str, not_valid: bool = False) -> None:
    """A help item's key to its visit, within its province's pair of partitions (see the module).
    ``not_valid``: the stored rows are checked later (``VALIDATE CONSTRAINT``), new ones at once."""
    visit_partition = VISIT + help_item_partition.removeprefix(HELP_ITEM)
    cursor.execute(
        f'ALTER TABLE "{help_item_partition}" ADD CONSTRAINT "{help_item_key_name(help_item_partition)}" '
        f'FOREIGN KEY (visit_id, province_id) REFERENCES "{visit_partition}" (id, province_id) '
        f"DEFERRABLE INITIALLY DEFERRED{' NOT VALID' if not_valid else ''}"
    )


def help_item_keys_by_partition(cursor) -> None:
    """The help items' key to their visits declared per province's pair of partitions (migration 0022).

    Run outside a transaction, statement by statement, so that pushes go on meanwhile: each pair's key is
    added ``NOT VALID`` (a moment's lock; rows written from then on are checked) and then validated, which
    reads the stored help items while letting writes through. The key on the parents goes last, once
    every pair holds, so there is never a moment with neither. Safe to run again after a failure.
    """
    for name in sorted(_partitions_present(cursor, HELP_ITEM)):
        key = help_item_key_name(name)
        cursor.execute("SELECT convalidated FROM pg_constraint WHERE conname = %s", [key])
        present = cursor.fetchone()
        if present is None:
            _help_item_key_add(cursor, help_item_partition=name, not_valid=True)
        if present is None or not present[0]:
            cursor.execute(f'ALTER TABLE "{name}" VALIDATE CONSTRAINT "{key}"')
    cursor.execute(f"ALTER TABLE {HELP_ITEM} DROP CONSTRAINT IF EXISTS {HELP_ITEM}_visit_fk")


def help_item_key_on_parents(cursor) -> None:
    """Back to one key between the partitioned tables (migration 0022 reversed)."""
    for name in sorted(_partitions_present(cursor, HELP_ITEM)):
        cursor.execute(f'ALTER TABLE "{name}" DROP CONSTRAINT IF EXISTS "{help_item_key_name(name)}"')
    cursor.execute(
        f"ALTER TABLE {HELP_ITEM} ADD CONSTRAINT {HELP_ITEM}_visit_fk FOREIGN KEY (visit_id, province_id) "
        f"REFERENCES {VISIT} (id, province_id) DEFERRABLE INITIALLY DEFERRED"
    )


def history_partitions_describe(*, using: BaseDatabaseWrapper = connection) -> list[tuple[str, str, int]]:
    """(partition, bound, estimated rows) of each history partition, for benches and checks."""
    if not history_is_partitioned(using=using):
        return []
    with using.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples::bigint FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = ANY(%s) ORDER BY c.relname",
            [list(PARTITIONED_TABLES)],
        )
        return cursor.fetchall()


@receiver(post_save, sender="field_api.Province", dispatch_uid="core.history_partitions.new_province")
def _new_province_gets_partitions(sender, instance, created: bool, using: str, **kwargs) -> None:
    # In the transaction that creates the province, before any of its visits can exist (a visit needs a
    # household, a village and a commune of the province first).
    if created:
        history_partitions_ensure(province_codes=[instance.code], using=connections[using])
