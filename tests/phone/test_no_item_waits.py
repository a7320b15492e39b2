"""Issue 22 §1 on the phone: no item waits forever. Every answer the server gives a pushed item ends in a
state the volunteer sees: an item the server cannot place comes back named (household, outcome, time;
never an id), explained in Vietnamese, and is discarded only after a confirmation; "send again later"
backs off and stops after a bounded number of tries, and says so; a failing server stops the automatic
tries too. Signing out leaves no token on a shared phone."""

import json

import pytest
from knox.models import AuthToken

from core.models import Household, Village, Visit
from core.services.households import household_erase
from tests.phone.screens import PASSWORD, idb_counts, log_visit, shot, sign_in, sync_now, wait_synced

pytestmark = [pytest.mark.browser]

SESSIONS = """async () => {
  const db = await new Promise((ok) => { const r = indexedDB.open('cnscd-phone'); r.onsuccess = () => ok(r.result); });
  const rows = await new Promise((ok) => {
    const r = db.transaction('sessions').objectStore('sessions').getAll(); r.onsuccess = () => ok(r.result);
  });
  db.close();
  return rows.map((s) => ({ status: s.status, token: s.token || null }));
}"""


def _final_card(page, household):
    page.goto(f"{page.base}/app/#/sync")
    card = page.locator(f"[data-testid=final]:has-text('{household.label}')")
    card.wait_for(timeout=15_000)
    return card


def test_a_visit_to_an_erased_household_ends_named_and_is_discarded_with_a_confirmation(phone, team):
    page = phone
    sign_in(page, "tv-an-binh")
    erased = team.households[0]
    page.context.set_offline(True)
    log_visit(page, erased.id, outcome="Không có nhà")
    household_erase(household=Household.objects.get(pk=erased.id))

    page.context.set_offline(False)
    sync_now(page)
    card = _final_card(page, erased)
    text = card.inner_text()
    assert "Lượt thăm Nhà số 1 (Không có nhà," in text  # named: household, outcome, time
    assert "đã bị xoá trên máy chủ" in text
    assert str(erased.id)[:8] not in page.inner_text("main, section")  # never an id fragment
    assert card.get_attribute("data-reason") == "erased"
    assert page.locator("nav .badge").inner_text() == "1"
    shot(page, "final-erased")

    # Final: another sync sends nothing again and the card stays.
    pushes = []
    page.on("request", lambda r: pushes.append(r.url) if "/sync/push/" in r.url else None)
    sync_now(page)
    assert pushes == []
    assert page.locator("[data-testid=final]").count() == 1

    card.get_by_role("button", name="Bỏ mục này").click()
    confirm = page.locator("[data-testid=discard-confirm]")
    assert "Bỏ hẳn Lượt thăm Nhà số 1" in confirm.inner_text()
    shot(page, "final-erased-confirm")
    confirm.get_by_role("button", name="Huỷ").click()
    assert idb_counts(page)["outbox"] == 1  # nothing goes without the confirmation
    card.get_by_role("button", name="Bỏ mục này").click()
    confirm.get_by_role("button", name="Chắc chắn bỏ").click()
    card.wait_for(state="detached")
    assert idb_counts(page)["outbox"] == 0
    page.goto(f"{page.base}/app/#/")
    page.wait_for_selector("[data-household]")
    assert page.locator(f"[data-household='{erased.id}']").count() == 0
    assert not Visit.objects.exists()
    assert page.errors == []


def test_a_visit_to_a_household_moved_to_another_team_ends_named(phone, team):
    page = phone
    sign_in(page, "tv-an-binh")
    moved = team.households[1]
    page.context.set_offline(True)
    log_visit(page, moved.id, help={"online_safety": "done"})
    Household.objects.filter(pk=moved.id).update(village=Village.objects.get(code="21025-03"))

    page.context.set_offline(False)
    sync_now(page)
    card = _final_card(page, moved)
    assert card.get_attribute("data-reason") == "outside"
    assert "Lượt thăm Nhà số 2 (Gặp được," in card.inner_text()
    assert "không còn thuộc các thôn của bạn" in card.inner_text()
    shot(page, "final-outside")
    assert not Visit.objects.exists()
    assert page.errors == []


def test_send_again_later_backs_off_then_stops_and_says_so(phone, team):
    page = phone
    household = team.households[2]
    sign_in(page, "tv-an-binh")

    def retry_later(route):
        sent = json.loads(route.request.post_data)
        results = [
            {
                "type": "visit",
                "id": visit["id"],
                "status": "rejected",
                "retry": True,
                "errors": {"household": ["Hộ này chưa đến máy chủ; gửi lại lượt thăm sau khi đã gửi hộ."]},
            }
            for visit in sent["visits"]
        ]
        route.fulfill(status=200, json={"results": results, "server_time": "2026-11-20T10:00:00+07:00"})

    page.context.route("**/api/v1/sync/push/", retry_later)
    log_visit(page, household.id, outcome="Hẹn quay lại")
    for _ in range(8):
        if page.locator("[data-testid=stopped]").count():
            break
        sync_now(page)
    card = page.locator("[data-testid=stopped]")
    assert "Đã thử 6 lần, dừng gửi tự động." in card.inner_text()
    assert "Lượt thăm Nhà số 3 (Hẹn quay lại," in card.inner_text()
    shot(page, "stopped-item")

    page.context.unroute("**/api/v1/sync/push/")
    card.get_by_role("button", name="Thử gửi lại").click()
    card.wait_for(state="detached")
    # "Nothing waiting" shows while the item is stopped too: wait for the queue to be empty, not for the text.
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=waiting-item]')"
        " && !document.querySelector('[data-testid=sync-status]').dataset.running"
        " && !document.querySelector('[data-testid=stopped]')",
        timeout=15_000,
    )
    page.wait_for_selector("[data-testid=nothing-waiting]", timeout=15_000)
    assert Visit.objects.get().household_id == household.id
    assert page.errors == []


def test_a_failing_server_stops_the_automatic_tries_and_says_so(phone, team):
    page = phone
    sign_in(page, "tv-an-binh")
    page.context.route("**/api/v1/sync/push/", lambda route: route.fulfill(status=503, json={"detail": "x"}))
    log_visit(page, team.households[3].id, outcome="Không có nhà")
    page.goto(f"{page.base}/app/#/sync")
    stopped = page.locator("[data-testid=sync-stopped]")
    for _ in range(12):
        if stopped.count():
            break
        page.wait_for_selector("[data-testid=sync-now]:not([disabled])", timeout=15_000)
        page.click("[data-testid=sync-now]")
        page.wait_for_timeout(300)
    assert "Đã thử 8 lần, dừng gửi tự động." in stopped.inner_text()
    assert page.inner_text("[data-testid=sync-now]") == "Thử gửi lại"
    shot(page, "sync-stopped")

    page.context.unroute("**/api/v1/sync/push/")
    page.click("[data-testid=sync-now]")
    wait_synced(page)
    stopped.wait_for(state="detached")
    assert Visit.objects.count() == 1
    assert page.errors == []


def test_signing_out_leaves_no_token_on_the_phone(phone, team):
    page = phone
    sign_in(page, "tv-an-binh")
    page.context.set_offline(True)
    log_visit(page, team.households[0].id, outcome="Không có nhà")
    page.goto(f"{page.base}/app/#/me")
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_role("button", name="Vẫn đăng xuất").click()
    page.wait_for_selector("input[name=username]")
    assert page.evaluate(SESSIONS) == [{"status": "leaving", "token": None}]
    assert "tv-an-binh còn 1 mục chưa gửi, được giữ trên máy này" in page.inner_text("[data-testid=leaving]")

    # Back online, nothing is sent in their name: the queue waits for them.
    page.context.set_offline(False)
    page.wait_for_timeout(1500)
    assert idb_counts(page)["outbox"] == 1
    assert not Visit.objects.exists()
    sign_in(page, "tv-an-binh", PASSWORD)
    wait_synced(page)
    assert Visit.objects.count() == 1
    assert [s["status"] for s in page.evaluate(SESSIONS)] == ["active"]

    # Online, signing out sends first, then ends the token on the server and on the phone. (The token
    # dropped offline above could not be ended on the server: it lapses with its expiry.)
    current = AuthToken.objects.filter(user=team.volunteer).latest("created").pk
    page.goto(f"{page.base}/app/#/me")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_selector("input[name=username]")
    assert page.evaluate(SESSIONS) == []
    assert not AuthToken.objects.filter(pk=current).exists()
    assert page.errors == []
