"""Issue 21 §1 on the phone: a visit held out of the totals says so at once, and the commune leader's
verdict (a rejection with its reason) reaches the volunteer with the next sync."""

import pytest

from core.models import Role, Visit
from core.services import integrity
from core.services.reviews import visit_review
from tests import factories
from tests.phone.screens import log_visit, open_household, shot, sign_in, sync_now

pytestmark = [pytest.mark.browser]

REASON = "Vị trí nghi giả lập; tổ trưởng đã hỏi lại hộ, hộ chưa được thăm."


def test_held_visit_then_the_communes_rejection_with_its_reason(team, phone):
    leader = factories.UserFactory(username="xa-cam-thanh", role=Role.COMMUNE_LEADER, commune=team.commune)
    # Accuracy exactly 0: what mock-location apps report, a strong flag (the visit is held).
    phone.context.set_geolocation({"latitude": 15.1205, "longitude": 108.8085, "accuracy": 0})
    sign_in(phone, team.volunteer.username)
    household = team.households[0]

    # No pull answers from here: what the phone shows next comes from the push answer alone.
    phone.context.route("**/api/v1/sync/pull/**", lambda route: route.abort("internetdisconnected"))
    log_visit(phone, household.id)
    tag = phone.locator(f"[data-household='{household.id}'] [data-testid=review]")
    tag.wait_for(timeout=15_000)
    assert tag.inner_text() == "Chờ xã xác nhận"
    assert tag.get_attribute("data-state") == "held"
    visit = Visit.objects.get(household=household)
    assert visit.held and integrity.GPS_MOCK_SUSPECTED in visit.flags
    shot(phone, "review-held-list")
    phone.context.unroute("**/api/v1/sync/pull/**")

    visit_review(actor=leader, visit_id=visit.id, decision="rejected", reason=REASON)
    sync_now(phone)
    item = phone.locator(f"[data-testid=review-item][data-visit='{visit.id}']")
    item.wait_for()
    assert phone.get_by_role("heading", name="Lượt thăm xã đang xem xét").is_visible()
    assert "Nhà số 1" in item.inner_text()
    assert item.locator("[data-testid=review]").inner_text() == f"Xã không tính: {REASON}"
    # Above the bottom bar, for the screenshot.
    phone.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    shot(phone, "review-rejected-sync")

    open_household(phone, household.id)
    on_household = phone.locator(".household [data-testid=review]")
    assert on_household.inner_text() == f"Xã không tính: {REASON}"
    # The reason wraps inside the screen, never wider than the phone.
    box = on_household.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    shot(phone, "review-rejected-household")

    # After a reload (offline-first): the verdict is kept on the phone.
    phone.reload()
    phone.locator(".household [data-testid=review][data-state=rejected]").wait_for()
    assert phone.errors == []
