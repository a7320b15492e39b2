"""Timestamps read from PostgreSQL by psycopg's compiled loader when the connection's time zone is UTC.

Django reads every ``timestamptz`` with a loader of its own that subclasses psycopg's pure-Python one
(to pin the result's ``tzinfo`` to the connection's zone), so each value is parsed in Python: a push
reads several hundred (its households' last visits, the volunteer's visits around the batch, the
follow-ups). When Django's zone for the connection is UTC, psycopg's own loader (compiled, with
``psycopg[binary]``) gives the very same values: an aware datetime in the session's ``TimeZone``, which
Django set to UTC when it connected. Django looks at the ``timezone`` attribute of the registered
loader before each cursor; this one says UTC, so Django leaves it in place.
"""

import datetime as dt

import psycopg
from psycopg.adapt import Loader
from psycopg.pq import Format

TIMESTAMPTZ_OID = 1184
_COMPILED = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class UtcTimestamptzLoader(Loader):
    """psycopg's default ``timestamptz`` loader behind the ``timezone`` Django checks."""

    timezone = dt.UTC

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        # The compiled loader's bound method in place of the method below: psycopg calls ``load`` as
        # found on the instance, so each value goes to C with no Python frame of ours between.
        self.load = _COMPILED(oid, context).load

    def load(self, data):  # replaced on each instance (above); declared for the abstract base
        raise NotImplementedError


def utc_timestamps_compiled(sender, connection, **kwargs) -> None:
    """``connection_created``: a PostgreSQL connection whose zone is UTC reads timestamps in C."""
    if connection.vendor != "postgresql" or connection.timezone is not dt.UTC:
        return
    connection.connection.adapters.register_loader(TIMESTAMPTZ_OID, UtcTimestamptzLoader)
