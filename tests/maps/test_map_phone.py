"""Maps on a 360 px phone and a desktop: the legend never covers the zoom buttons or the layer switch,
a popup hides the tooltip it would collide with, the scale is metric only. Screenshots in tests/artifacts/."""

from pathlib import Path

import pytest

from core.models import Role
from tests import factories

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_legend_scale_tooltip_and_popup_fit(chromium, live_server, client, quang_ngai_boundaries, viewport):
    ARTIFACTS.mkdir(exist_ok=True)
    village = factories.VillageFactory(commune_id="21025", code="21025-01", declared_households=10)
    for number in range(5):
        factories.HouseholdFactory(
            village=village, lat=15.12 + number * 0.002, lon=108.80 + (number % 2) * 0.003
        )
    leader = factories.UserFactory(username="xa-phone", role=Role.COMMUNE_LEADER, commune_id="21025")
    client.force_login(leader)
    context = chromium.new_context(
        viewport=VIEWPORTS[viewport], locale="vi-VN", has_touch=viewport == "phone"
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        for url, name in (("/maps/province/51/", "province"), ("/maps/commune/21025/", "commune")):
            page.goto(f"{live_server.url}{url}")
            page.wait_for_selector("path.leaflet-interactive")
            legend = page.locator(".legend").bounding_box()
            zoom = page.locator(".leaflet-control-zoom").bounding_box()
            layers = page.locator(".leaflet-control-layers").bounding_box()
            frame = page.locator(".map-frame").bounding_box()
            assert not _overlap(legend, zoom) and not _overlap(legend, layers), name
            assert (
                legend["x"] >= frame["x"] and legend["x"] + legend["width"] <= frame["x"] + frame["width"] + 1
            )
            if viewport == "phone":  # folded to one line on a phone; a tap opens it
                assert "%" not in page.locator(".legend").inner_text()
                page.locator(".legend-toggle").click()  # may scroll the page: measure again
                legend = page.locator(".legend").bounding_box()
                zoom = page.locator(".leaflet-control-zoom").bounding_box()
                layers = page.locator(".leaflet-control-layers").bounding_box()
                assert not _overlap(legend, zoom) and not _overlap(legend, layers), name
            assert "%" in page.locator(".legend").inner_text()
            scale = page.locator(".leaflet-control-scale").inner_text()
            assert ("m" in scale or "km" in scale) and "ft" not in scale and "mi" not in scale
            page.screenshot(path=str(ARTIFACTS / f"map-{name}-{viewport}.png"))

        # Province map: tap/click a commune → its popup opens and the tooltip steps aside.
        page.goto(f"{live_server.url}/maps/province/51/")
        page.wait_for_selector("path.leaflet-interactive")
        target = page.locator("path.leaflet-interactive").first
        target.hover() if viewport == "desktop" else None
        page.evaluate(
            """() => {
                const map = Object.values(window).find(v => v instanceof L.Map);
                map.eachLayer(layer => {
                    if (layer.getPopup && layer.getPopup() && layer.getLayers) {
                        const child = layer.getLayers()[0];
                        const at = child.getBounds().getCenter();
                        layer.getTooltip()._source = child;
                        layer.openTooltip(at);
                        layer.getPopup()._source = child;
                        layer.openPopup(at);
                    }
                });
            }"""
        )
        page.wait_for_selector(".leaflet-popup-content")
        opacity = page.evaluate("getComputedStyle(document.querySelector('.leaflet-tooltip')).opacity")
        assert float(opacity) == 0
        popup = page.locator(".leaflet-popup").bounding_box()
        assert popup["width"] <= VIEWPORTS[viewport]["width"]
        page.screenshot(path=str(ARTIFACTS / f"map-popup-{viewport}.png"))
        assert errors == []
    finally:
        context.close()
