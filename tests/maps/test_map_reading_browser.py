"""Maps a leader can read, in real Chromium at 1280x800 and 360x740: a hover tooltip is a readable box
inside the screen, a tap on a phone opens the area's numbers (the same as the table beside the map),
areas carry their names, the map is fitted to its area, the village table fits (or scrolls in its box),
and the campaign chart's dates do not overlap. Screenshots in tests/artifacts/."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from campaigns.models import Campaign, CampaignTarget
from core.models import FollowUp, Household, Role
from tests import factories

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
COMMUNE = "21025"


def _square(west: float, south: float, size: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [west, south],
                [west + size, south],
                [west + size, south + size],
                [west, south + size],
                [west, south],
            ]
        ],
    }


@pytest.fixture
def villages(quang_ngai_boundaries):
    """Two villages with drawn boundaries in Cẩm Thành (21025): Thôn Một half visited, Thôn Hai not at
    all, a long team name (it used to wrap word by word), an overdue follow-up in Thôn Một."""
    team = factories.TeamFactory(commune_id=COMMUNE, name="Tổ công nghệ số cộng đồng thôn Một và thôn Hai")
    volunteer = factories.UserFactory(username="tnv-doc-ban-do", role=Role.VOLUNTEER, commune_id=COMMUNE)
    made = []
    for index, (name, households, visited) in enumerate((("Thôn Một", 6, 3), ("Thôn Hai", 4, 0))):
        village = factories.VillageFactory(
            commune_id=COMMUNE,
            code=f"{COMMUNE}-0{index + 1}",
            name=name,
            team=team,
            declared_households=households,
        )
        village.geometry = village.geometry_simplified = _square(108.79 + index * 0.03, 15.11, 0.025)
        village.save()
        for number in range(households):
            household = factories.HouseholdFactory(
                village=village,
                label=f"Nhà {name} {number}",
                lat=15.115 + number * 0.002,
                lon=108.80 + index * 0.03,
            )
            if number < visited:
                visit = factories.VisitFactory(
                    household=household, volunteer=volunteer, visited_at=timezone.now() - dt.timedelta(days=3)
                )
                Household.objects.filter(pk=household.pk).update(
                    last_visited_at=visit.visited_at, last_outcome="met"
                )
                if number == 0:
                    FollowUp.objects.create(
                        household=household,
                        service_id="vneid_level2",
                        team=team,
                        opened_by=visit,
                        since=visit.visited_at,
                        due=timezone.localdate() - dt.timedelta(days=2),
                    )
        made.append(village)
    return made


def _open(chromium, live_server, client, user, viewport):
    client.force_login(user)
    context = chromium.new_context(
        viewport=VIEWPORTS[viewport], locale="vi-VN", has_touch=viewport == "phone"
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    context.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " function (e) { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });"
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


# The point inside an area (its label's place) on the screen, from the map's own layers.
AREA_POINT = """(name) => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    let found = null;
    map.eachLayer(layer => {
        if (!found && layer.feature && layer.feature.properties && layer.feature.properties.name === name
            && layer.feature.properties.label_lat !== undefined) {
            found = layer.feature.properties;
        }
    });
    const point = map.latLngToContainerPoint([found.label_lat, found.label_lon]);
    const box = map.getContainer().getBoundingClientRect();
    return {x: box.left + point.x, y: box.top + point.y};
}"""


def _area_point(page, name: str) -> dict:
    return page.evaluate(AREA_POINT, name)


def _screen_point(page, lat: float, lon: float) -> dict:
    return page.evaluate(
        """([lat, lon]) => {
            const map = Object.values(window).find(v => v instanceof L.Map);
            const point = map.latLngToContainerPoint([lat, lon]);
            const box = map.getContainer().getBoundingClientRect();
            return {x: box.left + point.x, y: box.top + point.y};
        }""",
        [lat, lon],
    )


def _inside_viewport(box: dict, viewport: str) -> bool:
    size = VIEWPORTS[viewport]
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"] + 1
        and box["y"] + box["height"] <= size["height"] + 1
    )


def _card(page, selector: str) -> dict[str, str]:
    """The rows of a tooltip or popup card: label → value."""
    return page.evaluate(
        """(selector) => {
            const rows = {};
            document.querySelectorAll(selector + ' .area-card tr').forEach(tr => {
                rows[tr.querySelector('th').textContent] = tr.querySelector('td').textContent;
            });
            return rows;
        }""",
        selector,
    )


def _bring_into_view(page):
    page.locator(".leaflet-container").first.scroll_into_view_if_needed()


# Resolves once the element has kept its place and size for a few frames and is fully shown (a popup
# fades in and the map pans to show it).
SETTLED = """(selector) => new Promise(resolve => {
    let last = null, still = 0, frames = 0;
    const step = () => {
        const element = document.querySelector(selector);
        const r = element && element.getBoundingClientRect();
        const now = r ? [r.x, r.y, r.width, r.height].map(Math.round).join() : null;
        const shown = element && parseFloat(getComputedStyle(
            element.closest('.leaflet-popup, .leaflet-tooltip') || element).opacity) >= 0.9;
        still = now && now === last && shown ? still + 1 : 0;
        last = now;
        frames += 1;
        if (still >= 5 || frames > 600) { resolve(still >= 5); } else { requestAnimationFrame(step); }
    };
    step();
})"""


def _settled(page, selector: str) -> dict:
    page.wait_for_selector(selector)
    assert page.evaluate(SETTLED, selector), f"{selector} kept moving"
    return page.locator(selector).bounding_box()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_tooltip_is_a_readable_box_and_a_tap_gives_the_numbers_of_the_table(
    chromium, live_server, client, villages, viewport
):
    ARTIFACTS.mkdir(exist_ok=True)
    leader = factories.UserFactory(username="xa-doc-ban-do", role=Role.COMMUNE_LEADER, commune_id=COMMUNE)
    context, page = _open(chromium, live_server, client, leader, viewport)
    try:
        # The commune leader's page: the map beside the village table.
        page.goto(f"{live_server.url}/communes/{COMMUNE}/")
        page.wait_for_selector(".area-label", state="attached")
        _bring_into_view(page)
        labels = page.locator(".area-label:visible").all_inner_texts()
        assert "Thôn Một" in labels and "Thôn Hai" in labels
        table = {
            row.locator("td").nth(1).inner_text(): row.locator("td").nth(3).inner_text()
            for row in page.locator("#village-table tbody tr").all()
        }
        coverage = {
            row.locator("td").nth(1).inner_text(): row.locator("td").nth(2).inner_text()
            for row in page.locator("#village-table tbody tr").all()
        }
        # Inside Thôn Một, away from its households' markers (a tap on those opens the household).
        point = _screen_point(page, 15.115, 108.81)
        if viewport == "desktop":
            page.mouse.move(point["x"], point["y"])
            page.wait_for_selector(".leaflet-tooltip .area-card")
            box = page.locator(".leaflet-tooltip").bounding_box()
            assert 140 <= box["width"] <= 320, box
            assert 40 <= box["height"] <= 260, box
            assert _inside_viewport(box, viewport), box
            rows = _card(page, ".leaflet-tooltip")
            page.screenshot(path=str(ARTIFACTS / f"reading-tooltip-{viewport}.png"))
            page.mouse.click(point["x"], point["y"])
        else:
            page.touchscreen.tap(point["x"], point["y"])
        box = _settled(page, ".leaflet-popup-content-wrapper")
        assert box["width"] <= 320 and box["height"] <= 320, box
        assert _inside_viewport(box, viewport), box
        rows = _card(page, ".leaflet-popup")
        assert page.locator(".leaflet-popup .area-card .title").inner_text() == "Thôn Một"
        # The same numbers as the table beside the map.
        assert rows["Đã gặp / số hộ"] == table["Thôn Một"] == "3 / 6", rows
        assert rows["Độ phủ"] == coverage["Thôn Một"], rows
        assert rows["Việc quá hạn"] == "1", rows
        page.screenshot(path=str(ARTIFACTS / f"reading-popup-commune-{viewport}.png"))
        assert page.errors == [] and page.evaluate("window.__csp") == []
    finally:
        context.close()


def test_village_table_fits_beside_the_map_at_1280_and_scrolls_in_its_box_on_a_phone(
    chromium, live_server, client, villages
):
    leader = factories.UserFactory(username="xa-bang-thon", role=Role.COMMUNE_LEADER, commune_id=COMMUNE)
    for viewport in ("desktop", "phone"):
        context, page = _open(chromium, live_server, client, leader, viewport)
        try:
            page.goto(f"{live_server.url}/communes/{COMMUNE}/")
            page.wait_for_selector("#village-table")
            wrap = page.locator(".leader-villages .table-wrap")
            wrap.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"reading-village-table-{viewport}.png"))
            sizes = wrap.evaluate("(e) => ({client: e.clientWidth, scroll: e.scrollWidth})")
            rows = [row.bounding_box()["height"] for row in page.locator("#village-table tbody tr").all()]
            # One line a row: the long team name does not wrap word by word.
            line = page.locator("#village-table tbody td").first.evaluate(
                "(e) => parseFloat(getComputedStyle(e).lineHeight) + 16"
            )
            assert max(rows) <= line, rows
            if viewport == "desktop":
                assert sizes["scroll"] <= sizes["client"] + 1, sizes  # the whole table, no scrolling
                table = page.locator("#village-table").bounding_box()
                assert table["x"] + table["width"] <= VIEWPORTS[viewport]["width"]
            else:
                # Wider than the phone: it scrolls inside its box, the village's name stays in view.
                assert sizes["scroll"] > sizes["client"], sizes
                name = page.locator("#village-table tbody td:nth-child(2)").first
                before = name.bounding_box()["x"]
                wrap.evaluate("(e) => { e.scrollLeft = e.scrollWidth; }")
                assert abs(name.bounding_box()["x"] - before) <= 1
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        finally:
            context.close()


@pytest.fixture
def campaign(villages):
    today = timezone.localdate()
    running = Campaign.objects.create(
        name="Tháng chuyển đổi số",
        province_id="51",
        starts_on=today - dt.timedelta(days=20),
        ends_on=today + dt.timedelta(days=9),
    )
    running.communes.add(COMMUNE)
    CampaignTarget.objects.create(campaign=running, commune_id=COMMUNE, households=8)
    return running


def _overlapping(boxes: list[dict]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes)
        if i < j
        and not (
            a["x"] + a["width"] <= b["x"]
            or b["x"] + b["width"] <= a["x"]
            or a["y"] + a["height"] <= b["y"]
            or b["y"] + b["height"] <= a["y"]
        )
    ]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_campaign_chart_reads_and_its_map_popup_matches_the_dashboard(
    chromium, live_server, client, campaign, viewport
):
    ARTIFACTS.mkdir(exist_ok=True)
    officer = factories.UserFactory(username="tinh-chien-dich", role=Role.PROVINCE_OFFICER, province_id="51")
    context, page = _open(chromium, live_server, client, officer, viewport)
    try:
        page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
        page.wait_for_selector(".progress-figure")
        dates = [box.bounding_box() for box in page.locator(".progress-figure .chart-x span").all()]
        ticks = [box.bounding_box() for box in page.locator(".progress-figure .chart-y span").all()]
        assert len(dates) >= 2 and _overlapping(dates) == [] and _overlapping(ticks) == []
        sizes = page.locator(".progress-figure span").evaluate_all(
            "(spans) => spans.map(s => parseFloat(getComputedStyle(s).fontSize))"
        )
        assert min(sizes) >= 11, sizes
        figure = page.locator(".progress-figure").bounding_box()
        assert figure["x"] + figure["width"] <= VIEWPORTS[viewport]["width"]
        assert all(box["x"] + box["width"] <= VIEWPORTS[viewport]["width"] for box in dates)
        page.locator(".progress-figure").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"reading-chart-{viewport}.png"))
        row = page.locator(f"#communes tr[data-code='{COMMUNE}'] td")
        reached, target = row.nth(1).inner_text(), row.nth(2).inner_text()
        progress, flagged = row.nth(3).inner_text(), row.nth(8).inner_text()

        page.goto(f"{live_server.url}/campaigns/{campaign.pk}/map/")
        page.wait_for_selector(".area-label", state="attached")
        _bring_into_view(page)
        point = _area_point(page, "Cẩm Thành")
        if viewport == "phone":
            page.touchscreen.tap(point["x"], point["y"])
        else:
            page.mouse.move(point["x"], point["y"])
            box = _settled(page, ".leaflet-tooltip")
            assert (
                140 <= box["width"] <= 320 and 40 <= box["height"] <= 260 and _inside_viewport(box, viewport)
            )
            page.mouse.click(point["x"], point["y"])
        box = _settled(page, ".leaflet-popup-content-wrapper")
        assert box["width"] <= 320 and _inside_viewport(box, viewport), box
        rows = _card(page, ".leaflet-popup")
        assert rows["Hộ đã tiếp cận / chỉ tiêu"] == f"{reached} / {target}", rows
        assert rows["Tiến độ"] == progress and rows["Lượt có cảnh báo"] == flagged, rows
        assert (
            page.locator(".leaflet-popup a.area-link")
            .get_attribute("href")
            .endswith(f"/campaigns/{campaign.pk}/communes/{COMMUNE}/")
        )
        page.screenshot(path=str(ARTIFACTS / f"reading-campaign-map-{viewport}.png"))
        assert page.errors == [] and page.evaluate("window.__csp") == []
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_province_map_is_fitted_named_and_its_card_adds_up_the_villages(
    chromium, live_server, client, villages, viewport
):
    ARTIFACTS.mkdir(exist_ok=True)
    officer = factories.UserFactory(username="tinh-ban-do", role=Role.PROVINCE_OFFICER, province_id="51")
    context, page = _open(chromium, live_server, client, officer, viewport)
    try:
        page.goto(f"{live_server.url}/maps/province/51/")
        page.wait_for_selector(".area-label", state="attached")
        # Fitted: every commune is on the map, and the communes fill most of its width or height.
        fitted = page.evaluate(
            """() => {
                const map = Object.values(window).find(v => v instanceof L.Map);
                let bounds = null;
                map.eachLayer(l => { if (l.feature && l.getBounds) { bounds = bounds ? bounds.extend(l.getBounds()) : L.latLngBounds(l.getBounds().getSouthWest(), l.getBounds().getNorthEast()); } });
                const a = map.latLngToContainerPoint(bounds.getNorthWest()), b = map.latLngToContainerPoint(bounds.getSouthEast());
                const size = map.getSize();
                return {inside: a.x >= -1 && a.y >= -1 && b.x <= size.x + 1 && b.y <= size.y + 1,
                        fill: Math.max((b.x - a.x) / size.x, (b.y - a.y) / size.y)};
            }"""
        )
        assert fitted["inside"] and fitted["fill"] >= 0.6, fitted
        shown = page.locator(".area-label:visible")
        assert 1 <= shown.count() < page.locator(".area-label").count()  # names where they fit
        assert _overlapping([label.bounding_box() for label in shown.all()]) == []
        _bring_into_view(page)
        point = _area_point(page, "Cẩm Thành")
        if viewport == "phone":
            page.touchscreen.tap(point["x"], point["y"])
        else:
            page.mouse.move(point["x"], point["y"])
            box = _settled(page, ".leaflet-tooltip")
            assert (
                140 <= box["width"] <= 320 and 40 <= box["height"] <= 260 and _inside_viewport(box, viewport)
            )
            page.screenshot(path=str(ARTIFACTS / f"reading-province-tooltip-{viewport}.png"))
            page.mouse.click(point["x"], point["y"])
        box = _settled(page, ".leaflet-popup-content-wrapper")
        assert _inside_viewport(box, viewport), box
        rows = _card(page, ".leaflet-popup")
        # The commune's card: its two villages' 3 of 6 and 0 of 4, and Thôn Một's overdue follow-up.
        assert rows["Đã gặp / số hộ"] == "3 / 10" and rows["Việc quá hạn"] == "1", rows
        assert page.locator(".leaflet-popup a.area-link").get_attribute("href") == f"/maps/commune/{COMMUNE}/"
        page.screenshot(path=str(ARTIFACTS / f"reading-province-popup-{viewport}.png"))
        assert page.errors == [] and page.evaluate("window.__csp") == []
    finally:
        context.close()
