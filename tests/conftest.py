"""Shared fixtures. ``world`` is a small two-province map with one user per role on each side, so every
scope rule can be checked in and out of scope."""

import os
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation
from rest_framework.test import APIClient

from core.models import Role
from tests import factories


def pytest_terminal_summary(terminalreporter):
    # faketime (make test's SQLite pass) moves the clock of the whole run: say which day this run lived on.
    import datetime as dt

    terminalreporter.write_line(f"clock: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL pass (``make test-postgres``) checks the database's own behaviour: with
    DATABASE_TESTS_ONLY set, the tests that never touch a database (parsers, code and catalogue checks,
    the phone's scripts) are left out; the SQLite pass ran them, and they cannot differ here."""
    if not os.environ.get("DATABASE_TESTS_ONLY"):
        return
    kept, left = [], []
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        uses_database = item.get_closest_marker("django_db") is not None or names & (
            {"db"} | TRANSACTIONAL_FIXTURES
        )
        (kept if uses_database else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the product's default language (Vietnamese), whatever an earlier request in
    another language left active in this thread (the locale middleware activates it per request)."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters and cached tokens must not leak between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def quang_ngai_boundaries(db):
    """Quảng Ngãi's communes with their real boundaries from fixtures/, and the service catalogue."""
    from django.core.management import call_command

    # Migrations load the catalogue; a transactional test run earlier may have flushed it.
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    call_command("import_units", "--province", "51", verbosity=0)
    call_command("import_boundaries", "--level", "commune", "--province", "51", verbosity=0)


@dataclass
class Side:
    """One province with a commune, a team, two villages and one user per role."""

    province: object
    commune: object
    other_commune: object
    team: object
    village: object
    other_village: object
    users: dict = field(default_factory=dict)


@dataclass
class World:
    a: Side
    b: Side
    admin: object


def _side(prefix: str, province_code: str) -> Side:
    province = factories.ProvinceFactory(
        code=province_code, name=f"Tỉnh {prefix}", full_name=f"Tỉnh {prefix}"
    )
    commune = factories.CommuneFactory(
        code=f"{province_code}001",
        province=province,
        name=f"Cẩm Thành {prefix}",
        full_name=f"Phường Cẩm Thành {prefix}",
    )
    other_commune = factories.CommuneFactory(
        code=f"{province_code}002",
        province=province,
        name=f"Nghĩa Lộ {prefix}",
        full_name=f"Phường Nghĩa Lộ {prefix}",
    )
    team = factories.TeamFactory(commune=commune, name=f"Tổ {prefix}")
    village = factories.VillageFactory(commune=commune, code=f"{commune.code}-01", name="Thôn 1", team=team)
    other_village = factories.VillageFactory(commune=commune, code=f"{commune.code}-02", name="Thôn 2")
    users = {
        Role.VOLUNTEER: factories.UserFactory(username=f"{prefix}-tv", role=Role.VOLUNTEER, team=team),
        Role.TEAM_LEADER: factories.UserFactory(username=f"{prefix}-tt", role=Role.TEAM_LEADER, team=team),
        Role.COMMUNE_LEADER: factories.UserFactory(
            username=f"{prefix}-xa", role=Role.COMMUNE_LEADER, commune=commune
        ),
        Role.PROVINCE_OFFICER: factories.UserFactory(
            username=f"{prefix}-tinh", role=Role.PROVINCE_OFFICER, province=province
        ),
    }
    return Side(province, commune, other_commune, team, village, other_village, users)


@pytest.fixture
def world(db) -> World:
    admin = factories.UserFactory(username="quantri", role=Role.ADMIN)
    return World(a=_side("A", "51"), b=_side("B", "52"), admin=admin)


TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def _catalogue_as_migrated(request):
    """The service catalogue, as migrations leave it on a fresh database. A transactional test (live
    server, real worker) flushes every table after it, so a later test in the same process would find no
    catalogue; which tests run after which depends on how the run is split across processes."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & ({"db"} | TRANSACTIONAL_FIXTURES):
        yield
        return
    transactional = bool(names & TRANSACTIONAL_FIXTURES) or bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    from core.models import Service

    if not Service.objects.exists():
        call_command("loaddata", "fixtures/services.json", verbosity=0)
    yield


@pytest.fixture(autouse=True)
def _doors_walked_afresh():
    """Each test's visits (tests/field_api/sync_helpers.visit) start their walk at the same time."""
    from tests.field_api.sync_helpers import walk_restart

    walk_restart()


@pytest.fixture(scope="session")
def chromium():
    """Debian's /usr/bin/chromium through Playwright, one per test process: a second sync Playwright
    cannot start beside the first (it runs its own event loop), so every browser test shares this one."""
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the ORM runs beside Playwright's event loop
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def token_client(user) -> APIClient:
    from knox.models import AuthToken

    _instance, token = AuthToken.objects.create(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def client_for():
    return token_client


@pytest.fixture
def real_worker(settings):
    """A real Celery worker process on a fresh Redis (broker and cache), sharing the PostgreSQL test
    database; this process publishes to it and reads the same cache."""
    from tests.real_services import celery_publishing_to, fresh_redis_urls, redis_cache, start_worker, stop

    broker_url, cache_url = fresh_redis_urls()
    settings.CACHES = redis_cache(cache_url)
    with celery_publishing_to(broker_url):
        worker = start_worker(broker_url=broker_url, cache_url=cache_url)
        try:
            yield worker
        finally:
            stop(worker)


@pytest.fixture
def catalogue(db):
    """The service catalogue. Migrations load it, but transactional tests flush every table after them."""
    call_command("loaddata", "fixtures/services.json", verbosity=0)


@pytest.fixture
def volunteer(world, client_for):
    """An API client signed in as side A's volunteer."""
    return client_for(world.a.users[Role.VOLUNTEER])
