"""Only those who work a household's village learn that it was erased (issue 19, tester's follow-up §3).

Anything sent for an erased household by someone whose scope holds its village is answered ``erased``.
Anyone else (another province, another team, another commune) gets exactly the answer a living household
of that village would get: pushing the erased id with its old village code or with one of their own,
visiting it, or editing it in the browser tells them nothing about the tombstone, and the id is never
stored again, whoever sends it.
"""

import io
import uuid

import pytest
from django.core.management import call_command

from backend.exceptions import ApplicationError
from core.models import Household, Role, Village
from core.services.households import household_update
from tests import factories
from tests.conftest import token_client
from tests.field_api.sync_helpers import by_id, household, visit

pytestmark = pytest.mark.django_db

PUSH = "/api/v1/sync/push/"


@pytest.fixture
def erased_id(world, catalogue) -> str:
    home = household(world.a.village.code, label="Nhà bà Tư")
    phone = token_client(world.a.users[Role.VOLUNTEER])
    assert by_id(phone.post(PUSH, {"households": [home]}, format="json"))[home["id"]]["status"] == "created"
    call_command("household_erase", home["id"], "--yes", stdout=io.StringIO())
    return home["id"]


def _answer(sender, bucket: str, item: dict) -> dict:
    response = sender.post(PUSH, {bucket: [item]}, format="json")
    assert response.status_code == 200
    (result,) = response.json()["results"]
    return {key: value for key, value in result.items() if key != "id"}


def _as_living(world, sender, bucket: str, item: dict, field: str) -> dict:
    """The answer for the same item naming a living household of the erased one's village."""
    living = factories.HouseholdFactory(village=world.a.village)
    return _answer(sender, bucket, {**item, field: str(living.id)})


def _village_of(world, user) -> str:
    return Village.objects.filter(team=user.team).values_list("code", flat=True).first() or (
        Village.objects.filter(commune=user.commune)
        .exclude(pk=world.a.village.pk)
        .values_list("code", flat=True)
        .first()
    )


OUTSIDERS = ["other province", "other province's leader", "other commune", "other team"]


def _outsider(world, who: str):
    """Someone who pushes but whose scope does not hold side A's village."""
    if who == "other province":
        return world.b.users[Role.VOLUNTEER]
    if who == "other province's leader":
        return world.b.users[Role.COMMUNE_LEADER]
    if who == "other commune":
        team = factories.TeamFactory(commune=world.a.other_commune, name="Tổ xã bên")
        factories.VillageFactory(
            commune=world.a.other_commune, code=f"{world.a.other_commune.code}-01", team=team
        )
        return factories.UserFactory(username="tv-xa-ben", role=Role.VOLUNTEER, team=team)
    team = factories.TeamFactory(commune=world.a.commune, name="Tổ thôn 2")
    world.a.other_village.team = team
    world.a.other_village.save()
    return factories.UserFactory(username="tv-to-ben", role=Role.VOLUNTEER, team=team)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_an_outsider_pushing_an_erased_household_gets_the_answer_for_a_living_one(world, erased_id, who):
    outsider = _outsider(world, who)
    sender = token_client(outsider)
    for village in (world.a.village.code, _village_of(world, outsider)):  # its old village, or theirs
        item = household(village, id=erased_id)
        answer = _answer(sender, "households", item)
        assert answer["status"] == "rejected"
        assert answer == _as_living(world, sender, "households", household(village), "id")
    assert not Household.objects.filter(pk=erased_id).exists()  # never stored again


@pytest.mark.parametrize("who", OUTSIDERS)
def test_an_outsider_visiting_an_erased_household_gets_the_answer_for_a_living_one(world, erased_id, who):
    sender = token_client(_outsider(world, who))
    answer = _answer(sender, "visits", visit(erased_id))
    assert answer["status"] == "rejected"
    assert answer == _as_living(world, sender, "visits", visit(erased_id), "household")


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.TEAM_LEADER, Role.COMMUNE_LEADER])
def test_those_who_work_the_village_are_told_it_was_erased(world, erased_id, role):
    sender = token_client(world.a.users[role])
    assert _answer(sender, "households", household(world.a.village.code, id=erased_id))["status"] == "erased"
    assert _answer(sender, "visits", visit(erased_id))["status"] == "erased"


def _browser_edit(actor, household_id: uuid.UUID, village: str) -> tuple[int, object]:
    try:
        household_update(
            household_id=household_id, changes=household(village, id=str(household_id)), actor=actor
        )
    except ApplicationError as refused:
        return refused.status_code, (refused.message, refused.errors)
    return 200, None


def test_an_outsider_editing_an_erased_household_in_the_browser_learns_nothing(world, erased_id):
    outsider = world.b.users[Role.COMMUNE_LEADER]
    erased = _browser_edit(outsider, uuid.UUID(erased_id), world.a.village.code)
    unknown = _browser_edit(outsider, uuid.uuid4(), world.a.village.code)
    assert erased == unknown and erased[0] != 410
    # The leader of the village's commune is still told.
    assert (
        _browser_edit(world.a.users[Role.COMMUNE_LEADER], uuid.UUID(erased_id), world.a.village.code)[0]
        == 410
    )
