"""Issue 22 §1 and §6 on the phone, the sync side: an item the server cannot place is handed to the team
leader as a note; the last volunteer signs in again offline (verified on the phone) and nobody else does;
the queue leaves through Background Sync with the app closed."""

import pytest

from core.models import Handoff, Household, Visit
from core.services.households import household_erase
from tests.phone.screens import PASSWORD, idb_counts, log_visit, shot, sign_in, sync_now, wait_synced

pytestmark = [pytest.mark.browser]


def _wait_for(page, predicate, timeout_ms: int = 15_000):
    for _ in range(timeout_ms // 200):
        if predicate():
            return
        page.wait_for_timeout(200)
    raise AssertionError("condition not met in time")


def test_a_visit_to_an_erased_household_is_handed_to_the_team_leader_once(phone, team):
    page = phone
    sign_in(page, "tv-an-binh")
    erased = team.households[0]
    page.context.set_offline(True)
    log_visit(page, erased.id, outcome="Không có nhà")
    household_erase(household=Household.objects.get(pk=erased.id))
    page.context.set_offline(False)
    sync_now(page)

    page.goto(f"{page.base}/app/#/sync")
    card = page.locator("[data-testid=final]:has-text('Nhà số 1')")
    card.wait_for(timeout=15_000)
    card.get_by_role("button", name="Chuyển cho tổ trưởng").click()
    form = card.locator("[data-testid=handoff-form]")
    form.locator("textarea").fill("Bà Hường nhờ ghi lại: nhà đã bán, cả nhà chuyển lên phường.\n<i>chữ</i>")
    form.scroll_into_view_if_needed()
    shot(page, "handoff-form")
    # The first try meets no network: the note waits on the item, named, and leaves with the next sync.
    page.context.set_offline(True)
    form.get_by_role("button", name="Gửi cho tổ trưởng").click()
    card.locator("[data-testid=handoff-waiting]").wait_for()
    card.scroll_into_view_if_needed()
    shot(page, "handoff-waiting")
    assert not Handoff.objects.exists()

    page.context.set_offline(False)
    sync_now(page)
    card.wait_for(state="detached", timeout=15_000)
    note = Handoff.objects.get()
    assert (note.household_label, note.kind, note.outcome, note.reason) == (
        "Nhà số 1",
        "visit",
        "not_home",
        "erased",
    )
    assert note.household_id == erased.id and note.volunteer == team.volunteer and note.team == team.team
    assert note.note.endswith("<i>chữ</i>") and "xoá" in note.reason_text
    assert idb_counts(page)["outbox"] == 0
    sync_now(page)
    assert Handoff.objects.count() == 1 and not Visit.objects.exists()
    assert page.errors == []


def test_the_last_volunteer_signs_in_again_offline_and_no_one_else(phone, team):
    page = phone
    sign_in(page, "tv-an-binh")
    page.goto(f"{page.base}/app/#/me")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_selector("input[name=username]")
    counts = idb_counts(page)
    assert (counts["households"], counts["sessions"]) == (0, 0)  # nothing readable left behind

    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("input[name=username]")

    def attempt(username, password):
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("form button[type=submit]")

    attempt("tv-phu-loc", PASSWORD)
    assert page.locator("[role=alert]").inner_text() == "Cần mạng để đăng nhập tài khoản khác"
    shot(page, "offline-signin-other")
    attempt("tv-an-binh", "sai-mat-khau")
    page.wait_for_selector("[role=alert]:has-text('Sai mật khẩu')")
    assert "lần đăng nhập gần nhất trên máy này" in page.locator("[role=alert]").inner_text()
    attempt("TV-An-Binh ", PASSWORD)
    page.wait_for_selector("nav")
    # Their own list again, from what sign-out sealed, with no network.
    page.goto(f"{page.base}/app/#/")
    page.wait_for_selector("[data-household]")
    assert page.locator("[data-household]").count() == 5
    shot(page, "offline-signin-list")

    log_visit(page, team.households[2].id, outcome="Hẹn quay lại")
    assert not Visit.objects.exists()
    page.context.set_offline(False)
    # Back online: signed in with the server by the password held in memory, and the visit goes.
    _wait_for(page, lambda: Visit.objects.filter(volunteer=team.volunteer).count() == 1)
    wait_synced(page)
    assert page.locator("[data-testid=reauth]").count() == 0
    assert page.errors == []


def test_the_queue_leaves_by_background_sync_with_the_app_closed(phone, team):
    page = phone
    context = page.context
    context.grant_permissions(["background-sync"], origin=page.base)
    sign_in(page, "tv-an-binh")
    context.set_offline(True)
    log_visit(page, team.households[3].id, help={"online_safety": "done"})
    has_sync = page.evaluate(
        "async () => { const r = await navigator.serviceWorker.ready;"
        " return 'sync' in r ? (await r.sync.getTags()) : null; }"
    )
    if has_sync is None:
        pytest.skip("this Chromium has no Background Sync")
    assert "cnscd-push" in has_sync
    page.close()  # the app is closed

    context.set_offline(False)
    blank = context.new_page()
    cdp = context.new_cdp_session(blank)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    _wait_for(blank, lambda: any(r["scopeURL"].endswith("/app/") for r in registrations), 5_000)
    registration = next(r for r in registrations if r["scopeURL"].endswith("/app/"))
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": page.base,
            "registrationId": registration["registrationId"],
            "tag": "cnscd-push",
            "lastChance": False,
        },
    )
    _wait_for(blank, lambda: Visit.objects.filter(volunteer=team.volunteer).count() == 1)
    # The app, opened again, settles the item the worker sent: "duplicate", nothing twice.
    app = context.new_page()
    app.base = page.base
    app.goto(f"{page.base}/app/#/sync")
    app.wait_for_selector("[data-testid=nothing-waiting]", timeout=15_000)
    assert Visit.objects.count() == 1
