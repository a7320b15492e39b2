"""Issue 23 §5: one-time passwords that are one-time.

A member whose password was handed out (a sheet's import, a leader's reset or new member form) sets their
own at the first sign-in: every web page sends them to the change page until it is done, and the phone
API's login says ``password_change_required``. New members' passwords come as printable slips by commune
and team, once. Reloading the reset (or add) page shows the same password again, never a new one.
"""

import re

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from knox.models import AuthToken

from core.models import Role, User
from tests import factories
from tests.onboarding.sheets import GOOD_MEMBERS, area, members_workbook
from tests.onboarding.test_passwords_download import _imported

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login/"
CHANGE = "/accounts/password/"


@pytest.fixture
def commune(db):
    return area()


@pytest.fixture
def leader(commune):
    return factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=commune)


@pytest.fixture
def leader_client(client, leader):
    client.force_login(leader)
    return client


def _slips(page: str) -> dict[str, str]:
    usernames = re.findall(r'class="slip-username">([^<]+)<', page)
    passwords = re.findall(r'class="slip-password">([^<]+)<', page)
    return dict(zip(usernames, passwords, strict=True))


def _shown_password(response) -> str:
    return re.search(r'id="one-time-password">([^<]+)<', response.content.decode()).group(1)


def test_imported_members_get_slips_by_commune_and_team_once(
    leader_client, commune, django_capture_on_commit_callbacks
):
    job = _imported(leader_client, members_workbook(GOOD_MEMBERS), django_capture_on_commit_callbacks)
    page = leader_client.get(f"/setup/imports/{job.pk}/")
    assert 'id="slips-link"' in page.content.decode()
    slips = leader_client.get(f"/setup/imports/{job.pk}/slips/")
    assert slips.status_code == 200 and "no-store" in slips["Cache-Control"]
    body = slips.content.decode()
    passwords = _slips(body)
    assert set(passwords) == {"lan.nt", "hung.tv", "mai.lt", "bao.pq"}
    for username, password in passwords.items():
        member = User.objects.get(username=username)
        assert member.password_change_required and check_password(password, member.password)
    # One group per commune and team, each printed on its own pages.
    assert "Phường Cẩm Thành · Tổ CNSCĐ Phú Lộc" in body and "Phường Cẩm Thành · Tổ CNSCĐ Thôn 2" in body
    assert body.index("Tổ CNSCĐ Phú Lộc</h2>") < body.index("lan.nt")
    # Once: neither the slips nor the file again (the secret's cookie went with the answer).
    assert leader_client.get(f"/setup/imports/{job.pk}/slips/").status_code in (404, 410)
    assert leader_client.get(f"/setup/imports/{job.pk}/passwords.xlsx").status_code in (404, 410)


def test_a_handed_out_password_must_be_changed_at_the_first_web_sign_in(
    client, leader_client, commune, django_capture_on_commit_callbacks
):
    job = _imported(leader_client, members_workbook(GOOD_MEMBERS), django_capture_on_commit_callbacks)
    password = _slips(leader_client.get(f"/setup/imports/{job.pk}/slips/").content.decode())["lan.nt"]
    client.logout()
    signed_in = client.post("/accounts/login/", {"username": "lan.nt", "password": password, "next": "/"})
    assert signed_in.status_code == 302
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == f"{CHANGE}?next=%2F"
    assert client.get("/setup/").status_code == 302  # every page, until it is done
    assert client.post("/setup/communes/21025/villages/", {}).status_code == 302
    page = client.get(CHANGE)
    assert page.status_code == 200 and 'id="change-required"' in page.content.decode()
    assert "old_password" not in page.content.decode()  # just signed in with it

    mismatch = client.post(CHANGE, {"password": "dong-lua-2026", "password_again": "dong-lua-2025"})
    assert mismatch.status_code == 400 and "không khớp" in mismatch.content.decode()
    common = client.post(CHANGE, {"password": "password", "password_again": "password"})
    assert common.status_code == 400
    same = client.post(CHANGE, {"password": password, "password_again": password})
    assert same.status_code == 400 and "phải khác mật khẩu được cấp" in same.content.decode()
    lan = User.objects.get(username="lan.nt")
    AuthToken.objects.create(lan)  # a phone signed in with the handed-out password
    done = client.post(CHANGE, {"password": "dong-lua-2026", "password_again": "dong-lua-2026", "next": "/"})
    assert done.status_code == 302 and done["Location"] == "/"
    lan.refresh_from_db()
    assert not lan.password_change_required and lan.check_password("dong-lua-2026")
    assert not AuthToken.objects.filter(user=lan).exists()  # the old password's sign-ins end
    home = client.get("/")
    assert not home.get("Location", "").startswith(CHANGE)
    assert client.get(CHANGE).status_code == 200  # this browser stays signed in


def test_the_phone_login_says_a_change_is_required(api_client, commune):
    team = factories.TeamFactory(commune=commune)
    member = factories.UserFactory(username="tv-1", role=Role.VOLUNTEER, team=team)
    from core.services.members import member_password_change, member_reset_password

    password = member_reset_password(member=member)
    body = api_client.post(LOGIN, {"username": "tv-1", "password": password}, format="json").json()
    assert body["password_change_required"] is True and body["token"]
    member.refresh_from_db()
    member_password_change(member=member, password="dong-lua-2026")
    body = api_client.post(LOGIN, {"username": "tv-1", "password": "dong-lua-2026"}, format="json").json()
    assert body["password_change_required"] is False


def test_a_voluntary_change_asks_for_the_current_password(client, commune):
    member = factories.UserFactory(
        username="tv-2", role=Role.VOLUNTEER, team=factories.TeamFactory(commune=commune)
    )
    client.force_login(member)
    assert not client.get("/").get("Location", "").startswith(CHANGE)  # their own password: no detour
    wrong = client.post(
        CHANGE, {"old_password": "sai", "password": "dong-lua-2026", "password_again": "dong-lua-2026"}
    )
    assert wrong.status_code == 400 and "Mật khẩu hiện tại không đúng" in wrong.content.decode()
    right = client.post(
        CHANGE,
        {"old_password": "mat-khau-123", "password": "dong-lua-2026", "password_again": "dong-lua-2026"},
    )
    assert right.status_code == 302
    member.refresh_from_db()
    assert member.check_password("dong-lua-2026")


def test_reloading_the_reset_page_shows_the_same_password_and_issues_none(leader_client, commune):
    team = factories.TeamFactory(commune=commune)
    member = factories.UserFactory(username="tv-3", full_name="Đỗ Thị Hà", role=Role.VOLUNTEER, team=team)
    url = f"/setup/communes/{commune.code}/members/{member.pk}/password/"
    reset = leader_client.post(url)
    assert reset.status_code == 302 and reset["Location"] == url
    member.refresh_from_db()
    hashed = member.password
    first = leader_client.get(url)
    assert first.status_code == 200 and "no-store" in first["Cache-Control"]
    password = _shown_password(first)
    again = leader_client.get(url)  # the reload
    assert _shown_password(again) == password
    member.refresh_from_db()
    assert member.password == hashed and member.password_change_required
    assert check_password(password, member.password)
    slip = leader_client.get(url + "?print=1").content.decode()
    assert _slips(slip) == {"tv-3": password} and "Đỗ Thị Hà" in slip

    # Someone else's browser (no secret) sees no password; neither does anyone once the member chose theirs.
    other = factories.UserFactory(username="xa-21025-b", role=Role.COMMUNE_LEADER, commune=commune)
    browser = Client()
    browser.force_login(other)
    elsewhere = browser.get(url).content.decode()
    assert 'id="one-time-password"' not in elsewhere and "không còn hiển thị" in elsewhere
    from core.services.members import member_password_change

    member_password_change(member=member, password="dong-lua-2026")
    after = leader_client.get(url).content.decode()
    assert 'id="one-time-password"' not in after and "không còn hiển thị" in after


def test_reloading_after_adding_a_member_shows_the_password_and_adds_no_one(leader_client, commune):
    team = factories.TeamFactory(commune=commune)
    added = leader_client.post(
        f"/setup/communes/{commune.code}/members/",
        {"new-member-full_name": "Võ Văn Tèo", "new-member-role": Role.VOLUNTEER, "new-member-team": team.pk},
    )
    assert added.status_code == 302
    member = User.objects.get(full_name="Võ Văn Tèo")
    password = _shown_password(leader_client.get(added["Location"]))
    assert _shown_password(leader_client.get(added["Location"])) == password
    assert User.objects.filter(full_name="Võ Văn Tèo").count() == 1
    member.refresh_from_db()
    assert member.password_change_required and member.check_password(password)
