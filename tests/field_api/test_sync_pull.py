import pytest

from core.models import Household, Role
from core.services.assignments import village_assign_team
from core.services.households import household_erase
from tests import factories
from tests.field_api.sync_helpers import household, visit

# Each request commits, as in production: on PostgreSQL a reader only sees changes of finished
# transactions, which a test wrapped in one transaction would never have.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalogue")]

PUSH = "/api/v1/sync/push/"
PULL = "/api/v1/sync/pull/"


def _pull_all(client, cursor=None, limit=500):
    seen, removed, pages = [], [], 0
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        body = client.get(PULL, params).json()
        seen += [h["id"] for h in body["households"]]
        removed += body["removed"]
        cursor, pages = body["cursor"], pages + 1
        if not body["has_more"]:
            return seen, removed, cursor, body, pages


def test_pull_pages_everything_once_then_only_changes(world, client_for):
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    homes = [household("51001-01") for _i in range(25)]
    volunteer.post(PUSH, {"households": homes}, format="json")
    seen, _removed, cursor, last, pages = _pull_all(volunteer, limit=7)
    assert sorted(seen) == sorted(h["id"] for h in homes) and pages == 4
    assert _pull_all(volunteer, cursor)[0] == []
    volunteer.post(PUSH, {"visits": [visit(homes[3]["id"])]}, format="json")
    changed, _removed, _cursor, body, _pages = _pull_all(volunteer, cursor)
    assert changed == [homes[3]["id"]]
    record = body["households"][0]
    assert record["last_outcome"] == "met" and record["services_done"] == ["vneid_level2"]
    assert record["version"] == 1 and record["moved"] is False and record["last_visited_at"]
    assert body["followups"][0]["household"] == homes[3]["id"]
    assert body["followups"][0]["service"] == "public_service_account"


def test_pull_shows_only_the_callers_scope(world, client_for):
    mine = factories.HouseholdFactory(village=world.a.village)
    untended = factories.HouseholdFactory(village=world.a.other_village)
    theirs = factories.HouseholdFactory(village=world.b.village)
    expected = {
        Role.VOLUNTEER: {mine.id},
        Role.TEAM_LEADER: {mine.id},
        Role.COMMUNE_LEADER: {mine.id, untended.id},
    }
    for role, ids in expected.items():
        seen = _pull_all(client_for(world.a.users[role]))[0]
        assert set(seen) == {str(i) for i in ids}, role
    assert str(theirs.id) in _pull_all(client_for(world.b.users[Role.VOLUNTEER]))[0]


def test_province_officers_and_admins_cannot_pull(world, client_for):
    factories.HouseholdFactory(village=world.a.village, head_name="Nguyễn Văn Ba", phone="0905123456")
    for user in (world.a.users[Role.PROVINCE_OFFICER], world.admin):
        client = client_for(user)
        pulled = client.get(PULL)
        assert pulled.status_code == 403 and set(pulled.json()) == {"detail", "errors"}
        assert client.post(PUSH, {"households": []}, format="json").status_code == 403
    leader = client_for(world.a.users[Role.COMMUNE_LEADER]).get(PULL).json()["households"][0]
    assert leader["head_name"] == "Nguyễn Văn Ba"


def test_village_given_to_another_team_is_removed_and_added(world, client_for):
    old_team = client_for(world.a.users[Role.VOLUNTEER])
    homes = [household("51001-01") for _i in range(3)]
    old_team.post(PUSH, {"households": homes}, format="json")
    cursor = _pull_all(old_team)[2]
    new_team = factories.TeamFactory(commune=world.a.commune, name="Tổ mới")
    newcomer = factories.UserFactory(username="moi", role=Role.VOLUNTEER, team=new_team)
    newcomer_client = client_for(newcomer)
    newcomer_cursor = _pull_all(newcomer_client)[2]
    village_assign_team(village=world.a.village, team=new_team)
    seen, removed, *_ = _pull_all(old_team, cursor)
    assert seen == [] and sorted(removed) == sorted(h["id"] for h in homes)
    assert sorted(_pull_all(newcomer_client, newcomer_cursor)[0]) == sorted(h["id"] for h in homes)


def test_erased_household_is_removed_everywhere_in_scope(world, client_for):
    volunteer, leader = (
        client_for(world.a.users[Role.VOLUNTEER]),
        client_for(world.a.users[Role.COMMUNE_LEADER]),
    )
    home = household("51001-01")
    volunteer.post(PUSH, {"households": [home], "visits": [visit(home["id"])]}, format="json")
    cursors = [_pull_all(client)[2] for client in (volunteer, leader)]
    household_erase(household=Household.objects.get())
    for client, cursor in zip((volunteer, leader), cursors, strict=True):
        assert _pull_all(client, cursor)[1] == [home["id"]]
    assert not Household.objects.exists()


def test_bad_cursor_and_limit_name_the_field(world, client_for):
    client = client_for(world.a.users[Role.VOLUNTEER])
    assert "cursor" in client.get(PULL, {"cursor": "%%%"}).json()["errors"]
    assert "limit" in client.get(PULL, {"limit": 5000}).json()["errors"]


def test_pull_is_compressed_for_phones_that_accept_it(world, client_for):
    import gzip
    import json

    for _index in range(30):
        factories.HouseholdFactory(village=world.a.village)
    client = client_for(world.a.users[Role.VOLUNTEER])
    plain = client.get(PULL)
    packed = client.get(PULL, HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert json.loads(gzip.decompress(packed.content))["households"] == plain.json()["households"]
    assert len(packed.content) < len(plain.content) / 3
