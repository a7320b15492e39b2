"""The commune's report printed from Chromium on A4: print media emulated at A4's width (794 px at 96 dpi),
the navigation, filters and buttons are gone, the "as of" line and the totals row are shown, and no table
is wider than the page. The visit table prints the same way. Screenshots and a PDF in tests/artifacts/."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.leaders import leader_world

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
A4 = {"width": 794, "height": 1123}
AS_OF = re.compile(r"^Số liệu tính đến \d\d/\d\d/\d{4} \d\d:\d\d")


@pytest.fixture
def lw(world):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    return leader_world.build(world)


def _page(chromium, live_server, client, user):
    client.force_login(user)
    context = chromium.new_context(viewport=A4, locale="vi-VN")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


def _hidden(page, selector: str) -> bool:
    return all(not element.is_visible() for element in page.locator(selector).all())


def _printed(page, name: str):
    """Print media: chrome gone, the as-of line shown, nothing wider than the sheet."""
    page.emulate_media(media="print")
    for selector in (
        ".shell-header",
        ".shell-nav",
        ".shell-crumbs",
        ".shell-footer",
        "form.filters",
        "button",
    ):
        assert _hidden(page, selector), selector
    as_of = page.locator(".as-of").first
    assert as_of.is_visible() and AS_OF.match(as_of.inner_text()), as_of.inner_text()
    wide = page.evaluate(
        """() => Array.from(document.querySelectorAll('table')).filter(t => t.getBoundingClientRect().right
            > document.documentElement.clientWidth + 1).map(t => t.id || t.className)"""
    )
    assert wide == [], wide
    page.screenshot(path=str(ARTIFACTS / f"print-{name}-a4.png"), full_page=True)
    page.pdf(path=str(ARTIFACTS / f"print-{name}.pdf"), format="A4", print_background=True)


def test_commune_report_prints_on_a4_without_navigation(chromium, live_server, client, lw):
    ARTIFACTS.mkdir(exist_ok=True)
    context, page = _page(chromium, live_server, client, lw.leader)
    try:
        page.goto(f"{live_server.url}/communes/51001/")
        page.wait_for_selector("#village-table")
        # On screen the navigation and filters are there, and so is the as-of line.
        assert page.locator(".shell-nav").is_visible() and page.locator("form.filters").is_visible()
        assert AS_OF.match(page.locator(".as-of").inner_text())
        _printed(page, "commune")
        totals = page.locator("#village-table tfoot tr.totals")
        assert totals.is_visible() and totals.inner_text().split()[0] == "Tổng"
        assert "2 / 7" in totals.inner_text()  # two households reached of seven
        assert page.locator(".xlsx").first.is_hidden()
        assert page.errors == []
    finally:
        context.close()


def test_visit_table_prints_on_a4_without_navigation(chromium, live_server, client, lw):
    ARTIFACTS.mkdir(exist_ok=True)
    context, page = _page(chromium, live_server, client, lw.leader)
    try:
        page.goto(f"{live_server.url}/communes/51001/")
        page.click("#visits-link")
        page.wait_for_selector("#visit-table")
        assert page.locator("#visit-table tbody tr").count() == 3
        page.screenshot(path=str(ARTIFACTS / "visits-screen-a4.png"), full_page=True)
        _printed(page, "visits")
        assert page.errors == []
    finally:
        context.close()


@pytest.mark.parametrize(
    "viewport", [{"width": 360, "height": 740}, {"width": 1280, "height": 800}], ids=["phone", "desktop"]
)
def test_visit_table_on_screen_fits_and_filters(chromium, live_server, client, lw, viewport):
    ARTIFACTS.mkdir(exist_ok=True)
    context, page = _page(chromium, live_server, client, lw.leader)
    page.set_viewport_size(viewport)
    try:
        page.goto(f"{live_server.url}/communes/51001/visits/")
        page.wait_for_selector("#visit-table")
        assert page.locator("#visit-table tbody tr").count() == 3
        # Nothing but the table's own box scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.select_option("#id_flag", "held")
        page.click("#visit-filters button[type=submit]")
        page.wait_for_url("**flag=held**")
        rows = page.locator("#visit-table tbody tr")
        assert rows.count() == 1 and "Giữ lại chờ xem xét" in rows.first.inner_text()
        name = "phone" if viewport["width"] < 400 else "desktop"
        page.screenshot(path=str(ARTIFACTS / f"visits-{name}.png"), full_page=True)
        assert page.errors == []
    finally:
        context.close()
