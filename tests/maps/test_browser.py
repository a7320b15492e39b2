"""Maps in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright, no download)."""

from pathlib import Path

import pytest

from core.models import Role
from tests import factories

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def leader_page(chromium, live_server, world, client, quang_ngai_boundaries):
    team = factories.TeamFactory(commune_id="21025", name="Tổ 1")
    village = factories.VillageFactory(commune_id="21025", code="21025-01", team=team, declared_households=10)
    village.geometry = village.geometry_simplified = {
        "type": "Polygon",
        "coordinates": [
            [[108.79, 15.11], [108.81, 15.11], [108.81, 15.13], [108.79, 15.13], [108.79, 15.11]]
        ],
    }
    village.save()
    for number in range(6):
        factories.HouseholdFactory(village=village, lat=15.12 + number * 0.001, lon=108.80)
    leader = factories.UserFactory(username="xa-cam-thanh", role=Role.COMMUNE_LEADER, commune_id="21025")
    client.force_login(leader)
    context = chromium.new_context(viewport={"width": 1100, "height": 760}, locale="vi-VN")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    yield page
    context.close()


def test_commune_leader_sees_drawn_maps_and_nothing_outside(leader_page, live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    page = leader_page
    page.goto(f"{live_server.url}/maps/province/51/")
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() >= 1
    assert page.locator(".legend").count() == 1 and "Độ phủ" in page.locator(".legend").inner_text()
    page.screenshot(path=str(ARTIFACTS / "province-51.png"))

    page.goto(f"{live_server.url}/maps/commune/21025/")
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() >= 1
    page.wait_for_selector(".marker-cluster, .leaflet-marker-pane *, path.leaflet-interactive >> nth=1")
    assert page.locator(".leaflet-control-layers").count() == 1
    assert "Hộ gia đình" in page.locator(".leaflet-control-layers").inner_text()
    page.screenshot(path=str(ARTIFACTS / "commune-21025.png"))
    assert page.errors == []

    response = page.goto(f"{live_server.url}/maps/commune/21028/")
    assert response.status == 404
