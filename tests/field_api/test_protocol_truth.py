"""Issue 19 §7: what a generated client reads in the schema is what the server does.

- The token scheme is HTTP ``Token`` (``Authorization: Token <t>``), in the served /api/schema/ and in
  every 401's ``WWW-Authenticate``; ``Bearer`` is refused with a message naming the right header.
- Every 401 (no token, a malformed header, an unknown, expired or revoked token, bytes that are not
  text) answers the one error shape in Vietnamese, never a 500.
- Ids: a UUID in its 36-character form, either case, comes back in lower case everywhere (push
  results, pull); other spellings are refused naming the field.
- Length limits are judged on the text as stored (NFC), not as sent.
"""

import datetime as dt
import json
import uuid

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from core.models import Household, Role
from tests.field_api.sync_helpers import by_id, household, visit

PUSH, PULL, ME = "/api/v1/sync/push/", "/api/v1/sync/pull/", "/api/v1/me/"


@pytest.fixture
def volunteer(world, client_for):
    return client_for(world.a.users[Role.VOLUNTEER])


def _schema(api_client) -> dict:
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_served_schema_says_token(api_client, db):
    schema = _schema(api_client)
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "Token"
    assert "Authorization: Token <token>" in scheme["description"]
    me = schema["paths"][ME]["get"]
    assert {"tokenAuth": []} in me["security"]
    assert "401" in me["responses"]


def _assert_401_in_vietnamese(response, *words) -> None:
    assert response.status_code == 401, (response.status_code, response.content[:200])
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["errors"] == {}
    assert "đăng nhập" in body["detail"], body["detail"]
    for word in words:
        assert word in body["detail"], body["detail"]


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer 0123456789abcdef",
        "Basic dXNlcjpwYXNz",
        "Token",
        "Token a b",
        "Token " + "0" * 64,
        "Token \xff\xfe",
        "Token тест",
        "Token abc\x7f",
        "Token " + "a" * 10_000,
    ],
)
def test_every_401_is_vietnamese_json(api_client, world, header):
    kwargs = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = api_client.get(ME, **kwargs)
    if header is None or not header.startswith("Token"):
        _assert_401_in_vietnamese(response, "Authorization: Token")
    else:
        _assert_401_in_vietnamese(response, "Token không hợp lệ")


def test_expired_and_revoked_tokens_are_401_in_vietnamese(world):
    user = world.a.users[Role.VOLUNTEER]
    _instance, expired = AuthToken.objects.create(user, expiry=dt.timedelta(seconds=-1))
    client = APIClient()
    _assert_401_in_vietnamese(client.get(ME, HTTP_AUTHORIZATION=f"Token {expired}"), "hết hạn")

    _instance, token = AuthToken.objects.create(user)
    assert client.get(ME, HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    assert client.post("/api/v1/auth/logout/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 204
    _assert_401_in_vietnamese(client.get(ME, HTTP_AUTHORIZATION=f"Token {token}"), "đăng nhập lại")


def test_ids_come_back_in_lower_case(volunteer, world):
    home = household(world.a.village.code)
    home["id"] = home["id"].upper()
    knock = visit(home["id"])
    knock["id"] = knock["id"].upper()
    results = by_id(volunteer.post(PUSH, {"households": [home], "visits": [knock]}, format="json"))
    assert {home["id"].lower(), knock["id"].lower()} == set(results)
    assert {result["status"] for result in results.values()} == {"created"}
    assert str(Household.objects.get().pk) == home["id"].lower()
    # Pull may hold a change back while another session's transaction runs (the read horizon): what it
    # sends, it sends in lower case.
    pulled = volunteer.get(PULL).json()["households"]
    assert [row["id"] for row in pulled] in ([home["id"].lower()], [])
    stale = dict(home, label="Nhà ông Ba (sửa)", base_version=0)
    conflict = by_id(volunteer.post(PUSH, {"households": [stale]}, format="json"))[home["id"].lower()]
    assert conflict["status"] == "conflict" and conflict["current"]["id"] == home["id"].lower()
    # The same id in the other case is the same record.
    again = dict(home, id=home["id"].lower())
    assert (
        by_id(volunteer.post(PUSH, {"households": [again]}, format="json"))[again["id"]]["status"]
        == "duplicate"
    )


def test_a_rejected_item_names_its_id_in_lower_case_too(volunteer, world):
    home = household(world.a.village.code, label="")
    home["id"] = home["id"].upper()
    result = volunteer.post(PUSH, {"households": [home]}, format="json").json()["results"][0]
    assert result["status"] == "rejected" and result["id"] == home["id"].lower()


@pytest.mark.parametrize(
    "spell",
    [
        lambda u: "{" + u + "}",
        lambda u: "urn:uuid:" + u,
        lambda u: u.replace("-", ""),
        lambda u: " " + u,
        lambda u: u[:-1] + "g",
    ],
)
def test_other_spellings_of_an_id_are_refused_naming_the_field(volunteer, world, spell):
    home = household(world.a.village.code)
    home["id"] = spell(home["id"])
    results = volunteer.post(PUSH, {"households": [home]}, format="json").json()["results"]
    assert results[0]["status"] == "rejected" and "id" in results[0]["errors"]
    assert Household.objects.count() == 0


def test_length_limits_hold_on_the_text_as_stored(volunteer, world):
    # 200 letters sent decomposed (400 code points): 200 as stored, within the label's 200.
    fits = household(world.a.village.code, label="e\u0301" * 200)
    # 150 characters that NFC turns into 300 (composition exclusions): over the limit as stored.
    grows = household(world.a.village.code, label="\u0958" * 150)
    results = by_id(volunteer.post(PUSH, {"households": [fits, grows]}, format="json"))
    assert results[fits["id"]]["status"] == "created"
    assert Household.objects.get(pk=fits["id"]).label == "é" * 200
    assert results[grows["id"]]["status"] == "rejected" and "label" in results[grows["id"]]["errors"]
    assert not Household.objects.filter(pk=grows["id"]).exists()
    assert str(uuid.UUID(fits["id"])) == fits["id"]
