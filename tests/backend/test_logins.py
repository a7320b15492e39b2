"""Logins: the client's address behind the proxy, lockout per (account, address), a per-address flood
limit on every login form, and the same words for unknown, wrong and inactive accounts (item 3)."""

import re

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import BaseThrottle

from backend.logins import LoginRateThrottle, client_ip
from core.models import Role
from tests import factories

API = "/api/v1/auth/login/"
PAGE = "/accounts/login/"
ADMIN = "/admin/login/"
PASSWORD = "mat-khau-123"


@pytest.fixture
def lockout_after_three(settings):
    settings.AXES_FAILURE_LIMIT = 3


def _api_login(username, password, *, ip="10.0.0.1", client=None, **headers):
    client = client or APIClient()
    return client.post(
        API, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip, **headers
    )


def _form_login(client, url, username, password, *, ip="10.0.0.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "", "10.9.9.9"),
        (0, "1.1.1.1", "10.9.9.9"),  # nothing trusted: what a client writes is ignored
        (1, "", "10.9.9.9"),
        (1, "203.0.113.7", "203.0.113.7"),  # one proxy appended the real address
        (1, "1.1.1.1, 203.0.113.7", "203.0.113.7"),  # a client-written entry before it is ignored
        (2, "1.1.1.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (3, "203.0.113.7", "203.0.113.7"),  # a header shorter than the chain: its first entry
        (2, "", "10.9.9.9"),
        (2, "198.51.100.4, 203.0.113.7", "198.51.100.4"),
        (1, "1.1.1.1, 198.51.100.4, 203.0.113.7", "203.0.113.7"),
        (2, "1.1.1.1, 198.51.100.4, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "1.1.1.1, 2001:db8::7", "2001:db8::7"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}
    request = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=forwarded)
    if not forwarded:
        del request.META["HTTP_X_FORWARDED_FOR"]
    assert client_ip(request) == expected
    assert BaseThrottle().get_ident(request) == expected  # DRF's throttles see the same address


def test_a_forged_forwarded_for_does_not_walk_around_the_address_limit(world, monkeypatch):
    monkeypatch.setattr(LoginRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    codes = [_api_login("A-tv", "sai", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(5)]
    assert codes == [400, 400, 400, 429, 429]


def test_behind_a_proxy_each_client_has_its_own_address_limit(world, monkeypatch, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    monkeypatch.setattr(LoginRateThrottle, "THROTTLE_RATES", {"login": "2/min"})
    proxy = "172.16.0.1"
    first = [
        _api_login("A-tv", "sai", ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code for _ in range(3)
    ]
    other = _api_login("A-tv", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert first == [400, 400, 429]
    assert other.status_code == 200


def test_api_locks_out_an_account_from_one_address_only(world, lockout_after_three):
    # the third failure is the last one: it is answered with the lockout
    assert [_api_login("A-tv", "sai").status_code for _ in range(3)] == [400, 400, 429]
    locked = _api_login("A-tv", PASSWORD)  # even the right password, until the cool-off ends
    assert locked.status_code == 429
    body = locked.json()
    assert set(body) == {"detail", "errors"} and "thử lại sau 15 phút" in body["detail"]
    assert int(locked["Retry-After"]) == 15 * 60
    # the same account from another address, and another account from the same address, still sign in
    assert _api_login("A-tv", PASSWORD, ip="10.0.0.2").status_code == 200
    assert _api_login("A-tt", PASSWORD).status_code == 200
    attempt = AccessAttempt.objects.get(username="A-tv", ip_address="10.0.0.1")  # in the database
    assert attempt.failures_since_start >= 3


def test_lockout_words_do_not_tell_whether_the_account_exists(world, lockout_after_three):
    for username in ("A-tv", "khong-ai-ca"):
        for _ in range(3):
            _api_login(username, "sai")
    existing, unknown = _api_login("A-tv", PASSWORD), _api_login("khong-ai-ca", PASSWORD)
    assert existing.status_code == unknown.status_code == 429
    assert existing.json() == unknown.json()


def test_a_training_session_behind_one_router_is_not_locked_out(world):
    team = world.a.team
    users = [
        factories.UserFactory(username=f"hoc-vien-{n}", role=Role.VOLUNTEER, team=team) for n in range(25)
    ]
    for user in users:  # everyone mistypes once, then signs in, all from the commune hall's address
        assert _api_login(user.username, "sai", ip="100.64.0.1").status_code == 400
        assert _api_login(user.username, PASSWORD, ip="100.64.0.1").status_code == 200


@pytest.mark.parametrize("url", [PAGE, ADMIN])
def test_browser_forms_lock_out_with_a_vietnamese_page(world, client, lockout_after_three, url):
    admin = factories.UserFactory(username="quan-tri-2", role=Role.ADMIN, is_staff=True, is_superuser=True)
    # the form again after each failure, the lockout page at the third
    assert [_form_login(client, url, admin.username, "sai").status_code for _ in range(3)] == [200, 200, 429]
    locked = _form_login(client, url, admin.username, PASSWORD)
    assert locked.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert _form_login(client, url, admin.username, PASSWORD, ip="10.0.0.2").status_code == 302


def test_one_address_limit_across_every_login_form(world, client, monkeypatch):
    monkeypatch.setattr(LoginRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    assert _form_login(client, PAGE, "A-tv", "sai").status_code == 200
    assert _form_login(client, ADMIN, "A-tv", "sai").status_code == 200
    assert _api_login("A-tv", "sai").status_code == 400
    page = _form_login(client, PAGE, "A-tv", PASSWORD)
    assert page.status_code == 429 and "Quá nhiều lần đăng nhập" in page.content.decode()
    assert _form_login(client, ADMIN, "A-tv", PASSWORD).status_code == 429
    api = _api_login("A-tv", PASSWORD)
    assert api.status_code == 429 and set(api.json()) == {"detail", "errors"}
    assert client.get(PAGE).status_code == 200  # reading the form is not an attempt


def _inactive(world):
    user = world.a.users[Role.VOLUNTEER]
    user.is_active = False
    user.save()
    return user


def test_api_words_are_the_same_for_unknown_wrong_and_inactive(world):
    unknown = _api_login("khong-ai-ca", PASSWORD)
    wrong = _api_login("A-tt", "sai")
    inactive = _api_login(_inactive(world).username, PASSWORD)
    assert unknown.status_code == wrong.status_code == inactive.status_code == 400
    assert unknown.json() == wrong.json() == inactive.json()


def _form_error(response) -> str:
    html = response.content.decode()
    found = re.search(r'<p class="error(?:note)?">(.*?)</p>', html, flags=re.S)
    assert found, html[:2000]
    return found.group(1).strip()


@pytest.mark.parametrize("url", [PAGE, ADMIN])
def test_browser_words_are_the_same_for_unknown_wrong_and_inactive(world, client, url):
    staff = factories.UserFactory(username="nhan-vien", role=Role.ADMIN, is_staff=True)
    sleeper = factories.UserFactory(username="nghi-viec", role=Role.ADMIN, is_staff=True, is_active=False)
    unknown = _form_error(_form_login(client, url, "khong-ai-ca", PASSWORD))
    wrong = _form_error(_form_login(client, url, staff.username, "sai"))
    inactive = _form_error(_form_login(client, url, sleeper.username, PASSWORD))
    assert unknown == wrong == inactive


def test_logins_work_and_lockouts_hold_with_the_cache_unreachable(world, settings, lockout_after_three):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    assert _api_login("A-tt", PASSWORD).status_code == 200
    assert [_api_login("A-tv", "sai").status_code for _ in range(3)] == [400, 400, 429]
    assert _api_login("A-tv", PASSWORD).status_code == 429
