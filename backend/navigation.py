"""What the shell's navigation offers a person, and the breadcrumbs pages put above their content.

Each item is gated by a capability of ``user.scope`` (core/scope.py), never by a role, and its URL
comes from ``reverse()``: a wrong URL name fails loudly in every page and every test instead of a link
quietly disappearing. No item costs a query: scopes carry the codes of their areas.

To add an item: a capability on ``Scope`` if none says who may see it, then one line in ``nav_items``.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

Breadcrumbs = list[tuple[str, str | None]]


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str


def nav_items(*, user) -> list[NavItem]:
    """The navigation for ``user`` (anonymous: none)."""
    if user is None or not user.is_authenticated:
        return []
    scope = user.scope
    items = [NavItem("home", _("Trang chính"), reverse("maps:home"))]
    if scope.leads_commune:
        items.append(
            NavItem("leader", _("Trang của xã"), reverse("maps:leader-commune", args=[scope.leads_commune]))
        )
    if scope.map_commune:
        items.append(
            NavItem("commune-map", _("Bản đồ xã"), reverse("maps:commune", args=[scope.map_commune]))
        )
    if scope.map_province:
        items.append(
            NavItem("province-map", _("Bản đồ tỉnh"), reverse("maps:province", args=[scope.map_province]))
        )
    if scope.is_national:
        items.append(NavItem("national-map", _("Bản đồ toàn quốc"), reverse("maps:national")))
    if scope.sees_campaigns:
        items.append(NavItem("campaigns", _("Chiến dịch"), reverse("maps:campaign-list")))
    if scope.manages_people:
        items.append(NavItem("setup", _("Thiết lập"), reverse("onboarding:home")))
    if scope.edits_catalogue:
        items.append(NavItem("catalogue", _("Dịch vụ"), reverse("onboarding:catalogue")))
    if scope.administers and user.is_staff:
        items.append(NavItem("admin", _("Quản trị"), reverse("admin:index")))
    return items


def active_key(items: list[NavItem], path: str) -> str | None:
    """The item whose URL is the longest prefix of ``path`` (home only for ``/`` itself)."""
    best = None
    for item in items:
        if path == item.url or (item.url != "/" and path.startswith(item.url)):
            if best is None or len(item.url) > len(best.url):
                best = item
    return best.key if best else None


def area_breadcrumbs(*, scope, province=None, commune=None, village=None) -> Breadcrumbs:
    """Province → commune → village as (label, url) pairs; a level links to its page only when the
    scope may open it (the last level is the current page: no link)."""
    crumbs: Breadcrumbs = []
    if province is not None:
        crumbs.append((province.full_name, reverse("maps:province", args=[province.code])))
    if commune is not None:
        page = "maps:leader-commune" if scope.opens_leader_pages else "maps:commune"
        crumbs.append((commune.full_name, reverse(page, args=[commune.code])))
    if village is not None:
        crumbs.append((village.name, reverse("maps:leader-village", args=[village.code])))
    if crumbs:
        crumbs[-1] = (crumbs[-1][0], None)
    return crumbs
