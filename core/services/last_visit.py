"""A household's "last visit" (``last_visited_at``, ``last_outcome``) recomputed from its visits.

Push keeps these up to date as visits arrive; this is the same rule for every later recomputation
(repairs, imports, edits): the latest visit by visit time, never one flagged ``time_in_future``. A
phone with a wrong clock must not make its visit "last" for good and hide every real one after it.
"""

import uuid
from collections.abc import Iterable

from backend.bulk import update_rows
from core.models import Household, Visit
from core.services.changes import change_stamp
from core.services.integrity import TIME_IN_FUTURE


def household_last_visit_refresh(*, household_ids: Iterable[uuid.UUID]) -> int:
    """Recompute last visit of these households; returns how many changed (they reach phones again).

    Call inside the transaction that changed their visits, with the households locked.
    """
    ids = set(household_ids)
    if not ids:
        return 0
    latest: dict[uuid.UUID, tuple] = {}
    for household_id, visited_at, outcome, flags in (
        Visit.objects.filter(household_id__in=ids)
        .order_by("visited_at", "id")
        .values_list("household_id", "visited_at", "outcome", "flags")
    ):
        if TIME_IN_FUTURE not in (flags or []):
            latest[household_id] = (visited_at, outcome)
    changed = []
    for household_id, current_at, current_outcome in Household.objects.filter(id__in=ids).values_list(
        "id", "last_visited_at", "last_outcome"
    ):
        at, outcome = latest.get(household_id, (None, ""))
        if (current_at, current_outcome or "") != (at, outcome):
            changed.append({"id": household_id, "last_visited_at": at, "last_outcome": outcome})
    if changed:
        stamp = change_stamp()
        for row in changed:
            row["change_seq"] = stamp
        update_rows(Household, changed, ["last_visited_at", "last_outcome", "change_seq"])
    return len(changed)
