"""Campaign rollups: per campaign × village × team × day, and per campaign × village × service.

Dashboards and tallies read these few thousand rows, never the visits. A push adds its own visits
(campaigns.deltas, in its transaction); this module recomputes villages from all their visits:
nightly (campaigns.tasks), when a campaign's rollup is first asked for, and for villages whose
households moved, left or were counted again. A recomputation is always safe to repeat.

A household counts once per village: reached on the day (and under the team) of its first visit there
that met someone in the campaign's window (earliest visit time, then visit id), never if it moved away.
Held visits count in nothing but ``held_visits`` (core.counting).
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from campaigns.figures import figures_changed
from campaigns.models import Campaign, CampaignRollupState, CampaignServiceTally, CampaignVillageDay
from core.counting import counted_visits, visit_reaches
from core.models import HelpItem, Household, Village, Visit
from core.projections import village_rollups_lock

SUMMED = (
    "visits",
    "flagged_visits",
    "held_visits",
    "households_reached",
    "people_helped",
    "unique_people",
    "working_age_reached",
    "services_done",
)


# Villages recomputed per transaction when a whole campaign is rebuilt (nightly, or on its first read).
# On PostgreSQL a phone's pull cannot read past the oldest transaction still running
# (core.services.changes), and pushes into a village wait for its recount: at 20 M visits (600 a
# village) 50 villages took up to 3 s; 10 keep each transaction under a second.
VILLAGES_PER_TRANSACTION = 10


def campaign_villages(campaign: Campaign):
    villages = Village.objects.filter(commune__province_id=campaign.province_id)
    communes = list(campaign.communes.values_list("code", flat=True))
    return villages.filter(commune_id__in=communes) if communes else villages


def campaign_window(campaign: Campaign) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(campaign.starts_on, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(campaign.ends_on + dt.timedelta(days=1), dt.time.min))
    return start, end


def first_reach_order(visit: tuple) -> tuple:
    """Which of a household's visits reached it first: (visited_at, id, …) tuples, earliest wins, then
    the smaller id (UUIDs compare as PostgreSQL and SQLite order them)."""
    return visit[0], visit[1]


def reach_people(helped: int, members: int) -> int:
    """People of one household helped by one help item, never more than live there."""
    return min(helped, members)


@transaction.atomic
def campaign_rollup_refresh(*, campaign: Campaign, village_codes: list[str] | None = None) -> None:
    """Recompute the rollup of the campaign (or only of these villages) from the visits."""
    # Two refreshes of one campaign at once (two pushes, or one message delivered twice) would each
    # delete and then insert, doubling rows: the second waits here and then reads what the first wrote.
    list(Campaign.objects.select_for_update().filter(pk=campaign.pk).values_list("pk", flat=True))
    villages = campaign_villages(campaign)
    if village_codes is not None:
        villages = villages.filter(code__in=village_codes)
    codes = list(villages.values_list("code", flat=True))
    # Every writer of a village's rollups holds its lock (campaigns.deltas): a push into these
    # villages waits until this recount has committed, then adds its visits on top of it.
    village_rollups_lock(codes)
    start, end = campaign_window(campaign)
    services = set(campaign.services.values_list("code", flat=True))
    # In the campaign's province's partitions only (core/history_partitions.py).
    province = campaign.province_id
    visits = Visit.objects.filter(
        province_id=province, village_id__in=codes, visited_at__gte=start, visited_at__lt=end
    )
    items = HelpItem.objects.filter(
        province_id=province, visit__in=visits.filter(counted_visits()).values("id")
    )
    if services:
        items = items.filter(service_id__in=services)
    households = {
        hid: (members, working_age, moved)
        # The households of these visits, wherever they live now (one may have moved to a village
        # outside this recount since).
        for hid, members, working_age, moved in Household.objects.filter(
            id__in=visits.order_by().values("household_id")
        ).values_list("id", "members", "working_age", "moved")
    }
    help_by_visit = defaultdict(list)
    for visit_id, service, result, people in items.values_list(
        "visit_id", "service_id", "result", "people"
    ).iterator(chunk_size=5000):
        help_by_visit[visit_id].append((service, result, people))

    rows: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(SUMMED, 0))
    first_reach: dict = {}
    most_people: dict = defaultdict(int)
    per_service: dict[tuple, dict] = defaultdict(
        lambda: {"households": set(), "visits": 0, "people_helped": 0, "services_done": 0}
    )
    for visit_id, household_id, village, team, visited_at, flagged, held, outcome in (
        visits.order_by("visited_at", "id")
        .values_list(
            "id", "household_id", "village_id", "team_id", "visited_at", "is_flagged", "held", "outcome"
        )
        .iterator(chunk_size=5000)
    ):
        day = timezone.localtime(visited_at).date()
        row = rows[(village, team, day)]
        if held:  # out of every total, but listed for review
            row["held_visits"] += 1
            continue
        row["visits"] += 1
        row["flagged_visits"] += int(flagged)
        members, working_age, moved = households.get(household_id, (1, 0, True))
        pair = (village, household_id)
        if pair not in first_reach and not moved and visit_reaches(outcome):
            first_reach[pair] = (village, team, day)
            row["households_reached"] += 1
            row["working_age_reached"] += working_age
        for service, result, people in help_by_visit.get(visit_id, ()):
            row["people_helped"] += people
            row["services_done"] += int(result == "done")
            most_people[pair] = max(most_people[pair], reach_people(people, members))
            tally = per_service[(village, service)]
            tally["households"].add(household_id)
            tally["visits"] += 1  # one help item per service and visit (helpitem_one_per_service)
            tally["people_helped"] += people
            tally["services_done"] += int(result == "done")
    for pair, key in first_reach.items():
        rows[key]["unique_people"] += most_people.get(pair, 0)

    CampaignVillageDay.objects.filter(campaign=campaign, village_id__in=codes).delete()
    CampaignServiceTally.objects.filter(campaign=campaign, village_id__in=codes).delete()
    CampaignVillageDay.objects.bulk_create(
        [
            CampaignVillageDay(campaign=campaign, village_id=v, team_id=t, day=d, **values)
            for (v, t, d), values in rows.items()
        ],
        batch_size=2000,
    )
    CampaignServiceTally.objects.bulk_create(
        [
            CampaignServiceTally(
                campaign=campaign,
                village_id=v,
                service_id=s,
                households=len(t["households"]),
                visits=t["visits"],
                people_helped=t["people_helped"],
                services_done=t["services_done"],
            )
            for (v, s), t in per_service.items()
        ],
        batch_size=2000,
    )
    if village_codes is None:
        _mark_built(campaign)
    figures_changed(campaign.pk)


def _mark_built(campaign: Campaign) -> None:
    CampaignRollupState.objects.update_or_create(campaign=campaign, defaults={"refreshed_at": timezone.now()})


def campaign_rollup_rebuild(*, campaign: Campaign) -> None:
    """The whole campaign from its visits, a few villages per transaction: a village is locked (pushes
    into it wait, and on PostgreSQL no pull reads past a running transaction) only while its own few are
    recounted, never for the whole campaign (33 s on 1 M visits in one transaction). Pushes meanwhile add
    their visits on top of the villages already recounted, and are read by those still to come. Marked
    built at the end only, so no reader takes half a rollup for a whole one."""
    codes = list(campaign_villages(campaign).order_by("commune_id", "code").values_list("code", flat=True))
    for start in range(0, len(codes), VILLAGES_PER_TRANSACTION):
        campaign_rollup_refresh(
            campaign=campaign, village_codes=codes[start : start + VILLAGES_PER_TRANSACTION]
        )
    _mark_built(campaign)


def running_campaigns(*, on: dt.date | None = None):
    day = on or timezone.localdate()
    return Campaign.objects.filter(starts_on__lte=day, ends_on__gte=day - dt.timedelta(days=1))


def ensure_campaign_rollup(campaign: Campaign) -> None:
    """A campaign's first reader builds its rollup (pushes keep it up to date from then on)."""
    if not CampaignRollupState.objects.filter(campaign=campaign).exists():
        campaign_rollup_rebuild(campaign=campaign)
