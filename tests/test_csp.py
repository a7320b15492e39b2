"""Content-Security-Policy on every page, with nonces added to cached map pages when served (item 1).

The browser test (tests/test_xss_browser.py) proves nothing runs; these pin down the policy and the
nonce mechanics without a browser.
"""

import re

import pytest

from core.models import Role
from tests import factories
from tests.clock import TEST_NOW

# Fixed dates below are read against this clock (tests/clock.py).
pytestmark = pytest.mark.time_machine(TEST_NOW)

MARKUP = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def _nonce(policy: dict) -> str:
    (nonce,) = [source[7:-1] for source in policy["script-src"] if source.startswith("'nonce-")]
    return nonce


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/", "/api/docs/", "/api/v1/me/"])
def test_every_response_carries_the_policy(client, db, url):
    policy = _policy(client.get(url))
    assert policy["script-src"][0] == "'self'"
    assert not {"'unsafe-inline'", "'unsafe-eval'"} & set(policy["script-src"])
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:"]  # no tile host configured in tests


def test_swagger_ui_has_no_inline_script(client, db):
    html = client.get("/api/docs/").content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all("src=" in attributes and not body.strip() for attributes, body in scripts)


def test_campaign_dashboard_has_no_inline_script(client, world):
    from campaigns.models import Campaign

    campaign = Campaign.objects.create(
        name=MARKUP, province=world.a.province, starts_on="2026-11-01", ends_on="2026-11-30"
    )
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    html = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in client.get("/campaigns/").content.decode()


@pytest.fixture
def marked_commune(world):
    world.a.commune.name = world.a.commune.full_name = MARKUP
    world.a.commune.geometry = world.a.commune.geometry_simplified = {
        "type": "Polygon",
        "coordinates": [[[108.79, 15.11], [108.81, 15.11], [108.81, 15.13], [108.79, 15.11]]],
    }
    world.a.commune.save()
    world.a.village.name = MARKUP
    world.a.village.save()
    factories.HouseholdFactory(village=world.a.village, label=MARKUP, lat=15.12, lon=108.8)
    return world


@pytest.mark.parametrize("url", ["/maps/province/51/", "/maps/commune/51001/", "/maps/national/"])
def test_map_pages_carry_this_requests_nonce_and_no_raw_markup(client, marked_commune, url):
    client.force_login(marked_commune.admin)
    first, second = client.get(url), client.get(url)
    nonces = []
    for response in (first, second):
        html = response.content.decode()
        nonce = _nonce(_policy(response))
        tags = re.findall(r"<script\b[^>]*>", html)
        assert tags and all(f'nonce="{nonce}"' in tag for tag in tags)
        # stored text sits in the page only as escaped JSON: it cannot close a script or open a tag
        assert "alert(1)" in html
        assert "</script><script>alert" not in html and "<img src=x" not in html
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    # what is cached is shared by everyone and carries no nonce
    from maps import pages

    admin = marked_commune.admin
    cached = {
        "/maps/province/51/": lambda: pages.province_page(scope=admin.scope, province="51"),
        "/maps/commune/51001/": lambda: pages.commune_page(scope=admin.scope, commune="51001"),
        "/maps/national/": lambda: pages.national_page(scope=admin.scope),
    }[url]()
    assert "<script" in cached and "nonce=" not in cached


def test_household_and_area_labels_reach_leaflet_as_text_not_html(client, marked_commune):
    client.force_login(marked_commune.admin)
    html = client.get("/maps/commune/51001/").content.decode()
    assert "bindTooltip(row[3])" not in html
    assert "label.textContent = row[3]" in html
    assert "div.innerHTML" not in html  # folium's own GeoJsonTooltip/GeoJsonPopup build HTML strings


def test_tile_host_joins_img_src():
    from backend.settings.base import _tile_source

    assert _tile_source("") == []
    assert _tile_source("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png") == [
        "https://*.tile.openstreetmap.org"
    ]
    assert _tile_source("https://tiles.example.vn/osm/{z}/{x}/{y}.png") == ["https://tiles.example.vn"]
