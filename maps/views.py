"""Browser pages for leaders: the landing page and the coverage maps (404 outside the caller's scope).

``maps.pages`` pulls in geopandas and folium (seconds of imports): it is imported inside the map views,
so the URLconf, and with it every worker's first request, does not wait for it.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from field_api.scope import Kind
from field_api.selectors import communes_for, provinces_for


def _link(name: str, label: str, *args) -> dict | None:
    try:
        return {"url": reverse(name, args=args), "label": label}
    except NoReverseMatch:
        return None


@login_required
def home(request):
    scope = request.user.scope
    links = []
    if scope.is_national:
        links.append(_link("maps:national", _("Bản đồ toàn quốc")))
    for province in provinces_for(scope=scope)[:40]:
        links.append(
            _link("maps:province", _("Bản đồ %(name)s") % {"name": province.full_name}, province.code)
        )
    if scope.kind in (Kind.TEAM, Kind.COMMUNE):
        commune = communes_for(scope=scope).first()
        if commune:
            links.append(
                _link("maps:commune", _("Bản đồ %(name)s") % {"name": commune.full_name}, commune.code)
            )
    if scope.kind in (Kind.NATIONAL, Kind.PROVINCE, Kind.COMMUNE):
        links.append(_link("maps:campaign-list", _("Chiến dịch và báo cáo")))
    links.append({"url": reverse("swagger-ui"), "label": _("Tài liệu API")})
    return render(request, "maps/home.html", {"links": [link for link in links if link]})


def _html(request, page: str) -> HttpResponse:
    # Cached pages are shared and carry no nonce; this request's goes in now (Content-Security-Policy).
    from maps.render import with_csp_nonce

    return HttpResponse(with_csp_nonce(page, str(request.csp_nonce)), content_type="text/html; charset=utf-8")


@login_required
def province_map(request, code: str):
    # Aggregates of the communes in the caller's scope; a province outside it does not exist for them.
    scope = request.user.scope
    get_object_or_404(provinces_for(scope=scope), code=code)
    from maps import pages

    return _html(request, pages.province_page(scope=scope, province=code))


@login_required
def commune_map(request, code: str):
    scope = request.user.scope
    get_object_or_404(communes_for(scope=scope), code=code)
    from maps import pages

    return _html(request, pages.commune_page(scope=scope, commune=code))


@login_required
def national_map(request):
    if not request.user.scope.is_national:
        raise Http404
    from maps import pages

    return _html(request, pages.national_page(scope=request.user.scope))
