"""What a map request gets: coverage rows + boundaries + rendering, cached per scope and data version.

The caller's ``Scope`` decides which areas appear; the cache flavour is the scope's ``cache_key``, so
two people with different scopes never share a page.
"""

import math

import pandas as pd
from django.db.models import Count
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from backend.formats import number, percent
from core.models import Commune, FollowUp, Household, Outcome, Service
from core.scope import Scope
from core.selectors import communes_for, followups_open, followups_overdue, households_for, villages_for
from coverage import numbers as coverage
from coverage.cache import cached
from coverage.numbers import CoverageFilter
from maps import geo, render


def overdue_followups(*, villages, service: str | None = None, by: str = "village") -> dict[str, int]:
    """Open follow-ups whose due day has passed (before today), households not moved, per village or
    per commune (``by``): the overdue count the commune leader's page shows, for the map's cards."""
    key = "household__village_id" if by == "village" else "household__village__commune_id"
    rows = followups_overdue(
        followups_open().filter(household__village__in=villages), today=timezone.localdate()
    )
    if service:
        rows = rows.filter(service_id=service)
    return dict(rows.values(key).annotate(n=Count("id")).values_list(key, "n"))


def _with_overdue(rows: list[dict], overdue: dict[str, int]) -> list[dict]:
    for row in rows:
        row["overdue_text"] = number(overdue.get(row["code"], 0))
    return rows


def _flavour(scope: Scope, filters: CoverageFilter) -> str:
    """A page's cache flavour: the scope, the language, today (overdue follow-ups change with the day
    even when no figure does) and the filters."""
    flavour = f"page-{scope.cache_key}-{get_language()}-{timezone.localdate().isoformat()}"
    if not filters.is_empty:
        # Filtered pages are versioned like the others (never stale), kept per filter combination.
        flavour = f"{flavour}-filtered-{filters.key()}"
    return flavour


def _rows_with_display(rows: list[dict], link_for=None) -> list[dict]:
    for row in rows:
        # Text for people, in the page's language (1.234; 25,0 %); the numbers stay for colouring.
        row["coverage_pct"] = percent(row["coverage"])
        for key in coverage.NUMBERS:
            row[f"{key}_text"] = number(row[key])
        if link_for:
            # Text and a URL, never markup: the map's popup builds the link from text nodes.
            row["link_url"] = link_for(row["code"])
            row["link_label"] = _("Mở bản đồ %(name)s") % {"name": row["name"]}
    return rows


def _public(rows: list[dict]) -> list[dict]:
    return [{key: row[key] for key in ("code", "name", *coverage.NUMBERS, "coverage")} for row in rows]


def province_communes_geojson(*, scope: Scope, province: str, filters: CoverageFilter) -> str:
    """GeoJSON of the province's communes in the caller's scope (API: level=commune)."""

    def build():
        communes = communes_for(scope=scope, province=province)
        rows = coverage.commune_rows(communes=communes, filters=filters, scope=scope)
        return geo.feature_collection(
            geo.coverage_frame(
                areas=Commune.objects.filter(province_id=province), rows=_public(rows), level="commune"
            )
        )

    if not filters.is_empty:
        return build()
    return cached(level="province", code=province, flavour=f"geojson-{scope.cache_key}", build=build)


def commune_villages_geojson(*, scope: Scope, commune: str, filters: CoverageFilter) -> str:
    """GeoJSON of a commune's villages (API: level=village). Village numbers are aggregates."""

    def build():
        villages = villages_for(scope=scope, commune=commune)
        rows = coverage.village_rows(villages=villages, filters=filters)
        return geo.feature_collection(village_frame(villages=villages, rows=_public(rows), scope=scope))

    if not filters.is_empty:
        return build()
    return cached(level="commune", code=commune, flavour=f"geojson-{scope.cache_key}", build=build)


def province_page(*, scope: Scope, province: str, filters: CoverageFilter | None = None) -> str:
    """The province's communes coloured by coverage; with filters, numbers follow them (cached per filter
    combination under the same data version)."""
    filters = filters or CoverageFilter()
    allowed = set(communes_for(scope=scope).values_list("code", flat=True))

    def link(code):
        return reverse("maps:commune", args=[code]) if code in allowed else None

    def build():
        communes = communes_for(scope=scope, province=province)
        rows = _rows_with_display(
            coverage.commune_rows(communes=communes, filters=filters, scope=scope), link
        )
        overdue = overdue_followups(
            villages=villages_for(scope=scope).filter(commune__in=communes),
            service=filters.service,
            by="commune",
        )
        _with_overdue(rows, overdue)
        frame = geo.coverage_frame(
            areas=Commune.objects.filter(province_id=province), rows=rows, level="commune"
        )
        # The province's other communes as a light outline around (boundaries only: no name, no number).
        around = Commune.objects.filter(province_id=province).exclude(code__in=[row["code"] for row in rows])
        around_frame = geo.coverage_frame(
            areas=around,
            rows=[{"code": code} for code in around.values_list("code", flat=True)],
            level="commune",
        )
        return render.choropleth_page(
            geojson_text=geo.feature_collection(frame, label_points=True),
            bounds=geo.bounds(frame),
            layer_name=_("Xã, phường, đặc khu"),
            with_links=True,
            context_geojson=geo.feature_collection(around_frame[~around_frame.geometry.isna()])
            if not around_frame.geometry.isna().all()
            else None,
        )

    return cached(level="province", code=province, flavour=_flavour(scope, filters), build=build)


def national_page(*, scope: Scope) -> str:
    def build():
        communes = Commune.objects.all()
        rows = _rows_with_display(
            coverage.commune_rows(communes=communes, filters=CoverageFilter(), scope=scope)
        )
        frame = geo.coverage_frame(areas=communes, rows=rows, level="national")
        return render.choropleth_page(
            # No names on 3,321 communes at once: a province's map names its own.
            geojson_text=geo.feature_collection(frame),
            bounds=geo.bounds(frame),
            layer_name=_("Xã, phường, đặc khu"),
            with_links=False,
        )

    return cached(level="national", code="all", flavour=f"page-{get_language()}", build=build)


def _household_points(*, scope: Scope, commune: str) -> tuple[list[tuple], list[str]]:
    """Rows for the household markers: (lat, lon, status, label, last visit, outcome, [services still
    missing as indices into the names returned beside them]). Status drives the marker colour."""
    today = timezone.localdate()
    households = households_for(scope=scope).filter(
        village__commune_id=commune, moved=False, lat__isnull=False
    )
    due = set(
        FollowUp.objects.filter(household__in=households, closed_at__isnull=True, due__lte=today).values_list(
            "household_id", flat=True
        )
    )
    services = list(Service.objects.filter(is_active=True).values_list("code", "name"))
    names = [name for _code, name in services]
    outcomes = dict(Outcome.choices)
    points = []
    for household_id, lat, lon, label, last_visited, outcome, done in households.values_list(
        "id", "lat", "lon", "label", "last_visited_at", "last_outcome", "services_done"
    ):
        status = "followup" if household_id in due else ("visited" if last_visited else "not_yet")
        done = set(done or [])
        missing = [index for index, (code, _name) in enumerate(services) if code not in done]
        visited = formats.date_format(timezone.localtime(last_visited), "d/m/Y") if last_visited else ""
        points.append(
            (round(lat, 5), round(lon, 5), status, label, visited, str(outcomes.get(outcome, "")), missing)
        )
    return points, names


# A village without a boundary, seen by someone who may not see households (a province officer), is
# placed only from at least this many households' positions, at their centroid rounded to ~100 m: never
# one household's door, and never a hull whose corners are households.
MIN_HOUSEHOLDS_FOR_POSITION = 5
COARSE_DECIMALS = 3


# A boundary the commune drew is served to those scopes on the same terms: it must not pin a household
# down either (a leader may draw a few metres around a village's only house). It is served when the
# village has MIN_HOUSEHOLDS_FOR_POSITION registered households (then it shows where a group lives, as
# the estimated point does), or when every part of it covers at least MIN_AREA_FOR_POSITION_KM2:
# 0.25 km² is a 500 m square, so a household inside is placed no better than ±250 m, coarser than the
# ~100 m the estimated point is rounded to. Real villages cover far more (a few km² in the countryside,
# rarely under 0.1 km² even for a town's tổ dân phố, which have their hundreds of households anyway).
# Otherwise the village is drawn as not located, as one with no boundary and too few households.
MIN_AREA_FOR_POSITION_KM2 = 0.25
_KM_PER_DEGREE = 111.32


def _area_km2(part) -> float:
    """Area of a lon/lat geometry in km² (a degree of longitude shrinks with the cosine of latitude);
    exact enough to compare with a threshold at a village's scale."""
    if part.is_empty:
        return 0.0
    latitude = math.radians(part.centroid.y)
    return part.area * _KM_PER_DEGREE**2 * math.cos(latitude)


def _boundary_pins_households(geometry) -> bool:
    import shapely

    return any(_area_km2(part) < MIN_AREA_FOR_POSITION_KM2 for part in shapely.get_parts(geometry))


def village_frame(*, villages, rows: list[dict], scope: Scope):
    """The villages' rows joined to their drawn boundaries, as ``scope`` may see them: the one place
    every map page and API answer gets village geometry from. For a scope that may not see households,
    a boundary that could pin a household down is left out (see ``MIN_AREA_FOR_POSITION_KM2``)."""
    frame = geo.coverage_frame(areas=villages, rows=rows, level="village")
    if scope.sees_identity:
        return frame
    small = [
        code
        for code, geometry in zip(frame["code"], frame.geometry, strict=True)
        if geometry is not None and not geometry.is_empty and _boundary_pins_households(geometry)
    ]
    if not small:
        return frame
    enough = {
        row["village_id"]
        for row in Household.objects.filter(village_id__in=small, moved=False)
        .values("village_id")
        .annotate(count=Count("id"))
        if row["count"] >= MIN_HOUSEHOLDS_FOR_POSITION
    }
    hidden = frame["code"].isin(set(small) - enough)
    frame.loc[hidden, "geometry"] = None
    return frame


def _estimated_village_shapes(*, villages, scope: Scope) -> dict[str, object]:
    """Villages without a boundary, drawn where their registered households are. For scopes that see
    households: the convex hull of their locations (padded ~60 m) from three distinct points, else a
    point at their centroid. For the others: an aggregate only (``MIN_HOUSEHOLDS_FOR_POSITION``)."""
    import shapely

    without = set(villages.filter(geometry_simplified__isnull=True).values_list("code", flat=True))
    located: dict[str, set] = {}
    for village_id, household_id, lat, lon in Household.objects.filter(
        village_id__in=without, moved=False, lat__isnull=False, lon__isnull=False
    ).values_list("village_id", "id", "lat", "lon"):
        located.setdefault(village_id, {})[household_id] = (round(lon, 5), round(lat, 5))
    shapes = {}
    for code, by_household in located.items():
        points = set(by_household.values())
        if not scope.sees_identity:
            if len(by_household) >= MIN_HOUSEHOLDS_FOR_POSITION:
                centre = shapely.MultiPoint(list(by_household.values())).centroid
                shapes[code] = shapely.Point(
                    round(centre.x, COARSE_DECIMALS), round(centre.y, COARSE_DECIMALS)
                )
        elif len(points) >= 3:
            hull = shapely.MultiPoint(list(points)).convex_hull
            shapes[code] = hull.buffer(0.0006) if hull.geom_type != "Polygon" else hull.buffer(0.0003)
        else:
            shapes[code] = shapely.MultiPoint(list(points)).centroid
    return shapes


def commune_page(*, scope: Scope, commune: str, filters: CoverageFilter | None = None) -> str:
    """The commune's map; with filters (campaign, dates, service) the village numbers follow them and
    the page is built for this request only."""
    show_households = scope.sees_identity
    filters = filters or CoverageFilter()

    def build():
        villages = villages_for(scope=scope, commune=commune)
        rows = _rows_with_display(coverage.village_rows(villages=villages, filters=filters))
        _with_overdue(rows, overdue_followups(villages=villages, service=filters.service))
        frame = village_frame(villages=villages, rows=rows, scope=scope)
        shapes = _estimated_village_shapes(villages=villages, scope=scope)
        estimated = False
        frame["estimated"] = False
        frame["estimated_note"] = None
        for index, code in enumerate(frame["code"]):
            if (frame.geometry.iloc[index] is None or frame.geometry.iloc[index].is_empty) and code in shapes:
                frame.loc[index, "geometry"] = shapes[code]
                frame.loc[index, "estimated"] = True
                frame.loc[index, "estimated_note"] = _("ước tính từ vị trí các hộ")
                estimated = True
        outline = Commune.objects.filter(code=commune, geometry_simplified__isnull=False)
        outline_frame = geo.coverage_frame(areas=outline, rows=[{"code": commune}], level="commune")
        has_outline = not outline_frame.geometry.isna().all()
        # The commune and every village drawn (a village's boundary may reach past the commune's).
        area_bounds = geo.bounds(pd.concat([frame[["geometry"]], outline_frame[["geometry"]]]))
        points, service_names = (
            _household_points(scope=scope, commune=commune) if show_households else (None, [])
        )
        return render.commune_page(
            geojson_text=geo.feature_collection(frame[~frame.geometry.isna()], label_points=True),
            bounds=area_bounds,
            households=points,
            service_names=service_names,
            outline_geojson=geo.feature_collection(outline_frame) if has_outline else None,
            estimated=estimated,
        )

    return cached(level="commune", code=commune, flavour=_flavour(scope, filters), build=build)
