"""Reads off the primary: maps, tallies and exports from a streaming read replica, when one is set.

With ``DATABASE_REPLICA_URL`` set, the database alias ``replica`` exists and ``ReplicaRouter`` is on.
Reads go to the replica only inside ``replica_reads()``: around the GET requests of the read-only pages
and APIs (``REPLICA_READ_PATHS``: maps, coverage, campaign dashboards and tallies, the operations
centre's feed) and around the Celery jobs that only read (export files, map pre-renders). Everything
else reads and writes the primary, so what a phone writes, and everything it must read back (its
pull, its push's answer), never meets replication lag.

No page shows less than what had committed when it was asked for: on entering ``replica_reads`` the
primary's WAL position is noted, and the replica is used only once it has replayed up to there (it is
waited for up to ``REPLICA_WAIT_MS``, usually a few milliseconds on one site); a replica further behind,
or down, is skipped for that request and the primary answers. A push followed at once by a leader's page
shows the push.

Writes always go to the primary, and so do ``select_for_update`` reads (Django sends them to
``db_for_write``). Migrations run on the primary only; the replica receives them by replication.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"

_reads_wanted: ContextVar[bool] = ContextVar("replica_reads_wanted", default=False)
_replica_ready: ContextVar[bool | None] = ContextVar("replica_ready", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside go to the replica once it has caught up with the primary as of now."""
    if not replica_configured():
        yield
        return
    wanted, ready = _reads_wanted.set(True), _replica_ready.set(None)
    try:
        yield
    finally:
        _reads_wanted.reset(wanted)
        _replica_ready.reset(ready)


def _replica_caught_up() -> bool:
    """Checked once per ``replica_reads`` block, on its first read."""
    ready = _replica_ready.get()
    if ready is None:
        ready = _wait_for_replica()
        _replica_ready.set(ready)
    return ready


def _wait_for_replica() -> bool:
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            target = cursor.fetchone()[0]
        deadline = time.monotonic() + settings.REPLICA_WAIT_MS / 1000
        with connections[REPLICA].cursor() as cursor:
            while True:
                cursor.execute("SELECT COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)", [target])
                if cursor.fetchone()[0]:
                    return True
                if time.monotonic() >= deadline:
                    logger.info(
                        "Read replica behind the primary by more than %s ms", settings.REPLICA_WAIT_MS
                    )
                    return False
                time.sleep(0.005)
    except DatabaseError:
        logger.warning("Read replica unreachable; reading the primary", exc_info=True)
        return False


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reads_wanted.get() and _replica_caught_up():
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class ReplicaReadsMiddleware:
    """GET and HEAD requests under the read-only paths read the replica (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.paths = tuple(settings.REPLICA_READ_PATHS)

    def __call__(self, request):
        if (
            replica_configured()
            and request.method in ("GET", "HEAD")
            and request.path_info.startswith(self.paths)
        ):
            with replica_reads():
                return self.get_response(request)
        return self.get_response(request)
