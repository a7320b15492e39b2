"""How field_api tells the rest of the product that field data changed, without importing it.

``field_records_stored`` is sent after the transaction that stored new visits, households or group
sessions has committed (services call it from ``transaction.on_commit``). Receivers (maps, campaign
rollups) enqueue their own Celery tasks. Arguments:

- ``village_codes``: sorted list of the village codes whose data changed;
- ``visit_ids``: ids (str) of the visits newly stored, possibly empty.
"""

from django.dispatch import Signal

field_records_stored = Signal()


def announce_field_records_stored(*, village_codes: set[str], visit_ids: list[str]) -> None:
    """Call inside the writing transaction: the signal goes out once it has committed."""
    from django.db import transaction

    if not village_codes:
        return
    codes = sorted(village_codes)
    transaction.on_commit(
        lambda: field_records_stored.send(sender="field_api", village_codes=codes, visit_ids=list(visit_ids))
    )


# Sent after a commit that changed who works which villages (a village handed to another team).
# Receivers drop what they cached per scope for these communes. Argument: ``commune_codes`` (sorted).
areas_reassigned = Signal()


def announce_areas_reassigned(*, commune_codes: set[str]) -> None:
    """Call inside the writing transaction: the signal goes out once it has committed."""
    from django.db import transaction

    codes = sorted(commune_codes)
    transaction.on_commit(lambda: areas_reassigned.send(sender="field_api", commune_codes=codes))
