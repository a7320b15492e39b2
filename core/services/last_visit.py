"""A household's "last visit" (``last_visited_at``, ``last_outcome``) and whether it ``moved``, from its visits.

One rule for every path (the push as visits arrive, a recomputation after repairs, imports or edits):

- **last visit**: the greatest visit by ``(visited_at, id)`` (``last_visit_key``), never one flagged
  ``time_in_future`` (a phone with a wrong clock must not make its visit "last" for good and hide every
  real one after it). The id breaks ties between visits at the same second: phones sync in any order,
  so arrival order cannot be the rule (two servers, or a repair, would disagree), and the id is on
  every visit already, so the choice is a function of the stored visits alone, as the follow-ups'
  (``followups.followup_episodes``) is.
- **moved**: decided by the latest visit, by the same key, that says who lives there
  (``RESIDENCE_OUTCOMES``): ``moved`` says the household left; ``met``, ``refused`` and ``come_back``
  say someone was found at home. ``not_home`` says nothing (an empty house is what a move leaves), so it
  never undoes a move. A household that was met after it was reported moved counts again.
"""

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import NamedTuple

from backend.bulk import update_rows
from core.models import Household, Outcome, Visit
from core.services.changes import change_stamp
from core.services.integrity import TIME_IN_FUTURE

# Outcomes that tell whether the household still lives at its door (see the module).
RESIDENCE_OUTCOMES = frozenset({Outcome.MOVED, Outcome.MET, Outcome.REFUSED, Outcome.COME_BACK})


class VisitFact(NamedTuple):
    """What the rules read of one visit."""

    id: uuid.UUID
    visited_at: dt.datetime
    outcome: str
    flags: tuple[str, ...] | list[str]


class LastVisit(NamedTuple):
    visited_at: dt.datetime | None
    outcome: str


NO_VISIT = LastVisit(visited_at=None, outcome="")


def last_visit_key(visited_at: dt.datetime, visit_id: uuid.UUID) -> tuple[dt.datetime, uuid.UUID]:
    """The order of visits for "last": by time, then by id (Python's and PostgreSQL's uuid orders agree)."""
    return (visited_at, visit_id)


def counts_for_last(flags: Iterable[str] | None) -> bool:
    """A visit dated in the future (wrong clock) is stored and flagged but never "last"."""
    return TIME_IN_FUTURE not in (flags or ())


def last_visit_of(visits: Iterable[VisitFact]) -> LastVisit:
    """The household's last visit among these (all of its visits, or a superset of the one that wins)."""
    eligible = [visit for visit in visits if counts_for_last(visit.flags)]
    if not eligible:
        return NO_VISIT
    last = max(eligible, key=lambda visit: last_visit_key(visit.visited_at, visit.id))
    return LastVisit(visited_at=last.visited_at, outcome=last.outcome)


def moved_by(visits: Iterable[VisitFact], *, moved: bool = False) -> bool:
    """Whether the household moved, from its visits that say who lives there; ``moved`` (what is stored)
    stands when none of them does."""
    evidence = [
        visit for visit in visits if visit.outcome in RESIDENCE_OUTCOMES and counts_for_last(visit.flags)
    ]
    if not evidence:
        return moved
    latest = max(evidence, key=lambda visit: last_visit_key(visit.visited_at, visit.id))
    return latest.outcome == Outcome.MOVED


def household_visit_facts(
    *, household_ids: Iterable[uuid.UUID], **filters
) -> dict[uuid.UUID, list[VisitFact]]:
    """Each household's visits as the rules read them (``filters`` narrow them, e.g. ``province_id__in``)."""
    facts: dict[uuid.UUID, list[VisitFact]] = {}
    for household_id, visit_id, visited_at, outcome, flags in Visit.objects.filter(
        household_id__in=set(household_ids), **filters
    ).values_list("household_id", "id", "visited_at", "outcome", "flags"):
        facts.setdefault(household_id, []).append(VisitFact(visit_id, visited_at, outcome, flags or ()))
    return facts


def household_last_visit_refresh(*, household_ids: Iterable[uuid.UUID]) -> int:
    """Recompute last visit of these households; returns how many changed (they reach phones again).

    Call inside the transaction that changed their visits, with the households locked.
    """
    ids = set(household_ids)
    if not ids:
        return 0
    facts = household_visit_facts(household_ids=ids)
    changed = []
    for household_id, current_at, current_outcome in Household.objects.filter(id__in=ids).values_list(
        "id", "last_visited_at", "last_outcome"
    ):
        last = last_visit_of(facts.get(household_id, ()))
        if (current_at, current_outcome or "") != (last.visited_at, last.outcome):
            changed.append(
                {"id": household_id, "last_visited_at": last.visited_at, "last_outcome": last.outcome}
            )
    if changed:
        stamp = change_stamp()
        for row in changed:
            row["change_seq"] = stamp
        update_rows(Household, changed, ["last_visited_at", "last_outcome", "change_seq"])
    return len(changed)
