"""Browser pages for leaders: the landing page and the coverage maps (404 outside the caller's scope).

``maps.pages`` pulls in geopandas and folium (seconds of imports): it is imported inside the map views,
so the URLconf, and with it every worker's first request, does not wait for it.
"""

import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from backend.formats import number, percent
from backend.navigation import area_breadcrumbs, nav_items
from campaigns.selectors import campaigns_for
from campaigns.tally import communes_by_pace
from core.models import Commune
from core.selectors import communes_for, provinces_for
from coverage.cache import cached
from maps.filters import LeaderFilter, LeaderFilterForm


@login_required
def home(request):
    """Where everyone starts: what their role can do (the shell's navigation, as cards), and for a
    national scope every province's map. URLs come from reverse(): a wrong name fails loudly."""
    scope = request.user.scope
    items = [item for item in nav_items(user=request.user) if item.key != "home"]
    provinces = []
    if scope.is_national:
        provinces = [
            {"url": reverse("maps:province", args=[province.code]), "label": province.full_name}
            for province in provinces_for(scope=scope).order_by("name")
        ]
    from maps import overview  # the home's numbers: coverage, follow-ups, campaigns

    commune_overview = province_overview = None
    if scope.leads_commune:
        commune_overview = overview.commune_overview(scope=scope, commune=scope.leads_commune)
    elif scope.runs_campaigns and scope.map_province:
        province_overview = overview.province_overview(scope=scope, province=scope.map_province)
    return render(
        request,
        "maps/home.html",
        {
            "items": items,
            "provinces": provinces,
            "api_docs_url": reverse("swagger-ui"),
            "commune_overview": commune_overview,
            "province_overview": province_overview,
        },
    )


def _map_page(
    request,
    page: str,
    *,
    title: str,
    back_url: str,
    back_label: str,
    breadcrumbs=None,
    filter_form=None,
    query: str = "",
    side_link: dict | None = None,
):
    """A cached map page inside the shell, with this request's CSP nonce on its scripts (cached pages are
    shared and carry none)."""
    from maps.render import split_page, with_csp_nonce

    nonce = str(request.csp_nonce)
    parts = split_page(page)
    context = {
        "title": title,
        "back_url": back_url,
        "back_label": back_label,
        "breadcrumbs": breadcrumbs or [],
        "filter_form": filter_form,
        "query": query,
        "side_link": side_link,
        "map": {
            "head": with_csp_nonce(parts.head, nonce),
            "body": parts.body,
            "script": with_csp_nonce(parts.script, nonce),
        },
    }
    return render(request, "maps/map_page.html", context)


def _map_filters(request, scope):
    """The commune leader's filters (campaign, dates, service) on a map page: (form, filters), or
    (form, None) when a value is bad (the caller answers 400 naming the field)."""
    form = LeaderFilterForm(request.GET or None, scope=scope)
    if not form.is_bound:
        return form, LeaderFilter()
    if not form.is_valid():
        return form, None
    return form, LeaderFilter.from_form(form)


@login_required
def province_map(request, code: str):
    # Aggregates of the communes in the caller's scope; a province outside it does not exist for them.
    scope = request.user.scope
    province = get_object_or_404(provinces_for(scope=scope), code=code)
    from maps import pages

    form, filters = _map_filters(request, scope)
    if filters is None:
        return render(request, "400.html", {"message": form.error_text()}, status=400)
    return _map_page(
        request,
        pages.province_page(scope=scope, province=code, filters=filters.coverage()),
        filter_form=form,
        query=request.GET.urlencode(),
        title=_("Bản đồ độ phủ %(name)s") % {"name": province.full_name},
        back_url=reverse("maps:home"),
        back_label=_("Trang chính"),
        breadcrumbs=area_breadcrumbs(scope=scope, province=province),
    )


@login_required
def commune_map(request, code: str):
    scope = request.user.scope
    commune = get_object_or_404(communes_for(scope=scope), code=code)
    from maps import pages

    form, filters = _map_filters(request, scope)
    if filters is None:
        return render(request, "400.html", {"message": form.error_text()}, status=400)
    province_url = reverse("maps:province", args=[commune.province_id])
    return _map_page(
        request,
        pages.commune_page(scope=scope, commune=code, filters=filters.coverage()),
        filter_form=form,
        query=request.GET.urlencode(),
        # The commune leader's page (villages, follow-ups, never visited) for those who may open it.
        side_link={
            "url": reverse("maps:leader-commune", args=[code])
            + (f"?{request.GET.urlencode()}" if form.is_bound else ""),
            "label": _("Trang của xã: thôn, việc cần theo dõi, hộ chưa thăm"),
        }
        if scope.opens_leader_pages
        else None,
        title=_("Bản đồ độ phủ %(name)s") % {"name": commune.full_name},
        back_url=province_url,
        back_label=commune.province.full_name,
        breadcrumbs=area_breadcrumbs(scope=scope, province=commune.province, commune=commune),
    )


@login_required
def national_map(request):
    if not request.user.scope.is_national:
        raise Http404
    from maps import pages

    return _map_page(
        request,
        pages.national_page(scope=request.user.scope),
        title=_("Bản đồ độ phủ toàn quốc"),
        back_url=reverse("maps:home"),
        back_label=_("Trang chính"),
    )


@login_required
def campaign_map(request, pk: int):
    """The campaign's communes shaded by progress; tooltips are text, a click opens the village table."""
    from maps import geo, render

    scope = request.user.scope
    campaign = get_object_or_404(campaigns_for(scope=scope), pk=pk)
    rows = []
    for row in communes_by_pace(campaign=campaign, scope=scope):
        rows.append(
            {
                "code": row["key"],
                "name": row["name"],
                "coverage": min(row["progress"], 1.0001),  # the colour scale
                "reached_text": number(row["households_reached"]),
                "target_text": number(row["target"]),
                "progress_pct": percent(row["progress"]),
                "expected_text": number(row["expected"]),
                "pace_pct": percent(row["pace"]) if row["pace"] is not None else "–",
                # A card line shows only where its number is there (render.card_row).
                **{
                    f"{key}_text": number(row[key])
                    for key in ("flagged_visits", "held_visits", "people_helped")
                    if row.get(key) is not None
                },
                "link_url": reverse("maps:campaign-commune", args=[campaign.pk, row["key"]]),
                "link_label": _("Xem theo thôn: %(name)s") % {"name": row["name"]},
            }
        )
    # The page is rebuilt only when a figure, a target or the language changes.
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]

    def build():
        frame = geo.coverage_frame(
            areas=Commune.objects.filter(code__in=[r["code"] for r in rows]), rows=rows, level="commune"
        )
        return render.choropleth_page(
            geojson_text=geo.feature_collection(frame, label_points=True),
            bounds=geo.bounds(frame),
            layer_name=_("Xã của chiến dịch"),
            with_links=True,
            card=render.area_card(
                [
                    render.card_row(
                        _("Hộ đã tiếp cận / chỉ tiêu"), "reached_text", "target_text", cls="main"
                    ),
                    render.card_row(_("Tiến độ"), "progress_pct", cls="main"),
                    render.card_row(_("Lẽ ra đã tiếp cận (theo tiến độ)"), "expected_text"),
                    render.card_row(_("So với tiến độ"), "pace_pct"),
                    render.card_row(_("Lượt có cảnh báo"), "flagged_visits_text"),
                    render.card_row(_("Lượt chờ xã xác nhận (chưa tính)"), "held_visits_text"),
                    render.card_row(_("Lượt người được hướng dẫn"), "people_helped_text"),
                ]
            ),
            legend_caption=_("Tiến độ (hộ đã tiếp cận so với chỉ tiêu)"),
        )

    page = cached(
        level="campaign",
        code=str(campaign.pk),
        flavour=f"{scope.cache_key}-{get_language()}-{digest}",
        build=build,
    )
    return _map_page(
        request,
        page,
        title=_("Bản đồ chiến dịch %(name)s") % {"name": campaign.name},
        back_url=reverse("maps:campaign-dashboard", args=[campaign.pk]),
        back_label=campaign.name,
        breadcrumbs=[
            (_("Chiến dịch"), reverse("maps:campaign-list")),
            (campaign.name, reverse("maps:campaign-dashboard", args=[campaign.pk])),
            (_("Bản đồ"), None),
        ],
    )
