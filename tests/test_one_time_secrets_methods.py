"""Only the request that delivers a one-time secret may spend it (issue 19, tester's follow-up §1).

Every view that hands out a secret shown once (a sheet's passwords file, a new member's password, a reset
one, an IOC feed key) is tried with every other HTTP method first: HEAD (a link preview, a proxy's probe),
GET of a POST-only page, OPTIONS, PUT, PATCH, DELETE. None of them spends the secret (nothing created, no
password changed, the file still downloadable), and the real request afterwards still gets it.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.models import Role, User
from ioc.models import FeedKey
from onboarding.models import ImportJob
from tests import factories
from tests.onboarding.sheets import GOOD_MEMBERS, area, members_workbook

pytestmark = pytest.mark.django_db

METHODS = ["head", "get", "post", "options", "put", "patch", "delete"]


@dataclass
class SecretView:
    url: str
    method: str  # the one request that delivers (and spends) the secret
    data: dict
    spent: Callable[[], bool]
    browser: Client


def _passwords_file(request) -> SecretView:
    capture = request.getfixturevalue("django_capture_on_commit_callbacks")
    request.getfixturevalue("db")
    browser = Client()
    browser.force_login(factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=area()))
    upload = browser.post(
        "/setup/imports/members/new/", {"file": SimpleUploadedFile("ds.xlsx", members_workbook(GOOD_MEMBERS))}
    )
    job = ImportJob.objects.get(pk=upload["Location"].rstrip("/").split("/")[-1])
    with capture(execute=True):
        browser.post(f"/setup/imports/{job.pk}/mapping/", {f"column-{i}": n for i, n in job.mapping.items()})
    with capture(execute=True):
        browser.post(f"/setup/imports/{job.pk}/confirm/")

    def spent() -> bool:
        job.refresh_from_db()
        return job.passwords_downloaded_at is not None

    return SecretView(f"/setup/imports/{job.pk}/passwords.xlsx", "get", {}, spent, browser)


def _passwords_slips(request) -> SecretView:
    """The same passwords as printable slips (issue 23 §5): spent by the GET that shows them."""
    secret = _passwords_file(request)
    return SecretView(secret.url.replace("passwords.xlsx", "slips/"), "get", {}, secret.spent, secret.browser)


def _leader(world) -> Client:
    browser = Client()
    browser.force_login(world.a.users[Role.COMMUNE_LEADER])
    return browser


def _member_add(request) -> SecretView:
    world = request.getfixturevalue("world")
    data = {
        "new-member-full_name": "Nguyễn Văn Mới",
        "new-member-phone": "",
        "new-member-role": Role.VOLUNTEER,
        "new-member-team": world.a.team.pk,
    }
    before = User.objects.count()
    return SecretView(
        f"/setup/communes/{world.a.commune.code}/members/",
        "post",
        data,
        lambda: User.objects.count() != before,
        _leader(world),
    )


def _member_password(request) -> SecretView:
    world = request.getfixturevalue("world")
    member = world.a.users[Role.VOLUNTEER]
    before = member.password

    def spent() -> bool:
        member.refresh_from_db()
        return member.password != before

    return SecretView(
        f"/setup/communes/{world.a.commune.code}/members/{member.pk}/password/",
        "post",
        {},
        spent,
        _leader(world),
    )


def _ioc_key(request) -> SecretView:
    request.getfixturevalue("world")
    browser = Client()
    browser.force_login(
        factories.UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    )
    return SecretView(
        "/admin/ioc/feedkey/add/",
        "post",
        {"name": "IOC tỉnh A", "province": "51"},
        lambda: FeedKey.objects.exists(),
        browser,
    )


SECRET_VIEWS = {
    "passwords file": _passwords_file,
    "passwords slips": _passwords_slips,
    "new member": _member_add,
    "password reset": _member_password,
    "IOC feed key": _ioc_key,
}


@pytest.mark.parametrize("view", SECRET_VIEWS)
def test_no_other_method_spends_a_one_time_secret(request, view):
    secret = SECRET_VIEWS[view](request)
    for method in METHODS:
        if method == secret.method:
            continue
        response = getattr(secret.browser, method)(secret.url)
        assert response.status_code < 500, (method, response.status_code)
        assert not secret.spent(), f"{method.upper()} spent the secret of {view}"
    delivered = getattr(secret.browser, secret.method)(secret.url, secret.data)
    assert delivered.status_code in (200, 201, 302), delivered.status_code  # 302: then the GET shows it
    assert secret.spent()


def test_head_then_get_still_gets_the_passwords_file(request):
    secret = _passwords_file(request)
    assert secret.browser.head(secret.url).status_code == 405
    download = secret.browser.get(secret.url)
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert secret.browser.get(secret.url).status_code in (404, 410)  # and then it is spent
