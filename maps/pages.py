"""What a map request gets: coverage rows + boundaries + rendering, cached per scope and data version.

The caller's ``Scope`` decides which areas appear; the cache flavour is the scope's ``cache_key``, so
two people with different scopes never share a page.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from field_api.models import Commune, FollowUp
from field_api.scope import Scope
from field_api.selectors import communes_for, households_for, villages_for
from maps import coverage, geo, render
from maps.cache import cached
from maps.coverage import CoverageFilter


def _rows_with_display(rows: list[dict], link_for=None) -> list[dict]:
    for row in rows:
        row["coverage_pct"] = f"{row['coverage'] * 100:.1f}%".replace(".", ",")
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
        return geo.feature_collection(geo.coverage_frame(areas=villages, rows=_public(rows), level="village"))

    if not filters.is_empty:
        return build()
    return cached(level="commune", code=commune, flavour=f"geojson-{scope.cache_key}", build=build)


def province_page(*, scope: Scope, province: str) -> str:
    allowed = set(communes_for(scope=scope).values_list("code", flat=True))

    def link(code):
        return reverse("maps:commune", args=[code]) if code in allowed else None

    def build():
        communes = communes_for(scope=scope, province=province)
        rows = _rows_with_display(
            coverage.commune_rows(communes=communes, filters=CoverageFilter(), scope=scope), link
        )
        frame = geo.coverage_frame(
            areas=Commune.objects.filter(province_id=province), rows=rows, level="commune"
        )
        return render.choropleth_page(
            geojson_text=geo.feature_collection(frame),
            bounds=geo.bounds(frame),
            layer_name=_("Xã, phường, đặc khu"),
            with_links=True,
        )

    return cached(level="province", code=province, flavour=f"page-{scope.cache_key}", build=build)


def national_page(*, scope: Scope) -> str:
    def build():
        communes = Commune.objects.all()
        rows = _rows_with_display(
            coverage.commune_rows(communes=communes, filters=CoverageFilter(), scope=scope)
        )
        frame = geo.coverage_frame(areas=communes, rows=rows, level="national")
        return render.choropleth_page(
            geojson_text=geo.feature_collection(frame),
            bounds=geo.bounds(frame),
            layer_name=_("Xã, phường, đặc khu"),
            with_links=False,
        )

    return cached(level="national", code="all", flavour="page", build=build)


def _household_points(*, scope: Scope, commune: str) -> list[tuple]:
    """(lat, lon, status, label) of households the caller may see; status drives the marker colour."""
    today = timezone.localdate()
    households = households_for(scope=scope).filter(
        village__commune_id=commune, moved=False, lat__isnull=False
    )
    due = set(
        FollowUp.objects.filter(household__in=households, closed_at__isnull=True, due__lte=today).values_list(
            "household_id", flat=True
        )
    )
    points = []
    for household_id, lat, lon, label, last_visited in households.values_list(
        "id", "lat", "lon", "label", "last_visited_at"
    ):
        status = "followup" if household_id in due else ("visited" if last_visited else "not_yet")
        points.append((round(lat, 5), round(lon, 5), status, label))
    return points


def commune_page(*, scope: Scope, commune: str) -> str:
    show_households = scope.sees_identity

    def build():
        villages = villages_for(scope=scope, commune=commune)
        rows = _rows_with_display(coverage.village_rows(villages=villages, filters=CoverageFilter()))
        frame = geo.coverage_frame(areas=villages, rows=rows, level="village")
        if frame.geometry.isna().all():  # no village boundaries yet: show the commune outline
            frame = geo.coverage_frame(
                areas=Commune.objects.filter(code=commune),
                rows=_rows_with_display(
                    coverage.commune_rows(
                        communes=Commune.objects.filter(code=commune), filters=CoverageFilter(), scope=scope
                    )
                ),
                level="commune",
            )
        points = _household_points(scope=scope, commune=commune) if show_households else None
        return render.commune_page(
            geojson_text=geo.feature_collection(frame), bounds=geo.bounds(frame), households=points
        )

    flavour = f"page-{scope.cache_key}"
    return cached(level="commune", code=commune, flavour=flavour, build=build)
