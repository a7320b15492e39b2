"""Hostile stored text on the maps in a real Chromium, at phone and desktop size (issue 19, section 1).

A village renamed in the leader's set-up form, household labels pushed from a phone and a service
renamed in the national catalogue carry template syntax (Jinja, ``${}``), markup and script closers,
quotes, backslashes and a bidi override. The commune map's tooltips show each exactly as stored (never
``49`` for ``{{7*7}}``), the province map's popup links with the commune's name as typed, and nothing
ran: no dialog, no flag set by a payload, no element a payload would make, no Content-Security-Policy
violation, no script error. Screenshots land in tests/artifacts/.
"""

import uuid
from pathlib import Path

import pytest
from django.core.management import call_command

from backend.text import clean_text
from core.models import Commune, Household, Role, Service, Village
from tests import factories
from tests.conftest import token_client

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}

VILLAGE = (
    "Thôn {{7*7}} {% if 1 %}x{% endif %} {# c #} <img src=x onerror=alert(window.__xss=1)> '\"\\ \u202eabc"
)
LABEL = "Nhà {{ cycler.__init__.__globals__ }} </script><script>alert(window.__xss=2)</script> ${7*7}"
SERVICE = "Dịch vụ {{7*7}} <b onmouseover=alert(3)>đậm</b> {% raw %}"
COMMUNE = "Xã {{ 7*7 }} </script><svg onload=alert(window.__xss=4)> {%"
SQUARE = [[108.79, 15.11], [108.81, 15.11], [108.81, 15.13], [108.79, 15.13], [108.79, 15.11]]
# Households away from the village's middle, so hovering the village finds the village.
LAT, LON = 15.127, 108.807

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
    window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""


@pytest.fixture
def hostile_commune(client):
    """Province 77 with one commune and village drawn on the map, the hostile text stored through the
    paths people use; returns what was stored (the stored value is what must come back)."""
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    province = factories.ProvinceFactory(code="77", name="Tỉnh Thử", full_name="Tỉnh Thử")
    commune = factories.CommuneFactory(code="77001", province=province, name="Xã Thử", full_name="Xã Thử")
    team = factories.TeamFactory(commune=commune, name="Tổ 1")
    village = factories.VillageFactory(commune=commune, code="77001-01", name="Thôn 1", team=team)
    for area in (commune, village):
        area.geometry = area.geometry_simplified = {"type": "Polygon", "coordinates": [SQUARE]}
        area.save()
    leader = factories.UserFactory(username="xa-77", role=Role.COMMUNE_LEADER, commune=commune)
    officer = factories.UserFactory(username="tinh-77", role=Role.PROVINCE_OFFICER, province=province)
    volunteer = factories.UserFactory(username="tv-77", role=Role.VOLUNTEER, team=team)
    admin = factories.UserFactory(username="qt-77", role=Role.ADMIN, is_staff=True, is_superuser=True)

    client.force_login(leader)
    response = client.post(
        f"/setup/communes/{commune.code}/villages/{village.code}/",
        {
            f"v-{village.code}-name": VILLAGE,
            f"v-{village.code}-declared_households": "4",
            f"v-{village.code}-team": team.pk,
        },
    )
    assert response.status_code == 302
    homes = [
        {
            "id": str(uuid.uuid4()),
            "village": village.code,
            "label": f"{LABEL} {index}",
            "members": 3,
            "lat": LAT + index * 0.0004,
            "lon": LON,
            "consent": True,
            "base_version": None,
        }
        for index in range(2)
    ]
    response = token_client(volunteer).post("/api/v1/sync/push/", {"households": homes}, format="json")
    assert response.status_code == 200 and Household.objects.filter(village=village).count() == 2
    first = Service.objects.filter(is_active=True).first()
    client.force_login(admin)
    response = client.post(
        f"/setup/catalogue/{first.code}/",
        {
            "name": SERVICE,
            "category": first.category,
            "guide": "\n".join(first.guide),
            "followup_days": first.followup_days,
            "sort_order": first.sort_order,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    # Commune names come from the units import, kept by the same rule as every input.
    Commune.objects.filter(pk=commune.pk).update(name=clean_text(COMMUNE), full_name=clean_text(COMMUNE))
    return {
        "leader": leader,
        "officer": officer,
        "village": Village.objects.get(pk=village.pk).name,
        "labels": sorted(Household.objects.filter(village=village).values_list("label", flat=True)),
        "service": Service.objects.get(pk=first.pk).name,
        "commune": Commune.objects.get(pk=commune.pk).name,
    }


def _page(chromium, live_server, client, user, viewport: str):
    client.force_login(user)
    context = chromium.new_context(
        viewport=VIEWPORTS[viewport], locale="vi-VN", has_touch=viewport == "phone"
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    context.add_init_script(WATCH)
    page = context.new_page()
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


def _assert_nothing_ran(page, where: str) -> None:
    page.wait_for_timeout(50)  # let any queued handler fire before looking
    assert page.dialogs == [], where
    assert page.evaluate("window.__xss") is None, where
    assert page.locator('img[src="x"], svg[onload], b[onmouseover]').count() == 0, where
    assert page.evaluate("window.__csp") == [], where
    assert page.errors == [], where


def _map_name(page) -> str:
    return page.evaluate(
        "() => Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map)"
    )


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_hostile_names_and_labels_show_literally_and_run_nothing(
    chromium, live_server, client, hostile_commune, viewport
):
    ARTIFACTS.mkdir(exist_ok=True)
    stored = hostile_commune
    assert "{{7*7}}" in stored["village"] and "<script>" in stored["labels"][0]  # stored as typed
    context, page = _page(chromium, live_server, client, stored["leader"], viewport)
    try:
        response = page.goto(f"{live_server.url}/maps/commune/77001/")
        assert response.status == 200
        page.wait_for_selector("path.leaflet-interactive")
        # The village: hover its middle; the tooltip's title is the stored name, character for character.
        page.locator("path.leaflet-interactive").first.hover()
        tooltip = page.wait_for_selector(".leaflet-tooltip .area-card .title")
        assert tooltip.text_content() == stored["village"]
        # Its name on the map, as text too.
        assert stored["village"] in page.locator(".area-label").all_text_contents()
        page.screenshot(path=str(ARTIFACTS / f"hostile-village-{viewport}.png"))
        _assert_nothing_ran(page, "village tooltip")

        # A household, zoomed in past clustering, under the pointer.
        name = _map_name(page)
        page.evaluate(f"(name) => window[name].setView([{LAT}, {LON}], 18, {{animate: false}})", name)
        page.wait_for_timeout(300)
        box = page.locator(".leaflet-container").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        tip = page.wait_for_selector(".household-tip")
        assert page.locator(".household-tip .label").text_content() == stored["labels"][0]
        assert stored["service"] in tip.text_content()
        assert "49" not in tip.text_content()
        page.screenshot(path=str(ARTIFACTS / f"hostile-household-{viewport}.png"))
        _assert_nothing_ran(page, "household tooltip")
    finally:
        context.close()

    # The province officer's map: the commune's popup links to its map under the name as stored.
    context, page = _page(chromium, live_server, client, stored["officer"], viewport)
    try:
        assert page.goto(f"{live_server.url}/maps/province/77/").status == 200
        page.wait_for_selector("path.leaflet-interactive")
        page.locator("path.leaflet-interactive").first.click()
        link = page.wait_for_selector(".leaflet-popup-content a")
        assert link.get_attribute("href") == "/maps/commune/77001/"
        assert stored["commune"] in link.text_content()
        page.screenshot(path=str(ARTIFACTS / f"hostile-province-{viewport}.png"))
        _assert_nothing_ran(page, "province popup")
    finally:
        context.close()
