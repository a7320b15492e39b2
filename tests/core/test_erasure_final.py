"""Erasure is final (issue 19 §5): whatever a phone that had not pulled yet sends again for an erased
household (the household itself, an edit, a visit, the old visit), push answers ``erased``, a final
status the phone drops, stores nothing, and no phone's pull ever brings the household back."""

import io
import json
import uuid

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.exceptions import ApplicationError
from core.models import ErasedHousehold, Household, HouseholdExit, Role, Visit, VisitKey
from core.services.households import household_erase, household_update
from tests.conftest import token_client
from tests.field_api.sync_helpers import by_id, household, visit

pytestmark = pytest.mark.django_db

PUSH = "/api/v1/sync/push/"
PULL = "/api/v1/sync/pull/"


@pytest.fixture
def erased(world, catalogue):
    """Side A's volunteer pushed a household and a visit, the teammate pulled, then it was erased."""
    phone = token_client(world.a.users[Role.VOLUNTEER])
    teammate = token_client(world.a.users[Role.TEAM_LEADER])
    home = household(world.a.village.code, label="Nhà bà Tư", head_name="Trần Thị Tư", phone="0905000111")
    first = visit(home["id"])
    answer = by_id(phone.post(PUSH, {"households": [home], "visits": [first]}, format="json"))
    assert answer[home["id"]]["status"] == "created" and answer[first["id"]]["status"] == "created"
    cursor = teammate.get(PULL).json()["cursor"]
    call_command("household_erase", home["id"], "--yes", stdout=io.StringIO())
    return {"phone": phone, "teammate": teammate, "home": home, "visit": first, "cursor": cursor}


def _resend(kind: str, erased: dict) -> tuple[str, dict]:
    """One item a late phone may send for the erased household."""
    home = erased["home"]
    match kind:
        case "household":
            return "households", dict(home)
        case "edit":
            return "households", {**home, "label": "Nhà bà Tư (sửa)", "base_version": 1}
        case "visit":
            return "visits", visit(home["id"])
        case "old visit":
            return "visits", dict(erased["visit"])
    raise AssertionError(kind)


def _assert_still_erased(erased: dict, world) -> None:
    home_id = uuid.UUID(erased["home"]["id"])
    assert not Household.objects.filter(pk=home_id).exists()
    assert not Visit.objects.filter(household_id=home_id).exists()
    for pull in (erased["teammate"].get(PULL), erased["teammate"].get(PULL, {"cursor": erased["cursor"]})):
        assert pull.status_code == 200
        assert str(home_id) not in {h["id"] for h in pull.json()["households"]}
    leader = token_client(world.a.users[Role.COMMUNE_LEADER])
    assert str(home_id) not in {h["id"] for h in leader.get(PULL).json()["households"]}


def test_the_tombstone_keeps_no_personal_data(erased, world):
    tombstone = ErasedHousehold.objects.get()
    assert str(tombstone.household_id) == erased["home"]["id"]
    assert tombstone.village_code == world.a.village.code and tombstone.province_code == "51"
    assert {f.name for f in ErasedHousehold._meta.fields} == {
        "household_id",
        "erased_at",
        "village_code",
        "province_code",
    }
    # Phones that had it are told to drop it (pull's "removed": tests/core/test_households.py).
    assert HouseholdExit.objects.filter(erased=True).count() == 1
    assert VisitKey.objects.filter(pk=erased["visit"]["id"]).exists()  # the id alone, never stored again


@pytest.mark.parametrize("kind", ["household", "edit", "visit", "old visit"])
@pytest.mark.parametrize("sender", [Role.VOLUNTEER, Role.TEAM_LEADER, Role.COMMUNE_LEADER])
def test_a_resend_after_erasure_is_final_and_stores_nothing(erased, world, kind, sender):
    phone = token_client(world.a.users[sender])
    bucket, item = _resend(kind, erased)
    fresh = household(world.a.village.code)  # a good item in the same batch is stored as usual
    body = {"households": [fresh], "visits": [], "group_sessions": []}
    body[bucket].append(item)
    for _attempt in range(2):  # and sending it again changes nothing: still final
        results = by_id(phone.post(PUSH, body, format="json"))
        assert results[item["id"]] == {"type": bucket[:-1], "id": item["id"], "status": "erased"}
    assert results[fresh["id"]]["status"] in ("created", "duplicate")
    _assert_still_erased(erased, world)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(["household", "edit", "visit", "old visit"]), min_size=1, max_size=8))
def test_any_mix_of_resends_stays_erased(erased, world, kinds):
    body = {"households": [], "visits": []}
    sent = []
    for kind in kinds:
        bucket, item = _resend(kind, erased)
        body[bucket].append(item)
        sent.append(item["id"])
    response = erased["phone"].post(PUSH, body, format="json")
    assert response.status_code == 200
    assert {r["status"] for r in response.json()["results"]} == {"erased"}
    assert len(response.json()["results"]) == len(sent)
    _assert_still_erased(erased, world)


def test_an_edit_in_the_browser_cannot_bring_it_back(erased, world):
    with pytest.raises(ApplicationError) as refused:
        household_update(
            household_id=uuid.UUID(erased["home"]["id"]),
            changes={**erased["home"], "label": "Khôi phục"},
            actor=world.admin,
        )
    assert refused.value.status_code == 410
    _assert_still_erased(erased, world)


def test_erasing_twice_is_harmless(erased, world):
    household_erase(household=Household(pk=uuid.UUID(erased["home"]["id"])))
    assert ErasedHousehold.objects.count() == 1
    _assert_still_erased(erased, world)


def test_the_push_contract_names_the_final_status(tmp_path):
    call_command("spectacular", "--format", "openapi-json", "--file", str(tmp_path / "schema.json"))
    schemas = json.loads((tmp_path / "schema.json").read_text())["components"]["schemas"]
    status = schemas["PushResult"]["properties"]["status"]
    reference = status.get("$ref") or status["allOf"][0]["$ref"]
    assert "erased" in schemas[reference.rsplit("/", 1)[-1]]["enum"]
    assert "erased:" in status["description"]  # what the phone does with it
