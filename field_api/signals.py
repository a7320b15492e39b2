"""How field_api tells the rest of the product that field data changed, without importing it.

``field_records_stored`` is sent inside the transaction that stored new visits, households or group
sessions. Receivers (maps: coverage, campaign rollups) record their follow-up work in the outbox
(``field_api.services.outbox.outbox_enqueue``) in that same transaction: it is published to Celery only
once the data has committed, and rolls back with it. A receiver runs in the phone's request, inside its
transaction: it must not do the work itself, nor call the broker. Arguments:

- ``village_codes``: sorted list of the village codes whose data changed;
- ``visit_ids``: ids (str) of the visits newly stored, possibly empty.
"""

from django.dispatch import Signal

field_records_stored = Signal()


def announce_field_records_stored(*, village_codes: set[str], visit_ids: list[str]) -> None:
    """Call inside the writing transaction, once the records are written."""
    if not village_codes:
        return
    field_records_stored.send(
        sender="field_api", village_codes=sorted(village_codes), visit_ids=list(visit_ids)
    )


# Sent after a commit that changed who works which villages (a village handed to another team).
# Receivers drop what they cached per scope for these communes. Argument: ``commune_codes`` (sorted).
areas_reassigned = Signal()


def announce_areas_reassigned(*, commune_codes: set[str]) -> None:
    """Call inside the writing transaction: the signal goes out once it has committed."""
    from django.db import transaction

    codes = sorted(commune_codes)
    transaction.on_commit(lambda: areas_reassigned.send(sender="field_api", commune_codes=codes))
