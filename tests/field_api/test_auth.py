import datetime as dt

import pytest
from django.utils import timezone
from knox.models import AuthToken

from core.models import Role
from tests import factories

LOGIN = "/api/v1/auth/login/"


def _login(client, username, password="mat-khau-123", **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra}, format="json")


def test_login_returns_token_expiry_and_me(world, api_client):
    response = _login(api_client, "A-tv", device_name="Điện thoại của Lan")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry", "user", "password_change_required"}
    assert body["password_change_required"] is False  # their own password
    assert body["user"] == {
        "id": world.a.users[Role.VOLUNTEER].id,
        "username": "A-tv",
        "full_name": world.a.users[Role.VOLUNTEER].full_name,
        "role": "volunteer",
        "province": "51",
        "commune": "51001",
        "team": world.a.team.id,
        "villages": ["51001-01"],
    }
    expiry = dt.datetime.fromisoformat(body["expiry"])
    assert (
        timezone.now() + dt.timedelta(days=29) < expiry <= timezone.now() + dt.timedelta(days=30, minutes=1)
    )


def test_token_authenticates_me(world, api_client):
    token = _login(api_client, "A-tv").json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["villages"] == ["51001-01"]


def test_wrong_password_is_400_naming_the_problem(world, api_client):
    response = _login(api_client, "A-tv", password="sai-mat-khau")
    assert response.status_code == 400
    body = response.json()
    assert "non_field_errors" in body["errors"]
    assert "mật khẩu" in body["errors"]["non_field_errors"][0]


def test_missing_fields_are_named(api_client, db):
    response = api_client.post(LOGIN, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"username", "password"}


def test_login_is_throttled(world, api_client, monkeypatch):
    from backend.logins import LoginRateThrottle

    # DRF reads the rates into a class attribute at import; patch it where it is read.
    monkeypatch.setattr(LoginRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    codes = [_login(api_client, "A-tv", password="sai").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    assert "detail" in _login(api_client, "A-tv").json()


def test_logout_ends_only_this_token(world, api_client):
    first = _login(api_client, "A-tv").json()["token"]
    second = _login(api_client, "A-tv").json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api_client.get("/api/v1/me/").status_code == 200  # now cached
    assert api_client.post("/api/v1/auth/logout/").status_code == 204
    assert api_client.get("/api/v1/me/").status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api_client.get("/api/v1/me/").status_code == 200


def test_logoutall_ends_every_token(world, api_client):
    tokens = [_login(api_client, "A-tv").json()["token"] for _ in range(3)]
    for token in tokens:
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api_client.get("/api/v1/me/").status_code == 200
    assert api_client.post("/api/v1/auth/logoutall/").status_code == 204
    for token in tokens:
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api_client.get("/api/v1/me/").status_code == 401
    assert AuthToken.objects.filter(user=world.a.users[Role.VOLUNTEER]).count() == 0


def test_expired_token_is_refused_even_when_cached(world, api_client):
    from django.core.cache import cache

    from field_api.authentication import _token_cache_key

    token = _login(api_client, "A-tv").json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/me/").status_code == 200
    # Time passes beyond the expiry: both the stored token and the cached copy say so.
    past = timezone.now() - dt.timedelta(seconds=1)
    AuthToken.objects.update(expiry=past)
    cached = cache.get(_token_cache_key(token))
    assert cached is not None
    cache.set(_token_cache_key(token), {**cached, "expiry": past})
    assert api_client.get("/api/v1/me/").status_code == 401


def test_token_ttl_is_configurable(world, api_client, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": dt.timedelta(days=2)}
    body = _login(api_client, "A-tv").json()
    expiry = dt.datetime.fromisoformat(body["expiry"])
    assert expiry <= timezone.now() + dt.timedelta(days=2, minutes=1)


def test_unauthenticated_is_401_json(api_client, db):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize("role", [Role.COMMUNE_LEADER, Role.PROVINCE_OFFICER, Role.ADMIN])
def test_me_for_non_field_roles(world, client_for, role):
    user = world.admin if role == Role.ADMIN else world.a.users[role]
    body = client_for(user).get("/api/v1/me/").json()
    assert body["role"] == role
    if role == Role.COMMUNE_LEADER:
        assert body["villages"] == ["51001-01", "51001-02"]
    else:
        assert body["villages"] == []


def test_member_without_team_cannot_be_a_volunteer(db):
    from django.core.exceptions import ValidationError

    user = factories.UserFactory.build(username="x", role=Role.VOLUNTEER)
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert "team" in error.value.message_dict
