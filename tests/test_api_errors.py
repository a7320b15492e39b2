"""Everything under /api/ answers JSON in the one error shape with the right 4xx; pages answer Vietnamese
pages (issue 9, items 7 and 10). Runs on SQLite and again on PostgreSQL (NUL and integer range differ)."""

import json
import uuid

import pytest
import yaml
from django.core.management import call_command

from core.models import Role
from field_api.parsers import MAX_DEPTH
from tests.clock import TEST_NOW
from tests.conftest import token_client

# Fixed dates below are read against this clock (tests/clock.py).
pytestmark = pytest.mark.time_machine(TEST_NOW)


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["detail"], body
    return body


@pytest.fixture
def admin_api(world):
    return token_client(world.admin)


@pytest.mark.parametrize("url", ["/api/v1/nope/", "/api/nope", "/api/v1/sync/", "/api/v2/me/"])
def test_unknown_api_path_is_json_404(admin_api, url):
    assert_error(admin_api.get(url), 404)
    assert_error(admin_api.post(url, {}, format="json"), 404)


def test_unknown_page_is_a_vietnamese_page(client, world):
    client.force_login(world.admin)
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    assert "Không tìm thấy" in response.content.decode()


def test_csrf_failure_is_a_vietnamese_page(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5_000, 200_000])
@pytest.mark.parametrize("url", ["/api/v1/auth/login/", "/api/v1/campaigns/"])
def test_deeply_nested_json_is_400(admin_api, url, depth):
    body = '{"username": ' + "[" * depth + "]" * depth + "}"
    assert_error(admin_api.post(url, body, content_type="application/json"), 400)


@pytest.mark.parametrize("depth", [5_000, 200_000])
def test_push_nested_past_what_json_can_parse_is_400(world, client_for, depth):
    """A push judges deep values item by item (tests/field_api/test_sync_fuzz.py); only a body too
    deep to parse at all is refused whole, as a 400."""
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    body = '{"visits": ' + "[" * depth + "]" * depth + "}"
    assert_error(volunteer.post("/api/v1/sync/push/", body, content_type="application/json"), 400)


def test_ordinary_nesting_is_accepted(api_client, world):
    nested = {"username": "A-tv", "password": "mat-khau-123", "device_name": "x"}
    assert api_client.post("/api/v1/auth/login/", nested, format="json").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/campaigns/%00/",
        "/api/v1/areas/communes/?search=%00",
        "/api/v1/areas/villages/?commune=21025%00",
        "/api/v1/coverage/?level=village&commune=%00",
        "/api/v1/sync/pull/?cursor=%00",
        "/api/v1/me/%00",
    ],
)
def test_nul_in_api_url_is_json_400_or_404(admin_api, url):
    response = admin_api.get(url)
    assert response.status_code in (400, 404)
    assert_error(response, response.status_code)


@pytest.mark.parametrize(
    "url",
    ["/maps/commune/%00/", "/maps/province/5%001/", "/campaigns/?q=%00", "/admin/field_api/household/?q=%00"],
)
def test_nul_in_page_url_is_400_not_500(client, world, url):
    client.force_login(world.admin)
    response = client.get(url)
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()


def test_body_over_the_limit_is_json_413(admin_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = json.dumps({"device_id": "x", "households": [{"label": "a" * 20_000}]})
    for url in ("/api/v1/sync/push/", "/api/v1/auth/login/", "/api/v1/campaigns/", "/api/v1/sync/push"):
        body = assert_error(admin_api.post(url, big, content_type="application/json"), 413)
        assert "quá lớn" in body["detail"]


def test_the_limit_fits_the_largest_push(settings):
    """500 visits with the longest notes, every character escaped as \\uXXXX, fit under the limit."""
    visit = {
        "id": str(uuid.uuid4()),
        "household": str(uuid.uuid4()),
        "visited_at": "2026-11-20T09:15:00+07:00",
        "lat": 15.12051234567,
        "lon": 108.80853234567,
        "accuracy_m": 12.5,
        "outcome": "come_back",
        "help": [{"service": "public_service_account", "result": "pending", "people": 12} for _ in range(12)],
        "notes": "ệ" * 2000,
    }
    body = json.dumps({"device_id": "d" * 100, "visits": [visit] * 500}, ensure_ascii=True)
    assert len(body) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_forms_and_multipart_are_refused_with_json_415(api_client, world):
    response = api_client.post("/api/v1/auth/login/", {"username": "A-tv", "password": "mat-khau-123"})
    assert_error(response, 415)  # multipart, DRF test client's default
    response = api_client.post(
        "/api/v1/auth/login/", "username=A-tv&password=x", content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 415)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/campaigns/99999999999999999999/",
        "/api/v1/campaigns/9223372036854775808/tally/?by=commune",
        "/api/v1/campaigns/99999999999999999999999999999999/export/?format=csv",
        "/api/v1/campaigns/2147483648/",
    ],
)
def test_integers_beyond_the_database_range_are_404(admin_api, url):
    assert_error(admin_api.get(url), 404)


@pytest.mark.parametrize("number", ["99999999999999999999", "9223372036854775808", "2147483648"])
def test_integers_beyond_the_database_range_in_posts_are_404(admin_api, number):
    assert_error(
        admin_api.post(f"/api/v1/campaigns/{number}/exports/", {"format": "csv"}, format="json"), 404
    )


def test_integers_beyond_the_database_range_on_pages_are_404(client, world):
    client.force_login(world.admin)
    assert client.get("/campaigns/99999999999999999999/").status_code == 404
    assert client.get("/campaigns/9223372036854775808/").status_code == 404


def _schema(tmp_path) -> dict:
    call_command("spectacular", "--file", str(tmp_path / "schema.yml"))
    return yaml.safe_load((tmp_path / "schema.yml").read_text())


def _concrete(path: str) -> str:
    return path.replace("{id}", "1").replace("{job_id}", str(uuid.uuid4()))


def test_every_api_endpoint_answers_the_same_without_its_trailing_slash(world, tmp_path, client_for):
    """POST (and GET) without the slash reach the same view: no redirect that loses the body."""
    checked = 0
    for path, operations in _schema(tmp_path)["paths"].items():
        for method in operations:
            if method not in ("get", "post") or path.endswith(("logout/", "logoutall/")):
                continue
            url = _concrete(path)
            send = getattr(client_for(world.a.users[Role.VOLUNTEER]), method)
            with_slash = send(url, {}, format="json") if method == "post" else send(url)
            without = getattr(client_for(world.a.users[Role.VOLUNTEER]), method)
            answer = (
                without(url.rstrip("/"), {}, format="json") if method == "post" else without(url.rstrip("/"))
            )
            assert answer.status_code == with_slash.status_code, (method, url, answer.status_code)
            assert answer.status_code not in (301, 302, 308)
            checked += 1
    assert checked >= 15


def test_push_and_login_without_trailing_slash_store_and_sign_in(world, api_client, client_for):
    from tests.field_api import sync_helpers

    item = sync_helpers.household(world.a.village.code)
    response = client_for(world.a.users[Role.VOLUNTEER]).post(
        "/api/v1/sync/push", {"device_id": "p", "households": [item]}, format="json"
    )
    assert response.status_code == 200 and response.json()["results"][0]["status"] == "created"
    response = api_client.post(
        "/api/v1/auth/login", {"username": "A-tv", "password": "mat-khau-123"}, format="json"
    )
    assert response.status_code == 200 and response.json()["token"]


def test_schema_declares_json_bodies_and_every_error_in_the_one_shape(tmp_path, db):
    schema = _schema(tmp_path)
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"detail", "errors"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            body = operation.get("requestBody")
            if body:
                assert list(body["content"]) == ["application/json"], where
                assert {"400", "413", "415"} <= set(operation["responses"]), where
            if operation.get("security") != [{}] and "security" in operation:
                assert {"401", "403"} <= set(operation["responses"]), where
            if "{" in path:
                assert "404" in operation["responses"], where
            for code, response in operation["responses"].items():
                if code.startswith("4"):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/Error", where
    login = schema["paths"]["/api/v1/auth/login/"]["post"]["responses"]
    assert "429" in login


def test_schema_documents_query_limits(tmp_path, db):
    parameters = {
        (path, parameter["name"]): parameter["schema"]
        for path, operations in _schema(tmp_path)["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    }
    assert parameters[("/api/v1/sync/pull/", "limit")]["maximum"] == 500
    assert parameters[("/api/v1/sync/pull/", "limit")]["minimum"] == 1
    assert parameters[("/api/v1/areas/communes/", "search")]["maxLength"] == 100
    # An optional parameter sent empty is read as not sent: the empty string is valid too.
    assert parameters[("/api/v1/coverage/", "province")]["pattern"] == r"^$|^\d{2}$"
    assert parameters[("/api/v1/coverage/", "campaign")]["minimum"] == 1
