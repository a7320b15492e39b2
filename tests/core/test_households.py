"""One writer for households (core/services/households.py): a person's edit in the browser
follows the phone's rules and leaves the same traces: a new version, the same content hash, a change
stamp phones pull, an exit when the household moves village, an audit entry, fresh maps."""

import unicodedata

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command

from backend.exceptions import ApplicationError
from core.models import Household, Role
from core.services.households import household_update
from tests import factories
from tests.field_api.sync_helpers import household

pytestmark = pytest.mark.django_db(transaction=True)  # pulls see only what has committed (PostgreSQL)


@pytest.fixture
def pushed(world, client_for):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    home = household(world.a.village.code, label="Nhà ông Ba")
    assert volunteer.post("/api/v1/sync/push/", {"households": [home]}, format="json").status_code == 200
    cursor = volunteer.get("/api/v1/sync/pull/").json()["cursor"]
    return volunteer, home, cursor


@pytest.fixture
def admin_client(client, world):
    superuser = factories.UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(superuser)
    return client, superuser


def _form(client, home_id, **changes):
    page = client.get(f"/admin/field_api/household/{home_id}/change/")
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data.update(changes)
    return {key: ("" if value is None else value) for key, value in data.items()}


def test_an_admin_edit_is_a_new_version_phones_pull_and_the_trail_records(pushed, admin_client, world):
    volunteer, home, cursor = pushed
    client, superuser = admin_client
    decomposed = unicodedata.normalize("NFD", "Nhà bà Tư, số 5")
    response = client.post(
        f"/admin/field_api/household/{home['id']}/change/",
        _form(client, home["id"], label=decomposed, members=6),
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    stored = Household.objects.get(pk=home["id"])
    assert stored.version == 2 and stored.members == 6
    assert stored.label == unicodedata.normalize("NFC", decomposed)
    assert stored.search_name.startswith("nha ba tu")
    pulled = volunteer.get("/api/v1/sync/pull/", {"cursor": cursor}).json()["households"]
    assert [(h["id"], h["version"], h["label"]) for h in pulled] == [(home["id"], 2, stored.label)]
    entry = LogEntry.objects.filter(object_pk=home["id"]).order_by("timestamp").last()
    assert entry.actor == superuser and set(entry.changes_dict) == {"label", "members"}
    # The phone that saw version 2 and sends the same content again is told "duplicate".
    resend = {**home, "label": stored.label, "members": 6, "base_version": 2}
    result = volunteer.post("/api/v1/sync/push/", {"households": [resend]}, format="json").json()["results"]
    assert result[0]["status"] == "duplicate"


def test_moving_a_household_to_another_teams_village_takes_it_off_the_old_teams_phones(
    pushed, admin_client, world, client_for
):
    volunteer, home, cursor = pushed
    client, _superuser = admin_client
    other_team = factories.TeamFactory(commune=world.a.commune, name="Tổ 2")
    world.a.other_village.team = other_team
    world.a.other_village.save()
    response = client.post(
        f"/admin/field_api/household/{home['id']}/change/",
        _form(client, home["id"], village=world.a.other_village.pk),
    )
    assert response.status_code == 302
    assert home["id"] in volunteer.get("/api/v1/sync/pull/", {"cursor": cursor}).json()["removed"]
    newcomer = factories.UserFactory(username="to2", role=Role.VOLUNTEER, team=other_team)
    assert home["id"] in {
        h["id"] for h in client_for(newcomer).get("/api/v1/sync/pull/").json()["households"]
    }


def test_the_admin_form_refuses_what_a_push_would_refuse(pushed, admin_client):
    _volunteer, home, _cursor = pushed
    client, _superuser = admin_client
    response = client.post(
        f"/admin/field_api/household/{home['id']}/change/",
        _form(client, home["id"], consent="", head_name="Nguyễn Văn Ba", working_age=9, members=2),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "consent" in errors or "working_age" in errors
    assert Household.objects.get(pk=home["id"]).version == 1


def test_a_commune_leader_edits_only_inside_the_commune(pushed, world):
    _volunteer, home, _cursor = pushed
    leader = world.a.users[Role.COMMUNE_LEADER]
    updated = household_update(household_id=home["id"], changes={"members": 7}, actor=leader)
    assert updated.version == 2 and updated.members == 7
    with pytest.raises(ApplicationError) as outside:
        household_update(household_id=home["id"], changes={"village": world.b.village.code}, actor=leader)
    assert "village" in outside.value.errors
    stranger = world.b.users[Role.COMMUNE_LEADER]
    with pytest.raises(ApplicationError) as hidden:
        household_update(household_id=home["id"], changes={"members": 1}, actor=stranger)
    assert hidden.value.status_code == 404
    assert Household.objects.get(pk=home["id"]).members == 7
