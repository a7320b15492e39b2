"""A new version of the app never drops what is queued, and the app opens with no network."""

import shutil

import pytest
from django.conf import settings as django_settings

from core.models import Visit
from tests.phone.screens import idb_counts, log_visit, shot, sign_in, wait_synced, waiting

pytestmark = [pytest.mark.browser]


def test_update_keeps_the_queue_and_sends_it_once(phone, team, settings, tmp_path):
    page = phone
    sign_in(page, "tv-an-binh")
    # The link drops every push for now: the visit stays queued.
    page.context.route("**/api/v1/sync/push/", lambda route: route.abort("internetdisconnected"))
    log_visit(page, team.households[2].id, help={"cashless_payment": "done"})
    assert waiting(page) == 1

    # The product ships a new version: a service worker that differs by a byte.
    new_build = tmp_path / "dist"
    shutil.copytree(django_settings.PHONE_APP_DIR, new_build)
    (new_build / "sw.js.gz").unlink()
    with (new_build / "sw.js").open("a") as worker:
        worker.write("\n// next version\n")
    settings.PHONE_APP_DIR = new_build

    page.evaluate("() => { window.beforeUpdate = true; }")
    page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
    banner = page.get_by_role("button", name="Cập nhật")
    banner.wait_for(timeout=15_000)
    shot(page, "update-ready")
    banner.click()
    page.wait_for_function("() => window.beforeUpdate === undefined && document.body.dataset.ready === '1'")
    page.wait_for_selector("[data-household]")
    assert waiting(page) == 1
    assert idb_counts(page)["outbox"] == 1

    page.context.unroute("**/api/v1/sync/push/")
    page.goto(f"{page.base}/app/#/sync")
    page.click("[data-testid=sync-now]")
    page.wait_for_selector("[data-testid=nothing-waiting]", timeout=15_000)
    wait_synced(page)
    assert Visit.objects.count() == 1

    # And with no network at all, a fresh start of the app still opens, from the service worker.
    page.context.set_offline(True)
    fresh = page.context.new_page()
    fresh.goto(f"{page.base}/app/")
    fresh.wait_for_selector("[data-household]")
    assert fresh.locator("[data-household]").count() == 5
    assert "Ngoại tuyến" in fresh.inner_text("[data-testid=sync-pill]")
