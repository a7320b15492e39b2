"""The shell's navigation: what each role is offered, from scope capabilities, at no query cost."""

import pytest

from backend.navigation import active_key, area_breadcrumbs, nav_items
from core.models import Role
from tests import factories


def _keys(user) -> list[str]:
    return [item.key for item in nav_items(user=user)]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.VOLUNTEER, ["home", "commune-map", "province-map"]),
        (Role.TEAM_LEADER, ["home", "commune-map", "province-map"]),
        (Role.COMMUNE_LEADER, ["home", "leader", "commune-map", "province-map", "campaigns"]),
        (Role.PROVINCE_OFFICER, ["home", "province-map", "campaigns"]),
    ],
)
def test_each_role_is_offered_what_its_scope_allows(world, role, expected, django_assert_num_queries):
    user = world.a.users[role]
    user.scope  # noqa: B018 - built once per user; navigation itself must not query
    with django_assert_num_queries(0):
        assert _keys(user)[: len(expected)] == expected
    assert "national-map" not in _keys(user) and "admin" not in _keys(user)


def test_setup_for_those_who_manage_people_and_the_catalogue_for_provinces(world):
    assert "setup" in _keys(world.a.users[Role.COMMUNE_LEADER])
    assert "catalogue" not in _keys(world.a.users[Role.COMMUNE_LEADER])
    assert {"setup", "catalogue"} <= set(_keys(world.a.users[Role.PROVINCE_OFFICER]))
    assert not {"setup", "catalogue"} & set(_keys(world.a.users[Role.TEAM_LEADER]))


def test_urls_point_at_the_users_own_areas(world):
    items = {item.key: item.url for item in nav_items(user=world.a.users[Role.COMMUNE_LEADER])}
    assert items["leader"] == "/communes/51001/"
    assert items["commune-map"] == "/maps/commune/51001/"
    assert items["province-map"] == "/maps/province/51/"
    assert items["campaigns"] == "/campaigns/"


def test_national_staff_get_the_national_map_and_admin(world):
    admin = factories.UserFactory(username="qt-staff", role=Role.ADMIN, is_staff=True)
    assert _keys(admin) == ["home", "national-map", "campaigns", "setup", "catalogue", "admin"]
    # an admin role without staff status would only meet the admin's login page
    assert "admin" not in _keys(world.admin)


def test_anonymous_and_scopeless_users_get_nothing_beyond_home(db):
    from django.contrib.auth.models import AnonymousUser

    assert nav_items(user=AnonymousUser()) == []
    assert nav_items(user=None) == []
    lost = factories.UserFactory(username="no-area", role=Role.COMMUNE_LEADER)
    assert _keys(lost) == ["home"]


def test_active_item_is_the_longest_matching_prefix(world):
    items = nav_items(user=world.a.users[Role.COMMUNE_LEADER])
    assert active_key(items, "/") == "home"
    assert active_key(items, "/campaigns/3/") == "campaigns"
    assert active_key(items, "/maps/commune/51001/") == "commune-map"
    assert active_key(items, "/nowhere/") is None


def test_breadcrumbs_run_province_commune_village_and_the_last_is_not_a_link(world):
    scope = world.a.users[Role.COMMUNE_LEADER].scope
    crumbs = area_breadcrumbs(
        scope=scope, province=world.a.province, commune=world.a.commune, village=world.a.village
    )
    assert crumbs == [
        ("Tỉnh A", "/maps/province/51/"),
        ("Phường Cẩm Thành A", "/communes/51001/"),
        ("Thôn 1", None),
    ]
    # a team member has no leader's page: the commune crumb opens the commune map
    team_scope = world.a.users[Role.VOLUNTEER].scope
    assert area_breadcrumbs(scope=team_scope, province=world.a.province, commune=world.a.commune)[0][1] == (
        "/maps/province/51/"
    )
    assert area_breadcrumbs(
        scope=team_scope, province=world.a.province, commune=world.a.commune, village=world.a.village
    )[1] == ("Phường Cẩm Thành A", "/maps/commune/51001/")
    assert area_breadcrumbs(scope=scope, province=world.a.province) == [("Tỉnh A", None)]
