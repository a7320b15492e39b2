"""What the server refuses or finds in conflict reaches the volunteer, who settles it on the phone."""

import json

import pytest

from core.models import HelpItem, Household, Service, Visit
from tests.conftest import token_client
from tests.phone.screens import (
    idb_counts,
    log_visit,
    open_household,
    shot,
    sign_in,
    sync_now,
    wait_synced,
    waiting,
)

pytestmark = [pytest.mark.browser]


def test_household_edited_on_two_phones_is_merged_field_by_field(phone, team):
    """Issue 22 §3: the phone sends only the fields it changed; the teammate's label stays, the phone number
    goes in, and the one field both changed (members) is the volunteer's choice, with who and when."""
    page = phone
    household = team.households[1]
    team.teammate.full_name = "Đỗ Văn Hùng"
    team.teammate.save()
    sign_in(page, "tv-an-binh")

    page.context.set_offline(True)
    open_household(page, household.id)
    page.click(f"a[href='#/h/{household.id}/edit']")
    page.click("[aria-label='Số nhân khẩu +']")  # 4 → 5
    page.fill("input[name=phone]", "0905999888")
    page.click("[data-testid=save-household]")
    page.wait_for_selector("[data-testid=save-visit]")
    assert waiting(page) == 1
    queued = page.evaluate(
        "async () => { const r = indexedDB.open('cnscd-phone'); await new Promise(ok => r.onsuccess = ok);"
        " const all = r.result.transaction('outbox').objectStore('outbox').getAll();"
        " await new Promise(ok => all.onsuccess = ok); return all.result[0].body; }"
    )
    assert queued["base_version"] == 1 and sorted(queued["changed"]) == ["members", "phone"]

    # Meanwhile a teammate's phone (an older app: the whole household) changed the label and members.
    other = token_client(team.teammate).post(
        "/api/v1/sync/push/",
        {
            "households": [
                {
                    "id": str(household.id),
                    "village": household.village_id,
                    "label": "Nhà số 2 (đầu ngõ)",
                    "head_name": household.head_name,
                    "phone": household.phone,
                    "members": 7,
                    "working_age": household.working_age,
                    "consent": True,
                    "base_version": 1,
                }
            ]
        },
        format="json",
    )
    assert other.json()["results"][0]["status"] == "updated"

    pushed = []
    page.on(
        "request",
        lambda r: (
            pushed.append(json.loads(r.post_data)) if r.url.endswith("/sync/push/") and r.post_data else None
        ),
    )
    page.context.set_offline(False)
    page.goto(f"{page.base}/app/#/sync")
    card = page.locator("[data-testid=field-conflict]")
    card.wait_for(timeout=15_000)
    # Only the fields it changed went, from the version it saw.
    assert pushed[0]["households"] == [
        {"id": str(household.id), "base_version": 1, "fields": {"members": 5, "phone": "0905999888"}}
    ]
    household.refresh_from_db()
    assert (household.label, household.phone, household.members) == ("Nhà số 2 (đầu ngõ)", "0905999888", 7)
    text = card.inner_text()
    assert card.locator("fieldset").count() == 1 and "Nhân khẩu" in text
    assert "Của tôi: 5" in text and "Trên máy chủ: 7" in text and "Đỗ Văn Hùng" in text
    assert card.get_by_role("button", name="Gửi lựa chọn").is_disabled()
    card.scroll_into_view_if_needed()
    shot(page, "merge-conflict")

    card.get_by_role("radio", name="Của tôi: 5").check()
    card.get_by_role("button", name="Gửi lựa chọn").scroll_into_view_if_needed()
    shot(page, "merge-conflict-chosen")
    card.get_by_role("button", name="Gửi lựa chọn").click()
    page.wait_for_selector("[data-testid=field-conflict]", state="detached")
    page.wait_for_selector("[data-testid=nothing-waiting]", timeout=15_000)
    wait_synced(page)
    household.refresh_from_db()
    assert (household.version, household.members, household.phone, household.label) == (
        4,
        5,
        "0905999888",
        "Nhà số 2 (đầu ngõ)",
    )
    assert pushed[-1]["households"] == [
        {"id": str(household.id), "base_version": 3, "fields": {"members": 5}}
    ]
    page.goto(f"{page.base}/app/#/h/{household.id}")
    page.wait_for_selector("[data-testid=save-visit]")
    assert "Nhà số 2 (đầu ngõ)" in page.inner_text("body")
    assert page.errors == []


def test_rejected_visit_shows_the_server_message_and_is_fixed_on_the_phone(phone, team):
    page = phone
    household = team.households[0]
    sign_in(page, "tv-an-binh")
    # The catalogue changed on the server after the phone downloaded it.
    Service.objects.filter(code="digital_signature").update(is_active=False)

    log_visit(page, household.id, help={"digital_signature": "done"})
    page.goto(f"{page.base}/app/#/sync")
    card = page.locator("[data-testid=rejected]")
    card.wait_for(timeout=15_000)
    assert 'Dịch vụ "digital_signature" không có trong danh mục.' in card.inner_text()
    assert page.locator("nav .badge").inner_text() == "1"
    shot(page, "rejected")
    rejected_id = page.evaluate(
        "async () => { const r = indexedDB.open('cnscd-phone'); await new Promise(ok => r.onsuccess = ok);"
        " const all = r.result.transaction('outbox').objectStore('outbox').getAll();"
        " await new Promise(ok => all.onsuccess = ok); return all.result[0].id; }"
    )

    card.get_by_role("link", name="Sửa rồi gửi lại").click()
    page.click("button[data-service='digital_signature']")  # take it out
    page.click("button[data-service='online_safety']")
    page.click("[data-testid=save-visit]")
    page.wait_for_selector("[data-testid=nothing-waiting]", timeout=15_000)
    wait_synced(page)
    visit = Visit.objects.get()
    assert str(visit.id) == rejected_id  # the same record, fixed, not a second one
    assert list(HelpItem.objects.values_list("service_id", "result")) == [("online_safety", "done")]
    assert page.locator("[data-testid=rejected]").count() == 0
    assert page.errors == []


def test_items_the_server_asks_to_resend_wait_and_a_foreign_cursor_starts_over(phone, team):
    """Two answers the hardening work adds to the API, played by the browser's network layer until the
    server gives them: a rejected item with ``retry`` stays queued; pull's 410 drops the cursor."""
    page = phone
    household = team.households[0]
    sign_in(page, "tv-an-binh")

    pushes = []

    def retry_later(route):
        pushes.append(route.request.url)
        sent = json.loads(route.request.post_data)
        results = [
            {
                "type": "visit",
                "id": visit["id"],
                "status": "rejected",
                "retry": True,
                "errors": {"household": ["x"]},
            }
            for visit in sent["visits"]
        ]
        route.fulfill(status=200, json={"results": results, "server_time": "2026-11-20T10:00:00+07:00"})

    page.context.route("**/api/v1/sync/push/", retry_later)
    log_visit(page, household.id, help={"online_safety": "done"})
    sync_now(page)
    assert pushes  # the server answered "send it again later"
    assert page.locator("[data-testid=rejected]").count() == 0
    assert waiting(page) == 1
    page.context.unroute("**/api/v1/sync/push/")

    # A household the phone holds but the server's new history does not: a full pull forgets it.
    ghost = team.households[4]
    Household.objects.filter(id=ghost.id).update(village=team.commune.villages.get(code="21025-03"))
    calls = []

    def foreign_cursor(route):
        calls.append(route.request.url)
        if "cursor=" in route.request.url and len(calls) == 1:
            route.fulfill(
                status=410,
                json={"detail": "Con trỏ không hợp lệ.", "errors": {"cursor": ["Con trỏ không hợp lệ."]}},
            )
        else:
            route.continue_()

    page.context.route("**/api/v1/sync/pull/**", foreign_cursor)
    sync_now(page)
    assert page.locator("[data-testid=nothing-waiting]").count() == 1
    assert "cursor=" not in calls[1]  # started from scratch
    assert Visit.objects.count() == 1
    page.goto(f"{page.base}/app/#/")
    page.wait_for_selector("[data-household]")
    assert page.locator(f"[data-household='{ghost.id}']").count() == 0
    assert idb_counts(page)["households"] == 4
