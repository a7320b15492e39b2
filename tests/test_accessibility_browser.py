"""The main pages in real Chromium at 1280x800 and 360x740, checked by axe-core (from npm, pinned by
tests/js/package-lock.json, injected by Playwright: never a CDN) and for English left in the Vietnamese
UI; and the leaders' filters, which read and show dates as dd/mm/yyyy like the campaign form.

axe's violations of impact "serious" or "critical" fail the test; no rule is set aside. Screenshots:
tests/artifacts/a11y-*.png."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from campaigns.services import campaign_create
from core.models import Commune, Role
from tests import factories

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
AXE = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
COMMUNE = "21025"

# English words that would betray an untranslated string in visible text or in a title, aria-label,
# placeholder or alt attribute (the language switch's own "English" is the one exception).
ENGLISH = re.compile(
    r"\b(zoom in|zoom out|close popup|layers|reset password|password|device id|username|log ?in|log ?out|"
    r"sign in|sign out|submit|search|filter|download|upload|cancel|save|delete|edit|loading|previous|next|"
    r"show|hide|select|choose|total|village|commune|province|campaign|household|map|home|back|"
    r"a javascript library)\b",
    re.IGNORECASE,
)
ENGLISH_SCAN = """() => {
  const found = [];
  const skip = (el) => el.closest('.shell-lang');
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!parent || skip(parent) || !visible(parent) || !node.textContent.trim()) continue;
    if (['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(parent.tagName)) continue;
    found.push(node.textContent.trim());
  }
  for (const el of document.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
    if (skip(el)) continue;
    for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
      const value = el.getAttribute(name);
      if (value) found.push(name + '=' + value);
    }
  }
  return found;
}"""


def _axe(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
             const r = await axe.run(document, {resultTypes: ['violations']});
             return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                                          impact: n.impact}))}));
           }"""
    )
    problems = []
    for violation in result:
        for node in violation["nodes"]:
            if (node["impact"] or violation["impact"]) not in ("serious", "critical"):
                continue
            problems.append(f"{violation['id']} ({violation['help']}): {node['target']} {node['html']}")
    return problems


def _english(page) -> list[str]:
    return [text for text in page.evaluate(ENGLISH_SCAN) if ENGLISH.search(text)]


def _context(chromium, live_server, client, user, viewport):
    context = chromium.new_context(
        viewport=VIEWPORTS[viewport],
        locale="vi-VN",
        bypass_csp=True,  # to inject axe-core
    )
    if user is not None:
        client.force_login(user)
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
        )
    page = context.new_page()
    page.errors, page.statuses = [], []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("response", lambda response: page.statuses.append((response.status, response.url)))
    return context, page


def _visit(page, live_server, path: str, label: str, viewport: str, found: dict) -> None:
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200, (path, response.status)
    if page.locator(".folium-map").count():
        page.wait_for_selector(".leaflet-control-zoom-in")
        # Leaflet's own English, put into Vietnamese (maps/static/maps/areas.js).
        assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Phóng to"
        assert page.locator(".leaflet-control-zoom-out").get_attribute("title") == "Thu nhỏ"
        assert (
            page.evaluate(  # a popup's close button, as a tap on an area makes it
                "() => { const p = L.popup(); p._initLayout(); return p._closeButton.getAttribute('aria-label'); }"
            )
            == "Đóng"
        )
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / f"a11y-{label}-{viewport}.png"), full_page=True)
    problems = _axe(page) + [f"English: {text}" for text in _english(page)]
    if problems:
        found[path] = problems


def _area(province_code: str = "51"):
    team = factories.TeamFactory(commune_id=COMMUNE, name="Tổ Cẩm Thành")
    village = factories.VillageFactory(
        commune_id=COMMUNE, code=f"{COMMUNE}-01", name="Thôn An Phú", team=team, declared_households=8
    )
    factories.VillageFactory(commune_id=COMMUNE, code=f"{COMMUNE}-02", name="Thôn Bình Yên")
    users = {
        Role.VOLUNTEER: factories.UserFactory(username="tv-a11y", role=Role.VOLUNTEER, team=team),
        Role.TEAM_LEADER: factories.UserFactory(username="tt-a11y", role=Role.TEAM_LEADER, team=team),
        Role.COMMUNE_LEADER: factories.UserFactory(
            username="xa-a11y", role=Role.COMMUNE_LEADER, commune_id=COMMUNE, province_id=province_code
        ),
        Role.PROVINCE_OFFICER: factories.UserFactory(
            username="tinh-a11y", role=Role.PROVINCE_OFFICER, province_id=province_code
        ),
        Role.ADMIN: factories.UserFactory(username="qt-a11y", role=Role.ADMIN),
    }
    now = timezone.now()
    for number in range(5):
        household = factories.HouseholdFactory(village=village, lat=15.12 + number * 0.001, lon=108.80)
        if number < 3:
            factories.VisitFactory(
                household=household,
                volunteer=users[Role.VOLUNTEER],
                visited_at=now - dt.timedelta(days=2 + number),
                is_flagged=number == 2,
                flags=["no_gps"] if number == 2 else [],
            )
    today = timezone.localdate()
    campaign = campaign_create(
        user=users[Role.PROVINCE_OFFICER],
        data={
            "name": "Chiến dịch kiểm tra tiếp cận",
            "province": province_code,
            "communes": [COMMUNE],
            "services": [],
            "starts_on": today - dt.timedelta(days=5),
            "ends_on": today + dt.timedelta(days=25),
            "targets": [{"commune": COMMUNE, "households": 8, "people": 16}],
        },
    )
    return village, users, campaign


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_main_pages_have_no_serious_axe_violations_and_no_english(
    chromium, live_server, client, quang_ngai_boundaries, viewport
):
    ARTIFACTS.mkdir(exist_ok=True)
    assert AXE.exists(), "bash scripts/ensure-test-tools.sh installs axe-core (tests/js)"
    village, users, campaign = _area()
    found: dict = {}

    context, page = _context(chromium, live_server, client, None, viewport)
    try:
        _visit(page, live_server, "/accounts/login/", "login", viewport, found)
    finally:
        context.close()

    for role, user in users.items():
        context, page = _context(chromium, live_server, client, user, viewport)
        try:
            _visit(page, live_server, "/", f"home-{role}", viewport, found)
        finally:
            context.close()

    context, page = _context(chromium, live_server, client, users[Role.COMMUNE_LEADER], viewport)
    try:
        for path, label in (
            (f"/communes/{COMMUNE}/", "commune"),
            (f"/villages/{village.code}/", "village"),
            (f"/communes/{COMMUNE}/review/", "review"),
            (f"/maps/commune/{COMMUNE}/", "commune-map"),
            (f"/setup/communes/{COMMUNE}/", "setup-commune"),
        ):
            _visit(page, live_server, path, label, viewport, found)
    finally:
        context.close()

    context, page = _context(chromium, live_server, client, users[Role.PROVINCE_OFFICER], viewport)
    try:
        for path, label in (
            ("/maps/province/51/", "province-map"),
            ("/campaigns/", "campaign-list"),
            (f"/campaigns/{campaign.pk}/", "campaign-dashboard"),
            (f"/campaigns/{campaign.pk}/map/", "campaign-map"),
            ("/setup/", "setup"),
            ("/campaigns/new/?province=51", "campaign-form"),
        ):
            _visit(page, live_server, path, label, viewport, found)
        # The form's 192 target boxes each name their commune.
        assert page.locator("#targets input[type=number]").count() == 192
        name = Commune.objects.get(code=COMMUNE).full_name
        assert (
            page.locator(f"input[name=h-{COMMUNE}]").get_attribute("aria-label") == f"Chỉ tiêu số hộ — {name}"
        )
        assert page.locator(f"input[name=p-{COMMUNE}]").get_attribute("aria-label") == (
            f"Chỉ tiêu số người — {name}"
        )
        assert page.errors == []
        assert not [s for s in page.statuses if s[0] >= 500], page.statuses
    finally:
        context.close()

    assert found == {}, "\n".join(f"{path}:\n  " + "\n  ".join(items) for path, items in found.items())


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_filters_take_and_show_dates_as_day_month_year(
    chromium, live_server, client, quang_ngai_boundaries, viewport
):
    ARTIFACTS.mkdir(exist_ok=True)
    village, users, _campaign = _area()
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=20), today - dt.timedelta(days=1)
    context, page = _context(chromium, live_server, client, users[Role.COMMUNE_LEADER], viewport)
    try:
        for path in (f"/communes/{COMMUNE}/", f"/villages/{village.code}/", f"/maps/commune/{COMMUNE}/"):
            page.goto(f"{live_server.url}{path}")
            start_box, end_box = (
                page.locator("form.filters [name=date_from]"),
                page.locator("form.filters [name=date_to]"),
            )
            # A text box typed day first, never the browser's own mm/dd/yyyy date field.
            assert start_box.get_attribute("type") == "text"
            assert start_box.get_attribute("placeholder") == "dd/mm/yyyy"
            start_box.fill(start.strftime("%d/%m/%Y"))
            # The calendar button's choice comes back as dd/mm/yyyy too.
            assert page.locator("form.filters [name=date_to] + .day-picker-button").is_visible()
            page.evaluate(
                """(iso) => { const native = document.querySelector(
                                  'form.filters [name=date_to] ~ .day-picker-native');
                              native.value = iso; native.dispatchEvent(new Event('change')); }""",
                end.isoformat(),
            )
            assert end_box.input_value() == end.strftime("%d/%m/%Y")
            page.click("form.filters button[type=submit]")
            page.wait_for_load_state()
            assert page.url.count("date_from=") == 1
            # Read back and shown day first.
            assert page.locator("form.filters [name=date_from]").input_value() == start.strftime("%d/%m/%Y")
            assert page.locator("form.filters [name=date_to]").input_value() == end.strftime("%d/%m/%Y")
            page.screenshot(path=str(ARTIFACTS / f"a11y-filters-{path.split('/')[1]}-{viewport}.png"))
        # ISO (a bookmark made before) is still read, and shown day first.
        page.goto(f"{live_server.url}/communes/{COMMUNE}/?date_from={start.isoformat()}")
        assert page.locator("form.filters [name=date_from]").input_value() == start.strftime("%d/%m/%Y")
        # Month first is not read as day first: 13/31 is refused with the field named, never a 500.
        response = page.goto(f"{live_server.url}/communes/{COMMUNE}/?date_from=12/31/2026")
        assert response.status == 400
        assert "Từ ngày" in page.locator("main").inner_text()
        assert page.errors == []
    finally:
        context.close()
