"""Stored text never runs as script, on any page, in a real browser (issue 9, item 1).

Markup goes in through the real push API in every text field a phone can send, and into area names
the way an import could write them; then an admin (who sees every page) opens every page, hovers
features and markers, opens popups, and the test proves that nothing ran (no dialog, no flag set by the
payload, no element the payload would have made) and that the Content-Security-Policy refused nothing
of ours (no ``securitypolicyviolation`` at all: our own scripts run by origin or nonce, and the payloads
never became markup for the policy to refuse). Screenshots land in tests/artifacts/.
"""

import datetime as dt
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from campaigns.models import Campaign, CampaignTarget
from core.models import Household, Role, Visit
from tests import factories
from tests.conftest import token_client

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Closes a JSON string, an attribute, a tag and a script, each way setting the flag and calling alert.
PAYLOAD = "'\"><img src=x onerror=alert(window.__xss=1)></script><script>alert(window.__xss=1)</script>"
SQUARE = [[108.79, 15.11], [108.81, 15.11], [108.81, 15.13], [108.79, 15.13], [108.79, 15.11]]
LAT, LON = 15.12, 108.80

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
    window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""


def _named(prefix: str) -> str:
    return f"{prefix} {PAYLOAD}"


def _polygon(offset: float = 0.0) -> dict:
    return {"type": "Polygon", "coordinates": [[[x + offset, y] for x, y in SQUARE]]}


@pytest.fixture
def marked_world(db):
    """A province, commune, team, village and campaign named with markup, and households, visits and a
    group session pushed by a volunteer's phone with markup in every text field."""
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    province = factories.ProvinceFactory(code="77", name=_named("Tỉnh"), full_name=_named("Tỉnh"))
    commune = factories.CommuneFactory(
        code="77001", province=province, name=_named("Xã"), full_name=_named("Xã")
    )
    commune.geometry = commune.geometry_simplified = _polygon()
    commune.save()
    team = factories.TeamFactory(commune=commune, name=_named("Tổ"))
    village = factories.VillageFactory(
        commune=commune, code="77001-01", name=_named("Thôn"), team=team, declared_households=5
    )
    village.geometry = village.geometry_simplified = _polygon()
    village.save()
    volunteer = factories.UserFactory(
        username="tv-77", role=Role.VOLUNTEER, team=team, full_name=_named("Người")
    )

    household_id = str(uuid.uuid4())
    visited_at = (timezone.localtime() - dt.timedelta(hours=2)).isoformat()
    payload = {
        "device_id": PAYLOAD[:100],
        "households": [
            {
                "id": household_id,
                "village": village.code,
                "label": _named("Nhà"),
                "head_name": _named("Ông"),
                "phone": "0905000111",
                "members": 3,
                "working_age": 2,
                "lat": LAT,
                "lon": LON,
                "consent": True,
                "base_version": None,
            },
            {
                "id": str(uuid.uuid4()),
                "village": village.code,
                "label": _named("Nhà hai"),
                "head_name": _named("Bà"),
                "phone": "0905123456",
                "members": 2,
                "working_age": 1,
                "lat": LAT + 0.0005,
                "lon": LON + 0.0005,
                "consent": True,
                "base_version": None,
            },
            {  # markup where digits belong: refused by the phone rules, tried all the same
                "id": str(uuid.uuid4()),
                "village": village.code,
                "label": _named("Nhà ba"),
                "phone": "<b>0905</b>",
                "members": 1,
                "consent": True,
                "base_version": None,
            },
        ],
        "visits": [
            {
                "id": str(uuid.uuid4()),
                "household": household_id,
                "visited_at": visited_at,
                "lat": LAT,
                "lon": LON,
                "accuracy_m": 10,
                "outcome": "met",
                "help": [{"service": "vneid_level2", "result": "done", "people": 2}],
                "notes": _named("Ghi chú"),
            }
        ],
        "group_sessions": [
            {
                "id": str(uuid.uuid4()),
                "village": village.code,
                "held_at": visited_at,
                "services": ["online_safety", PAYLOAD],
                "attendees": 12,
                "lat": LAT,
                "lon": LON,
            },
            {
                "id": str(uuid.uuid4()),
                "village": village.code,
                "held_at": visited_at,
                "services": ["online_safety"],
                "attendees": 12,
                "lat": LAT,
                "lon": LON,
            },
        ],
    }
    response = token_client(volunteer).post("/api/v1/sync/push/", payload, format="json")
    assert response.status_code == 200, response.content
    assert Household.objects.filter(label__contains="<img").exists()
    assert Visit.objects.filter(notes__contains="<script>").exists()

    campaign = Campaign.objects.create(
        name=_named("Chiến dịch"),
        province=province,
        starts_on=timezone.localdate() - dt.timedelta(days=5),
        ends_on=timezone.localdate() + dt.timedelta(days=5),
    )
    campaign.communes.add(commune)
    CampaignTarget.objects.create(campaign=campaign, commune=commune, households=10)
    return {"commune": commune, "village": village, "campaign": campaign, "household_id": household_id}


@pytest.fixture
def admin_page(chromium, live_server, client):
    admin = factories.UserFactory(username="quan-tri", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    context = chromium.new_context(viewport={"width": 1100, "height": 760}, locale="vi-VN")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    context.add_init_script(WATCH)
    page = context.new_page()
    page.dialogs, page.errors, page.console_csp = [], [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            page.console_csp.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()


def _open(page, url: str, *, wait_for: str | None = None):
    response = page.goto(url)
    assert response.status == 200, url
    header = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in header and "unsafe-inline' 'self'" not in header, header
    if wait_for:
        page.wait_for_selector(wait_for)
    return response


def _assert_nothing_ran(page, where: str) -> None:
    page.wait_for_timeout(50)  # let any queued event handler fire before we look
    assert page.dialogs == [], where
    assert page.evaluate("window.__xss") is None, where
    # no element the payload would have created, anywhere in the document
    assert page.locator('img[src="x"]').count() == 0, where
    assert page.evaluate("window.__csp") == [], where
    assert page.console_csp == [], where
    assert page.errors == [], where


def _map_name(page) -> str:
    return page.evaluate(
        "() => Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map)"
    )


# Opens every tooltip and popup bound on the map's layers (GeoJSON groups and household markers) the
# way hovering or clicking each would, and returns the text each showed.
OPEN_EVERYTHING = """
(name) => {
    const map = window[name];
    const shown = [];
    const where = layer => (layer.getBounds ? layer.getBounds().getCenter() : layer.getLatLng());
    const show = (owner, child, kind) => {
        const overlay = kind === 'tooltip' ? owner.getTooltip && owner.getTooltip() : owner.getPopup && owner.getPopup();
        if (!overlay || !child._map) return;
        overlay._source = child;  // what Leaflet sets when the pointer is over this child
        if (kind === 'tooltip') { owner.openTooltip(where(child)); } else { owner.openPopup(where(child)); }
        shown.push(overlay.getElement().textContent);
        if (kind === 'tooltip') { owner.closeTooltip(); } else { owner.closePopup(); }
    };
    map.eachLayer(layer => {
        (layer.getLayers ? layer.getLayers() : [layer]).forEach(child => {
            show(layer, child, 'tooltip');
            show(layer, child, 'popup');
        });
    });
    return shown;
}
"""


def test_markup_in_stored_text_never_runs_on_any_page(admin_page, live_server, marked_world):
    ARTIFACTS.mkdir(exist_ok=True)
    page, base = admin_page, live_server.url
    commune, campaign = marked_world["commune"], marked_world["campaign"]

    _open(page, f"{base}/")
    _assert_nothing_ran(page, "home")

    # Province map: hover a commune (tooltip), click it (popup with the link to its map).
    _open(page, f"{base}/maps/province/77/", wait_for="path.leaflet-interactive")
    page.locator("path.leaflet-interactive").first.hover()
    tooltip = page.wait_for_selector(".leaflet-tooltip")
    assert "<img src=x" in tooltip.inner_text()  # shown as the text it is
    page.locator("path.leaflet-interactive").first.click()
    popup = page.wait_for_selector(".leaflet-popup-content a")
    assert popup.get_attribute("href") == f"/maps/commune/{commune.code}/"
    assert "<script>" in popup.inner_text()
    page.screenshot(path=str(ARTIFACTS / "xss-province.png"))
    shown = page.evaluate(OPEN_EVERYTHING, _map_name(page))
    assert shown and all(PAYLOAD in text for text in shown), shown
    _assert_nothing_ran(page, "province map")

    # Commune map: villages and the household markers (zoomed in so they are not clustered).
    _open(page, f"{base}/maps/commune/{commune.code}/", wait_for="path.leaflet-interactive")
    name = _map_name(page)
    page.evaluate(f"(name) => window[name].setView([{LAT}, {LON}], 18, {{animate: false}})", name)
    page.wait_for_timeout(300)
    box = page.locator(".leaflet-container").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = page.wait_for_selector(".leaflet-tooltip")
    assert tooltip.inner_text().startswith("Nhà '\"><img src=x")
    page.screenshot(path=str(ARTIFACTS / "xss-commune.png"))
    shown = page.evaluate(OPEN_EVERYTHING, name)
    assert any(text.startswith("Nhà hai") for text in shown), shown
    assert any(text.startswith("Thôn") or "Thôn '" in text for text in shown), shown
    _assert_nothing_ran(page, "commune map")

    _open(page, f"{base}/maps/national/", wait_for="path.leaflet-interactive")
    page.locator("path.leaflet-interactive").first.hover()
    page.wait_for_selector(".leaflet-tooltip")
    page.evaluate(OPEN_EVERYTHING, _map_name(page))
    _assert_nothing_ran(page, "national map")

    _open(page, f"{base}/campaigns/")
    assert PAYLOAD in page.locator("main").inner_text()
    _assert_nothing_ran(page, "campaign list")
    _open(page, f"{base}/campaigns/{campaign.pk}/", wait_for="svg.progress-chart")
    assert PAYLOAD in page.locator("h1").inner_text()
    page.locator("#communes th.sortable").first.click()  # the dashboard's own script still runs
    assert page.locator("#communes th.sortable").first.get_attribute("data-order") == "asc"
    page.screenshot(path=str(ARTIFACTS / "xss-campaign.png"), full_page=True)
    _assert_nothing_ran(page, "campaign dashboard")

    for changelist in ("household", "visit", "village", "team", "commune", "user"):
        _open(page, f"{base}/admin/field_api/{changelist}/", wait_for="#result_list")
        assert "<img src=x" in page.locator("#result_list").inner_text(), changelist
        _assert_nothing_ran(page, f"admin {changelist}")
    page.screenshot(path=str(ARTIFACTS / "xss-admin-households.png"))
    visit = Visit.objects.get(notes__contains="<script>")
    _open(page, f"{base}/admin/field_api/visit/{visit.pk}/change/")
    assert PAYLOAD in page.locator("#content").inner_text()
    _assert_nothing_ran(page, "admin visit")
    _open(page, f"{base}/admin/field_api/household/{marked_world['household_id']}/change/")
    assert page.locator("input[name=label]").input_value().endswith(PAYLOAD)
    _assert_nothing_ran(page, "admin household")

    _open(page, f"{base}/api/docs/", wait_for=".swagger-ui .opblock")
    page.screenshot(path=str(ARTIFACTS / "xss-swagger.png"))
    _assert_nothing_ran(page, "swagger")


def test_login_page_and_admin_login_run_under_the_policy(chromium, live_server, db):
    context = chromium.new_context()
    context.add_init_script(WATCH)
    page = context.new_page()
    for url in ("/accounts/login/", "/admin/login/"):
        response = page.goto(f"{live_server.url}{url}")
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert page.evaluate("window.__csp") == [], url
    context.close()
