"""Browser pages for leaders: login and the landing page that links to what the user may see."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from field_api.models import Role
from field_api.selectors import communes_for, provinces_for


def _link(name: str, label: str, *args) -> dict | None:
    try:
        return {"url": reverse(name, args=args), "label": label}
    except NoReverseMatch:
        return None


@login_required
def home(request):
    user = request.user
    links = []
    if user.role == Role.ADMIN or user.is_superuser:
        links.append(_link("maps:national", _("Bản đồ toàn quốc")))
    for province in provinces_for(user=user)[:40]:
        links.append(
            _link("maps:province", _("Bản đồ %(name)s") % {"name": province.full_name}, province.code)
        )
    if user.role not in (Role.ADMIN, Role.PROVINCE_OFFICER) and user.commune_id:
        commune = communes_for(user=user).first()
        if commune:
            links.append(
                _link("maps:commune", _("Bản đồ %(name)s") % {"name": commune.full_name}, commune.code)
            )
    links.append({"url": reverse("swagger-ui"), "label": _("Tài liệu API")})
    return render(request, "maps/home.html", {"links": [link for link in links if link]})
