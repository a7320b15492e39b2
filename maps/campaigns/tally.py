"""Campaign tallies: households reached, lượt (person-times) and unique people, services completed.

Definitions (also in the API description):
- a visit counts when it falls in the campaign's days (Vietnam time), in its province and communes;
  help items count when their service is in the campaign's services (all services if none chosen);
- households_visited: distinct households visited at least once in the campaign, not moved away;
- visits: all visits; flagged_visits: those with integrity flags (counted, and shown separately);
- people_helped (lượt): sum of help items' people; unique_people: per household, the most people
  helped in any one help item, capped at the household's members (a lower bound: a person is
  guided in several services but counted once);
- target: the campaign's target for the area, or when none was set the area's households (declared,
  or registered if more — households added during the campaign count, moved ones do not);
- progress = households_visited / target.

Figures come from rollups (CampaignVillageDay, CampaignServiceTally) refreshed after pushes and
nightly, so a tally reads a few thousand rows, never the visits.
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from field_api.models import Campaign, CampaignTarget, Commune, HelpItem, Household, Team, Village, Visit
from maps.campaigns.models import CampaignRollupState, CampaignServiceTally, CampaignVillageDay
from maps.coverage import ensure_coverage_rollup
from maps.models import VillageCoverage

BREAKDOWNS = ("commune", "village", "team", "service", "day")
SUMMED = (
    "visits",
    "flagged_visits",
    "households_reached",
    "people_helped",
    "unique_people",
    "working_age_reached",
    "services_done",
)


def campaign_villages(campaign: Campaign):
    villages = Village.objects.filter(commune__province_id=campaign.province_id)
    communes = list(campaign.communes.values_list("code", flat=True))
    return villages.filter(commune_id__in=communes) if communes else villages


def _window(campaign: Campaign) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(campaign.starts_on, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(campaign.ends_on + dt.timedelta(days=1), dt.time.min))
    return start, end


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
    start, end = _window(campaign)
    services = set(campaign.services.values_list("code", flat=True))
    visits = Visit.objects.filter(village_id__in=codes, visited_at__gte=start, visited_at__lt=end)
    items = HelpItem.objects.filter(visit__in=visits.values("id"))
    if services:
        items = items.filter(service_id__in=services)
    households = {
        hid: (members, working_age, moved)
        for hid, members, working_age, moved in Household.objects.filter(village_id__in=codes).values_list(
            "id", "members", "working_age", "moved"
        )
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
        lambda: {"households": set(), "people_helped": 0, "services_done": 0}
    )
    for visit_id, household_id, village, team, visited_at, flagged in (
        visits.order_by("visited_at")
        .values_list("id", "household_id", "village_id", "team_id", "visited_at", "is_flagged")
        .iterator(chunk_size=5000)
    ):
        day = timezone.localtime(visited_at).date()
        row = rows[(village, team, day)]
        row["visits"] += 1
        row["flagged_visits"] += int(flagged)
        members, working_age, moved = households.get(household_id, (1, 0, True))
        if household_id not in first_reach and not moved:
            first_reach[household_id] = (village, team, day)
            row["households_reached"] += 1
            row["working_age_reached"] += working_age
        for service, result, people in help_by_visit.get(visit_id, ()):
            row["people_helped"] += people
            row["services_done"] += int(result == "done")
            most_people[household_id] = max(most_people[household_id], min(people, members))
            tally = per_service[(village, service)]
            tally["households"].add(household_id)
            tally["people_helped"] += people
            tally["services_done"] += int(result == "done")
    for household_id, key in first_reach.items():
        rows[key]["unique_people"] += most_people.get(household_id, 0)

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
                people_helped=t["people_helped"],
                services_done=t["services_done"],
            )
            for (v, s), t in per_service.items()
        ],
        batch_size=2000,
    )
    CampaignRollupState.objects.update_or_create(campaign=campaign, defaults={"refreshed_at": timezone.now()})


def running_campaigns(*, on: dt.date | None = None):
    day = on or timezone.localdate()
    return Campaign.objects.filter(starts_on__lte=day, ends_on__gte=day - dt.timedelta(days=1))


def _ensure_rollup(campaign: Campaign) -> None:
    if not CampaignRollupState.objects.filter(campaign=campaign).exists():
        campaign_rollup_refresh(campaign=campaign)


def _targets(campaign: Campaign) -> tuple[dict, dict]:
    by_commune, by_village = {}, {}
    for target in CampaignTarget.objects.filter(campaign=campaign):
        if target.commune_id:
            by_commune[target.commune_id] = (target.households, target.people)
        else:
            by_village[target.village_id] = (target.households, target.people)
    return by_commune, by_village


def _finish(row: dict, target_households: int, target_people: int) -> dict:
    row["target"] = target_households
    row["target_people"] = target_people
    row["progress"] = round(row["households_visited"] / target_households, 4) if target_households else 0.0
    row["people_progress"] = round(row["people_helped"] / target_people, 4) if target_people else None
    return row


def _blank() -> dict:
    return {
        "households_visited": 0,
        "visits": 0,
        "flagged_visits": 0,
        "unflagged_visits": 0,
        "people_helped": 0,
        "unique_people": 0,
        "working_age_reached": 0,
        "services_done": 0,
    }


def _add(row: dict, values: dict) -> None:
    row["households_visited"] += values["households_reached"] or 0
    for key in (
        "visits",
        "flagged_visits",
        "people_helped",
        "unique_people",
        "working_age_reached",
        "services_done",
    ):
        row[key] += values[key] or 0
    row["unflagged_visits"] = row["visits"] - row["flagged_visits"]


def campaign_tally(*, campaign: Campaign, by: str, villages=None) -> list[dict]:
    """Rows for one breakdown. ``villages`` limits the areas (the caller's scope)."""
    _ensure_rollup(campaign)
    scope = campaign_villages(campaign)
    if villages is not None:
        scope = scope.filter(code__in=villages.values("code"))
    scope_codes = scope.values("code")
    base = CampaignVillageDay.objects.filter(campaign=campaign, village_id__in=scope_codes)
    commune_targets, village_targets = _targets(campaign)

    if by == "service":
        names = dict(campaign.services.values_list("code", "name")) or None
        rows = []
        for service, name, households, people, done in (
            CampaignServiceTally.objects.filter(campaign=campaign, village_id__in=scope_codes)
            .values("service_id", "service__name")
            .annotate(h=Sum("households"), p=Sum("people_helped"), d=Sum("services_done"))
            .values_list("service_id", "service__name", "h", "p", "d")
            .order_by("service_id")
        ):
            if names is None or service in names:
                rows.append(
                    {
                        "key": service,
                        "name": name,
                        "households_visited": households,
                        "people_helped": people,
                        "services_done": done,
                        "target": None,
                        "progress": None,
                    }
                )
        return rows

    if by == "day":
        daily = {
            row["day"]: row
            for row in base.values("day").annotate(**{key: Sum(key) for key in SUMMED}).order_by("day")
        }
        total_target = sum(t[0] for t in commune_targets.values()) + sum(
            t[0] for t in village_targets.values()
        )
        if not total_target:
            total_target = sum(_denominators(scope).values())
        rows, reached = [], 0
        day = campaign.starts_on
        while day <= min(campaign.ends_on, timezone.localdate()):
            row = _blank()
            if day in daily:
                _add(row, daily[day])
            reached += row["households_visited"]
            row.update(
                {
                    "key": day.isoformat(),
                    "name": day.strftime("%d/%m/%Y"),
                    "households_reached_cumulative": reached,
                }
            )
            rows.append(_finish(row, total_target, 0))
            day += dt.timedelta(days=1)
        return rows

    group = {"commune": "village__commune_id", "village": "village_id", "team": "team_id"}[by]
    sums = {
        row[group]: row
        for row in base.values(group).annotate(**{key: Sum(key) for key in SUMMED}).order_by(group)
    }
    denominators = _denominators(scope)
    if by == "commune":
        communes = Commune.objects.filter(province_id=campaign.province_id)
        chosen = list(campaign.communes.values_list("code", flat=True))
        if chosen:
            communes = communes.filter(code__in=chosen)
        if villages is not None:
            communes = communes.filter(code__in=scope.values("commune_id"))
        names = dict(communes.values_list("code", "name"))
        commune_of = dict(scope.values_list("code", "commune_id"))
        households = defaultdict(int)
        for code, count in denominators.items():
            households[commune_of[code]] += count
        village_target_by_commune = defaultdict(lambda: [0, 0])
        for code, (h, p) in village_targets.items():
            if code in commune_of:
                village_target_by_commune[commune_of[code]][0] += h
                village_target_by_commune[commune_of[code]][1] += p
        keys = sorted(names)
        target = {}
        for key in keys:
            # A commune target wins; else the sum of its villages' targets; else its households.
            if key in commune_targets:
                target[key] = commune_targets[key]
            elif any(village_target_by_commune[key]):
                target[key] = tuple(village_target_by_commune[key])
            else:
                target[key] = (households[key], 0)
    elif by == "village":
        names = dict(scope.values_list("code", "name"))
        keys = sorted(names)
        target = {k: village_targets.get(k) or (denominators.get(k, 0), 0) for k in keys}
    else:
        names = dict(
            Team.objects.filter(Q(pk__in=sums.keys()) | Q(villages__in=scope)).values_list("pk", "name")
        )
        keys = sorted(k for k in names if k is not None)
        team_households = defaultdict(int)
        for code, team_id in scope.values_list("code", "team_id"):
            team_households[team_id] += denominators.get(code, 0)
        target = {k: (team_households.get(k, 0), 0) for k in keys}
    rows = []
    for key in keys:
        row = _blank()
        if key in sums:
            _add(row, sums[key])
        row.update({"key": str(key), "name": names[key]})
        rows.append(_finish(row, *target[key]))
    return rows


def _denominators(villages) -> dict[str, int]:
    """Households per village as coverage counts them (declared, or registered and not moved if more).

    Read from the coverage rollup, which every push keeps current, so a tally never counts households.
    """
    ensure_coverage_rollup(villages)
    stored = dict(
        VillageCoverage.objects.filter(village__in=villages).values_list("village_id", "households")
    )
    return {code: stored.get(code, 0) for code in villages.values_list("code", flat=True)}


def campaign_totals(rows: list[dict]) -> dict:
    total = _blank()
    for row in rows:
        for key in total:
            total[key] += row.get(key, 0) or 0
    target = sum(row.get("target") or 0 for row in rows)
    target_people = sum(row.get("target_people") or 0 for row in rows)
    return _finish(total, target, target_people)
