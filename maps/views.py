"""Browser pages for leaders: the landing page and the coverage maps (404 outside the caller's scope).

``maps.pages`` pulls in geopandas and folium (seconds of imports): it is imported inside the map views,
so the URLconf, and with it every worker's first request, does not wait for it.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from backend.navigation import area_breadcrumbs, nav_items
from field_api.selectors import communes_for, provinces_for


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
    return render(
        request,
        "maps/home.html",
        {"items": items, "provinces": provinces, "api_docs_url": reverse("swagger-ui")},
    )


def _map_page(request, page: str, *, title: str, back_url: str, back_label: str, breadcrumbs=None):
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
        "map": {
            "head": with_csp_nonce(parts.head, nonce),
            "body": parts.body,
            "script": with_csp_nonce(parts.script, nonce),
        },
    }
    return render(request, "maps/map_page.html", context)


@login_required
def province_map(request, code: str):
    # Aggregates of the communes in the caller's scope; a province outside it does not exist for them.
    scope = request.user.scope
    province = get_object_or_404(provinces_for(scope=scope), code=code)
    from maps import pages

    return _map_page(
        request,
        pages.province_page(scope=scope, province=code),
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

    province_url = reverse("maps:province", args=[commune.province_id])
    return _map_page(
        request,
        pages.commune_page(scope=scope, commune=code),
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
