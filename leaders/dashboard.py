"""What a commune leader asks every day, read for a scope (selectors: no query per row).

- which villages lag (ranked by coverage, lowest first), each with its team, open follow-ups and
  households never visited;
- each village's households: last visit, outcome, services done and still missing;
- follow-ups overdue and due in the next 7 days, by team;
- households never visited (or not in the chosen period);
- visits with integrity flags, by volunteer, with the reason.

Filters (campaign, date range, service) are shared by the map and every list. Household names and
phones only reach scopes that see identity (``scope.sees_identity``): a province officer reads the same
pages as aggregates and anonymous rows.
"""

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from core import counting
from core.models import FollowUp, Outcome, Review, Village, team_display_name
from core.scope import Scope
from core.selectors import (
    followups_due_soon,
    followups_open_for,
    households_for,
    households_not_reached_for,
    services_list,
    villages_for,
    visits_for,
    visits_to_review_for,
)
from core.services.integrity import FLAG_DESCRIPTIONS
from coverage import numbers as coverage
from maps.filters import LeaderFilter, LeaderFilterForm  # noqa: F401  (the leaders' pages name them here)

SHOWN_ROWS = 100  # longer lists are cut on the page (the count says so) and whole in the XLSX


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment).date() if moment else None


# --- villages --------------------------------------------------------------------------------------


def village_ranking(*, scope: Scope, commune: str, filters: LeaderFilter) -> list[dict]:
    """Villages of the commune in the scope, lowest coverage first (those without a boundary too), with
    their team, households never visited and open follow-ups. A fixed number of queries."""
    villages = villages_for(scope=scope, commune=commune)
    rows = coverage.village_rows(villages=villages, filters=filters.coverage())
    teams = {
        code: team_display_name(team, commune_name) if team else ""
        for code, team, commune_name in villages.values_list("code", "team__name", "team__commune__name")
    }
    never = Counter(
        dict(
            _never_visited(scope=scope, commune=commune, filters=filters)
            .order_by()
            .values("village_id")
            .annotate(n=Count("id"))
            .values_list("village_id", "n")
        )
    )
    open_followups = Counter(
        dict(
            followups_open_for(scope=scope)
            .filter(household__village__in=villages)
            .values("household__village_id")
            .annotate(n=Count("id"))
            .values_list("household__village_id", "n")
        )
    )
    for row in rows:
        row["team"] = teams.get(row["code"], "")
        row["never_visited"] = never.get(row["code"], 0)
        row["open_followups"] = open_followups.get(row["code"], 0)
    rows.sort(key=lambda row: (row["coverage"], row["name"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def village_totals(rows: list[dict]) -> dict:
    """The commune's totals row of the village ranking: coverage's own sum (reached / households of the
    whole), with households never visited and open follow-ups added up."""
    total = coverage.totals(rows)
    return total | {
        "never_visited": sum(row["never_visited"] for row in rows),
        "open_followups": sum(row["open_followups"] for row in rows),
        # Households a village declared that no one has registered yet: not "never visited" (no one
        # can list them), but not visited either.
        "households_unregistered": max(0, total["households"] - total["households_registered"]),
    }


def village_households(*, scope: Scope, village: Village, filters: LeaderFilter) -> list[dict]:
    """The village's households (not moved): last visit, outcome, services done and still missing,
    open follow-ups. Names and phones only for scopes that see identity."""
    catalogue = list(services_list().values_list("code", "name"))
    names = dict(catalogue)
    wanted = filters.services(catalogue)
    outcomes = dict(Outcome.choices)
    households = households_for(scope=scope).filter(village=village, moved=False)
    visited_in_period = None
    if filters.has_period:
        visited_in_period = set(
            visits_for(scope=scope)
            .filter(filters.visit_window(), village=village)
            .values_list("household_id", flat=True)
        )
    followups = defaultdict(list)
    for household_id, service, due in (
        FollowUp.objects.filter(household__in=households, closed_at__isnull=True)
        .order_by("due")
        .values_list("household_id", "service__name", "due")
    ):
        followups[household_id].append((service, due))
    identity = scope.sees_identity
    rows = []
    for number, household in enumerate(
        households.order_by("label", "id").values(
            "id", "label", "head_name", "phone", "members", "last_visited_at", "last_outcome", "services_done"
        ),
        start=1,
    ):
        done = set(household["services_done"] or [])
        rows.append(
            {
                "id": household["id"],
                "label": household["label"] if identity else _("Hộ %(number)d") % {"number": number},
                "head_name": household["head_name"] if identity else "",
                "phone": household["phone"] if identity else "",
                "members": household["members"],
                "last_visit": _local_date(household["last_visited_at"]),
                "outcome": str(outcomes.get(household["last_outcome"], "")),
                "visited_in_period": None
                if visited_in_period is None
                else household["id"] in visited_in_period,
                "services_done": [names.get(code, code) for code in sorted(done)],
                "services_missing": [name for code, name in wanted if code not in done],
                "followups": followups.get(household["id"], []),
            }
        )
    return rows


# --- follow-ups, never visited, flags --------------------------------------------------------------


def followups_due(
    *, scope: Scope, commune: str, filters: LeaderFilter, today: dt.date | None = None
) -> list[dict]:
    """Open follow-ups overdue or due within 7 days, grouped by team (teams with overdue ones first)."""
    today = today or timezone.localdate()
    rows = followups_due_soon(
        followups_open_for(scope=scope).filter(
            household__village__in=villages_for(scope=scope, commune=commune)
        ),
        today=today,
    )
    if filters.service:
        rows = rows.filter(service_id=filters.service)
    identity = scope.sees_identity
    teams: dict[str, dict] = {}
    for row in rows.order_by("due", "household__label").values(
        "id",
        "due",
        "since",
        "service__name",
        "team__name",
        "team__commune__name",
        "household_id",
        "household__label",
        "household__phone",
        "household__village_id",
        "household__village__name",
    ):
        team = (
            team_display_name(row["team__name"], row["team__commune__name"])
            if row["team__name"]
            else _("Chưa có tổ phụ trách")
        )
        group = teams.setdefault(team, {"team": team, "overdue": [], "upcoming": []})
        days = (row["due"] - today).days
        item = {
            "due": row["due"],
            "days": days,
            "days_overdue": -days,
            "since": _local_date(row["since"]),
            "service": row["service__name"],
            "household": row["household__label"] if identity else "",
            "phone": row["household__phone"] if identity else "",
            "village": row["household__village__name"],
            "village_code": row["household__village_id"],
        }
        # Overdue as core.selectors.followups_overdue says: due before today.
        group["overdue" if row["due"] < today else "upcoming"].append(item)
    return sorted(teams.values(), key=lambda group: (-len(group["overdue"]), group["team"]))


def never_visited_count(*, scope: Scope, commune: str, filters: LeaderFilter) -> int:
    return _never_visited(scope=scope, commune=commune, filters=filters).count()


def _never_visited(*, scope: Scope, commune: str, filters: LeaderFilter):
    """Registered households not reached (in the period, if one is asked for): households only tried,
    or visited only by held visits, are in it, so the list and the percentage agree."""
    return households_not_reached_for(
        scope=scope,
        villages=villages_for(scope=scope, commune=commune),
        window=filters.visit_window() if filters.has_period else None,
    )


def never_visited(
    *, scope: Scope, commune: str, filters: LeaderFilter, limit: int | None = None
) -> list[dict]:
    """Households never visited; with a period, those not visited in it (the first ``limit`` of them)."""
    households = (
        _never_visited(scope=scope, commune=commune, filters=filters)
        .order_by("village__name", "label", "id")
        .values(
            "id",
            "label",
            "phone",
            "members",
            "created_at",
            "village_id",
            "village__name",
            "village__team__name",
            "village__team__commune__name",
            "last_visited_at",
        )
    )
    if limit is not None:
        households = households[:limit]
    identity = scope.sees_identity
    rows = []
    for number, row in enumerate(
        households,
        start=1,
    ):
        team = row["village__team__name"]
        rows.append(
            {
                "household": row["label"] if identity else _("Hộ %(number)d") % {"number": number},
                "phone": row["phone"] if identity else "",
                "members": row["members"],
                "village": row["village__name"],
                "village_code": row["village_id"],
                "team": team_display_name(team, row["village__team__commune__name"]) if team else "",
                "registered": _local_date(row["created_at"]),
                "last_visit": _local_date(row["last_visited_at"]),
            }
        )
    return rows


def flagged_visits(*, scope: Scope, commune: str, filters: LeaderFilter) -> list[dict]:
    """Visits with integrity flags, grouped by volunteer (most flagged first), each with its reasons."""
    visits = visits_for(scope=scope).filter(
        filters.visit_window(), village__commune_id=commune, is_flagged=True
    )
    identity = scope.sees_identity
    volunteers: dict[int, dict] = {}
    for row in visits.order_by("-visited_at").values(
        "id",
        "visited_at",
        "outcome",
        "flags",
        "distance_m",
        "volunteer_id",
        "volunteer__full_name",
        "volunteer__username",
        "team__name",
        "team__commune__name",
        "household__label",
        "village__name",
    ):
        group = volunteers.setdefault(
            row["volunteer_id"],
            {
                "volunteer": row["volunteer__full_name"] or row["volunteer__username"],
                "team": team_display_name(row["team__name"], row["team__commune__name"])
                if row["team__name"]
                else "",
                "visits": [],
            },
        )
        group["visits"].append(
            {
                "visited_at": timezone.localtime(row["visited_at"]),
                "village": row["village__name"],
                "household": row["household__label"] if identity else "",
                "reasons": [
                    _(FLAG_DESCRIPTIONS[flag]) if flag in FLAG_DESCRIPTIONS else flag
                    for flag in row["flags"] or []
                ],
                "distance_m": row["distance_m"],
            }
        )
    return sorted(volunteers.values(), key=lambda group: (-len(group["visits"]), group["volunteer"]))


def village_numbers(*, village: Village, filters: LeaderFilter) -> dict:
    """The village's coverage under the filters: the same row the commune page ranks it by, with the
    denominator's reason ("6 hộ (1 hộ chưa đăng ký)")."""
    (row,) = coverage.village_rows(
        villages=Village.objects.filter(code=village.code), filters=filters.coverage()
    )
    return row | {"households_text": coverage.households_text(row)}


REVIEW_SHOWN = 200  # visits listed on the review page, held ones first


def visits_to_review(*, scope: Scope, commune: str, filters: LeaderFilter) -> list[dict]:
    """Flagged visits of the commune in the filters' window: those held out of the totals and not yet
    decided first (oldest first, so nothing waits forever), then the rest, newest first."""
    visits = visits_for(scope=scope).filter(
        filters.visit_window(), village__commune_id=commune, is_flagged=True
    )
    identity = scope.sees_identity
    rows = []
    for row in visits.order_by("-visited_at").values(
        "id",
        "visited_at",
        "outcome",
        "flags",
        "distance_m",
        "held",
        "review",
        "volunteer__full_name",
        "volunteer__username",
        "household__label",
        "village__name",
    )[: REVIEW_SHOWN * 2]:
        strong = counting.strong_flags(row["flags"] or [])
        rows.append(
            {
                "id": row["id"],
                "visited_at": timezone.localtime(row["visited_at"]),
                "village": row["village__name"],
                "household": row["household__label"] if identity else "",
                "volunteer": row["volunteer__full_name"] or row["volunteer__username"],
                "outcome": Outcome(row["outcome"]).label
                if row["outcome"] in Outcome.values
                else row["outcome"],
                "reasons": [
                    _(FLAG_DESCRIPTIONS[flag]) if flag in FLAG_DESCRIPTIONS else flag
                    for flag in row["flags"] or []
                ],
                "strong": bool(strong),
                "held": row["held"],
                "review": row["review"],
                "review_label": Review(row["review"]).label,
                "waiting": bool(strong) and not row["review"],
            }
        )
    waiting = sorted((row for row in rows if row["waiting"]), key=lambda row: row["visited_at"])
    return (waiting + [row for row in rows if not row["waiting"]])[:REVIEW_SHOWN]


def review_counts(*, scope: Scope, commune: str) -> dict:
    """Held visits waiting for a decision, and weakly flagged ones not yet looked at."""
    weak = visits_for(scope=scope).filter(village__commune_id=commune, is_flagged=True, held=False, review="")
    return {
        "held": visits_to_review_for(scope=scope).filter(village__commune_id=commune).count(),
        "weak": weak.count(),
    }
