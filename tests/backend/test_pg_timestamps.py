"""Timestamps read by psycopg's compiled loader on UTC connections (backend/pg_timestamps.py) are the very
values Django's own loader gives: same instants, same ``tzinfo``, across the range PostgreSQL and Python
share, nulls included; and Django keeps the loader in place on every cursor."""

import datetime as dt

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.utils import timezone

from backend.pg_timestamps import TIMESTAMPTZ_OID, UtcTimestamptzLoader
from tests import factories

pytestmark = pytest.mark.postgres

SPREAD = (
    "SELECT '2026-01-01 00:00:00.5+07'::timestamptz + g * interval '7919.000123 s' "
    "FROM generate_series(-20000, 20000) g "
    "UNION ALL SELECT x FROM unnest(ARRAY['0001-01-01 00:00:00+00', '9999-12-31 23:59:59.999999+00', "
    "'2000-02-29 12:00:00-03:30', '1969-12-31 23:59:59.999999+00', NULL]::timestamptz[]) x"
)


def _read(sql: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def test_utc_connections_read_timestamps_as_djangos_loader_does(db):
    connection.ensure_connection()
    assert connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, 0) is UtcTimestamptzLoader
    ours = _read(SPREAD)
    assert connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, 0) is UtcTimestamptzLoader
    register_tzloader(connection.timezone, connection.connection)  # Django's own, as it registers it
    try:
        djangos = _read(SPREAD)
    finally:
        connection.connection.adapters.register_loader(TIMESTAMPTZ_OID, UtcTimestamptzLoader)
    assert len(ours) == 40006 and ours == djangos
    assert all(mine.tzinfo is dt.UTC for mine in ours if mine is not None)
    assert [type(a.tzinfo) for a in ours if a] == [type(b.tzinfo) for b in djangos if b]


def test_models_read_their_timestamps_through_it(db):
    visit = factories.VisitFactory(visited_at=timezone.now().replace(microsecond=123456))
    loaded = type(visit).objects.values_list("visited_at", flat=True).get(pk=visit.pk)
    assert loaded == visit.visited_at and loaded.tzinfo is dt.UTC
