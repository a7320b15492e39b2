"""Change stamps for pull: an order in which no committed change can appear behind a reader's cursor.

A timestamp or a plain sequence is not enough on PostgreSQL: a transaction that took stamp 10 may
commit after another with stamp 11 was already read, and the reader, now past 11, would never see 10.

- PostgreSQL: a change is stamped with its writing transaction's id (``pg_current_xact_id()``).
  A reader only returns stamps below ``pg_snapshot_xmin(pg_current_snapshot())``: every transaction
  with a smaller id has finished, and every later writer gets a larger id. So once a reader has
  passed a stamp, nothing can commit behind it. Rows are ordered by (stamp, id).
- SQLite: writers are serialized (transactions begin IMMEDIATE), so a counter bumped inside the
  writing transaction is already in commit order; there is no horizon.
"""

import base64
import binascii
import uuid
from dataclasses import dataclass

from django.db import connection
from django.db.models import F

from field_api.models import SyncClock

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
# (they cannot write our tables, so they must not hold our readers back).
_SNAPSHOT_SQL = """
SELECT pg_snapshot_xmax(s)::text::bigint,
       ARRAY(SELECT x::text::bigint FROM pg_snapshot_xip(s) AS x),
       ARRAY(SELECT backend_xid::text::bigint FROM pg_stat_activity
             WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())
FROM pg_current_snapshot() AS s
"""


def read_horizon() -> int | None:
    """Stamps at or above this may still be in flight (PostgreSQL); None means no limit (SQLite).

    The oldest transaction still running in *this* database, or the next transaction id if none.
    A running transaction is only set aside when pg_stat_activity shows it in another database;
    one that cannot be placed (it finished between the two reads) still counts, which is safe.
    """
    if not _is_postgres():
        return None
    with connection.cursor() as cursor:
        cursor.execute(_SNAPSHOT_SQL)
        next_xid, running, elsewhere = cursor.fetchone()
    elsewhere = set(elsewhere)
    ours = [xid for xid in running if xid & 0xFFFFFFFF not in elsewhere]  # backend_xid is the low 32 bits
    return min([*ours, next_xid])


@dataclass(frozen=True, order=True)
class Cursor:
    stamp: int = 0
    id: uuid.UUID = ZERO_ID

    def encode(self) -> str:
        raw = f"{self.stamp}:{self.id.hex}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None) -> "Cursor":
        if not text:
            return cls()
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            stamp, hex_id = raw.split(":")
            return cls(int(stamp), uuid.UUID(hex_id))
        except (ValueError, binascii.Error, UnicodeDecodeError) as error:
            raise ValueError("bad cursor") from error
