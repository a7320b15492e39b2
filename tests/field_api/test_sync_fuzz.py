"""Any JSON value in any field of any pushed item: that item is rejected naming the field (or stored,
when the value happens to be valid), the good items beside it are stored exactly once, and the answer
is a 200, never a 500. Through the real endpoint, with raw bodies (lone surrogate escapes, NaN,
Infinity) that a JSON renderer would refuse to produce."""

import datetime as dt
import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import record_spec as spec
from core.models import GroupSession, HelpItem, Household, Role, Visit
from tests.field_api.sync_helpers import household, visit

pytestmark = pytest.mark.usefixtures("catalogue")

PUSH = "/api/v1/sync/push/"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values that found real holes, mixed in with everything Hypothesis makes up.
NASTY_VALUES = [
    "\ud800",
    "a\udfffb",
    "nhà\x00",
    "e\u0301",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-23:59",
    "2026-11-20T09:15:00",
    "1999-12-31T23:59:59+07:00",
    "2026-11-20",
    str(uuid.uuid4()),
    "vneid_level2",
    "met",
    "done",
    "51001-01",
    "",
    " ",
    "x" * 5000,
    10**30,
    -(10**30),
    2**63,
    float("inf"),
    float("-inf"),
    float("nan"),
    -0.0,
    1e308,
    [],
    {},
    [[]],
    [{}],
    {"a": []},
]
NASTY = st.sampled_from(NASTY_VALUES)
TEXT = st.text(st.characters(exclude_categories=()), max_size=30)  # surrogates included
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXT
    | NASTY
    | st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat())
)
ANY_JSON = st.recursive(
    LEAVES,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=6,
)
OFFSETS = st.sampled_from(
    [dt.timedelta(hours=14), -dt.timedelta(hours=23, minutes=59), dt.timedelta(hours=7), dt.timedelta(0)]
)
MOMENTS = st.builds(
    lambda moment, offset: moment.replace(tzinfo=dt.timezone(offset)).isoformat(),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)),
    OFFSETS,
)
NUMBERS = st.floats(allow_nan=True, allow_infinity=True) | st.integers(
    min_value=-(10**400), max_value=10**400
)
# Values of nearly the right type, where most holes hide, per kind of field.
NEAR = {
    spec.Text: TEXT | NASTY,
    spec.Integer: NUMBERS,
    spec.Number: NUMBERS,
    spec.Boolean: st.booleans() | st.integers(0, 1),
    spec.Choice: st.sampled_from(["met", "moved", "done", "pending"]) | TEXT,
    spec.Uuid: st.uuids().map(str) | TEXT,
    spec.Moment: MOMENTS | NASTY,
    spec.Codes: st.lists(st.sampled_from(["online_safety", "vneid_level2"]) | TEXT | ANY_JSON, max_size=4),
    spec.Objects: st.lists(
        st.dictionaries(st.sampled_from(["service", "result", "people"]), ANY_JSON), max_size=3
    ),
}
ABSENT = object()
KINDS = {
    "household": spec.HOUSEHOLD_SPEC,
    "visit": spec.VISIT_SPEC,
    "help": spec.HELP_SPEC,
    "group_session": spec.SESSION_SPEC,
}
# The JSON types each kind of field takes; anything else must be rejected naming the field.
TAKES = {
    spec.Text: (str,),
    spec.Integer: (int, float),
    spec.Number: (int, float),
    spec.Boolean: (bool,),
    spec.Choice: (str,),
    spec.Uuid: (str,),
    spec.Moment: (str,),
    spec.Codes: (list,),
    spec.Objects: (list,),
}


def _raw_post(client, body) -> object:
    # ensure_ascii keeps lone surrogates as \ud800 escapes; allow_nan writes NaN and Infinity.
    return client.post(
        PUSH, data=json.dumps(body, ensure_ascii=True, allow_nan=True), content_type="application/json"
    )


def _session(village: str) -> dict:
    from django.utils import timezone

    return {
        "id": str(uuid.uuid4()),
        "village": village,
        "held_at": timezone.localtime().isoformat(),
        "services": ["online_safety"],
        "attendees": 35,
        "lat": 15.12,
        "lon": 108.81,
    }


def _wrong_type(spec_field: spec.Field, value) -> bool:
    if value is ABSENT:
        return spec_field.required
    if value is None:
        return not spec_field.nullable
    return type(value) not in TAKES[type(spec_field)]  # true and false are bools, never numbers


def _stored(kind: str, item_id: str) -> int:
    model = {"household": Household, "visit": Visit, "help": Visit, "group_session": GroupSession}[kind]
    return model.objects.filter(id=item_id).count()


def _mutations(kind: str):
    """One to three fields of one item of ``kind``, each given any JSON value (often one of nearly the
    right type) or removed."""
    fields = KINDS[kind]
    pairs = st.sampled_from(list(fields)).flatmap(
        lambda name: st.tuples(st.just(name), ANY_JSON | NEAR[type(fields[name])] | st.just(ABSENT))
    )
    return st.lists(pairs, min_size=1, max_size=3).map(dict)


def _target(kind: str, home_id: str, mutations: dict) -> dict:
    item = {
        "household": lambda: household("51001-01"),
        "visit": lambda: visit(home_id),
        "help": lambda: visit(home_id),
        "group_session": lambda: _session("51001-01"),
    }[kind]()
    fields = item["help"][0] if kind == "help" else item
    for name, value in mutations.items():
        if value is ABSENT:
            fields.pop(name, None)
        else:
            fields[name] = value
    return item


PLURAL = {"household": "households", "visit": "visits", "help": "visits", "group_session": "group_sessions"}


def _push_and_check(client, changes: list[tuple[str, dict]]) -> None:
    """Push good items beside one item per change; every item is judged on its own, twice over."""
    good_home = household("51001-01")
    good_visit = visit(good_home["id"])
    good_session = _session("51001-01")
    body = {
        "device_id": "fuzz",
        "households": [good_home],
        "visits": [good_visit],
        "group_sessions": [good_session],
    }
    targets = []
    for kind, change in changes:
        item = _target(kind, good_home["id"], change)
        body[PLURAL[kind]].append(item)
        targets.append((kind, PLURAL[kind], len(body[PLURAL[kind]]) - 1, item, change))

    first = _raw_post(client, body)
    assert first.status_code == 200, first.content[:500]
    results = first.json()["results"]
    # Results come in the order sent: households, visits, then sessions.
    offsets = {"households": 0, "visits": len(body["households"])}
    offsets["group_sessions"] = offsets["visits"] + len(body["visits"])
    assert len(results) == offsets["group_sessions"] + len(body["group_sessions"])
    goods = [results[offsets[key]] for key in ("households", "visits", "group_sessions")]
    assert [r["status"] for r in goods] == ["created"] * 3, goods
    for kind, plural, index, item, change in targets:
        result = results[offsets[plural] + index]
        # Hypothesis may hand out one UUID twice: a mutated id can meet an earlier example's item.
        allowed = ("created", "rejected") + (("duplicate", "conflict") if "id" in change else ())
        assert result["status"] in allowed, (change, result)
        prefix = "help[0]." if kind == "help" else ""
        if result["status"] == "rejected":
            errors = result["errors"]
            assert errors and all(isinstance(m, str) for messages in errors.values() for m in messages)
            for name, value in change.items():
                if _wrong_type(KINDS[kind][name], value):
                    assert prefix + name in errors, (name, value, errors)
            if "id" not in change:
                assert _stored(kind, item["id"]) == 0, (change, result)
        elif result["status"] == "created":
            assert _stored(kind, item["id"]) == 1

    again = _raw_post(client, body)
    assert again.status_code == 200
    statuses = [
        again.json()["results"][offsets[key]]["status"] for key in ("households", "visits", "group_sessions")
    ]
    assert statuses == ["duplicate"] * 3
    assert (
        Household.objects.filter(id=good_home["id"]).count(),
        Visit.objects.filter(id=good_visit["id"]).count(),
        HelpItem.objects.filter(visit_id=good_visit["id"]).count(),
        GroupSession.objects.filter(id=good_session["id"]).count(),
    ) == (1, 1, 2, 1)


@FUZZ
@given(
    mutations=st.fixed_dictionaries(
        {kind: st.lists(_mutations(kind), min_size=1, max_size=2) for kind in KINDS}
    )
)
def test_any_json_in_any_field_rejects_only_that_item(world, client_for, mutations):
    client = client_for(world.a.users[Role.VOLUNTEER])
    _push_and_check(client, [(kind, change) for kind, changes in mutations.items() for change in changes])


SWEEP = [
    *NASTY_VALUES,
    ABSENT,
    None,
    True,
    0,
    1.5,
    10**400,
    -(10**400),
    "chữ",
    "ｆｕｌｌｗｉｄｔｈ",
    [1],
    ["online_safety", ["online_safety"]],
    [{"service": "vneid_level2", "result": "done"}, {"service": ["x"], "result": {"a": 1}}],
    {"service": "vneid_level2"},
]


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_known_bad_value_in_every_field(world, client_for, kind):
    """Each class the outside review found, in each field of ``kind``, as one batch (under 500 items)."""
    client = client_for(world.a.users[Role.VOLUNTEER])
    _push_and_check(client, [(kind, {name: value}) for name in KINDS[kind] for value in SWEEP])


@FUZZ
@given(
    device_id=ANY_JSON | st.just(ABSENT),
    lists=st.dictionaries(st.sampled_from(["households", "visits", "group_sessions"]), ANY_JSON, max_size=3),
)
def test_any_envelope_answers_json_and_never_500(world, client_for, device_id, lists):
    client = client_for(world.a.users[Role.VOLUNTEER])
    body = dict(lists)
    if device_id is not ABSENT:
        body["device_id"] = device_id
    response = _raw_post(client, body)
    assert response.status_code in (200, 400), response.content[:500]
    answer = response.json()
    if response.status_code == 400:
        assert set(answer) == {"detail", "errors"} and answer["errors"]
        assert set(answer["errors"]) <= {"device_id", "households", "visits", "group_sessions"}
    else:
        assert len(answer["results"]) == sum(len(v) for v in lists.values() if isinstance(v, list))
