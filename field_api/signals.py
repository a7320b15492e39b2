"""How field_api tells the rest of the product that field data changed, without importing it.

``field_records_stored`` is sent inside the transaction that stored new visits, households or group
sessions. A receiver runs in the phone's request, inside its transaction, so it may only do work that
costs what was stored (maps adds the new visits to the coverage rollup); anything that reads history it
records in the outbox (``field_api.services.outbox.outbox_enqueue``) in that same transaction, to be
published to Celery once the data has committed. It never calls the broker. Arguments:

- ``village_codes``: sorted list of the village codes whose data changed;
- ``visits``: the visits newly stored, as ``StoredVisit`` (what a rollup adds up), possibly empty;
- ``recount_village_codes``: the villages among them whose households left, moved or were erased, so
  that what was counted there before no longer holds (the writer knows; by default, all of them);
- ``denominator_village_codes``: the villages among them whose count of households may have changed
  (households registered, moved or erased; a declared count edited). By default, all of them.
"""

import datetime as dt
import uuid
from typing import NamedTuple

from django.dispatch import Signal

field_records_stored = Signal()


class StoredVisit(NamedTuple):
    """What a rollup needs of one new visit; the writer has it in hand, so no one reads it back."""

    id: uuid.UUID
    province: str  # the history's partition (field_api/history_partitions.py)
    village: str
    team: int | None
    household: uuid.UUID
    household_moved: bool  # after this write: a moved household's visits never count as coverage
    visited_at: dt.datetime
    flagged: bool
    help: tuple[tuple[str, str, int], ...]  # (service, result, people) of each help item


def announce_field_records_stored(
    *,
    village_codes: set[str],
    visits: list[StoredVisit] = (),
    recount_village_codes: set[str] | None = None,
    denominator_village_codes: set[str] | None = None,
) -> None:
    """Call inside the writing transaction, once the records are written."""
    if not village_codes:
        return
    recount = village_codes if recount_village_codes is None else recount_village_codes & village_codes
    denominator = (
        village_codes if denominator_village_codes is None else denominator_village_codes & village_codes
    )
    field_records_stored.send(
        sender="field_api",
        village_codes=sorted(village_codes),
        visits=list(visits),
        recount_village_codes=sorted(recount),
        denominator_village_codes=sorted(denominator | recount),
    )


# Sent after a commit that changed who works which villages (a village handed to another team).
# Receivers drop what they cached per scope for these communes. Argument: ``commune_codes`` (sorted).
areas_reassigned = Signal()


def announce_areas_reassigned(*, commune_codes: set[str]) -> None:
    """Call inside the writing transaction: the signal goes out once it has committed."""
    from django.db import transaction

    codes = sorted(commune_codes)
    transaction.on_commit(lambda: areas_reassigned.send(sender="field_api", commune_codes=codes))
