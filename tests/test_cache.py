"""Redis is a cache, never a dependency (backend/cache.py): with it away, every cache call is a quick miss,
the failure is logged once, and the phone API and map pages answer from the database."""

import itertools
import logging
import socket
import threading

import pytest
import redis

from backend.cache import DegradingRedisCache
from core.models import Household, Role
from tests.field_api.sync_helpers import household, visit
from tests.real_services import redis_base, wait_for

_databases = itertools.count(1)


def _unreachable_location() -> str:
    # One Redis "database" per test: the outage state is kept per process and location.
    return f"redis://127.0.0.1:1/{next(_databases)}"


def _cache(location: str, **options) -> DegradingRedisCache:
    return DegradingRedisCache(location, {"OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, **options}})


class HungRedis:
    """Accepts connections and never answers: a hung Redis, or a network that eats the replies."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.listener.getsockname()[1]}/0"

    def _accept(self):
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self):
        self.listener.close()
        for connection in self.accepted:
            connection.close()


def test_unreachable_redis_is_a_miss_and_logged_once(caplog):
    cache = _cache(_unreachable_location())
    with caplog.at_level(logging.WARNING, logger="backend.cache"):
        for _round in range(10):
            assert cache.get("knox-auth:x") is None
            assert cache.get("throttle", []) == []
            assert cache.get_many(["a", "b"]) == {}
            cache.set("a", 1, 30)
            cache.add("b", 1)
            cache.incr("maps:version:commune:51001")
            cache.delete("a")
    warnings = [record for record in caplog.records if record.name == "backend.cache"]
    assert len(warnings) == 1
    assert "unreachable" in warnings[0].getMessage()


def test_a_hung_redis_costs_one_timeout_per_window():
    server = HungRedis()
    try:
        cache = _cache(server.url, SOCKET_TIMEOUT=0.2, RETRY_AFTER_SECONDS=0.5)
        assert cache.get("k") is None
        assert len(server.accepted) == 1
        for _call in range(20):  # inside the window: Redis is not even tried
            assert cache.get("k") is None
            cache.set("k", 1)
        assert len(server.accepted) == 1
        # After the window it is tried again (and times out again).
        assert wait_for(lambda: cache.get("k") is None and len(server.accepted) == 2, seconds=10)
    finally:
        server.close()


@pytest.fixture
def cache_away(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "backend.cache.DegradingRedisCache",
            "LOCATION": _unreachable_location(),
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }


@pytest.mark.django_db(transaction=True)  # on PostgreSQL a pull sees only what has committed
def test_login_push_and_pull_work_with_the_cache_away(cache_away, world, api_client):
    from django.core.management import call_command

    call_command("loaddata", "fixtures/services.json", verbosity=0)
    world.a.users[Role.VOLUNTEER].set_password("mat-khau-dai")
    world.a.users[Role.VOLUNTEER].save()
    login = api_client.post(
        "/api/v1/auth/login/", {"username": "A-tv", "password": "mat-khau-dai"}, format="json"
    )
    assert login.status_code == 200, login.content
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['token']}")
    assert api_client.get("/api/v1/me/").json()["username"] == "A-tv"
    home = household(world.a.village.code)
    push = api_client.post(
        "/api/v1/sync/push/", {"households": [home], "visits": [visit(home["id"])]}, format="json"
    )
    assert push.status_code == 200, push.content
    assert [result["status"] for result in push.json()["results"]] == ["created", "created"]
    assert Household.objects.filter(pk=home["id"]).exists()
    pull = api_client.get("/api/v1/sync/pull/")
    assert pull.status_code == 200
    assert home["id"] in {row["id"] for row in pull.json()["households"]}
    # Every request is a cache miss and still authenticates against the database.
    assert api_client.get("/api/v1/me/").status_code == 200
    assert api_client.post("/api/v1/auth/logout/").status_code == 204
    assert api_client.get("/api/v1/me/").status_code == 401


def test_map_pages_render_with_the_cache_away(cache_away, world, client):
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    for _visit in range(2):  # built each time, nothing to serve from
        page = client.get("/maps/commune/51001/")
        assert page.status_code == 200
        assert "leaflet" in page.content.decode().lower()
    assert client.get("/maps/province/51/").status_code == 200
    assert client.get("/api/v1/coverage/", {"level": "village", "commune": "51001"}).status_code == 200


@pytest.mark.postgres
def test_the_cache_is_used_again_once_redis_answers_again():
    """A real Redis that stops answering for a moment (CLIENT PAUSE): misses meanwhile, then hits."""
    # A database no other test uses: django-redis keeps one connection pool per URL for the whole
    # process, created with the options of whoever asked first (another test's timeouts, or none).
    location = f"{redis_base()}/9"
    admin = redis.Redis.from_url(location)
    admin.flushdb()
    cache = _cache(location, SOCKET_TIMEOUT=0.2, RETRY_AFTER_SECONDS=0.5)
    cache.set("page", "bản đồ", 60)
    assert cache.get("page") == "bản đồ"
    admin.execute_command("CLIENT", "PAUSE", 3000, "ALL")
    assert cache.get("page") is None
    assert wait_for(lambda: cache.get("page") == "bản đồ", seconds=15)
