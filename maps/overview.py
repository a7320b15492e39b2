"""The numbers a person sees where they land (the home page): a commune leader's four alerts and the
villages furthest behind; a province officer's communes, with what needs them.

Every figure comes from the one rule that computes it elsewhere (core.counting through core.selectors
and coverage.numbers, campaigns.tally for pace), so the home page and the pages it links to agree.
"""

import datetime as dt

from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from campaigns.rollup import running_campaigns
from campaigns.tally import communes_by_pace
from core.models import Team
from core.scope import Scope
from core.selectors import (
    communes_for,
    followups_due_soon,
    followups_open_for,
    followups_overdue,
    households_not_reached_for,
    villages_for,
    visits_to_review_for,
)
from coverage.numbers import CoverageFilter, commune_rows, totals, village_rows

LAGGING_SHOWN = 5
# A team none of whose members' phones reached the server for this many days is "silent".
SILENT_AFTER_DAYS = 7


def commune_overview(*, scope: Scope, commune: str, today: dt.date | None = None) -> dict:
    """The commune leader's alerts: follow-ups overdue and due within a week, households not reached,
    visits held for review; and the villages with the lowest coverage."""
    today = today or timezone.localdate()
    villages = villages_for(scope=scope, commune=commune)
    followups = followups_open_for(scope=scope).filter(household__village__in=villages)
    rows = sorted(
        village_rows(villages=villages, filters=CoverageFilter()),
        key=lambda row: (row["coverage"], row["name"]),
    )
    for row in rows:
        row["url"] = reverse("maps:leader-village", args=[row["code"]])
    return {
        "overdue": followups_overdue(followups, today=today).count(),
        "due_soon": followups_due_soon(followups, today=today).filter(due__gte=today).count(),
        "not_reached": households_not_reached_for(scope=scope, villages=villages).count(),
        "to_review": visits_to_review_for(scope=scope).filter(village__commune_id=commune).count(),
        "lagging": rows[:LAGGING_SHOWN],
        "page_url": reverse("maps:leader-commune", args=[commune]),
        "review_url": reverse("maps:leader-review", args=[commune]),
    }


def province_overview(*, scope: Scope, province: str, today: dt.date | None = None) -> dict:
    """One row per commune of the province: households reached of households, the running campaign's
    reached / target and pace, follow-ups overdue, visits held for review, teams silent for
    ``SILENT_AFTER_DAYS`` days; and a totals row."""
    today = today or timezone.localdate()
    communes = communes_for(scope=scope).filter(province_id=province)
    rows = commune_rows(communes=communes, filters=CoverageFilter(), scope=scope)
    codes = [row["code"] for row in rows]
    overdue = dict(
        followups_overdue(
            followups_open_for(scope=scope).filter(household__village__commune_id__in=codes), today=today
        )
        .values("household__village__commune_id")
        .annotate(n=Count("id"))
        .values_list("household__village__commune_id", "n")
    )
    to_review = dict(
        visits_to_review_for(scope=scope)
        .filter(province_id=province)
        .values("village__commune_id")
        .annotate(n=Count("id"))
        .values_list("village__commune_id", "n")
    )
    silent_since = timezone.now() - dt.timedelta(days=SILENT_AFTER_DAYS)
    teams = Team.objects.filter(commune_id__in=codes).annotate(last=Max("members__last_synced_at"))
    silent: dict[str, int] = {}
    for commune, last in teams.values_list("commune_id", "last"):
        if last is None or last < silent_since:
            silent[commune] = silent.get(commune, 0) + 1
    campaign = running_campaigns(on=today).filter(province_id=province).order_by("-starts_on", "-pk").first()
    pace = (
        {row["key"]: row for row in communes_by_pace(campaign=campaign, scope=scope, day=today)}
        if campaign
        else {}
    )
    for row in rows:
        row["url"] = reverse("maps:leader-commune", args=[row["code"]])
        row["overdue"] = overdue.get(row["code"], 0)
        row["to_review"] = to_review.get(row["code"], 0)
        row["silent_teams"] = silent.get(row["code"], 0)
        campaign_row = pace.get(row["code"])
        row["campaign"] = (
            {key: campaign_row[key] for key in ("households_reached", "target", "expected", "pace")}
            if campaign_row
            else None
        )
    total = totals(rows)
    for key in ("overdue", "to_review", "silent_teams"):
        total[key] = sum(row[key] for row in rows)
    with_campaign = [row["campaign"] for row in rows if row["campaign"]]
    if with_campaign:
        reached = sum(c["households_reached"] for c in with_campaign)
        expected = sum(c["expected"] for c in with_campaign)
        total["campaign"] = {
            "households_reached": reached,
            "target": sum(c["target"] for c in with_campaign),
            "expected": expected,
            "pace": round(reached / expected, 4) if expected else None,
        }
    # Communes with nothing yet (no household, nothing to do, no campaign target) are named in one line
    # under the table instead of a row of zeros each: a province has up to ~150 of them at the start.
    active = [row for row in rows if _has_something(row)]
    return {
        "rows": active,
        "quiet": [row for row in rows if not _has_something(row)],
        "totals": total,
        "campaign": campaign,
        "campaign_url": reverse("maps:campaign-dashboard", args=[campaign.pk]) if campaign else None,
        "silent_after_days": SILENT_AFTER_DAYS,
    }


def _has_something(row: dict) -> bool:
    campaign = row["campaign"]
    return bool(
        row["households"]
        or row["overdue"]
        or row["to_review"]
        or (campaign and (campaign["target"] or campaign["households_reached"]))
    )
