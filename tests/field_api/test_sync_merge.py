"""Household edits merged field by field (API.md "Sync: push", household edits with ``fields``)."""

import pytest

from core.models import Household, Role
from core.services.households import household_update
from tests.clock import TEST_NOW
from tests.field_api.sync_helpers import by_id, household

pytestmark = [pytest.mark.time_machine(TEST_NOW), pytest.mark.usefixtures("catalogue")]

PUSH = "/api/v1/sync/push/"


def _push(client, **body):
    return client.post(PUSH, {"device_id": "phone-1", **body}, format="json")


def _edit(home: dict, base_version: int, **fields) -> dict:
    return {"id": home["id"], "base_version": base_version, "fields": fields}


@pytest.fixture
def home(volunteer) -> dict:
    item = household("51001-01")
    assert by_id(_push(volunteer, households=[item]))[item["id"]]["status"] == "created"
    return item


def test_fields_changed_on_one_side_only_are_all_kept(home, volunteer, world, client_for):
    """The leader corrects the name, phone B the phone number, phone A the members: nothing reverts."""
    leader = client_for(world.a.users[Role.TEAM_LEADER])
    assert by_id(_push(leader, households=[_edit(home, 1, label="Nhà ông Ba (đã sửa)")]))[home["id"]] == {
        "type": "household",
        "id": home["id"],
        "status": "updated",
        "version": 2,
    }
    phone_b = by_id(_push(leader, households=[_edit(home, 1, phone="0905999888")]))[home["id"]]
    assert phone_b["status"] == "updated" and phone_b["version"] == 3
    phone_a = by_id(_push(volunteer, households=[_edit(home, 1, members=6)]))[home["id"]]
    assert phone_a["status"] == "updated" and phone_a["version"] == 4
    stored = Household.objects.get()
    assert (stored.label, stored.phone, stored.members) == ("Nhà ông Ba (đã sửa)", "0905999888", 6)
    assert stored.head_name == "Nguyễn Văn Ba" and stored.working_age == 2  # never named: untouched


def test_a_field_changed_on_both_sides_is_a_conflict_naming_who_and_when(home, volunteer, world):
    leader = world.a.users[Role.TEAM_LEADER]
    leader.full_name = "Trần Thị Tổ Trưởng"
    leader.save()
    household_update(household_id=home["id"], changes={"label": "Nhà ông Ba Tư"}, actor=leader)
    answer = by_id(_push(volunteer, households=[_edit(home, 1, label="Nhà bà Ba", members=5)]))[home["id"]]
    assert answer["status"] == "conflict"
    # The other field went in; the conflicting one waits for the volunteer's choice.
    assert answer["applied"] == ["members"] and answer["version"] == 3
    conflict = answer["conflicts"]["label"]
    assert conflict["mine"] == "Nhà bà Ba" and conflict["theirs"] == "Nhà ông Ba Tư"
    assert conflict["by"] == "Trần Thị Tổ Trưởng" and conflict["version"] == 2 and conflict["at"]
    assert answer["current"]["members"] == 5 and answer["current"]["label"] == "Nhà ông Ba Tư"
    assert set(answer["conflicts"]) == {"label"}
    # The volunteer keeps theirs: sent again from the version the answer gave.
    resolved = by_id(_push(volunteer, households=[_edit(home, 3, label="Nhà bà Ba")]))[home["id"]]
    assert resolved["status"] == "updated" and resolved["version"] == 4
    assert Household.objects.get().label == "Nhà bà Ba"


def test_same_value_on_both_sides_is_no_conflict(home, volunteer, world, client_for):
    leader = client_for(world.a.users[Role.TEAM_LEADER])
    _push(leader, households=[_edit(home, 1, phone="0905000111")])
    answer = by_id(_push(volunteer, households=[_edit(home, 1, phone="0905000111")]))[home["id"]]
    assert answer["status"] == "duplicate" and answer["version"] == 2


def test_a_lost_answer_resent_changes_nothing_twice(home, volunteer, world):
    household_update(
        household_id=home["id"], changes={"label": "Nhà khác"}, actor=world.a.users[Role.TEAM_LEADER]
    )
    edit = _edit(home, 1, label="Nhà của tôi", members=7)
    first = by_id(_push(volunteer, households=[edit]))[home["id"]]
    again = by_id(_push(volunteer, households=[edit]))[home["id"]]
    assert first["status"] == again["status"] == "conflict"
    assert first["version"] == again["version"] == 3 and again["applied"] == []
    assert again["conflicts"] == first["conflicts"]
    plain = _edit(home, 3, members=7)
    assert by_id(_push(volunteer, households=[plain]))[home["id"]]["status"] == "duplicate"
    # Twice in one batch: the copy is judged against what the first stored.
    twice = _edit(home, 3, working_age=3)
    results = _push(volunteer, households=[twice, twice]).json()["results"]
    assert [r["status"] for r in results] == ["updated", "duplicate"]
    assert Household.objects.get().version == 4


def test_merged_household_still_follows_the_rules(home, volunteer, world):
    household_update(household_id=home["id"], changes={"members": 2, "working_age": 1}, actor=world.admin)
    # working_age was changed on both sides: a conflict, not a silent choice.
    answer = by_id(_push(volunteer, households=[_edit(home, 1, working_age=3)]))[home["id"]]
    assert answer["status"] == "conflict" and set(answer["conflicts"]) == {"working_age"}
    # members alone changed there: working_age 5 on top of 2 members is refused, naming the field.
    answer = by_id(_push(volunteer, households=[_edit(home, 2, working_age=5)]))[home["id"]]
    assert answer["status"] == "rejected" and set(answer["errors"]) == {"working_age"}
    assert Household.objects.get().working_age == 1


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"fields": {}}, "fields"),
        ({"fields": []}, "fields"),
        ({"fields": {"version": 9}}, "fields"),
        ({"fields": {"members": "sáu"}}, "members"),
        ({"fields": {"label": ""}}, "label"),
        ({"fields": {"members": 3}, "base_version": None}, "base_version"),
    ],
)
def test_bad_edits_are_rejected_naming_the_field(home, volunteer, item, field):
    body = {"id": home["id"], "base_version": 1, **item}
    answer = by_id(_push(volunteer, households=[body]))[home["id"]]
    assert answer["status"] == "rejected" and field in answer["errors"]
    assert Household.objects.get().version == 1


def test_edits_stay_in_scope(home, volunteer, world, client_for):
    other_team = client_for(world.b.users[Role.VOLUNTEER])
    answer = by_id(_push(other_team, households=[_edit(home, 1, members=3)]))[home["id"]]
    assert answer["status"] == "rejected" and "id" in answer["errors"]
    moved = by_id(_push(volunteer, households=[_edit(home, 1, village="52001-01")]))[home["id"]]
    assert moved["status"] == "rejected" and "village" in moved["errors"]
    unknown = _edit({"id": "6a1c7c8e-56b4-4c8f-9d36-8f1f2d7b1a11"}, 1, members=3)
    assert by_id(_push(volunteer, households=[unknown]))[unknown["id"]]["status"] == "rejected"
    assert Household.objects.get().version == 1


def test_old_clients_sending_whole_households_work_as_before(home, volunteer, world, client_for):
    """A phone older than field merges sends the whole household: applied only on top of the version it
    saw, else a conflict with the stored record (never a silent overwrite), exactly as before."""
    leader = client_for(world.a.users[Role.TEAM_LEADER])
    _push(leader, households=[_edit(home, 1, label="Sửa bởi tổ trưởng")])
    late = by_id(_push(volunteer, households=[{**home, "members": 6, "base_version": 1}]))[home["id"]]
    assert late["status"] == "conflict" and late["version"] == 2 and "conflicts" not in late
    assert late["current"]["label"] == "Sửa bởi tổ trưởng"
    on_top = by_id(_push(volunteer, households=[{**late["current"], "members": 6, "base_version": 2}]))
    assert on_top[home["id"]]["status"] == "updated"
    # ... and the stamps it leaves make later merges exact: members changed at version 3.
    stamps = Household.objects.get().field_stamps
    assert stamps["fields"]["members"]["v"] == 3 and stamps["fields"]["label"]["v"] == 2


def test_a_household_stored_before_stamps_merges_conservatively(home, volunteer):
    """No stamps (stored before merges existed): a field counts as changed at the current version."""
    Household.objects.update(field_stamps={}, version=4)
    answer = by_id(_push(volunteer, households=[_edit(home, 3, members=9)]))[home["id"]]
    assert answer["status"] == "conflict" and answer["conflicts"]["members"]["by"] is None
    assert by_id(_push(volunteer, households=[_edit(home, 4, members=9)]))[home["id"]]["status"] == "updated"
