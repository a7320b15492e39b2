"""Campaign tallies: households reached, lượt (person-times) and unique people, services completed.

Definitions (also in the API description):
- a visit counts when it falls in the campaign's days (Vietnam time), in its province and communes;
  help items count when their service is in the campaign's services (all services if none chosen);
- households_reached: distinct households a visit met in the campaign (core.counting), not moved
  away, each counted once: in the village, under the team and on the day of the first such visit;
- visits: counted visits; flagged_visits: those of them with weak integrity flags (counted, and shown
  separately); held_visits: visits with strong flags, out of every total until a leader confirms;
- people_helped (lượt): sum of help items' people; unique_people: per household, the most people
  helped in any one help item, capped at the household's members (a lower bound: a person is
  guided in several services but counted once);
- target: see campaigns/targets.py (one rule for commune and village targets);
- progress = households_reached / target (0 when there is no target).

Every breakdown is cut to the caller's scope, and the rows of the commune, village, team and day
breakdowns add up to the same totals (``campaign_totals``). Rows by service overlap (a household
helped with two services is in both), so their sum is not the total; their ``totals`` are the
campaign's all the same.

Figures come from rollups (campaigns/rollup.py), so a tally reads a few thousand rows, never
the visits.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.figures import cached_figures
from campaigns.models import Campaign, CampaignServiceTally, CampaignVillageDay
from campaigns.rollup import SUMMED, ensure_campaign_rollup
from campaigns.targets import campaign_communes, campaign_villages, target_units
from core.models import Commune, Team, team_display_name
from core.scope import Scope

BREAKDOWNS = ("commune", "village", "team", "service", "day")
UNASSIGNED = "unassigned"


def _blank() -> dict:
    return {
        "households_reached": 0,
        "visits": 0,
        "flagged_visits": 0,
        "held_visits": 0,
        "unflagged_visits": 0,
        "people_helped": 0,
        "unique_people": 0,
        "working_age_reached": 0,
        "services_done": 0,
    }


def _add(row: dict, values: dict) -> None:
    row["households_reached"] += values["households_reached"] or 0
    for key in (
        "visits",
        "flagged_visits",
        "held_visits",
        "people_helped",
        "unique_people",
        "working_age_reached",
        "services_done",
    ):
        row[key] += values[key] or 0
    row["unflagged_visits"] = row["visits"] - row["flagged_visits"]


def _finish(row: dict, target_households: int, target_people: int) -> dict:
    row["target"] = target_households
    row["target_people"] = target_people
    row["progress"] = round(row["households_reached"] / target_households, 4) if target_households else 0.0
    row["people_progress"] = round(row["people_helped"] / target_people, 4) if target_people else None
    return row


def _days(campaign: Campaign, scope: Scope) -> QuerySet[CampaignVillageDay]:
    ensure_campaign_rollup(campaign)
    villages = campaign_villages(campaign).filter(scope.villages())
    return CampaignVillageDay.objects.filter(campaign=campaign, village__in=villages)


def _sums_by(days: QuerySet, group: str) -> dict:
    return {
        row[group]: row
        for row in days.values(group).annotate(**{key: Sum(key) for key in SUMMED}).order_by(group)
    }


def _rows(keys, names: dict, sums: dict, targets: dict) -> list[dict]:
    rows = []
    for key in keys:
        row = _blank()
        if key in sums:
            _add(row, sums[key])
        row.update({"key": "" if key is None else str(key), "name": names[key]})
        rows.append(_finish(row, *targets.get(key, (0, 0))))
    return rows


def _targets_by(units, key_of) -> dict:
    totals: dict = defaultdict(lambda: [0, 0])
    for unit in units:
        totals[key_of(unit)][0] += unit.households
        totals[key_of(unit)][1] += unit.people
    return {key: tuple(value) for key, value in totals.items()}


def tally_by_commune(*, campaign: Campaign, scope: Scope) -> list[dict]:
    units = target_units(campaign=campaign, scope=scope)
    names = dict(campaign_communes(campaign).filter(scope.communes()).values_list("code", "name"))
    # Summed per village and folded into communes here: grouping by the village's commune in SQL joins
    # every rollup row to its village (80 ms for a province of 1 M visits' campaign, against 20 ms).
    commune_of = dict(campaign_villages(campaign).filter(scope.villages()).values_list("code", "commune_id"))
    sums: dict = {}
    for village, row in _sums_by(_days(campaign, scope), "village_id").items():
        commune = sums.setdefault(commune_of[village], dict.fromkeys(SUMMED, 0))
        for key in SUMMED:
            commune[key] += row[key] or 0
    return _rows(sorted(names), names, sums, _targets_by(units, lambda u: u.commune))


def tally_by_village(*, campaign: Campaign, scope: Scope) -> list[dict]:
    units = target_units(campaign=campaign, scope=scope)
    names = dict(campaign_villages(campaign).filter(scope.villages()).values_list("code", "name"))
    commune_names = dict(
        Commune.objects.filter(code__in={u.commune for u in units}).values_list("code", "name")
    )
    for unit in units:
        if unit.village is None:  # a commune target that no village could take
            names[f"{unit.commune}/{UNASSIGNED}"] = _("%(commune)s: chưa giao cho thôn nào") % {
                "commune": commune_names[unit.commune]
            }
    targets = _targets_by(units, lambda u: u.village or f"{u.commune}/{UNASSIGNED}")
    sums = _sums_by(_days(campaign, scope), "village_id")
    return _rows(sorted(names), names, sums, targets)


def tally_by_team(*, campaign: Campaign, scope: Scope) -> list[dict]:
    """Households under the team of their first campaign visit; targets under each village's team."""
    units = target_units(campaign=campaign, scope=scope)
    sums = _sums_by(_days(campaign, scope), "team_id")
    targets = _targets_by(units, lambda u: u.team)
    team_ids = {key for key in (*sums, *targets) if key is not None}
    # Teams of one province share names ("Tổ CNSCĐ số 1"): the commune tells them apart.
    names = {
        pk: team_display_name(name, commune)
        for pk, name, commune in Team.objects.filter(pk__in=team_ids).values_list(
            "pk", "name", "commune__name"
        )
    }
    keys = sorted(names, key=lambda pk: names[pk])
    if None in sums or targets.get(None, (0, 0)) != (0, 0):
        names[None] = _("Chưa có tổ phụ trách")
        keys.append(None)
    return _rows(keys, names, sums, targets)


def tally_by_day(*, campaign: Campaign, scope: Scope) -> list[dict]:
    """One row per campaign day so far; each row's target is the campaign's (the chart's line)."""
    daily = _sums_by(_days(campaign, scope), "day")
    total_target = sum(unit.households for unit in target_units(campaign=campaign, scope=scope))
    last = min(campaign.ends_on, max([timezone.localdate(), *daily]))
    rows, reached, day = [], 0, campaign.starts_on
    while day <= last:
        row = _blank()
        if day in daily:
            _add(row, daily[day])
        reached += row["households_reached"]
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


def tally_by_service(*, campaign: Campaign, scope: Scope) -> list[dict]:
    """Per service: households helped with it, visits that helped with it, lượt, completions."""
    ensure_campaign_rollup(campaign)
    chosen = dict(campaign.services.values_list("code", "name"))
    villages = campaign_villages(campaign).filter(scope.villages())
    rows = []
    for service, name, households, visits, people, done in (
        CampaignServiceTally.objects.filter(campaign=campaign, village__in=villages)
        .values("service_id", "service__name")
        .annotate(h=Sum("households"), v=Sum("visits"), p=Sum("people_helped"), d=Sum("services_done"))
        .values_list("service_id", "service__name", "h", "v", "p", "d")
        .order_by("service_id")
    ):
        if chosen and service not in chosen:
            continue
        row = _blank()
        row.update(
            {
                "key": service,
                "name": name,
                "households_reached": households or 0,
                "visits": visits or 0,
                "unflagged_visits": None,
                "flagged_visits": None,
                "unique_people": None,
                "working_age_reached": None,
                "people_helped": people or 0,
                "services_done": done or 0,
                "target": None,
                "target_people": None,
                "progress": None,
                "people_progress": None,
            }
        )
        rows.append(row)
    return rows


TALLIES = {
    "commune": tally_by_commune,
    "village": tally_by_village,
    "team": tally_by_team,
    "service": tally_by_service,
    "day": tally_by_day,
}


def campaign_tally(*, campaign: Campaign, by: str, scope: Scope) -> list[dict]:
    """Rows for one breakdown, cut to the caller's scope (kept in the cache until a figure changes:
    figures.py)."""
    rows = cached_figures(
        campaign=campaign,
        scope=scope,
        name=f"tally-{by}",
        build=lambda: TALLIES[by](campaign=campaign, scope=scope),
    )
    return [dict(row) for row in rows]  # callers may add to their rows


def campaign_totals(*, campaign: Campaign, scope: Scope) -> dict:
    """The campaign's figures in the scope: what the commune, village, team and day rows add up to."""
    return dict(
        cached_figures(
            campaign=campaign,
            scope=scope,
            name="totals",
            build=lambda: _totals(campaign=campaign, scope=scope),
        )
    )


def _totals(*, campaign: Campaign, scope: Scope) -> dict:
    total = _blank()
    sums = _days(campaign, scope).aggregate(**{key: Sum(key) for key in SUMMED})
    _add(total, sums)
    units = target_units(campaign=campaign, scope=scope)
    return _finish(total, sum(u.households for u in units), sum(u.people for u in units))


def elapsed_share(*, campaign: Campaign, day: dt.date | None = None) -> float:
    """The share of the campaign's days that have begun by ``day`` (today): 0 before it starts, 1 after
    it ends. The pace line: a commune on pace has reached target × this share."""
    day = day or timezone.localdate()
    total_days = (campaign.ends_on - campaign.starts_on).days + 1
    elapsed = min(max((day - campaign.starts_on).days + 1, 0), total_days)
    return elapsed / total_days


def expected_reached(*, target: int, share: float) -> int:
    """Households a unit on the pace line has reached by now: target × share, rounded. The headline's
    one rounding; breakdowns share it out (``with_pace``) so their rows add up to it."""
    return round(target * share) if target else 0


def apportion(total: int, weights: list[int]) -> list[int]:
    """``total`` shared out in proportion to ``weights``, in whole numbers that add up to it: each gets
    the floor of its exact share, and what is left goes one by one to the largest remainders (the first
    row first on a tie). All zeros when the weights are."""
    whole = sum(weights)
    if not whole or not total:
        return [0] * len(weights)
    exact = [total * weight / whole for weight in weights]
    shares = [int(value) for value in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in by_remainder[: total - sum(shares)]:
        shares[index] += 1
    return shares


def with_pace(rows: list[dict], *, share: float, total_expected: int | None = None) -> list[dict]:
    """Adds to each row ``expected``, its part of the expected figure of the whole (by default
    ``expected_reached`` of the rows' targets summed; a commune's own when the rows are its villages)
    shared out by target, so the rows add up to the figure above them (743 is 743 summed, never 768);
    and ``pace`` = reached ÷ expected (1.0 on the line, below 1 behind it; None without a target or
    before the first day)."""
    targets = [row.get("target") or 0 for row in rows]
    if total_expected is None:
        total_expected = expected_reached(target=sum(targets), share=share)
    for row, expected in zip(rows, apportion(total_expected, targets), strict=True):
        row["expected"] = expected
        row["pace"] = round(row["households_reached"] / expected, 4) if expected else None
    return rows


def communes_by_pace(*, campaign: Campaign, scope: Scope, day: dt.date | None = None) -> list[dict]:
    """The commune rows with their pace, furthest behind first (no target last, then by name)."""
    rows = with_pace(
        campaign_tally(campaign=campaign, by="commune", scope=scope),
        share=elapsed_share(campaign=campaign, day=day),
    )
    return sorted(rows, key=lambda row: (row["pace"] is None, row["pace"] or 0, row["progress"], row["name"]))
