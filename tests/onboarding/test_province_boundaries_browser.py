"""The province's village boundaries in Chromium: a province officer uploads one zipped Shapefile (a .dbf
in Windows-1258 without its .cpg) holding villages of two communes, one of them outside its commune,
and reads the preview: the code page guessed, the villages on the map, counts per commune, the flag."""

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box, mapping

from core.models import Role
from tests import factories
from tests.onboarding.test_province_boundaries import COMMUNE_1, COMMUNE_2, V1, V2, V3, _zipped_shapefile
from tests.onboarding.test_setup_browser import _page

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_province_upload_preview_on_a_desktop(chromium, live_server, client, world, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    for commune, outline in ((world.a.commune, COMMUNE_1), (world.a.other_commune, COMMUNE_2)):
        commune.geometry = commune.geometry_simplified = mapping(outline)
        commune.save()
    factories.VillageFactory(commune=world.a.other_commune, code="51002-01", name="Thôn Đông Hòa")
    far = box(109.05, 15.12, 109.08, 15.16)  # east of the province's communes
    frame = gpd.GeoDataFrame(
        {"ten_thon": ["Thôn 1", "Thôn 2", "Thôn Đông Hòa", "Thôn Đông Hòa"]},
        geometry=[V1, V2, V3, far],
        crs=4326,
    )
    data = _zipped_shapefile(tmp_path, frame, encoding="cp1258")
    (tmp_path / "ranh-gioi-tinh.zip").write_bytes(data)

    context, page = _page(
        chromium,
        live_server,
        client,
        world.a.users[Role.PROVINCE_OFFICER],
        viewport={"width": 1280, "height": 900},
    )
    csp = []
    page.on("console", lambda message: "Content Security Policy" in message.text and csp.append(message.text))
    page.goto(f"{live_server.url}/setup/?province=51")
    page.click("#province-boundaries-link")
    page.set_input_files("#file", str(tmp_path / "ranh-gioi-tinh.zip"))
    page.click("#province-boundary-upload button[type=submit]")
    page.wait_for_selector("#boundary-map .leaflet-container")
    page.wait_for_selector("#boundary-map path.leaflet-interactive")
    assert page.locator("#codepage").input_value() == "cp1258"
    assert page.locator("#boundary-map path.leaflet-interactive").count() == 4
    assert page.locator("#commune-counts tbody tr").count() == 2
    assert page.locator('#commune-counts tr[data-commune="51002"] td.num').all_inner_texts() == [
        "2",
        "1",
        "1",
    ]
    problems = page.locator("#boundary-checks").inner_text()
    assert "Thôn Đông Hòa" in problems and "nằm ngoài Phường Nghĩa Lộ A, cách" in problems
    assert page.locator("#store-form").count() == 0
    page.screenshot(path=str(ARTIFACTS / "province-boundaries-preview.png"), full_page=True)
    assert page.errors == [] and csp == []
    context.close()
