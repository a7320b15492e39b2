"""Change stamps for pull: an order in which no committed change can appear behind a reader's cursor.

A timestamp or a plain sequence is not enough on PostgreSQL: a transaction that took stamp 10 may
commit after another with stamp 11 was already read, and the reader, now past 11, would never see 10.

- PostgreSQL: a change is stamped with its writing transaction's id (``pg_current_xact_id()``).
  A reader only returns stamps below ``pg_snapshot_xmin(pg_current_snapshot())``: every transaction
  with a smaller id has finished, and every later writer gets a larger id. So once a reader has
  passed a stamp, nothing can commit behind it. Rows are ordered by (stamp, id).
- SQLite: writers are serialized (transactions begin IMMEDIATE), so a counter bumped inside the
  writing transaction is already in commit order; there is no horizon.

Stamps order changes within one history only. A cursor carries the history's epoch (``sync_epoch``);
pull refuses a cursor from another history, or one ahead of the clock, with 410 so the phone starts
over instead of silently receiving nothing.
"""

import base64
import binascii
import hashlib
import re
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F

from core.models import SyncClock

ZERO_ID = uuid.UUID(int=0)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def change_stamp() -> int:
    """The stamp for every change the current transaction writes. Call inside the transaction."""
    with connection.cursor() as cursor:
        if _is_postgres():
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            return cursor.fetchone()[0]
        updated = SyncClock.objects.filter(pk=1).update(value=F("value") + 1)
        if not updated:
            SyncClock.objects.create(pk=1, value=1)
        return SyncClock.objects.values_list("value", flat=True).get(pk=1)


# The snapshot's running transactions, and those known to belong to other databases of the cluster
# (they cannot write our tables, so they must not hold our readers back); whether a writer of this
# database older than the threshold is running (it holds every reader's horizon back).
_SNAPSHOT_SQL = """
SELECT pg_snapshot_xmax(s)::text::bigint,
       ARRAY(SELECT x::text::bigint FROM pg_snapshot_xip(s) AS x),
       ARRAY(SELECT backend_xid::text::bigint FROM pg_stat_activity
             WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()),
       EXISTS(SELECT 1 FROM pg_stat_activity
              WHERE backend_xid IS NOT NULL AND datname = current_database() AND pid <> pg_backend_pid()
                AND xact_start < statement_timestamp() - make_interval(secs => %s))
FROM pg_current_snapshot() AS s
"""
STAMP_MAX = 2**63 - 1  # stamps are bigint
HELD_BACK_AFTER = 5.0  # seconds: a push takes milliseconds, so an older writer is something else


@dataclass(frozen=True)
class Horizon:
    """Where a reader must stop, and what the clock says now.

    ``limit``: stamps at or above it may still be in flight (None: no limit, SQLite).
    ``next_stamp``: no stamp at or above it exists yet; a cursor beyond it is from another history.
    ``held_back``: a writer older than ``HELD_BACK_AFTER`` holds ``limit`` below ``next_stamp``, so
    the answer may lack recent changes: the phone should pull again soon.
    """

    limit: int | None
    next_stamp: int
    held_back: bool = False


def read_horizon() -> int | None:
    """Stamps at or above this may still be in flight (PostgreSQL); None means no limit (SQLite)."""
    return pull_horizon().limit


def pull_horizon() -> Horizon:
    """The oldest transaction still running in *this* database, or the next transaction id if none.

    A running transaction is only set aside when pg_stat_activity shows it in another database;
    one that cannot be placed (it finished between the two reads) still counts, which is safe.
    A long write transaction anywhere in the database stops every phone's pull at its id: this
    cannot be avoided without risking a skipped change, so it is bounded (PostgreSQL ends sessions
    idle in a transaction, see settings) and said (``held_back``).
    """
    if not _is_postgres():
        value = SyncClock.objects.filter(pk=1).values_list("value", flat=True).first() or 0
        return Horizon(limit=None, next_stamp=value + 1)
    with connection.cursor() as cursor:
        cursor.execute(_SNAPSHOT_SQL, [getattr(settings, "SYNC_HELD_BACK_AFTER_SECONDS", HELD_BACK_AFTER)])
        next_xid, running, elsewhere, held_back = cursor.fetchone()
    elsewhere = set(elsewhere)
    ours = [xid for xid in running if xid & 0xFFFFFFFF not in elsewhere]  # backend_xid is the low 32 bits
    limit = min([*ours, next_xid])
    return Horizon(limit=limit, next_stamp=next_xid, held_back=bool(held_back) and limit < next_xid)


# --- the history a cursor belongs to ---------------------------------------------------------------

# Read on every pull, never kept in the process: a restore may happen under a running server (a database
# dropped and restored under the same name, a replica promoted), and the next pull must see it.
# - system_identifier: the cluster (a restore into another cluster, initdb included);
# - pg_database.oid: the database inside the cluster (CREATE DATABASE ... TEMPLATE, pg_restore into a new
#   database, a drop and restore under the same name: each copy is a new database with a new oid);
# - the WAL timeline: a point-in-time restore of a base backup, or a promoted replica that may lack the
#   last commits, both continue on a new timeline with the same cluster and database oid.
_IDENTITY_SQL = """
SELECT d.oid::text, s.system_identifier::text, substring(pg_walfile_name(pg_current_wal_lsn()), 1, 8)
FROM pg_database AS d, pg_control_system() AS s
WHERE d.datname = current_database()
"""
_OID_SQL = "SELECT oid::text FROM pg_database WHERE datname = current_database()"


def database_identity() -> str:
    """Which physical copy of the data this connection reads ("" on SQLite, whose file has no such name)."""
    if not _is_postgres():
        return ""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_IDENTITY_SQL)
            return ":".join(cursor.fetchone())
    except DatabaseError:
        # A managed server may withhold the control functions: the database's oid still tells copies apart.
        with connection.cursor() as cursor:
            cursor.execute(_OID_SQL)
            return cursor.fetchone()[0]


def sync_epoch() -> str:
    """A short name for this database's change history, written into every cursor.

    Stamps only order changes within one history. A copy of the database keeps the rows, their stamps
    and the random id kept in ``SyncClock``, so the copy's identity (``database_identity``) is folded in
    too: a restore of any kind, into this cluster or another, gives another epoch, and every cursor
    issued before it answers 410. A cursor from another history must not be trusted.
    """
    clock = SyncClock.objects.filter(pk=1).values_list("epoch", flat=True).first()
    if clock is None:
        clock = SyncClock.objects.get_or_create(pk=1)[0].epoch
    raw = f"{clock.hex}:{database_identity()}".encode()
    return hashlib.sha256(raw).hexdigest()[:12]


@dataclass(frozen=True, order=True)
class Cursor:
    """Where a phone's pull stopped: (stamp, id), and the history it belongs to (None: old cursors)."""

    stamp: int = 0
    id: uuid.UUID = ZERO_ID
    epoch: str | None = field(default=None, compare=False)

    def encode(self) -> str:
        raw = f"{self.epoch}:{self.stamp}:{self.id.hex}" if self.epoch else f"{self.stamp}:{self.id.hex}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None) -> "Cursor":
        """Raises ValueError for anything this server did not write, stamps out of range included."""
        if not text:
            return cls()
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        except (ValueError, binascii.Error, UnicodeDecodeError) as error:
            raise ValueError("bad cursor") from error
        parts = raw.split(":")
        if len(parts) == 2:
            epoch, (stamp, hex_id) = None, parts
        elif len(parts) == 3 and _EPOCH.fullmatch(parts[0]):
            epoch, stamp, hex_id = parts
        else:
            raise ValueError("bad cursor")
        if not stamp.isdigit() or not stamp.isascii() or len(stamp) > 19 or int(stamp) > STAMP_MAX:
            raise ValueError("stamp out of range")
        return cls(int(stamp), uuid.UUID(hex=hex_id), epoch)


_EPOCH = re.compile(r"[0-9a-f]{12}")
