"""Bulk writes the ORM does not offer: insert-if-absent that tells which rows were really inserted.

Idempotency rests on the primary key: ``INSERT … ON CONFLICT (pk) DO NOTHING RETURNING pk`` stores a
row once even when two pushes of it race, and says which rows this statement stored. Both PostgreSQL
and SQLite (3.35+) speak this SQL. Values go through each field's own ``get_db_prep_save`` so UUIDs,
JSON and datetimes are stored exactly as the ORM would store them.
"""

from django.db import connection
from django.db.models import Model

ROWS_PER_STATEMENT = 500


def insert_new(model: type[Model], objects: list[Model]) -> set:
    """Insert the objects whose primary key is not taken; return the primary keys inserted."""
    if not objects:
        return set()
    meta = model._meta
    fields = list(meta.concrete_fields)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    row_placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    inserted = set()
    with connection.cursor() as cursor:
        for start in range(0, len(objects), ROWS_PER_STATEMENT):
            chunk = objects[start : start + ROWS_PER_STATEMENT]
            params = [
                field.get_db_prep_save(field.pre_save(obj, add=True), connection)
                for obj in chunk
                for field in fields
            ]
            # Only identifiers from the model's own metadata and %s placeholders are interpolated.
            sql = (
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row_placeholder] * len(chunk))} "  # noqa: S608
                f"ON CONFLICT ({quote(meta.pk.column)}) DO NOTHING RETURNING {quote(meta.pk.column)}"
            )
            cursor.execute(sql, params)
            inserted.update(meta.pk.to_python(row[0]) for row in cursor.fetchall())
    return inserted
