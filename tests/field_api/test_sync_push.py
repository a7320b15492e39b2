import datetime as dt
import uuid

import pytest
from django.utils import timezone

from core.models import FollowUp, GroupSession, HelpItem, Household, Role, Visit
from tests import factories
from tests.clock import TEST_NOW
from tests.field_api.sync_helpers import by_id, household, visit

# Fixed dates below are read against this clock (tests/clock.py).
pytestmark = [pytest.mark.time_machine(TEST_NOW), pytest.mark.usefixtures("catalogue")]

PUSH = "/api/v1/sync/push/"


def by_id_results(results: list) -> dict:
    return {result["id"]: result for result in results}


def _push(client, **body):
    return client.post(PUSH, {"device_id": "phone-1", **body}, format="json")


def test_whole_batch_created_then_replayed_as_duplicates(volunteer, world):
    home = household("51001-01")
    knocks = [visit(home["id"], minutes_ago=300), visit(home["id"], minutes_ago=30)]
    session = {
        "id": str(uuid.uuid4()),
        "village": "51001-01",
        "held_at": timezone.localtime().isoformat(),
        "services": ["online_safety"],
        "attendees": 35,
        "lat": 15.12,
        "lon": 108.81,
    }
    body = {"households": [home], "visits": knocks, "group_sessions": [session]}
    first = _push(volunteer, **body)
    assert first.status_code == 200
    assert [r["status"] for r in first.json()["results"]] == ["created"] * 4
    assert by_id(first)[home["id"]]["version"] == 1
    counts = (
        Household.objects.count(),
        Visit.objects.count(),
        HelpItem.objects.count(),
        GroupSession.objects.count(),
    )
    assert counts == (1, 2, 4, 1)
    for _attempt in range(3):
        again = _push(volunteer, **body)
        assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 4
    assert (
        Household.objects.count(),
        Visit.objects.count(),
        HelpItem.objects.count(),
        GroupSession.objects.count(),
    ) == counts
    stored = Household.objects.get()
    assert stored.last_outcome == "met" and stored.services_done == ["vneid_level2"]
    assert stored.created_by == world.a.users[Role.VOLUNTEER]


def test_bad_items_are_rejected_and_never_block_good_ones(volunteer):
    good = household("51001-01")
    bad = household("51001-01", members="bốn")
    outside = household("52001-01")
    body = {
        "households": [good, bad, outside],
        "visits": [visit(good["id"]), visit(good["id"], outcome="chưa rõ"), visit(str(uuid.uuid4()))],
    }
    results = _push(volunteer, **body).json()["results"]
    statuses = [(r["type"], r["status"]) for r in results]
    assert statuses.count(("household", "created")) == 1 and statuses.count(("visit", "created")) == 1
    errors = {r["id"]: r.get("errors") for r in results if r["status"] == "rejected"}
    assert errors[bad["id"]] == {"members": ["Phải là số nguyên."]}
    assert "village" in errors[outside["id"]]
    assert "outcome" in errors[body["visits"][1]["id"]]
    # A household the server has never seen may still be on its way: the phone is told to resend.
    unknown = by_id_results(results)[body["visits"][2]["id"]]
    assert "household" in unknown["errors"] and unknown["retry"] is True
    assert Household.objects.count() == 1 and Visit.objects.count() == 1


def test_household_edit_with_current_version_updates(volunteer):
    home = household("51001-01")
    _push(volunteer, households=[home])
    edited = {**home, "members": 5, "base_version": 1}
    result = by_id(_push(volunteer, households=[edited]))[home["id"]]
    assert (result["status"], result["version"]) == ("updated", 2)
    assert Household.objects.get().members == 5
    # The phone retries the same edit: same content as stored, nothing changes.
    assert by_id(_push(volunteer, households=[edited]))[home["id"]]["status"] == "duplicate"
    assert Household.objects.get().version == 2


def test_stale_household_edit_is_a_conflict_with_the_stored_record(volunteer, world, client_for):
    home = household("51001-01")
    _push(volunteer, households=[home])
    leader = client_for(world.a.users[Role.TEAM_LEADER])
    assert (
        by_id(_push(leader, households=[{**home, "label": "Nhà ông Ba (đã sửa)", "base_version": 1}]))[
            home["id"]
        ]["status"]
        == "updated"
    )
    late = by_id(_push(volunteer, households=[{**home, "members": 6, "base_version": 1}]))[home["id"]]
    assert late["status"] == "conflict" and late["version"] == 2
    assert late["current"]["label"] == "Nhà ông Ba (đã sửa)" and late["current"]["members"] == 4
    assert Household.objects.get().members == 4


def test_visits_are_immutable(volunteer):
    home = household("51001-01")
    knock = visit(home["id"])
    _push(volunteer, households=[home], visits=[knock])
    changed = {**knock, "notes": "sửa lại", "outcome": "not_home", "help": []}
    result = by_id(_push(volunteer, visits=[changed]))[knock["id"]]
    assert result["status"] == "conflict"
    stored = Visit.objects.get()
    assert stored.notes == "" and stored.outcome == "met" and stored.help_items.count() == 2


def test_out_of_scope_households_are_rejected_without_leaking(volunteer, world):
    theirs = factories.HouseholdFactory(village=world.b.village)
    other_village = factories.HouseholdFactory(village=world.a.other_village)  # same commune, no team
    body = {
        "households": [household("51001-01", id=str(theirs.id), base_version=1)],
        "visits": [visit(theirs.id), visit(other_village.id)],
    }
    results = _push(volunteer, **body).json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 3
    assert all("Nhà" not in str(r) and "current" not in r for r in results)
    assert Visit.objects.count() == 0
    assert Household.objects.get(pk=theirs.pk).version == 1


def test_oversized_push_is_413_and_stores_nothing(volunteer):
    homes = [household("51001-01") for _i in range(300)]
    knocks = [visit(h["id"]) for h in homes[:201]]
    response = _push(volunteer, households=homes, visits=knocks)
    assert response.status_code == 413
    assert "500" in response.json()["detail"]
    assert Household.objects.count() == 0


def test_malformed_body_names_the_field(volunteer):
    response = _push(volunteer, visits={"not": "a list"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"visits": ["Phải là một danh sách."]}


def test_device_id_with_nul_is_a_field_error(volunteer):
    response = volunteer.post(PUSH, {"device_id": "phone\x00", "households": []}, format="json")
    assert response.status_code == 400
    assert "device_id" in response.json()["errors"]


def test_what_is_stored_is_exactly_what_was_sent(volunteer, world):
    """Rows travel to the database as one JSON document: text, instants and numbers must survive it."""
    home = household("51001-01", label='Nhà "bà Tư" \\ hẻm 3/2', lat=15.123456789012, lon=108.80853)
    notes = 'Đã hướng dẫn cài VNeID; hẹn "thứ Hai"\ntuần sau \\ gọi lại 😊'
    knock = visit(
        home["id"],
        visited_at="2026-11-20T09:15:30.250000+07:00",
        lat=15.12051234,
        lon=108.80853,
        accuracy_m=0,
        notes=notes,
    )
    results = by_id(_push(volunteer, households=[home], visits=[knock]))
    assert results[knock["id"]]["status"] == "created"
    stored = Visit.objects.get(id=knock["id"])
    assert stored.notes == notes
    assert stored.visited_at == dt.datetime(2026, 11, 20, 2, 15, 30, 250000, tzinfo=dt.UTC)
    assert (stored.lat, stored.lon, stored.accuracy_m) == (15.12051234, 108.80853, 0)
    assert stored.volunteer_id == world.a.users[Role.VOLUNTEER].id
    assert stored.team_id == world.a.team.id and stored.village_id == "51001-01"
    assert "gps_mock_suspected" in stored.flags and stored.is_flagged
    assert sorted(HelpItem.objects.filter(visit=stored).values_list("service_id", "result", "people")) == [
        ("public_service_account", "pending", 1),
        ("vneid_level2", "done", 2),
    ]
    saved_home = Household.objects.get(id=home["id"])
    assert saved_home.label == home["label"] and saved_home.lat == 15.123456789012
    assert saved_home.last_visited_at == stored.visited_at
    assert saved_home.services_done == ["vneid_level2"]
    assert _push(volunteer, visits=[knock]).json()["results"][0]["status"] == "duplicate"


@pytest.mark.parametrize("role", [Role.PROVINCE_OFFICER, Role.ADMIN])
def test_roles_without_field_work_cannot_push(world, client_for, role):
    user = world.admin if role == Role.ADMIN else world.a.users[role]
    assert _push(client_for(user), households=[household("51001-01")]).status_code == 403
    assert Household.objects.count() == 0


def test_pending_opens_a_follow_up_and_a_later_done_closes_it(volunteer, world):
    home = household("51001-01")
    first = visit(home["id"], minutes_ago=600)
    _push(volunteer, households=[home], visits=[first])
    followup = FollowUp.objects.get()
    assert (followup.service_id, followup.team, followup.closed_at) == (
        "public_service_account",
        world.a.team,
        None,
    )
    assert followup.due == (timezone.localtime(followup.since).date() + dt.timedelta(days=7))
    later = visit(
        home["id"],
        minutes_ago=10,
        help=[{"service": "public_service_account", "result": "done", "people": 1}],
    )
    _push(volunteer, visits=[later])
    followup.refresh_from_db()
    assert followup.closed_at is not None and str(followup.closed_by_id) == later["id"]
    # A "done" recorded before the follow-up opened does not close a newer one.
    again = visit(
        home["id"],
        minutes_ago=5,
        help=[{"service": "public_service_account", "result": "pending", "people": 1}],
    )
    older_done = visit(
        home["id"],
        minutes_ago=900,
        help=[{"service": "public_service_account", "result": "done", "people": 1}],
    )
    _push(volunteer, visits=[again, older_done])
    assert FollowUp.objects.filter(closed_at__isnull=True).count() == 1


def test_moved_outcome_marks_the_household(volunteer):
    home = household("51001-01")
    _push(volunteer, households=[home], visits=[visit(home["id"], outcome="moved", help=[])])
    assert Household.objects.get().moved is True


def test_group_session_conflict_when_content_changes(volunteer):
    session = {
        "id": str(uuid.uuid4()),
        "village": "51001-01",
        "held_at": timezone.localtime().isoformat(),
        "services": ["online_safety", "cashless_payment"],
        "attendees": 35,
    }
    assert by_id(_push(volunteer, group_sessions=[session]))[session["id"]]["status"] == "created"
    assert (
        by_id(_push(volunteer, group_sessions=[{**session, "attendees": 40}]))[session["id"]]["status"]
        == "conflict"
    )
    assert GroupSession.objects.get().attendees == 35
    unknown = {**session, "id": str(uuid.uuid4()), "services": ["bay_drone"]}
    assert by_id(_push(volunteer, group_sessions=[unknown]))[unknown["id"]]["errors"].keys() == {"services"}
    # Every field's own error comes at once; rules across fields and the catalogue come after them.
    bad = {
        **session,
        "id": str(uuid.uuid4()),
        "services": ["bay_drone"],
        "attendees": 0,
        "held_at": "hôm nay",
    }
    assert by_id(_push(volunteer, group_sessions=[bad]))[bad["id"]]["errors"].keys() == {
        "attendees",
        "held_at",
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lat", 48.85, "lãnh thổ Việt Nam"),
        ("lon", 2.35, "lãnh thổ Việt Nam"),
        ("visited_at", "hôm qua", "ISO 8601"),
        ("visited_at", "2026-11-20T09:15:00", "múi giờ"),
        ("accuracy_m", -3, "0 đến 10000"),
        ("id", "không-phải-uuid", "UUID"),
        ("notes", "ghi chú\x00", "NUL"),
    ],
)
def test_visit_fields_are_validated_by_name(volunteer, field, value, message):
    home = household("51001-01")
    knock = visit(home["id"], **{field: value})
    results = _push(volunteer, households=[home], visits=[knock]).json()["results"]
    rejected = next(r for r in results if r["type"] == "visit")
    assert rejected["status"] == "rejected"
    assert message in rejected["errors"][field][0]


@pytest.mark.parametrize(
    ("help_items", "field"),
    [
        ([{"service": "bay_drone", "result": "done", "people": 1}], "help[0].service"),
        ([{"service": "vneid_level2", "result": "xong", "people": 1}], "help[0].result"),
        ([{"service": "vneid_level2", "result": "done", "people": 0}], "help[0].people"),
        ([{"service": "vneid_level2", "result": "done", "people": 1}] * 2, "help[1].service"),
    ],
)
def test_help_items_are_validated_by_name(volunteer, help_items, field):
    home = household("51001-01")
    results = by_id(_push(volunteer, households=[home], visits=[visit(home["id"], help=help_items)]))
    assert field in next(r for r in results.values() if r["type"] == "visit")["errors"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"members": 0}, "members"),
        ({"members": 3, "working_age": 4}, "working_age"),
        ({"label": ""}, "label"),
        ({"consent": False}, "consent"),
        ({"phone": "090-ABC"}, "phone"),
        ({"lat": 15.1, "lon": None}, "lon"),
        ({"label": "Nhà\x00"}, "label"),
    ],
)
def test_household_fields_are_validated_by_name(volunteer, overrides, field):
    home = household("51001-01", **overrides)
    result = by_id(_push(volunteer, households=[home]))[home["id"]]
    assert result["status"] == "rejected" and field in result["errors"]


def test_household_without_consent_may_keep_no_name(volunteer):
    home = household("51001-01", consent=False, head_name="", phone="")
    assert by_id(_push(volunteer, households=[home]))[home["id"]]["status"] == "created"
