"""Coverage numbers per village, commune and province (API.md "Coverage and maps").

- households: the village's declared count, or the registered households if more (the registry grows
  as volunteers walk the village: 3 registered of a declared 40 is 3/40, not 3/3). Moved households
  never count, in the numerator or the denominator. households_registered: the registered ones, so a
  page says why the denominator is what it is (``households_text``).
- households_reached: distinct households a counted visit met (core.counting: the one rule; several
  visits count once); households_tried: those with counted visits that never met anyone.
- coverage = households_reached / households, 0 when there are no households.
- people_helped: sum of help items' people (lượt); services_done: help items with result ``done``;
  visits: counted visits. Held visits (a strong flag not confirmed) are in none of these.
Higher levels sum their villages. Unfiltered numbers come from the per-village rollup
(``VillageCoverage``), brought up to date inside each push's transaction from the pushed rows alone
(``coverage_apply_records``) and rebuilt nightly; filtered ones (campaign, dates, service) are
SQL aggregates over the visits of the areas asked for.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import ngettext

from core.counting import REACHING_OUTCOMES, counted_visits, reaching_visits
from core.models import HelpItem, HelpResult, Household, Village, Visit
from core.projections import StoredVisit, village_rollups_lock
from core.scope import Scope
from core.selectors import history_provinces
from coverage.models import VillageCoverage

NUMBERS = (
    "households",
    "households_registered",
    "households_reached",
    "households_tried",
    "people_helped",
    "services_done",
)


@dataclass(frozen=True)
class CampaignWindow:
    """What coverage needs of a campaign to filter by it: its province, days, communes and services
    (none chosen: all). Built by ``campaigns.selectors.campaign_window``; coverage names no campaign."""

    pk: int
    province: str
    starts_on: dt.date
    ends_on: dt.date
    commune_codes: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CoverageFilter:
    campaign: CampaignWindow | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    service: str | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.campaign or self.date_from or self.date_to or self.service)

    @property
    def has_period(self) -> bool:
        return bool(self.campaign or self.date_from or self.date_to)

    def key(self) -> str:
        campaign = self.campaign.pk if self.campaign else ""
        return f"{campaign}:{self.date_from or ''}:{self.date_to or ''}:{self.service or ''}"

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        """The days asked for: the campaign's days cut by the date range (the one rule for both)."""
        start, end = self.date_from, self.date_to
        if self.campaign:
            start = max(start, self.campaign.starts_on) if start else self.campaign.starts_on
            end = min(end, self.campaign.ends_on) if end else self.campaign.ends_on
        return start, end

    def visit_window(self) -> Q:
        """Visits inside the period, as a condition on Visit (local days, end day included)."""
        start, end = self.period()
        condition = Q()
        if start:
            condition &= Q(visited_at__gte=_local_midnight(start))
        if end:
            condition &= Q(visited_at__lt=_local_midnight(end + dt.timedelta(days=1)))
        return condition


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _filtered_visits(village_codes: list[str], filters: CoverageFilter) -> tuple[QuerySet, Q]:
    """Visits in scope of the filters, and the condition their help items must meet."""
    provinces = history_provinces(village_codes=village_codes)
    visits = Visit.objects.filter(counted_visits(), province_id__in=provinces, village_id__in=village_codes)
    # Help items are grouped by their visit's village, a second join to the visits: both sides name the
    # provinces, or that join would probe every province's partition for each help item.
    help_condition = Q(province_id__in=provinces, visit__province_id__in=provinces)
    if filters.campaign:
        campaign = filters.campaign
        visits = visits.filter(province_id=campaign.province)
        if campaign.commune_codes:
            visits = visits.filter(village__commune_id__in=campaign.commune_codes)
        if campaign.service_codes:
            help_condition &= Q(service_id__in=campaign.service_codes)
    visits = visits.filter(filters.visit_window())
    if filters.service:
        help_condition &= Q(service_id=filters.service)
        visits = visits.filter(
            help_items__service_id=filters.service, help_items__province_id__in=provinces
        ).distinct()
    return visits, help_condition


def _households_counts(village_codes: list[str]) -> dict[str, tuple[int, int]]:
    """The denominator per village (declared, or registered if more) and the registered households
    (not moved) it is read against. An index count."""
    declared = dict(Village.objects.filter(code__in=village_codes).values_list("code", "declared_households"))
    registered = dict(
        Household.objects.filter(village_id__in=village_codes, moved=False)
        .values("village_id")
        .annotate(n=Count("id"))
        .values_list("village_id", "n")
    )
    return {
        code: (max(declared.get(code) or 0, registered.get(code, 0)), registered.get(code, 0))
        for code in village_codes
    }


def compute_village_numbers(*, village_codes: list[str], filters: CoverageFilter) -> dict[str, dict]:
    """Coverage numbers per village straight from households and visits (SQL aggregates)."""
    numbers = {code: dict.fromkeys(NUMBERS, 0) | {"visits": 0} for code in village_codes}
    if not village_codes:
        return numbers
    for code, (households, registered) in _households_counts(village_codes).items():
        numbers[code]["households"] = households
        numbers[code]["households_registered"] = registered

    visits, help_condition = _filtered_visits(village_codes, filters)
    for code, visited, reached, count in (
        visits.order_by()
        .values("village_id")
        .annotate(
            visited=Count("household_id", distinct=True, filter=Q(household__moved=False)),
            reached=Count(
                "household_id", distinct=True, filter=Q(household__moved=False) & reaching_visits()
            ),
            count=Count("id", distinct=True),
        )
        .values_list("village_id", "visited", "reached", "count")
    ):
        numbers[code]["households_reached"] = reached
        numbers[code]["households_tried"] = visited - reached
        numbers[code]["visits"] = count
    help_items = HelpItem.objects.filter(help_condition, visit__in=visits.order_by().values("id"))
    for code, people, done in (
        help_items.order_by()
        .values("visit__village_id")
        .annotate(people=Sum("people"), done=Count("id", filter=Q(result=HelpResult.DONE)))
        .values_list("visit__village_id", "people", "done")
    ):
        numbers[code]["people_helped"] = people or 0
        numbers[code]["services_done"] = done
    return numbers


def _store_rollup(numbers: dict[str, dict]) -> None:
    VillageCoverage.objects.bulk_create(
        [VillageCoverage(village_id=code, **values) for code, values in numbers.items()],
        update_conflicts=True,
        unique_fields=["village"],
        update_fields=[*NUMBERS, "visits", "updated_at"],
    )


@transaction.atomic
def coverage_refresh(*, village_codes: list[str]) -> None:
    """Recompute the rollup rows of these villages from all their visits (nightly, or when missing)."""
    village_rollups_lock(village_codes)
    _store_rollup(compute_village_numbers(village_codes=list(village_codes), filters=CoverageFilter()))


def coverage_apply_records(
    *,
    village_codes: list[str],
    visits: list[StoredVisit],
    recount_village_codes: list[str],
    denominator_village_codes: list[str],
) -> None:
    """Bring these villages' rollup up to date with records just stored, inside the writer's transaction.

    The cost follows the records, not the villages' history: the new counted visits (as the writer
    describes them) are added to the numbers already stored; a household becomes reached when none of
    its other counted visits in that village met anyone, and tried when it had no counted visit there. Villages with no rollup row yet, and those whose households left or moved
    (``recount_village_codes``), are recounted from all their visits instead. The denominator is an
    index count, taken again only where households came, moved or left (``denominator_village_codes``).

    Call inside the writer's transaction, holding the villages' rollup locks: the pipeline
    (``core.projections.field_records_project``) takes them before any projection; none taken here.
    """
    stored = {
        row["village_id"]: row
        for row in VillageCoverage.objects.filter(village_id__in=village_codes).values(
            "village_id", *NUMBERS, "visits"
        )
    }
    asked = set(recount_village_codes)
    recount = [code for code in village_codes if code not in stored or code in asked]
    numbers = compute_village_numbers(village_codes=recount, filters=CoverageFilter())
    added = [code for code in village_codes if code not in numbers]
    if added:
        numbers |= _numbers_added(
            stored={code: stored[code] for code in added},
            visits=[visit for visit in visits if visit.village in set(added)],
            denominator_village_codes=sorted(set(added) & set(denominator_village_codes)),
        )
    _store_rollup(numbers)


def _numbers_added(
    *, stored: dict[str, dict], visits: list[StoredVisit], denominator_village_codes: list[str]
) -> dict[str, dict]:
    """The stored numbers plus the new counted visits: one lookup of the (village, household) pairs they
    name, by the visits' index, to tell what each household was before this write (tried, reached or
    neither) from what it is now."""
    numbers = {code: {key: row[key] for key in (*NUMBERS, "visits")} for code, row in stored.items()}
    for code, (households, registered) in _households_counts(denominator_village_codes).items():
        numbers[code]["households"] = households
        numbers[code]["households_registered"] = registered
    visits = [visit for visit in visits if not visit.held]
    reaching_now: dict[tuple, bool] = {}
    for visit in visits:
        pair = (visit.village, visit.household)
        reaching_now[pair] = reaching_now.get(pair, False) or visit.outcome in REACHING_OUTCOMES
    before = _pairs_before(
        list(reaching_now),
        new_ids=[visit.id for visit in visits],
        provinces=sorted({v.province for v in visits}),
    )
    for visit in visits:
        counts = numbers[visit.village]
        counts["visits"] += 1
        for _service, result, people in visit.help:
            counts["people_helped"] += people
            counts["services_done"] += result == HelpResult.DONE
    moved = {visit.household for visit in visits if visit.household_moved}
    for (code, household), reaches in reaching_now.items():
        if household in moved:
            continue
        was = before.get((code, household))  # None: no counted visit before; else whether one reached
        if reaches and not was:
            numbers[code]["households_reached"] += 1
            numbers[code]["households_tried"] -= was is False
        elif not reaches and was is None:
            numbers[code]["households_tried"] += 1
    return numbers


def _pairs_before(
    pairs: list[tuple[str, uuid.UUID]], *, new_ids: list[uuid.UUID], provinces: list[str]
) -> dict[tuple[str, uuid.UUID], bool]:
    """The (village, household) pairs with a counted visit other than the new ones, and whether one of
    those reached the household. On PostgreSQL the pairs travel as two arrays probing the visits'
    (village, household) index, each probe stopping at the first visit that answers it, so the cost
    follows the batch, never a household's history; in the partitions of their ``provinces`` only.
    SQLite, a single writer's embedded database, takes the ORM's IN lists."""
    if not pairs:
        return {}
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Visit._meta.db_table)
        probe = (
            f"SELECT 1 FROM {table} AS v WHERE v.village_id = p.village_id "  # noqa: S608
            "AND v.household_id = p.household_id AND v.province_id = ANY(%s::varchar[]) "
            "AND v.id <> ALL(%s::uuid[]) AND NOT v.held"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT * FROM (SELECT p.village_id, p.household_id, EXISTS ({probe}) AS tried, "  # noqa: S608
                f"EXISTS ({probe} AND v.outcome = ANY(%s::varchar[])) AS reached "
                "FROM unnest(%s::varchar[], %s::uuid[]) AS p(village_id, household_id)) AS answers "
                "WHERE tried",
                [
                    provinces,
                    new_ids,
                    provinces,
                    new_ids,
                    sorted(REACHING_OUTCOMES),
                    [code for code, _household in pairs],
                    [household for _code, household in pairs],
                ],
            )
            return {(code, household): reached for code, household, _tried, reached in cursor.fetchall()}
    wanted = set(pairs)
    rows = (
        Visit.objects.filter(
            counted_visits(),
            province_id__in=provinces,
            village_id__in={code for code, _h in pairs},
            household_id__in={h for _c, h in pairs},
        )
        .exclude(id__in=new_ids)
        .values_list("village_id", "household_id", "outcome")
    )
    result: dict[tuple, bool] = {}
    for code, household, outcome in rows:
        if (code, household) in wanted:
            result[(code, household)] = result.get((code, household), False) or outcome in REACHING_OUTCOMES
    return result


def ensure_coverage_rollup(villages: QuerySet[Village]) -> None:
    missing = list(villages.filter(coverage__isnull=True).values_list("code", flat=True))
    if missing:
        coverage_refresh(village_codes=missing)


def households_text(row: dict) -> str:
    """The denominator with its reason, the one wording of every page: "6 hộ (1 hộ chưa đăng ký)"."""
    households, registered = row["households"] or 0, row.get("households_registered") or 0
    text = ngettext("%(n)s hộ", "%(n)s hộ", households) % {
        "n": number_format(households, force_grouping=True)
    }
    if households > registered:
        missing = households - registered
        text += " " + ngettext("(%(n)s hộ chưa đăng ký)", "(%(n)s hộ chưa đăng ký)", missing) % {
            "n": number_format(missing, force_grouping=True)
        }
    return text


def with_coverage(row: dict) -> dict:
    households = row["households"] or 0
    row["coverage"] = round(row["households_reached"] / households, 4) if households else 0.0
    return row


def village_rows(*, villages: QuerySet[Village], filters: CoverageFilter) -> list[dict]:
    """One row per village: code, name and the numbers."""
    names = dict(villages.values_list("code", "name"))
    if filters.is_empty:
        ensure_coverage_rollup(villages)
        stored = {
            row["village_id"]: row
            for row in VillageCoverage.objects.filter(village__in=villages).values("village_id", *NUMBERS)
        }
        numbers = {code: stored.get(code, dict.fromkeys(NUMBERS, 0)) for code in names}
    else:
        numbers = compute_village_numbers(village_codes=list(names), filters=filters)
    return [
        with_coverage({"code": code, "name": names[code], **{key: numbers[code][key] for key in NUMBERS}})
        for code in sorted(names)
    ]


def commune_rows(*, communes: QuerySet, filters: CoverageFilter, scope: Scope) -> list[dict]:
    """One row per commune, summing its villages in the scope; communes without villages show zeros."""
    names = dict(communes.values_list("code", "name"))
    villages = Village.objects.filter(scope.villages(), commune_id__in=list(names))
    sums = {code: dict.fromkeys(NUMBERS, 0) for code in names}
    if filters.is_empty:
        ensure_coverage_rollup(villages)
        for row in (
            VillageCoverage.objects.filter(village__in=villages)
            .values("village__commune_id")
            .annotate(**{key: Sum(key) for key in NUMBERS})
        ):
            sums[row["village__commune_id"]] = {key: row[key] or 0 for key in NUMBERS}
    else:
        per_village = compute_village_numbers(
            village_codes=list(villages.values_list("code", flat=True)), filters=filters
        )
        commune_of = dict(villages.values_list("code", "commune_id"))
        for code, values in per_village.items():
            for key in NUMBERS:
                sums[commune_of[code]][key] += values[key]
    return [with_coverage({"code": code, "name": names[code], **sums[code]}) for code in sorted(names)]


def totals(rows: list[dict]) -> dict:
    total = {key: sum(row[key] for row in rows) for key in NUMBERS}
    return with_coverage(total)
