"""Signing in and out on a phone that may be shared, an expired token, other roles, the language."""

import datetime as dt

import pytest
from django.utils import timezone
from knox.models import AuthToken

from core.models import Visit
from field_api.authentication import token_cache_forget
from tests.phone.screens import PASSWORD, idb_counts, log_visit, shot, sign_in, wait_synced, waiting

pytestmark = [pytest.mark.browser]


def _wait_for(page, predicate, timeout_ms: int = 15_000):
    for _ in range(timeout_ms // 200):
        if predicate():
            return
        page.wait_for_timeout(200)
    raise AssertionError("condition not met in time")


def test_signing_out_with_items_waiting_warns_and_keeps_them_without_the_token(phone, team):
    page = phone
    sign_in(page, "tv-an-binh")
    page.context.set_offline(True)
    log_visit(page, team.households[0].id, help={"vneid_level1": "done"})

    page.goto(f"{page.base}/app/#/me")
    page.get_by_role("button", name="Đăng xuất").click()
    warning = page.locator("[data-testid=signout-warning]")
    assert "Còn 1 mục chưa gửi lên máy chủ" in warning.inner_text()
    shot(page, "signout-warning")
    warning.get_by_role("button", name="Vẫn đăng xuất").click()

    # Back at sign-in: the volunteer's list and token are gone from the phone (issue 22 §1: a shared
    # phone), the visit still waits, under their name.
    page.wait_for_selector("input[name=username]")
    assert "tv-an-binh còn 1 mục chưa gửi" in page.inner_text(".notice")
    counts = idb_counts(page)
    assert (counts["households"], counts["followups"], counts["outbox"], counts["sessions"]) == (0, 0, 1, 1)

    # It goes when they sign in here again, and only then.
    page.context.set_offline(False)
    page.wait_for_timeout(1000)
    assert not Visit.objects.exists()
    sign_in(page, "tv-an-binh")
    _wait_for(page, lambda: idb_counts(page)["outbox"] == 0)
    assert Visit.objects.filter(volunteer=team.volunteer).count() == 1
    page.goto(f"{page.base}/app/#/me")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_selector("input[name=username]")
    _wait_for(page, lambda: idb_counts(page)["sessions"] == 0)
    assert page.locator(".notice").count() == 0
    assert page.errors == []


def test_expired_token_asks_for_the_password_and_keeps_the_queue(phone, team):
    page = phone
    sign_in(page, "tv-an-binh")
    page.context.set_offline(True)
    log_visit(page, team.households[1].id, outcome="Hẹn quay lại")
    tokens = AuthToken.objects.filter(user=team.volunteer)
    token_cache_forget(token_keys=list(tokens.values_list("token_key", flat=True)))
    tokens.update(expiry=timezone.now() - dt.timedelta(minutes=1))

    page.context.set_offline(False)
    page.fill("input[name=password-again]", PASSWORD, timeout=15_000)
    assert waiting(page) == 1
    shot(page, "password-again")
    page.get_by_role("button", name="Đăng nhập lại").click()
    page.wait_for_selector("input[name=password-again]", state="detached")
    wait_synced(page)
    assert Visit.objects.get().outcome == "come_back"


def test_other_roles_are_told_where_to_go_in_the_language_chosen(phone, team):
    page = phone
    page.goto(f"{page.base}/app/")
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Log in").wait_for()
    page.reload()  # the choice stays on the device
    page.get_by_role("button", name="Log in").wait_for()
    sign_in(page, "tinh-51", expect_list=False)
    page.get_by_text("This app is for team members, team leaders and commune leaders").wait_for()
    shot(page, "role-refused-en")
    _wait_for(page, lambda: not AuthToken.objects.filter(user=team.officer).exists())

    page.get_by_role("button", name="Tiếng Việt").click()
    page.get_by_role("button", name="Đăng nhập").wait_for()
    sign_in(page, "tv-an-binh")
    assert page.errors == []
