"""The phone against issue 19 §4–5 and issue 22 §1: a visit to a household erased meanwhile is never
retried (the server's final ``erased``): it leaves the waiting list for a named card the volunteer
discards, and the household leaves the phone; a password changed elsewhere signs the phone out of the
server and it asks for the new one, its queue kept."""

import pytest

from core.models import ErasedHousehold, Household, User, Visit
from core.services.households import household_erase
from tests.phone.screens import idb_counts, log_visit, shot, sign_in, sync_now, wait_synced, waiting

pytestmark = [pytest.mark.browser]


def test_a_visit_to_a_household_erased_meanwhile_leaves_the_waiting_list(phone, team):
    page = phone
    sign_in(page, "tv-an-binh")
    erased, kept = team.households[0], team.households[1]
    page.context.set_offline(True)
    log_visit(page, erased.id, help={"vneid_level1": "done"})
    log_visit(page, kept.id, outcome="Hẹn quay lại")
    assert waiting(page) == 2
    household_erase(household=Household.objects.get(pk=erased.id))

    page.context.set_offline(False)
    sync_now(page)
    wait_synced(page)
    counts = idb_counts(page)
    assert counts["outbox"] == 1  # not waiting, not refused: final, named, until discarded
    assert page.locator("[data-testid=rejected]").count() == 0
    assert page.locator("[data-testid=final][data-reason=erased]").count() == 1
    assert page.locator("[data-testid=nothing-waiting]").count() == 1
    page.goto(f"{page.base}/app/#/")
    page.wait_for_selector("[data-household]")
    assert page.locator(f"[data-household='{erased.id}']").count() == 0
    assert ErasedHousehold.objects.filter(pk=erased.id).exists()
    assert not Household.objects.filter(pk=erased.id).exists()
    assert list(Visit.objects.values_list("household_id", flat=True)) == [kept.id]
    shot(page, "erased-dropped")
    assert page.errors == []


def test_a_password_changed_elsewhere_asks_for_the_new_one_and_keeps_the_queue(phone, team):
    page = phone
    sign_in(page, "tv-an-binh")
    page.context.set_offline(True)
    log_visit(page, team.households[2].id, outcome="Hẹn quay lại")
    member = User.objects.get(pk=team.volunteer.pk)
    member.set_password("mat-khau-moi-2026")
    member.save()  # every sign-in ends, the phone's token with them

    page.context.set_offline(False)
    page.fill("input[name=password-again]", "mat-khau-moi-2026", timeout=15_000)
    assert waiting(page) == 1
    page.get_by_role("button", name="Đăng nhập lại").click()
    page.wait_for_selector("input[name=password-again]", state="detached")
    wait_synced(page)
    assert Visit.objects.get().household_id == team.households[2].id
    assert page.errors == []
