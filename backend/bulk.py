"""Bulk writes for the sync hot path, where the ORM's bulk helpers cost more than the database.

- ``insert_new``: insert-if-absent that says which rows were really inserted. Idempotency rests on
  the primary key: ``INSERT … ON CONFLICT (pk) DO NOTHING RETURNING pk`` stores a row once even when
  two pushes of it race; rows go in key order, so two such pushes never deadlock.
- ``insert_rows``: plain insert of rows that cannot conflict (help items of new visits, visits whose
  ids were just claimed).
- ``update_rows``: set some columns on many rows by primary key (``bulk_update`` builds a CASE per
  row and column; at 200 rows that is most of a push's time).

Rows are plain dicts keyed by field ``attname`` (``village_id``, not ``village``), all with the same
keys: building 600 model instances per push cost more than storing them. A column the rows leave out
gets the field's default (``auto_now``/``auto_now_add`` fields: now), as the ORM would give it.

On PostgreSQL the whole batch travels as one JSON document read by ``json_to_recordset``: the SQL text
stays short and identical between calls (psycopg prepares it once) and encoding is one C call
(orjson) instead of a Python loop per value. SQLite gets multi-row VALUES and executemany,
with each value prepared by its field exactly as the ORM would.
"""

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal

import orjson
from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

ROWS_PER_STATEMENT = 500


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _json_value(value):
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, dt.date):  # datetimes too: ISO 8601 with their offset
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be sent as JSON")


def _encode(rows: list[dict]) -> str:
    # orjson: several times quicker than the standard library on a push's 600 rows; UUIDs and datetimes
    # come out as ``_json_value`` writes them.
    return orjson.dumps(rows, default=_json_value).decode()


def _column_types(fields: Iterable[Field]) -> str:
    quote = connection.ops.quote_name
    return ", ".join(f"{quote(field.column)} {field.db_type(connection)}" for field in fields)


def model_rows(objects: Iterable[Model], *, add: bool) -> list[dict]:
    """Model instances as rows, every concrete field read as ``save()`` would (``pre_save``)."""
    rows = []
    for obj in objects:
        fields = obj._meta.concrete_fields
        rows.append({field.attname: field.pre_save(obj, add) for field in fields})
    return rows


def _fields_and_rows(
    model: type[Model], rows: list[dict], *, with_pk: bool
) -> tuple[list[Field], list[dict]]:
    """The fields to write and the rows completed with defaults for the columns they leave out."""
    fields = [field for field in model._meta.concrete_fields if with_pk or not field.primary_key]
    missing = {}
    now = timezone.now()
    for field in fields:
        if field.attname in rows[0]:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            missing[field.attname] = now
        elif field.has_default() and (not callable(field.default) or field.default in (list, dict)):
            missing[field.attname] = field.get_default()
        elif field.null:
            missing[field.attname] = None
        else:
            raise ValueError(f"{model.__name__}.{field.attname} has no value and no default")
    if missing:
        rows = [{**missing, **row} for row in rows]
    return fields, rows


def _insert(model: type[Model], rows: list[dict], *, with_pk: bool, suffix: str, order: str = "") -> list:
    fields, rows = _fields_and_rows(model, rows, with_pk=with_pk)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    returned = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            if _is_postgres():
                if any(field.attname != field.column for field in fields):
                    chunk = [{field.column: row[field.attname] for field in fields} for row in chunk]
                sql = (
                    f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608
                    f"FROM json_to_recordset(%s::json) AS r({_column_types(fields)}) {order} {suffix}"
                )
                cursor.execute(sql, [_encode(chunk)])
            else:
                row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
                params = [
                    field.get_db_prep_save(row[field.attname], connection)
                    for row in chunk
                    for field in fields
                ]
                sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(chunk))} {suffix}"  # noqa: S608
                cursor.execute(sql, params)
            if "RETURNING" in suffix:
                returned.extend(row[0] for row in cursor.fetchall())
    return returned


def insert_new(model: type[Model], rows: list[dict]) -> set:
    """Insert the rows whose primary key is not taken; return the primary keys inserted."""
    if not rows:
        return set()
    pk = model._meta.pk
    quote = connection.ops.quote_name
    suffix = f"ON CONFLICT ({quote(pk.column)}) DO NOTHING RETURNING {quote(pk.column)}"
    # In key order: two pushes inserting the same new rows in different orders (a resend with its
    # items reordered, racing the original) would each wait on a row the other inserted: a deadlock.
    # In one order, the second simply waits for the first and then finds every row taken.
    order = f"ORDER BY {quote(pk.column)}"
    rows = sorted(rows, key=lambda row: str(row[pk.attname]))
    return {pk.to_python(value) for value in _insert(model, rows, with_pk=True, suffix=suffix, order=order)}


def insert_rows(model: type[Model], rows: list[dict], *, with_pk: bool = False) -> None:
    """Insert rows that cannot conflict: with a database-generated primary key, or (``with_pk``) one
    already claimed in this transaction (a visit's, in ``VisitKey``)."""
    if rows:
        _insert(model, rows, with_pk=with_pk, suffix="")


def update_rows(model: type[Model], rows: list[dict], field_names: list[str]) -> None:
    """``UPDATE … SET <fields> WHERE pk = …`` for every row, in one round trip.

    Each row holds the primary key and the named fields, keyed by attname.
    """
    if not rows:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in field_names]
    pk = meta.pk
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if _is_postgres():
            chunk = [{field.column: row[field.attname] for field in [pk, *fields]} for row in rows]
            assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in fields)
            sql = (
                f"UPDATE {table} AS t SET {assignments} "  # noqa: S608
                f"FROM json_to_recordset(%s::json) AS v({_column_types([pk, *fields])}) "
                f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}"
            )
            cursor.execute(sql, [_encode(chunk)])
        else:
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
            sql = f"UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s"  # noqa: S608
            cursor.executemany(
                sql,
                [
                    [field.get_db_prep_save(row[field.attname], connection) for field in [*fields, pk]]
                    for row in rows
                ],
            )
