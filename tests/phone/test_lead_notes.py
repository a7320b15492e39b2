"""Issue 22 §1, the leader's side: the note a volunteer handed over reaches the team leader on the phone,
stays readable offline, and is marked handled there (offline too; the mark goes with the next sync)."""

import re

import pytest

from core.models import Handoff, Household, Role
from core.services.households import household_erase
from tests import factories
from tests.phone.screens import log_visit, shot, sign_in, sync_now

pytestmark = [pytest.mark.browser]

FULL_TIME = re.compile(r"\b\d{2}/\d{2}/\d{4} \d{2}:\d{2}\b")


def _hand_over(page, team) -> None:
    """The volunteer: a visit to a household erased meanwhile, handed to the team leader with a note."""
    sign_in(page, "tv-an-binh")
    erased = team.households[0]
    page.context.set_offline(True)
    log_visit(page, erased.id, outcome="Không có nhà")
    household_erase(household=Household.objects.get(pk=erased.id))
    page.context.set_offline(False)
    sync_now(page)
    card = page.locator("[data-testid=final]:has-text('Nhà số 1')")
    card.wait_for(timeout=15_000)
    assert "Chuyển cho tổ trưởng" in card.locator("p.small").first.inner_text()
    card.get_by_role("button", name="Chuyển cho tổ trưởng").click()
    form = card.locator("[data-testid=handoff-form]")
    form.locator("textarea").fill("Nhà đã bán, cả nhà chuyển lên phường.\n<i>chữ</i>")
    form.get_by_role("button", name="Gửi cho tổ trưởng").click()
    sync_now(page)
    card.wait_for(state="detached", timeout=15_000)
    assert Handoff.objects.count() == 1
    page.goto(f"{page.base}/app/#/me")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_selector("input[name=username]")


def test_the_team_leader_reads_a_handed_over_note_offline_and_marks_it_handled(phone, team):
    page = phone
    leader = factories.UserFactory(
        username="tt-to-1", role=Role.TEAM_LEADER, team=team.team, full_name="Phan Văn Tổ"
    )
    _hand_over(page, team)

    sign_in(page, "tt-to-1")
    page.locator("[data-testid=tab-notes]").wait_for(timeout=15_000)
    assert page.locator("[data-testid=tab-notes]").inner_text() == "1"
    page.goto(f"{page.base}/app/#/sync")
    note = page.locator("[data-testid=lead-note]")
    note.wait_for()
    assert page.locator("[data-testid=notes-unhandled]").inner_text() == "1"
    text = note.inner_text()
    for seen in ("Nhà số 1", "Không có nhà", "Lê Thị Mai", "Nhà đã bán", "<i>chữ</i>", "xoá"):
        assert seen in text, seen
    assert FULL_TIME.search(text)
    assert note.locator("i").count() == 0  # the volunteer's words are text, never markup
    note.get_by_role("button", name="Đã xử lý").scroll_into_view_if_needed()
    shot(page, "lead-notes-online")

    # No network, the app opened again: the note is read from the phone.
    page.context.set_offline(True)
    page.reload()
    note.wait_for(timeout=15_000)
    page.locator("[data-testid=notes-cached]").wait_for()
    assert "Nhà đã bán" in note.inner_text()
    note.get_by_role("button", name="Đã xử lý").click()
    note.locator("[data-testid=note-handled-waiting]").wait_for()
    assert page.locator("[data-testid=notes-unhandled]").count() == 0
    assert page.locator("[data-testid=tab-notes]").count() == 0
    page.locator("[data-testid=lead-notes]").scroll_into_view_if_needed()
    shot(page, "lead-notes-offline-handled")
    assert Handoff.objects.get().handled_at is None
    page.reload()  # the mark is kept on the phone until it is sent
    note.locator("[data-testid=note-handled-waiting]").wait_for(timeout=15_000)

    page.context.set_offline(False)
    sync_now(page)
    note.locator("[data-testid=note-handled]").wait_for(timeout=15_000)
    assert FULL_TIME.search(note.locator("[data-testid=note-handled]").inner_text())
    stored = Handoff.objects.get()
    assert stored.handled_at is not None and stored.handled_by == leader
    note.locator("[data-testid=note-handled]").scroll_into_view_if_needed()
    shot(page, "lead-notes-handled")
    assert page.errors == []
