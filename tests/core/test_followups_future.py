"""A visit flagged as dated in the future (a phone's wrong clock) changes no follow-up: its ``done``
never closes a real open one, its ``pending`` never opens one, in whatever order the visits arrive
(core/services/followups.py). It counts once someone confirms it."""

import uuid

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import FollowUp, Role, Visit
from core.services.followups import HelpEvent, followup_episodes
from core.services.integrity import TIME_IN_FUTURE
from tests.field_api.sync_helpers import household, visit

SERVICE = "vneid_level2"
MINUTES_A_DAY = 60 * 24


def _visit(home: str, *, minutes_ago: int, result: str) -> dict:
    return visit(home, minutes_ago=minutes_ago, help=[{"service": SERVICE, "result": result, "people": 1}])


def _open_followups(api, home: str) -> list[dict]:
    return [f for f in api.get("/api/v1/sync/pull/").json()["followups"] if f["household"] == home]


def test_a_future_dated_done_leaves_the_open_followup_open(world, client_for, catalogue):
    api = client_for(world.a.users[Role.VOLUNTEER])
    home = household(world.a.village.code)
    pending = _visit(home["id"], minutes_ago=MINUTES_A_DAY, result="pending")
    assert (
        api.post("/api/v1/sync/push/", {"households": [home], "visits": [pending]}, format="json").status_code
        == 200
    )
    assert len(_open_followups(api, home["id"])) == 1

    wrong_clock = _visit(home["id"], minutes_ago=-2 * MINUTES_A_DAY, result="done")  # two days ahead
    answer = api.post("/api/v1/sync/push/", {"visits": [wrong_clock]}, format="json").json()["results"][0]
    assert answer["status"] == "created" and TIME_IN_FUTURE in answer["flags"]

    (still_open,) = _open_followups(api, home["id"])
    assert still_open["since"] == Visit.objects.get(pk=pending["id"]).visited_at.isoformat()
    assert FollowUp.objects.get(household_id=home["id"]).closed_at is None
    # A real visit that does the work closes it, as always.
    done = _visit(home["id"], minutes_ago=10, result="done")
    api.post("/api/v1/sync/push/", {"visits": [done]}, format="json")
    assert _open_followups(api, home["id"]) == []
    assert str(FollowUp.objects.get(household_id=home["id"]).closed_by_id) == done["id"]


# One (household, service)'s history: each visit real (minutes ago) or ahead of the clock (minutes
# ahead, past the 5-minute skew, within the 30 days the API accepts), with its result.
EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["pending", "done", "failed"]),
        st.one_of(
            st.integers(min_value=1, max_value=20 * MINUTES_A_DAY),  # real: minutes ago
            st.integers(min_value=-20 * MINUTES_A_DAY, max_value=-10),  # wrong clock: minutes ahead
        ),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=EVENTS, order=st.randoms(use_true_random=False), batch=st.integers(min_value=1, max_value=4))
def test_followups_follow_the_real_visits_only(world, client_for, catalogue, events, order, batch):
    api = client_for(world.a.users[Role.VOLUNTEER])
    home = household(world.a.village.code)
    assert api.post("/api/v1/sync/push/", {"households": [home]}, format="json").status_code == 200
    visits = [_visit(home["id"], minutes_ago=minutes, result=result) for result, minutes in events]
    arrival = list(visits)
    order.shuffle(arrival)
    for start in range(0, len(arrival), batch):
        response = api.post("/api/v1/sync/push/", {"visits": arrival[start : start + batch]}, format="json")
        assert {r["status"] for r in response.json()["results"]} == {"created"}

    now = timezone.now()
    stored = {str(v.id): v for v in Visit.objects.filter(household_id=home["id"])}
    real = [
        HelpEvent(stored[v["id"]].visited_at, uuid.UUID(v["id"]), result)
        for v, (result, minutes) in zip(visits, events, strict=True)
        if minutes > 0
    ]
    # Every visit ahead of the clock was flagged so, and none of the real ones.
    assert all(
        (TIME_IN_FUTURE in stored[v["id"]].flags) == (minutes < 0)
        for v, (_r, minutes) in zip(visits, events, strict=True)
    )
    expected = {(e.opened_by, e.closed_by) for e in followup_episodes(real)}
    rows = {(f.opened_by_id, f.closed_by_id) for f in FollowUp.objects.filter(household_id=home["id"])}
    assert rows == expected
    assert all(stored[str(opener)].visited_at <= now for opener, _closer in rows)
    assert len(_open_followups(api, home["id"])) == sum(1 for _o, closer in expected if closer is None)
