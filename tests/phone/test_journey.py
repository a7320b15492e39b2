"""A volunteer's day on the phone app, in a real Chromium on a 360 × 740 phone screen (issue 10).

Signed in once, the volunteer goes out of coverage, records everything offline, reloads the app with no
network, comes back into coverage: the server holds exactly those records, once each.
"""

import pytest

from core.models import FollowUp, GroupSession, HelpItem, Household, Visit
from core.services.households import household_erase
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


def test_offline_day_reaches_the_server_once(phone, team):
    page = phone
    first, second, third = team.households[:3]
    sign_in(page, "tv-an-binh")
    assert page.locator("[data-household]").count() == 5
    assert "5 hộ" in page.inner_text("[data-testid=list-count]")
    # Search ignores diacritics.
    page.fill("input[name=q]", "nguyen thi huong")
    assert page.locator("[data-household]").count() == 1
    assert "Nguyễn Thị Hường" in page.inner_text("[data-household]")
    page.fill("input[name=q]", "")
    shot(page, "list")

    page.context.set_offline(True)
    page.wait_for_selector("[data-testid=sync-pill].off")
    log_visit(page, first.id, help={"vneid_level2": "pending", "online_safety": "done"}, screenshot="visit")
    open_household(page, second.id)
    shot(page, "household")
    log_visit(page, second.id, help={"public_service_account": "done"})
    log_visit(page, third.id, outcome="Không có nhà")

    page.click("text=+ Hộ mới")
    page.select_option("select[name=village]", "21025-02")
    page.fill("input[name=label]", "Nhà bà Sáu, cạnh chợ")
    assert page.is_disabled("input[name=head_name]")  # no name before consent
    page.check("input[name=consent]")
    page.fill("input[name=head_name]", "Đặng Thị Sáu")
    page.fill("input[name=phone]", "0905111222")
    page.click("[aria-label='Số nhân khẩu +']")
    page.click("[aria-label='Số nhân khẩu +']")
    shot(page, "new-household")
    page.click("[data-testid=save-household]")
    page.wait_for_selector("[data-testid=save-visit]")  # straight on to its first visit

    page.goto(f"{page.base}/app/#/group")
    page.select_option("select[name=village]", "21025-01")
    page.click("button[data-service='online_safety']")
    page.click("button[data-service='cashless_payment']")
    page.fill("input[name=attendees]", "35")
    shot(page, "group-session")
    page.click("[data-testid=save-group]")
    page.wait_for_selector("[data-testid=households]")
    assert waiting(page) == 5

    # Reloading with no network: the app opens from the service worker, the queue from IndexedDB.
    page.reload()
    page.wait_for_selector("[data-household]")
    assert waiting(page) == 5
    assert idb_counts(page)["outbox"] == 5
    assert page.locator("text=Sáu").count() >= 1
    page.goto(f"{page.base}/app/#/sync")
    assert "3 lượt thăm, 1 hộ, 1 buổi nhóm" in page.inner_text("[data-testid=waiting-summary]")
    shot(page, "sync-offline")
    assert Visit.objects.count() == 0

    page.context.set_offline(False)
    page.wait_for_selector("[data-testid=nothing-waiting]", timeout=15_000)
    wait_synced(page)
    sync_now(page)  # a second sync sends nothing more

    assert Visit.objects.filter(volunteer=team.volunteer).count() == 3
    assert {v.household_id for v in Visit.objects.all()} == {first.id, second.id, third.id}
    assert Visit.objects.get(household=third).outcome == "not_home"
    assert set(HelpItem.objects.values_list("service_id", "result")) == {
        ("vneid_level2", "pending"),
        ("online_safety", "done"),
        ("public_service_account", "done"),
    }
    visit = Visit.objects.get(household=first)
    assert visit.accuracy_m == 12 and abs(visit.lat - 15.1206) < 1e-6  # GPS taken in the background
    new = Household.objects.get(label="Nhà bà Sáu, cạnh chợ")
    assert (new.village_id, new.head_name, new.members, new.consent) == ("21025-02", "Đặng Thị Sáu", 3, True)
    assert Household.objects.count() == 6
    session = GroupSession.objects.get()
    assert (session.attendees, sorted(session.services)) == (35, ["cashless_payment", "online_safety"])
    followup = FollowUp.objects.get()
    assert (followup.household_id, followup.service_id) == (first.id, "vneid_level2")

    # The follow-up the server opened comes back down and shows in the list.
    page.goto(f"{page.base}/app/#/")
    row = page.locator(f"[data-household='{first.id}']")
    row.locator("[data-testid=followup]").wait_for()
    assert "Hẹn theo dõi: Kích hoạt tài khoản định danh điện tử VNeID mức 2" in row.inner_text()
    assert followup.due.strftime("%d/%m/%Y") in row.inner_text()
    assert idb_counts(page)["outbox"] == 0
    row.scroll_into_view_if_needed()
    shot(page, "list-after-sync")

    # A household erased on the server (Decree 13/2023) leaves the phone at the next pull.
    gone = team.households[3]
    household_erase(household=gone)
    sync_now(page)
    page.goto(f"{page.base}/app/#/guide")
    page.locator("details.guide").first.click()
    shot(page, "handbook")
    page.goto(f"{page.base}/app/#/")
    page.wait_for_selector("[data-household]")
    assert page.locator(f"[data-household='{gone.id}']").count() == 0
    assert page.locator("[data-household]").count() == 5
    assert page.errors == []
