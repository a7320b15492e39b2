"""Running campaigns take a push's visits into their rollups inside the push's transaction.

The cost follows the push, never the villages' history: the rows to change are those of the pushed
visits' days, and what a household contributes once (reached, its working-age members, the people
helped in it, each service it received) is decided from that household's own visits in the village
and campaign window, a handful of rows read through the visits' (village, household) index.

Exact under concurrency because every writer of a village's rollups holds that village's row lock
(``coverage.numbers.village_rollups_lock``, taken by the coverage rollup earlier in the same transaction;
``campaign_rollup_refresh`` takes it too), and a push holds its households' locks: no other visit of
the same household can commit between our reading its history and our commit. Villages whose
households moved, left or were counted again are recounted by the worker instead (coverage.receivers).

Equal, by construction and by test (tests/campaigns/test_deltas.py), to what
``campaign_rollup_refresh`` computes from all visits.
"""

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from backend.bulk import update_rows
from campaigns.models import Campaign, CampaignServiceTally, CampaignVillageDay
from campaigns.rollup import SUMMED, campaign_window, first_reach_order, reach_people
from core.counting import counted_visits, visit_reaches
from core.models import HelpItem, HelpResult, Household, Visit
from core.projections import StoredVisit


@dataclass
class _Reach:
    """What one household contributes to one village's rollup, once: where it was first reached."""

    key: tuple | None = None  # (team, day) of its first visit in the window; None when not visited
    people: int = 0
    services: set[str] = field(default_factory=set)


def campaign_apply_records(*, campaign: Campaign, visits: list[StoredVisit], village_codes: set[str]) -> None:
    """Add these new visits (of the campaign's villages ``village_codes``) to the campaign's rollup."""
    start, end = campaign_window(campaign)
    services = {service.pk for service in campaign.services.all()}  # prefetched by the projection
    visits = [v for v in visits if v.village in village_codes and start <= v.visited_at < end]
    held = [visit for visit in visits if visit.held]
    visits = [visit for visit in visits if not visit.held]
    days: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(SUMMED, 0))
    for visit in held:  # out of every total, but listed for review
        days[(visit.village, visit.team, _day(visit.visited_at))]["held_visits"] += 1
    if not visits:
        _add_rows(CampaignVillageDay, campaign, ("village_id", "team_id", "day"), days)
        return
    new_ids = {visit.id for visit in visits}
    moved = {visit.household for visit in visits if visit.household_moved}
    by_pair: dict[tuple, list] = defaultdict(list)  # (village, household) → its visits in the window
    items: dict = defaultdict(list)  # visit → its help items of the campaign's services
    households: dict = {}  # household → (members, working-age members)
    pairs = sorted({(visit.village, visit.household) for visit in visits})
    seen: set = set()
    for (
        visit_id,
        village,
        household,
        team,
        at,
        outcome,
        members,
        working_age,
        service,
        result,
        people,
    ) in _history(pairs, start, end, services, province=campaign.province_id):
        if visit_id not in seen:  # a visit comes once per help item
            seen.add(visit_id)
            by_pair[(village, household)].append((at, visit_id, team, visit_reaches(outcome)))
        if service is not None:
            items[visit_id].append((service, result, people))
        households[household] = (members, working_age)

    tallies: dict[tuple, dict] = defaultdict(
        lambda: {"households": 0, "visits": 0, "people_helped": 0, "services_done": 0}
    )
    for visit in visits:
        row = days[(visit.village, visit.team, _day(visit.visited_at))]
        row["visits"] += 1
        row["flagged_visits"] += int(visit.flagged)
        for service, result, people in visit.help:
            if services and service not in services:
                continue
            done = int(result == HelpResult.DONE)
            row["people_helped"] += people
            row["services_done"] += done
            tally = tallies[(visit.village, service)]
            tally["visits"] += 1
            tally["people_helped"] += people
            tally["services_done"] += done
    for (village, household), pair_visits in by_pair.items():
        members, working_age = households.get(household, (1, 0))
        before, after = _reach_before_and_after(pair_visits, new_ids, items, members)
        if household not in moved and (before.key, before.people) != (after.key, after.people):
            for reach, sign in ((before, -1), (after, 1)):
                if reach.key is not None:
                    row = days[(village, *reach.key)]
                    row["households_reached"] += sign
                    row["working_age_reached"] += sign * working_age
                    row["unique_people"] += sign * reach.people
        for service in after.services - before.services:
            tallies[(village, service)]["households"] += 1
    _add_rows(CampaignVillageDay, campaign, ("village_id", "team_id", "day"), days)
    _add_rows(CampaignServiceTally, campaign, ("village_id", "service_id"), tallies)


def _day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _reach_before_and_after(
    pair_visits: list, new_ids: set, items: dict, members: int
) -> tuple[_Reach, _Reach]:
    """What one household contributes to its village without this push's visits, and with them, in one
    pass over its counted visits in the window: where a visit first reached it (met someone), the most
    people one help item reached there, the services it received."""
    before, after = _Reach(), _Reach()
    first_before = first_after = None
    for visit in pair_visits:
        _at, visit_id, _team, reaches = visit
        is_new = visit_id in new_ids
        if reaches and (first_after is None or first_reach_order(visit) < first_reach_order(first_after)):
            first_after = visit
        if (
            reaches
            and not is_new
            and (first_before is None or first_reach_order(visit) < first_reach_order(first_before))
        ):
            first_before = visit
        for service, _result, helped in items.get(visit_id, ()):
            people = reach_people(helped, members)
            after.services.add(service)
            after.people = max(after.people, people)
            if not is_new:
                before.services.add(service)
                before.people = max(before.people, people)
    for reach, first in ((before, first_before), (after, first_after)):
        if first is not None:
            reach.key = (first[2], _day(first[0]))
    return before, after


def _history(
    pairs: list[tuple[str, uuid.UUID]],
    start: dt.datetime,
    end: dt.datetime,
    services: set[str],
    *,
    province: str,
) -> list[tuple]:
    """Every counted visit of these (village, household) pairs in the window, the new ones included, once
    per help item of the campaign's services (or once with none): (id, village, household, team,
    visited_at, outcome, members, working_age, service, result, people). On PostgreSQL one statement, the same text every
    time: the pairs travel as two arrays joined to the visits' (village, household) index, in the
    campaign's province's partitions only."""
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        visits, homes, help_items = (quote(m._meta.db_table) for m in (Visit, Household, HelpItem))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT v.id, v.village_id, v.household_id, v.team_id, v.visited_at, v.outcome, h.members, "  # noqa: S608
                "h.working_age, i.service_id, i.result, i.people "
                "FROM unnest(%s::varchar[], %s::uuid[]) AS p(village_id, household_id) "
                f"JOIN {visits} AS v ON v.village_id = p.village_id AND v.household_id = p.household_id "
                f"JOIN {homes} AS h ON h.id = v.household_id "
                f"LEFT JOIN {help_items} AS i ON i.visit_id = v.id AND i.province_id = v.province_id "
                "AND (cardinality(%s::varchar[]) = 0 OR i.service_id = ANY(%s::varchar[])) "
                "WHERE v.province_id = %s AND v.visited_at >= %s AND v.visited_at < %s AND NOT v.held",
                [
                    [village for village, _h in pairs],
                    [household for _v, household in pairs],
                    sorted(services),
                    sorted(services),
                    province,
                    start,
                    end,
                ],
            )
            return cursor.fetchall()
    wanted = set(pairs)
    visits = [
        row
        for row in Visit.objects.filter(
            counted_visits(),
            province_id=province,
            village_id__in={v for v, _h in pairs},
            household_id__in={h for _v, h in pairs},
            visited_at__gte=start,
            visited_at__lt=end,
        ).values_list("id", "village_id", "household_id", "team_id", "visited_at", "outcome")
        if (row[1], row[2]) in wanted
    ]
    homes = {
        hid: (members, working_age)
        for hid, members, working_age in Household.objects.filter(id__in={h for _v, h in pairs}).values_list(
            "id", "members", "working_age"
        )
    }
    help_items = HelpItem.objects.filter(province_id=province, visit_id__in=[row[0] for row in visits])
    if services:
        help_items = help_items.filter(service_id__in=services)
    by_visit = defaultdict(list)
    for visit_id, *item in help_items.values_list("visit_id", "service_id", "result", "people"):
        by_visit[visit_id].append(tuple(item))
    return [
        (*row, *homes[row[2]], *item)
        for row in visits
        for item in (by_visit.get(row[0]) or [(None, None, None)])
    ]


def _add_rows(model, campaign: Campaign, key_fields: tuple[str, ...], deltas: dict[tuple, dict]) -> None:
    """Add the deltas to the campaign's rows of ``model`` keyed by ``key_fields`` (created when missing).
    Rows whose deltas all cancel out are not touched. The village lock makes read-then-write safe."""
    deltas = {key: delta for key, delta in deltas.items() if any(delta.values())}
    if not deltas:
        return
    village_field = key_fields[0]
    stored = {
        tuple(row[name] for name in key_fields): row
        for row in model.objects.filter(
            campaign=campaign, **{f"{village_field}__in": {key[0] for key in deltas}}
        ).values("id", *key_fields, *next(iter(deltas.values())))
    }
    changed, created = [], []
    for key, delta in deltas.items():
        row = stored.get(key)
        if row is None:
            created.append(model(campaign=campaign, **dict(zip(key_fields, key, strict=True)), **delta))
        else:
            changed.append({"id": row["id"], **{name: row[name] + value for name, value in delta.items()}})
    update_rows(model, changed, list(next(iter(deltas.values()))))
    model.objects.bulk_create(created)
