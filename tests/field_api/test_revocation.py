"""Revocation reaches the API on the next request, although token lookups are cached (issue 9, item 8).

Each test first makes a request so the lookup is cached, changes something the way a person would
(the admin, a service, a plain save), then proves the very next request sees the change.
"""

from django.core.cache import cache
from knox.models import AuthToken

from core.models import Role
from field_api.authentication import _token_cache_key
from tests import factories

ME = "/api/v1/me/"


def _signed_in(api_client, username: str) -> str:
    token = api_client.post(
        "/api/v1/auth/login/", {"username": username, "password": "mat-khau-123"}, format="json"
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get(ME).status_code == 200
    assert cache.get(_token_cache_key(token)) is not None  # the next request is served from the cache
    return token


def test_the_cache_holds_no_user_object(world, api_client):
    token = _signed_in(api_client, "A-tv")
    entry = cache.get(_token_cache_key(token))
    assert set(entry) == {"token_key", "user_id", "expiry"}


def test_deactivating_a_user_takes_effect_on_the_next_request(world, api_client):
    _signed_in(api_client, "A-tv")
    user = world.a.users[Role.VOLUNTEER]
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = api_client.get(ME)
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "errors"}


def test_deleting_a_token_in_the_admin_takes_effect_on_the_next_request(world, api_client, client):
    token = _signed_in(api_client, "A-tv")
    admin = factories.UserFactory(username="sieu", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    digest = AuthToken.objects.get(token_key=token[:15]).digest
    response = client.post(f"/admin/knox/authtoken/{digest}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AuthToken.objects.filter(digest=digest).exists()
    assert cache.get(_token_cache_key(token)) is None
    assert api_client.get(ME).status_code == 401


def test_deleting_tokens_in_bulk_evicts_each(world, api_client):
    _signed_in(api_client, "A-tv")
    AuthToken.objects.filter(user=world.a.users[Role.VOLUNTEER]).delete()
    assert api_client.get(ME).status_code == 401


def test_changing_a_role_takes_effect_on_the_next_request(world, api_client):
    _signed_in(api_client, "A-tt")
    user = world.a.users[Role.TEAM_LEADER]
    user.role, user.team, user.commune = Role.COMMUNE_LEADER, None, world.a.commune
    user.save()
    body = api_client.get(ME).json()
    assert body["role"] == "commune_leader"
    assert body["villages"] == ["51001-01", "51001-02"]


def test_changing_a_team_takes_effect_on_the_next_request(world, api_client):
    _signed_in(api_client, "A-tv")
    other_team = factories.TeamFactory(commune=world.a.commune, name="Tổ khác")
    world.a.other_village.team = other_team
    world.a.other_village.save()
    user = world.a.users[Role.VOLUNTEER]
    user.team = other_team
    user.save()
    assert api_client.get(ME).json()["villages"] == ["51001-02"]
    # and the scope follows: the old team's village is out of reach for pulls
    pulled = api_client.get("/api/v1/sync/pull/").json()
    assert pulled["households"] == []


def test_session_logout_is_204_not_500(world, client):
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    response = client.post("/api/v1/auth/logout/")
    assert response.status_code == 204
    assert client.get(ME).status_code in (401, 403)


def test_session_logoutall_is_204(world, client):
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    response = client.post("/api/v1/auth/logoutall/")
    assert response.status_code == 204
