"""Follow-ups follow visit time, not arrival order.

Phones sync whenever they find coverage, so a ``done`` recorded on day 6 may reach the server before
the ``pending`` of day 1 (another volunteer's phone was offline). Deciding from arrival order would
open a follow-up after the work was already done, forever. Instead the follow-ups of one
(household, service) are a function of all its help items ordered by visit time:

- walking them in (visited_at, visit id) order, a ``pending`` opens a follow-up when none is open and
  the next ``done`` closes it (``failed`` changes nothing);
- a visit flagged as dated in the future (a wrong clock, ``integrity.TIME_IN_FUTURE``) changes no
  follow-up: its ``done`` would close a real open one, and its ``pending`` would open one dated ahead of
  every real visit. It counts once someone confirms it (a review, not a push);
- each refresh derives that list of episodes from the stored help items and makes the stored rows
  equal to it (create, update, delete), so the result is the same whatever order the visits came in.

Most help items change nothing: a ``done`` for a service the household never waited on. A pair whose
history holds a ``pending`` has follow-up rows (every ``pending`` opened one, open or closed since), so
only pairs with rows, or with a ``pending`` in this batch, are worked out again; their history is read
through the (village, household) index of visits. The cost of a push follows what it changes, not
how many visits the households have had.

Callers hold the households' row locks (the push does), so two refreshes of one pair never interleave.
"""

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from backend.bulk import insert_rows, update_rows
from core.models import FollowUp, HelpItem, HelpResult
from core.services.integrity import TIME_IN_FUTURE


@dataclass(frozen=True)
class HelpEvent:
    at: dt.datetime
    visit_id: uuid.UUID
    result: str


@dataclass
class Episode:
    opened_by: uuid.UUID
    since: dt.datetime
    closed_by: uuid.UUID | None = None
    closed_at: dt.datetime | None = None


def followup_episodes(events: list[HelpEvent]) -> list[Episode]:
    """The follow-ups that one (household, service)'s help items imply, oldest first."""
    episodes: list[Episode] = []
    current = None
    for event in sorted(events, key=lambda e: (e.at, e.visit_id)):
        if event.result == HelpResult.PENDING and current is None:
            current = Episode(opened_by=event.visit_id, since=event.at)
            episodes.append(current)
        elif event.result == HelpResult.DONE and current is not None:
            current.closed_by, current.closed_at = event.visit_id, event.at
            current = None
    return episodes


def followups_refresh(
    *,
    pairs: set[tuple[uuid.UUID, str]],
    pending: set[tuple[uuid.UUID, str]],
    due_days: dict[str, int],
    teams: dict[uuid.UUID, int | None],
    villages: dict[uuid.UUID, str],
    provinces: set[str],
) -> None:
    """Make the stored follow-ups of each (household, service) in ``pairs`` equal to its episodes.

    ``pending``: the pairs this batch brings a ``pending`` for; ``due_days`` each service's follow-up
    delay; ``teams`` and ``villages`` the team (for new rows) and village of each household;
    ``provinces`` theirs (the history's partitions to read).
    """
    if not pairs:
        return
    households = {household for household, _service in pairs}
    services = {service for _household, service in pairs}
    stored: dict[tuple, dict] = defaultdict(dict)
    to_delete = []
    for row in FollowUp.objects.filter(household_id__any=households, service_id__in=services).values(
        "id", "household_id", "service_id", "opened_by_id", "since", "due", "closed_by_id", "closed_at"
    ):
        pair = (row["household_id"], row["service_id"])
        if pair not in pairs:
            continue
        if row["opened_by_id"] in stored[pair]:
            to_delete.append(row["id"])  # two rows for one opener: keep one
        else:
            stored[pair][row["opened_by_id"]] = row
    # Without a row and without a pending now, a pair never waited on anything: nothing to work out.
    pairs = {pair for pair in pairs if pair in pending or stored.get(pair)}
    if not pairs:
        return
    households = {household for household, _service in pairs}
    services = {service for _household, service in pairs}
    events: dict[tuple, list[HelpEvent]] = defaultdict(list)
    village_codes = {villages[household] for household in households}
    for household, service, result, at, visit_id, flags in HelpItem.objects.filter(
        province_id__in=provinces,
        visit__province_id__in=provinces,
        visit__village_id__in=village_codes,
        visit__household_id__in=households,
        service_id__in=services,
        result__in=(HelpResult.PENDING, HelpResult.DONE),
    ).values_list(
        "visit__household_id", "service_id", "result", "visit__visited_at", "visit_id", "visit__flags"
    ):
        if (household, service) in pairs and not dated_in_future(flags):
            events[(household, service)].append(HelpEvent(at, visit_id, result))

    to_update, to_create = [], []
    for pair in pairs:
        household, service = pair
        wanted = {episode.opened_by: episode for episode in followup_episodes(events[pair])}
        have = stored[pair]
        to_delete.extend(row["id"] for opener, row in have.items() if opener not in wanted)
        for opener, episode in wanted.items():
            row = have.get(opener)
            if row is None:
                to_create.append(
                    {
                        "household_id": household,
                        "service_id": service,
                        "team_id": teams.get(household),
                        "opened_by_id": opener,
                        "since": episode.since,
                        "due": _due(episode.since, due_days[service]),
                        "closed_by_id": episode.closed_by,
                        "closed_at": episode.closed_at,
                    }
                )
            elif (row["closed_by_id"], row["closed_at"]) != (episode.closed_by, episode.closed_at):
                # An opener is a stored visit, and visits never change: only the closing can move.
                to_update.append(
                    {"id": row["id"], "closed_at": episode.closed_at, "closed_by_id": episode.closed_by}
                )
    # In this order, at most one row of a pair is open at any moment (a partial unique index says so).
    if to_delete:
        FollowUp.objects.filter(id__in=to_delete).delete()
    update_rows(FollowUp, to_update, ["closed_at", "closed_by"])
    # Plain rows (services/bulk.py): the rows are locked through their households, nothing races us.
    insert_rows(FollowUp, to_create)


def dated_in_future(flags: list[str] | None) -> bool:
    """Whether a stored visit's flags say its time is ahead of the server's clock when it arrived."""
    return TIME_IN_FUTURE in (flags or [])


def _due(since: dt.datetime, days: int) -> dt.date:
    return timezone.localtime(since).date() + dt.timedelta(days=days)
