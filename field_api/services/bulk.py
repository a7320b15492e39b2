"""Bulk writes for the sync hot path, where the ORM's bulk helpers cost more than the database.

- ``insert_new``: insert-if-absent that says which rows were really inserted. Idempotency rests on
  the primary key: ``INSERT … ON CONFLICT (pk) DO NOTHING RETURNING pk`` stores a row once even when
  two pushes of it race.
- ``insert_rows``: plain insert of rows that cannot conflict (help items of new visits).
- ``update_rows``: set some columns on many rows by primary key (``bulk_update`` builds a CASE per
  row and column; at 200 rows that is most of a push's time).

On PostgreSQL each column travels as one array through ``unnest()``: the SQL text stays short and
identical between calls (psycopg caches it) whatever the number of rows. SQLite gets multi-row VALUES
and executemany, which it runs in-process. Values go through each field's ``get_db_prep_save`` so
UUIDs, JSON and datetimes are stored exactly as the ORM would store them.
"""

import json

from django.db import connection, models
from django.db.models import Field, JSONField, Model

ROWS_PER_STATEMENT = 500


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


# Python values psycopg adapts exactly as Django would (aware datetimes, UUIDs, numbers, text):
# on PostgreSQL they skip Django's per-value preparation, thousands of calls per push.
_NATIVE_ON_POSTGRES = (
    models.UUIDField,
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.FloatField,
    models.BooleanField,
    models.DateTimeField,
    models.DateField,
    models.ForeignKey,
)


def _converter(field: Field, *, add: bool):
    """How one field's value leaves the object for the database; built once per statement, not per value."""
    if _is_postgres() and isinstance(field, JSONField):
        prepare = lambda value: None if value is None else json.dumps(value)  # noqa: E731 - cast from text in SQL
    elif _is_postgres() and isinstance(field, _NATIVE_ON_POSTGRES):
        prepare = None
    else:
        prepare = lambda value: field.get_db_prep_save(value, connection)  # noqa: E731
    if prepare is None:
        if add:
            return lambda obj: field.pre_save(obj, True)
        return lambda obj: getattr(obj, field.attname)
    if add:
        return lambda obj: prepare(field.pre_save(obj, True))
    return lambda obj: prepare(getattr(obj, field.attname))


def _array_cast(field: Field) -> str:
    if isinstance(field, JSONField):
        return "::text[]::jsonb[]"
    return f"::{field.db_type(connection)}[]"


def _insert(model: type[Model], objects: list[Model], fields: list[Field], suffix: str) -> list:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    returned = []
    converters = [_converter(field, add=True) for field in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(objects), ROWS_PER_STATEMENT):
            chunk = objects[start : start + ROWS_PER_STATEMENT]
            if _is_postgres():
                arrays = [list(map(convert, chunk)) for convert in converters]
                casts = ", ".join(f"%s{_array_cast(field)}" for field in fields)
                sql = f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({casts}) {suffix}"  # noqa: S608
                cursor.execute(sql, arrays)
            else:
                row = "(" + ", ".join(["%s"] * len(fields)) + ")"
                params = [convert(obj) for obj in chunk for convert in converters]
                sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(chunk))} {suffix}"  # noqa: S608
                cursor.execute(sql, params)
            if "RETURNING" in suffix:
                returned.extend(row[0] for row in cursor.fetchall())
    return returned


def insert_new(model: type[Model], objects: list[Model]) -> set:
    """Insert the objects whose primary key is not taken; return the primary keys inserted."""
    if not objects:
        return set()
    pk = model._meta.pk
    quote = connection.ops.quote_name
    suffix = f"ON CONFLICT ({quote(pk.column)}) DO NOTHING RETURNING {quote(pk.column)}"
    return {
        pk.to_python(value) for value in _insert(model, objects, list(model._meta.concrete_fields), suffix)
    }


def insert_rows(model: type[Model], objects: list[Model]) -> None:
    """Insert rows with a database-generated primary key."""
    if objects:
        fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        _insert(model, objects, fields, "")


def update_rows(model: type[Model], objects: list[Model], field_names: list[str]) -> None:
    """``UPDATE … SET <fields> WHERE pk = …`` for every object, in one round trip."""
    if not objects:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in field_names]
    table = quote(meta.db_table)
    pk = meta.pk
    with connection.cursor() as cursor:
        if _is_postgres():
            names = [f"c{i}" for i in range(len(fields))]
            assignments = ", ".join(
                f"{quote(field.column)} = v.{name}" for field, name in zip(fields, names, strict=True)
            )
            casts = ", ".join(f"%s{_array_cast(field)}" for field in [pk, *fields])
            sql = (
                f"UPDATE {table} AS t SET {assignments} FROM unnest({casts}) AS v(pk, {', '.join(names)}) "  # noqa: S608
                f"WHERE t.{quote(pk.column)} = v.pk"
            )
            arrays = [list(map(_converter(field, add=False), objects)) for field in [pk, *fields]]
            cursor.execute(sql, arrays)
        else:
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
            sql = f"UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s"  # noqa: S608
            converters = [_converter(field, add=False) for field in [*fields, pk]]
            cursor.executemany(sql, [[convert(obj) for convert in converters] for obj in objects])
