"""Maps people can read: percent legend and Vietnamese numbers, metric scale, basemap when configured,
household tooltips with last visit, outcome and what is still missing, and villages without a boundary
drawn where their households are."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from core.models import Role
from maps import pages
from tests import factories
from tests.clock import TEST_NOW
from tests.maps.test_pages import shows

# Fixed dates below are read against this clock (tests/clock.py).
pytestmark = pytest.mark.time_machine(TEST_NOW)


@pytest.fixture
def leader(world, client):
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    return client


def test_legend_is_in_percent_and_the_scale_metric(leader):
    html = leader.get("/maps/province/51/").content.decode()
    for label in ("0–20 %", "80–100 %", "Độ phủ (tỉ lệ hộ đã gặp được)"):
        assert shows(html, label), label
    assert "imperial: false" in html and "L.control.scale()" not in html
    assert "position: 'bottomright'" in html  # away from the zoom buttons (top left)


def test_tooltips_carry_numbers_formatted_for_the_language(world, leader):
    households = [factories.HouseholdFactory(village=world.a.village) for _ in range(4)]
    factories.VisitFactory(household=households[0], volunteer=world.a.users[Role.VOLUNTEER])
    world.a.village.declared_households = 4
    world.a.village.save()
    html = leader.get("/maps/commune/51001/").content.decode()
    assert shows(html, "25,0 %") and "coverage_pct" in html and "households_text" in html
    with translation.override("en"):
        english = pages.commune_page(scope=world.a.users[Role.COMMUNE_LEADER].scope, commune="51001")
    assert shows(english, "25.0%") and shows(english, "Coverage (share of households reached)")


def test_basemap_when_tiles_are_configured(leader, settings):
    settings.MAP_TILES_URL = "https://tiles.example.vn/osm/{z}/{x}/{y}.png"
    html = leader.get("/maps/province/51/").content.decode()
    assert "https://tiles.example.vn/osm/{z}/{x}/{y}.png" in html and "L.tileLayer" in html


def test_no_basemap_without_tiles(leader):
    assert "L.tileLayer" not in leader.get("/maps/province/51/").content.decode()


def test_household_tooltip_rows_show_last_visit_outcome_and_missing_services(world):
    visited = timezone.make_aware(dt.datetime(2026, 11, 5, 9, 30))
    factories.HouseholdFactory(
        village=world.a.village,
        label="Nhà ông Ba",
        last_visited_at=visited,
        last_outcome="met",
        services_done=["vneid_level2", "vneid_level1"],
    )
    factories.HouseholdFactory(village=world.a.village, label="Nhà chưa thăm")
    scope = world.a.users[Role.COMMUNE_LEADER].scope
    points, names = pages._household_points(scope=scope, commune="51001")
    rows = {row[3]: row for row in points}
    assert rows["Nhà ông Ba"][4:6] == ("05/11/2026", "Gặp được")
    missing = [names[index] for index in rows["Nhà ông Ba"][6]]
    assert "Kích hoạt tài khoản định danh điện tử VNeID mức 2" not in missing
    assert "Tạo tài khoản Cổng Dịch vụ công quốc gia" in missing
    assert rows["Nhà chưa thăm"][4:6] == ("", "") and len(rows["Nhà chưa thăm"][6]) == len(names)
    html = pages.commune_page(scope=scope, commune="51001")
    assert "texts.last_visit" in html and "label.textContent = row[3]" in html
    assert "innerHTML" not in html


def test_villages_without_a_boundary_are_drawn_from_their_households(world, leader):
    scope = world.a.users[Role.COMMUNE_LEADER].scope
    # Thôn 1: three households apart → a padded hull; Thôn 2: one household → a point at it.
    for lat, lon in ((15.12, 108.80), (15.13, 108.80), (15.125, 108.81)):
        factories.HouseholdFactory(village=world.a.village, lat=lat, lon=lon)
    factories.HouseholdFactory(village=world.a.other_village, lat=15.2, lon=108.9)
    shapes = pages._estimated_village_shapes(villages=world.a.commune.villages.all(), scope=scope)
    assert shapes["51001-01"].geom_type == "Polygon" and shapes["51001-01"].contains(
        __import__("shapely").Point(108.803, 15.125)
    )
    assert shapes["51001-02"].geom_type == "Point" and (shapes["51001-02"].x, shapes["51001-02"].y) == (
        108.9,
        15.2,
    )
    html = pages.commune_page(scope=scope, commune="51001")
    assert html.count('"estimated": true') == 2
    assert shows(html, "Thôn chưa có ranh giới")
    # The province officer sees aggregates only: no households layer, and no village placed from fewer
    # households than may be shown without revealing one (tests/maps/test_location_privacy.py).
    officer = pages.commune_page(scope=world.a.users[Role.PROVINCE_OFFICER].scope, commune="51001")
    assert officer.count('"estimated": true') == 0 and not shows(officer, "Hộ gia đình")


def test_a_village_with_a_boundary_keeps_it(world):
    world.a.village.geometry = world.a.village.geometry_simplified = {
        "type": "Polygon",
        "coordinates": [
            [[108.79, 15.11], [108.81, 15.11], [108.81, 15.13], [108.79, 15.13], [108.79, 15.11]]
        ],
    }
    world.a.village.save()
    factories.HouseholdFactory(village=world.a.village, lat=15.5, lon=109.5)
    scope = world.a.users[Role.COMMUNE_LEADER].scope
    assert "51001-01" not in pages._estimated_village_shapes(
        villages=world.a.commune.villages.all(), scope=scope
    )


def test_pages_are_cached_per_language(world, leader):
    assert shows(leader.get("/maps/province/51/").content.decode(), "Độ phủ")
    leader.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = leader.get("/maps/province/51/").content.decode()
    assert shows(english, "Coverage (share of households reached)") and not shows(english, "Độ phủ (tỉ lệ")


def test_commune_map_takes_the_leaders_filters(world, leader):
    html = leader.get("/maps/commune/51001/").content.decode()
    assert 'class="filters"' in html and 'name="date_from"' in html
    assert leader.get("/maps/commune/51001/?service=vneid_level2").status_code == 200
    response = leader.get("/maps/commune/51001/?date_from=32/13/2026")
    assert response.status_code == 400 and "Từ ngày" in response.content.decode()


def test_commune_map_links_to_the_leaders_page_for_those_who_may_open_it(world, client):
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    assert 'href="/communes/51001/"' in client.get("/maps/commune/51001/").content.decode()
    client.force_login(world.a.users[Role.VOLUNTEER])
    assert "/communes/51001/" not in client.get("/maps/commune/51001/").content.decode()


def test_province_map_takes_the_same_filters(world, leader):
    html = leader.get("/maps/province/51/").content.decode()
    assert 'class="filters"' in html and 'name="service"' in html
    assert leader.get("/maps/province/51/?service=vneid_level2&date_from=01/11/2026").status_code == 200
    response = leader.get("/maps/province/51/?service=khong-co")
    assert response.status_code == 400 and "Dịch vụ" in response.content.decode()
