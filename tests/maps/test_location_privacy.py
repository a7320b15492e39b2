"""Aggregates never reveal a household's position to roles that may not see households (issue 19 §4).

A village with no boundary is drawn on the commune map from its households' positions; a province
officer (and the province's IOC feed) must never get that from fewer than
``MIN_HOUSEHOLDS_FOR_POSITION`` households, nor a shape whose corners are households; nor a boundary a
leader drew a few metres around a village's only household (maps.pages.village_frame). The class: every
page, API answer, export and feed a province officer or an IOC key reaches is fetched, and no
household's (or visit's) coordinates to ~10 m appear in any of them. A guard makes every new URL join
this list or say why it cannot carry a position.
"""

import io
import re
import zipfile

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.models import Campaign
from core.models import Role
from ioc.services import feed_key_issue
from leaders.views import EXPORTS
from maps.pages import MIN_HOUSEHOLDS_FOR_POSITION
from tests import factories

pytestmark = pytest.mark.django_db

LONELY = (15.43217, 108.65432)  # the only household of a village without a boundary
FEW = [(15.55113 + i * 0.00071, 108.77719 + i * 0.00093) for i in range(MIN_HOUSEHOLDS_FOR_POSITION - 1)]
MANY = [(15.66127 + i * 0.00067, 108.88731 + i * 0.00089) for i in range(MIN_HOUSEHOLDS_FOR_POSITION + 3)]
# The only household of a village whose leader drew its boundary a few metres around that house (a ~4 m
# square), and the only household of a village drawn at a real village's size (a ~600 m square).
TINY = (15.77123, 108.91234)
WIDE = (15.80123, 108.95234)

# Every GET a province officer may make, by URL name (paths in province 51, filled in by ``_paths``).
REACHED = {
    "maps:home",
    "maps:province",
    "maps:commune",
    "maps:national",
    "maps:leader-commune",
    "maps:leader-export",
    "maps:leader-village",
    "maps:leader-village-export",
    "maps:leader-review",
    "maps:leader-visits",
    "maps:leader-visits-export",
    "maps:campaign-list",
    "maps:campaign-new",
    "maps:campaign-dashboard",
    "maps:campaign-edit",
    "maps:campaign-map",
    "maps:campaign-commune",
    "field_api:me",
    "field_api:communes",
    "field_api:villages",
    "field_api:services",
    "field_api:sync-pull",
    "field_api:handoffs",
    "coverage",
    "campaigns",
    "campaign",
    "campaign-tally",
    "campaign-export",
    "campaign-export-jobs",
    "ioc-campaigns",
    "ioc-campaign",
    "ioc-campaign-geojson",
    "ioc-coverage",
    "ioc-coverage-geojson",
    "onboarding:home",
    "onboarding:commune",
    "onboarding:boundaries",
    "onboarding:province-boundaries",
    "onboarding:catalogue",
    "onboarding:province-service-edit",
    "onboarding:import-upload",
}
# URL names that carry no household position, and why.
EXCLUDED = {
    "field_api:login": "answers the caller's own profile",
    "field_api:logout": "writes only",
    "field_api:logoutall": "writes only",
    "field_api:sync-push": "writes only (answers about what was sent)",
    "field_api:handoff-handled": "writes only (answers the note, as handoffs fetched above; 404 to a province)",
    "campaign-export-status": "a job's progress; its file is the campaign export fetched above",
    "campaign-export-download": "the same file as the campaign export fetched above",
    "schema": "the API's description, no data",
    "swagger-ui": "the API's description, no data",
    "phoneapp:catalogue": "the phone app's strings",
    "phoneapp:index": "the phone app's shell",
    "phoneapp:file": "the phone app's static files",
    "set_language": "writes a cookie",
    "maps:login": "the sign-in form",
    "maps:logout": "signs out",
    "onboarding:import-job": "the uploader's own sheet",
    "onboarding:import-mapping": "writes only",
    "onboarding:import-confirm": "writes only",
    "onboarding:import-status": "a job's progress",
    "onboarding:import-template": "a blank sheet to fill in: headers and an example line, no data",
    "maps:campaign-targets-template": "a blank sheet to fill in: headers and an example line, no data",
    "onboarding:import-passwords": "usernames and passwords",
    "onboarding:import-slips": "usernames and passwords, on printable slips",
    "onboarding:import-answers": "writes only (the uploader's answers to the preview's questions)",
    "onboarding:import-retry": "writes only",
    "onboarding:import-cancel": "writes only",
    "onboarding:village-remove": "a confirm page: the village's name and counts of what would move",
    "onboarding:team-remove": "a confirm page: the team's name and counts of what would move",
    "onboarding:village-delete": "writes only",
    "onboarding:village-merge": "writes only",
    "onboarding:team-delete": "writes only",
    "onboarding:team-merge": "writes only",
    "onboarding:password-change": "the member's own password form",
    "field_api:password-change": "writes only (answers the caller's own new token)",
    "onboarding:village-add": "writes only",
    "onboarding:village-edit": "writes only",
    "onboarding:team-add": "writes only",
    "onboarding:team-rename": "writes only",
    "onboarding:member-add": "writes only",
    "onboarding:member-move": "writes only",
    "onboarding:member-active": "writes only",
    "onboarding:member-password": "writes only",
    "onboarding:boundaries-preview": "the uploader's own boundary file",
    "onboarding:boundaries-check": "writes only",
    "onboarding:boundaries-store": "writes only",
    "onboarding:province-boundaries-preview": "the uploader's own boundary file",
    "onboarding:province-boundaries-check": "writes only",
    "onboarding:province-boundaries-store": "writes only",
    "onboarding:service-new": "the national catalogue (404 for a province)",
    "onboarding:service-edit": "the national catalogue (404 for a province)",
}


def _url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue  # national administrators only
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_url_is_checked_or_says_why_not():
    unknown = _url_names() - REACHED - set(EXCLUDED)
    assert not unknown, f"New URLs: add them to REACHED (fetched below) or EXCLUDED (with why): {unknown}"


@pytest.fixture
def places(world):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    lonely_village = world.a.other_village  # no boundary, no team
    few_village = world.a.village  # no boundary either
    many_village = factories.VillageFactory(commune=world.a.commune, code=f"{world.a.commune.code}-03")
    volunteer = world.a.users[Role.VOLUNTEER]
    tiny_village = _drawn(world, "04", centre=TINY, half_side=0.00002)
    wide_village = _drawn(world, "05", centre=WIDE, half_side=0.0027)
    for village, points in (
        (lonely_village, [LONELY]),
        (few_village, FEW),
        (many_village, MANY),
        (tiny_village, [TINY]),
        (wide_village, [WIDE]),
    ):
        for lat, lon in points:
            home = factories.HouseholdFactory(village=village, lat=lat, lon=lon)
            factories.VisitFactory(household=home, volunteer=volunteer, lat=lat, lon=lon)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Chiến dịch", province=world.a.province, starts_on=today.replace(day=1), ends_on=today
    )
    _key, ioc_key = feed_key_issue(name="IOC", province=world.a.province, user=None)
    return {
        "campaign": campaign,
        "ioc_key": ioc_key,
        "villages": [lonely_village, few_village, many_village, tiny_village, wide_village],
    }


def _drawn(world, suffix: str, *, centre: tuple[float, float], half_side: float):
    """A village with a square boundary drawn around ``centre`` (lat, lon), stored as an upload stores it."""
    lat, lon = centre
    west, south, east, north = lon - half_side, lat - half_side, lon + half_side, lat + half_side
    square = {
        "type": "Polygon",
        "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
    }
    return factories.VillageFactory(
        commune=world.a.commune,
        code=f"{world.a.commune.code}-{suffix}",
        geometry=square,
        geometry_simplified=square,
        bbox_west=west,
        bbox_south=south,
        bbox_east=east,
        bbox_north=north,
    )


def _paths(world, places) -> dict[str, list[str]]:
    commune, province = world.a.commune.code, world.a.province.code
    campaign = places["campaign"].pk
    villages = [v.code for v in places["villages"]]
    return {
        "maps:home": ["/"],
        "maps:province": [f"/maps/province/{province}/"],
        "maps:commune": [f"/maps/commune/{commune}/", f"/maps/commune/{commune}/?service=vneid_level2"],
        "maps:national": ["/maps/national/"],
        "maps:leader-commune": [f"/communes/{commune}/"],
        "maps:leader-export": [f"/communes/{commune}/xlsx/{kind}/" for kind in EXPORTS],
        "maps:leader-village": [f"/villages/{code}/" for code in villages],
        "maps:leader-village-export": [f"/villages/{code}/xlsx/" for code in villages],
        "maps:leader-review": [f"/communes/{commune}/review/"],
        "maps:leader-visits": [f"/communes/{commune}/visits/"],
        "maps:leader-visits-export": [f"/communes/{commune}/visits/xlsx/"],
        "maps:campaign-list": ["/campaigns/"],
        "maps:campaign-new": ["/campaigns/new/"],
        "maps:campaign-dashboard": [f"/campaigns/{campaign}/"],
        "maps:campaign-edit": [f"/campaigns/{campaign}/edit/"],
        "maps:campaign-map": [f"/campaigns/{campaign}/map/"],
        "maps:campaign-commune": [f"/campaigns/{campaign}/communes/{commune}/"],
        "field_api:me": ["/api/v1/me/"],
        "field_api:communes": [f"/api/v1/areas/communes/?province={province}"],
        "field_api:villages": [f"/api/v1/areas/villages/?commune={commune}"],
        "field_api:services": ["/api/v1/services/"],
        "field_api:sync-pull": ["/api/v1/sync/pull/"],
        "field_api:handoffs": ["/api/v1/handoffs/"],
        "coverage": [
            f"/api/v1/coverage/?level=village&commune={commune}",
            f"/api/v1/coverage/?level=commune&province={province}",
        ],
        "campaigns": ["/api/v1/campaigns/"],
        "campaign": [f"/api/v1/campaigns/{campaign}/"],
        "campaign-tally": [
            f"/api/v1/campaigns/{campaign}/tally/?by={by}"
            for by in ("commune", "village", "team", "service", "day")
        ],
        "campaign-export": [
            f"/api/v1/campaigns/{campaign}/export/?format={fmt}" for fmt in ("csv", "xlsx", "geojson")
        ],
        "campaign-export-jobs": [f"/api/v1/campaigns/{campaign}/exports/"],
        "ioc-campaigns": ["/api/v1/ioc/campaigns/"],
        "ioc-campaign": [f"/api/v1/ioc/campaigns/{campaign}/"],
        "ioc-campaign-geojson": [f"/api/v1/ioc/campaigns/{campaign}/geojson/"],
        "ioc-coverage": ["/api/v1/ioc/coverage/"],
        "ioc-coverage-geojson": ["/api/v1/ioc/coverage/geojson/"],
        "onboarding:home": ["/setup/"],
        "onboarding:commune": [f"/setup/communes/{commune}/"],
        "onboarding:boundaries": [f"/setup/communes/{commune}/boundaries/"],
        "onboarding:province-boundaries": [f"/setup/provinces/{province}/boundaries/"],
        "onboarding:catalogue": ["/setup/catalogue/"],
        "onboarding:province-service-edit": [f"/setup/catalogue/vneid_level2/provinces/{province}/"],
        "onboarding:import-upload": ["/setup/imports/members/new/", "/setup/imports/villages/new/"],
    }


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":  # XLSX: every part of the zip
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return body.decode("utf-8", "replace")


def _everything(world, places, person) -> dict[str, str]:
    browser = Client(raise_request_exception=True)
    browser.force_login(person)
    feed = APIClient()
    feed.credentials(HTTP_AUTHORIZATION=f"Api-Key {places['ioc_key']}")
    answers = {}
    for name, paths in _paths(world, places).items():
        for path in paths:
            response = (feed if name.startswith("ioc-") else browser).get(path)
            assert response.status_code < 500, (path, response.status_code)
            answers[path] = _text(response)
    return answers


def _needles(points) -> set[str]:
    """A position to ~10 m, however it is written: 4 decimals, rounded or cut."""
    needles = set()
    for lat, lon in points:
        for value in (lat, lon):
            needles |= {f"{value:.4f}", f"{int(value * 10_000) / 10_000:.4f}"}
    return needles


def _leaks(answers: dict[str, str], points) -> dict[str, list[str]]:
    needles = _needles(points)
    found = {}
    for path, text in answers.items():
        hits = sorted(n for n in needles if re.search(re.escape(n), text))
        if hits:
            found[path] = hits
    return found


def test_no_answer_to_a_province_officer_or_ioc_key_holds_a_households_position(world, places):
    answers = _everything(world, places, world.a.users[Role.PROVINCE_OFFICER])
    assert not _leaks(answers, [LONELY, *FEW, *MANY, TINY, WIDE])


def test_the_commune_leader_still_sees_where_households_are(world, places):
    """The check above can see a position: the commune leader's map draws them (the control)."""
    answers = _everything(world, places, world.a.users[Role.COMMUNE_LEADER])
    for point in (LONELY, TINY):
        found = _leaks(answers, [point])
        assert found, "the positive control found no household position: the privacy test would be blind"


def test_a_province_officer_sees_a_village_placed_only_from_enough_households(world, places):
    from core.scope import Scope
    from core.selectors import villages_for
    from maps.pages import _estimated_village_shapes

    scope = Scope.province_officer(province=world.a.province.code)
    shapes = _estimated_village_shapes(
        villages=villages_for(scope=scope, commune=world.a.commune.code), scope=scope
    )
    lonely, few, many, _tiny, _wide = places["villages"]
    assert lonely.code not in shapes and few.code not in shapes  # fewer than the threshold: not placed
    centre = shapes[many.code]
    assert centre.geom_type == "Point"
    assert (round(centre.x, 3), round(centre.y, 3)) == (centre.x, centre.y)  # coarse, ~100 m


def test_a_drawn_boundary_is_served_to_a_province_officer_only_when_it_pins_no_household(world, places):
    """The one rule for drawn boundaries (maps.pages.village_frame), seen through the API and the map."""
    _lonely, _few, many, tiny, wide = places["villages"]
    officer = APIClient()
    officer.force_authenticate(world.a.users[Role.PROVINCE_OFFICER])
    answer = officer.get(f"/api/v1/coverage/?level=village&commune={world.a.commune.code}")
    geometry = {f["properties"]["code"]: f["geometry"] for f in answer.json()["features"]}
    assert geometry[tiny.code] is None  # one household, a few metres: drawn as not located
    assert geometry[wide.code]["type"] == "Polygon"  # one household, but ~0.36 km²: pins nobody
    leader = APIClient()
    leader.force_authenticate(world.a.users[Role.COMMUNE_LEADER])
    answer = leader.get(f"/api/v1/coverage/?level=village&commune={world.a.commune.code}")
    assert {f["properties"]["code"]: f["geometry"] for f in answer.json()["features"]}[tiny.code]
    # Enough households make a tiny boundary an aggregate again.
    for index in range(MIN_HOUSEHOLDS_FOR_POSITION - 1):
        factories.HouseholdFactory(village=tiny, lat=TINY[0], lon=TINY[1] + index * 1e-6)
    from core.scope import Scope
    from core.selectors import villages_for
    from maps.pages import village_frame

    scope = Scope.province_officer(province=world.a.province.code)
    villages = villages_for(scope=scope, commune=world.a.commune.code)
    frame = village_frame(villages=villages, rows=[{"code": tiny.code}, {"code": many.code}], scope=scope)
    assert frame.geometry.iloc[0] is not None and frame.geometry.iloc[1] is None  # many: no boundary
