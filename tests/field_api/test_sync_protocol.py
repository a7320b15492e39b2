"""The push protocol tells the truth: resends in another form are duplicates, repeats in one batch are
judged against their first copy, "not here yet" differs from "never", dates stay in a sane window, and
follow-ups follow visit time whatever order the visits arrive in."""

import datetime as dt
import itertools
import json
import unicodedata
import uuid

import pytest
from django.utils import timezone

from core.models import FollowUp, GroupSession, HelpItem, Household, Role, Visit
from tests.field_api.sync_helpers import by_id, household, visit

pytestmark = pytest.mark.usefixtures("catalogue")

PUSH = "/api/v1/sync/push/"


def _push(client, **body):
    return client.post(PUSH, {"device_id": "phone-1", **body}, format="json")


def _raw(client, text: str):
    return client.post(PUSH, data=text, content_type="application/json")


# --- one form per value ----------------------------------------------------------------------------


def test_text_in_another_normal_form_is_a_duplicate_and_lengths_count_characters(volunteer):
    label = "Nhà bà Tư, xóm Điện Biên"  # NFC, as most keyboards type it
    home = household("51001-01", label=label, head_name="Trần Thị Ánh")
    assert by_id(_push(volunteer, households=[home]))[home["id"]]["status"] == "created"
    decomposed = {
        **home,
        "label": unicodedata.normalize("NFD", label),
        "head_name": unicodedata.normalize("NFD", "Trần Thị Ánh"),
    }
    assert decomposed["label"] != label
    assert by_id(_push(volunteer, households=[decomposed]))[home["id"]]["status"] == "duplicate"
    stored = Household.objects.get()
    assert stored.label == label and unicodedata.is_normalized("NFC", stored.head_name)
    # 200 characters as people see them fit, even when the phone sent more code points (NFD).
    long_label = "ệ" * 200
    fits = household("51001-01", label=unicodedata.normalize("NFD", long_label))
    assert len(fits["label"]) > 200
    assert by_id(_push(volunteer, households=[fits]))[fits["id"]]["status"] == "created"
    assert Household.objects.get(id=fits["id"]).label == long_label
    too_long = household("51001-01", label="ệ" * 201)
    assert by_id(_push(volunteer, households=[too_long]))[too_long["id"]]["errors"].keys() == {"label"}


def test_a_number_written_another_way_is_a_duplicate(volunteer):
    home = household("51001-01", members=4, working_age=2)
    knock = visit(home["id"], accuracy_m=12, lat=15.12051)
    session = {
        "id": str(uuid.uuid4()),
        "village": "51001-01",
        "held_at": timezone.localtime().isoformat(),
        "services": ["online_safety"],
        "attendees": 35,
    }
    first = _push(volunteer, households=[home], visits=[knock], group_sessions=[session])
    assert [r["status"] for r in first.json()["results"]] == ["created"] * 3
    floats = {
        "households": [{**home, "members": 4.0, "working_age": 2.0}],
        "visits": [
            {
                **knock,
                "accuracy_m": 12.0,
                "help": [{**h, "people": float(h["people"])} for h in knock["help"]],
            }
        ],
        "group_sessions": [{**session, "attendees": 35.0}],
    }
    again = _push(volunteer, **floats)
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 3
    # -0.0 and 0.0 are one number too.
    zero = visit(home["id"], minutes_ago=5, accuracy_m=0)
    _push(volunteer, visits=[zero])
    assert by_id(_push(volunteer, visits=[{**zero, "accuracy_m": -0.0}]))[zero["id"]]["status"] == "duplicate"


def test_hashes_of_items_stored_before_the_spec_still_match(volunteer):
    """A phone resending, after an upgrade, what it sent before must still get ``duplicate``."""
    import hashlib

    home = household("51001-01")
    knock = visit(home["id"])
    _push(volunteer, households=[home], visits=[knock])
    # The content hashes exactly as the first protocol version computed them.
    old_visit_content = {
        "household": knock["household"],
        "visited_at": dt.datetime.fromisoformat(knock["visited_at"]).astimezone(dt.UTC).isoformat(),
        "lat": float(knock["lat"]),
        "lon": float(knock["lon"]),
        "accuracy_m": knock["accuracy_m"],
        "outcome": knock["outcome"],
        "notes": knock["notes"],
        "help": sorted((h["service"], h["result"], h["people"]) for h in knock["help"]),
    }
    old_hash = hashlib.sha256(json.dumps(old_visit_content, sort_keys=True, default=str).encode()).hexdigest()
    assert Visit.objects.get().content_hash == old_hash


# --- the same item twice in one batch --------------------------------------------------------------


def test_the_same_item_twice_in_one_batch_is_a_duplicate_or_a_conflict(volunteer):
    home = household("51001-01")
    knock = visit(home["id"])
    changed_knock = {**knock, "notes": "khác"}
    session = {
        "id": str(uuid.uuid4()),
        "village": "51001-01",
        "held_at": timezone.localtime().isoformat(),
        "services": ["online_safety"],
        "attendees": 35,
    }
    response = _push(
        volunteer,
        households=[home, home, {**home, "members": 7}],
        visits=[knock, knock, changed_knock],
        group_sessions=[session, session, {**session, "attendees": 9}],
    )
    statuses = [(r["type"], r["status"]) for r in response.json()["results"]]
    assert statuses == [
        ("household", "created"),
        ("household", "duplicate"),
        ("household", "conflict"),
        ("visit", "created"),
        ("visit", "duplicate"),
        ("visit", "conflict"),
        ("group_session", "created"),
        ("group_session", "duplicate"),
        ("group_session", "conflict"),
    ]
    assert (Household.objects.count(), Visit.objects.count(), GroupSession.objects.count()) == (1, 1, 1)
    assert HelpItem.objects.count() == 2 and Visit.objects.get().notes == ""


# --- "not here yet" is not "never" -------------------------------------------------------------------


def test_a_visit_before_its_household_arrives_says_retry(volunteer, world, client_for):
    home = household("51001-01")
    early = visit(home["id"])
    result = by_id(_push(volunteer, visits=[early]))[early["id"]]
    assert result["status"] == "rejected" and result["retry"] is True
    assert "household" in result["errors"] and "chưa đến" in result["errors"]["household"][0]
    # Once the household has arrived, the same visit goes in.
    _push(volunteer, households=[home])
    assert by_id(_push(volunteer, visits=[early]))[early["id"]]["status"] == "created"

    # A household that exists in another team's villages is a plain "no": no retry.
    theirs = household("52001-01")
    client_for(world.b.users[Role.VOLUNTEER]).post(PUSH, {"households": [theirs]}, format="json")
    outside = visit(theirs["id"])
    refused = by_id(_push(volunteer, visits=[outside]))[outside["id"]]
    assert refused["status"] == "rejected" and "retry" not in refused
    assert refused["errors"] == {"household": ["Hộ không thuộc các thôn của bạn."]}

    # A household refused in the same push is not "on its way" either.
    bad_home = household("51001-01", members=0)
    its_visit = visit(bad_home["id"])
    answer = by_id(_push(volunteer, households=[bad_home], visits=[its_visit]))
    assert answer[its_visit["id"]]["status"] == "rejected" and "retry" not in answer[its_visit["id"]]


# --- dates in a sane window ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        "2019-12-31T23:59:59+07:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-23:59",
        "2000-02-29T12:00:00+00:00",
    ],
)
def test_instants_outside_the_window_are_rejected_by_name(volunteer, moment):
    home = household("51001-01")
    _push(volunteer, households=[home])
    knock = visit(home["id"], visited_at=moment)
    session = {
        "id": str(uuid.uuid4()),
        "village": "51001-01",
        "held_at": moment,
        "services": ["online_safety"],
        "attendees": 5,
    }
    results = by_id(_push(volunteer, visits=[knock], group_sessions=[session]))
    assert results[knock["id"]]["errors"].keys() == {"visited_at"}
    assert results[session["id"]]["errors"].keys() == {"held_at"}
    assert not Visit.objects.exists() and not GroupSession.objects.exists()


def test_more_than_30_days_ahead_is_rejected_and_a_modest_future_never_becomes_last_visit(volunteer):
    home = household("51001-01")
    _push(volunteer, households=[home])
    far = visit(home["id"], visited_at=(timezone.now() + dt.timedelta(days=31)).isoformat())
    assert by_id(_push(volunteer, visits=[far]))[far["id"]]["errors"].keys() == {"visited_at"}

    now = timezone.now()
    future = visit(
        home["id"], visited_at=(now + dt.timedelta(days=3)).isoformat(), outcome="refused", help=[]
    )
    real = visit(home["id"], visited_at=(now - dt.timedelta(hours=2)).isoformat(), outcome="met")
    result = by_id(_push(volunteer, visits=[future, real]))
    assert result[future["id"]]["status"] == "created" and "time_in_future" in result[future["id"]]["flags"]
    stored = Household.objects.get()
    assert stored.last_outcome == "met"
    assert stored.last_visited_at == dt.datetime.fromisoformat(real["visited_at"])
    # A later, older visit still moves "last visit" as if the future one were not there.
    later_push = visit(
        home["id"], visited_at=(now - dt.timedelta(hours=1)).isoformat(), outcome="come_back", help=[]
    )
    _push(volunteer, visits=[later_push])
    stored.refresh_from_db()
    assert stored.last_outcome == "come_back"
    # The future visit alone, on a household never visited: stored, but no "last visit".
    lone = household("51001-01")
    _push(volunteer, households=[lone])
    only_future = visit(
        lone["id"], visited_at=(now + dt.timedelta(days=2)).isoformat(), outcome="not_home", help=[]
    )
    _push(volunteer, visits=[only_future])
    untouched = Household.objects.get(id=lone["id"])
    assert (untouched.last_visited_at, untouched.last_outcome) == (None, "")


# --- follow-ups follow visit time -----------------------------------------------------------------------


def _help_visit(home_id: str, day: int, result: str) -> dict:
    at = timezone.now().replace(microsecond=0) - dt.timedelta(days=10 - day)
    return visit(
        home_id,
        visited_at=at.isoformat(),
        help=[{"service": "vneid_level2", "result": result, "people": 1}],
    )


def _expected_open(events: list[tuple[int, str]]) -> int | None:
    """Plain oracle: the day of the pending that leaves a follow-up open, walking days in order."""
    open_since = None
    for day, result in sorted(events):
        if result == "pending" and open_since is None:
            open_since = day
        elif result == "done":
            open_since = None
    return open_since


SCENARIOS = [
    [(1, "pending"), (6, "done")],
    [(1, "pending"), (3, "pending"), (6, "done")],
    [(1, "pending"), (4, "done"), (6, "pending")],
    [(2, "done"), (5, "pending"), (7, "failed")],
    [(1, "pending"), (3, "failed"), (5, "done"), (8, "pending")],
]


@pytest.mark.parametrize("events", SCENARIOS)
def test_followups_depend_on_visit_time_not_arrival_order(world, client_for, events):
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    expected = _expected_open(events)
    for order in itertools.permutations(range(len(events))):
        home = household("51001-01")
        _push(volunteer, households=[home])
        knocks = [_help_visit(home["id"], day, result) for day, result in events]
        for index in order:  # each visit in its own push, in this arrival order
            assert by_id(_push(volunteer, visits=[knocks[index]]))[knocks[index]["id"]]["status"] == "created"
        open_rows = FollowUp.objects.filter(household_id=home["id"], closed_at__isnull=True)
        if expected is None:
            assert not open_rows.exists(), (events, order)
        else:
            row = open_rows.get()
            opener = knocks[[day for day, _r in events].index(expected)]
            assert str(row.opened_by_id) == opener["id"], (events, order)
            assert row.since == dt.datetime.fromisoformat(opener["visited_at"])
        # Every follow-up that was ever open is closed by the first "done" after it, in visit time.
        for row in FollowUp.objects.filter(household_id=home["id"], closed_at__isnull=False):
            assert row.closed_at > row.since


def test_followups_from_one_batch_with_every_arrival_order_agree(volunteer):
    events = [(1, "pending"), (4, "done"), (6, "pending"), (9, "done")]
    states = set()
    for order in itertools.permutations(range(len(events))):
        home = household("51001-01")
        _push(volunteer, households=[home])
        knocks = [_help_visit(home["id"], day, result) for day, result in events]
        _push(volunteer, visits=[knocks[i] for i in order])
        rows = FollowUp.objects.filter(household_id=home["id"]).order_by("since")
        states.add(tuple((r.since.day, r.closed_at.day if r.closed_at else None) for r in rows))
    assert len(states) == 1 and all(closed is not None for _since, closed in next(iter(states)))


# --- bodies a JSON renderer would not write ---------------------------------------------------------------


def test_raw_bodies_with_surrogates_nan_infinity_and_huge_numbers_reject_only_their_item(volunteer):
    good = household("51001-01")
    bad_label = household("51001-01", label="@LABEL@")
    bad_lat = household("51001-01", lat="@LAT@")
    bad_members = household("51001-01", members="@MEMBERS@")
    nan = household("51001-01", lat="@NAN@", lon="@INF@")
    text = json.dumps({"households": [good, bad_label, bad_lat, bad_members, nan]})
    for placeholder, raw in {
        "@LABEL@": "Nh\\ud800 \\udfff",
        "@LAT@": "1e400",
        "@MEMBERS@": "9" * 5000,  # past Python's 4300-digit limit for int()
        "@NAN@": "NaN",
        "@INF@": "-Infinity",
    }.items():
        text = text.replace(f'"{placeholder}"', raw if placeholder != "@LABEL@" else f'"{raw}"')
    results = by_id(_raw(volunteer, text))
    assert results[good["id"]]["status"] == "created"
    assert results[bad_label["id"]]["errors"].keys() == {"label"}
    assert results[bad_lat["id"]]["errors"].keys() == {"lat"}
    assert results[bad_members["id"]]["errors"].keys() == {"members"}
    assert results[nan["id"]]["errors"].keys() == {"lat", "lon"}
    assert Household.objects.count() == 1


def test_only_json_bodies_and_never_a_500_for_the_envelope(volunteer):
    assert volunteer.post(PUSH, {"device_id": "x"}).status_code == 415  # multipart
    assert (
        volunteer.post(PUSH, "device_id=x", content_type="application/x-www-form-urlencoded").status_code
        == 415
    )
    deep = "[" * 100_000 + "]" * 100_000
    response = _raw(volunteer, deep)
    assert response.status_code == 400 and set(response.json()) == {"detail", "errors"}
    response = _raw(volunteer, '{"device_id": "\\ud800", "households": {}}')
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"device_id", "households"}
    assert volunteer.post(PUSH, b"\xff\xfe", content_type="application/json").status_code == 400
