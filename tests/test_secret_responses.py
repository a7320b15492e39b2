"""Every response that carries a secret is never stored by a browser or a proxy (issue 19 §4):
``Cache-Control`` says ``no-store`` and ``private``. The secrets: a new member's one-time password, a
reset one, a sheet's passwords file and the cookie its passwords are derived from, an IOC feed key, a
phone's token."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from core.models import Role, User
from onboarding.models import ImportJob
from tests import factories
from tests.onboarding.sheets import GOOD_MEMBERS, area, members_workbook

pytestmark = pytest.mark.django_db


def assert_never_stored(response) -> None:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, response.get("Cache-Control")


def _leader(world) -> Client:
    browser = Client()
    browser.force_login(world.a.users[Role.COMMUNE_LEADER])
    return browser


def test_the_page_after_add_member_shows_the_password_and_is_never_stored(world):
    browser = _leader(world)
    created = browser.post(
        f"/setup/communes/{world.a.commune.code}/members/",
        {
            "new-member-full_name": "Nguyễn Văn Mới",
            "new-member-phone": "",
            "new-member-role": Role.VOLUNTEER,
            "new-member-team": world.a.team.pk,
        },
    )
    assert created.status_code == 302  # POST-redirect-GET: the redirect carries the secret's cookie
    assert_never_stored(created)
    response = browser.get(created["Location"])
    password = response.context["one_time"]["password"]
    assert password in response.content.decode()
    assert_never_stored(response)


def test_the_reset_password_page_is_never_stored(world):
    member = world.a.users[Role.VOLUNTEER]
    browser = _leader(world)
    url = f"/setup/communes/{world.a.commune.code}/members/{member.pk}/password/"
    reset = browser.post(url)
    assert reset.status_code == 302
    assert_never_stored(reset)
    response = browser.get(url)
    assert response.status_code == 200 and response.context["one_time"]["password"]
    assert_never_stored(response)
    assert_never_stored(browser.get(url + "?print=1"))


def test_the_passwords_file_and_its_secret_cookie_are_never_stored(db, django_capture_on_commit_callbacks):
    commune = area()
    browser = Client()
    browser.force_login(factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=commune))
    upload = browser.post(
        "/setup/imports/members/new/", {"file": SimpleUploadedFile("ds.xlsx", members_workbook(GOOD_MEMBERS))}
    )
    job = ImportJob.objects.get(pk=upload["Location"].rstrip("/").split("/")[-1])
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(f"/setup/imports/{job.pk}/mapping/", {f"column-{i}": n for i, n in job.mapping.items()})
    with django_capture_on_commit_callbacks(execute=True):
        confirm = browser.post(f"/setup/imports/{job.pk}/confirm/")
    assert confirm.status_code == 302 and confirm.cookies  # the secret travels in this answer's cookie
    assert_never_stored(confirm)
    download = browser.get(f"/setup/imports/{job.pk}/passwords.xlsx")
    assert download.status_code == 200 and User.objects.filter(username="lan.nt").exists()
    assert_never_stored(download)


def test_the_page_showing_a_new_ioc_key_is_never_stored(world):
    browser = Client()
    browser.force_login(
        factories.UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    )
    response = browser.post("/admin/ioc/feedkey/add/", {"name": "IOC tỉnh A", "province": "51"})
    assert response.status_code == 200 and response.context["key"] in response.content.decode()
    assert_never_stored(response)


def test_the_login_answer_carrying_a_token_is_never_stored(world):
    response = APIClient().post(
        "/api/v1/auth/login/", {"username": "A-tv", "password": "mat-khau-123"}, format="json"
    )
    assert response.status_code == 200 and response.json()["token"]
    assert_never_stored(response)
