"""Building push payloads the way the phone does."""

import datetime as dt
import itertools
import uuid

from django.utils import timezone


def household(village: str, **overrides) -> dict:
    item = {
        "id": str(uuid.uuid4()),
        "village": village,
        "label": "Nhà ông Ba, số 12",
        "head_name": "Nguyễn Văn Ba",
        "phone": "0905123456",
        "members": 4,
        "working_age": 2,
        "lat": 15.1205,
        "lon": 108.8085,
        "consent": True,
        "base_version": None,
    }
    item.update(overrides)
    return item


# Consecutive visits drawn in one test are 61 s apart (tests/conftest.py restarts the walk for each test):
# doors a minute apart are what real walks look like, and visits of one volunteer to two households under
# 60 s apart are held out of every total (core.counting), which a test means only when it says so. After
# DOORS_PER_WALK visits the walk starts again from the first time.
_doors_walked = itertools.count()
DOORS_PER_WALK = 120


def walk_restart() -> None:
    global _doors_walked
    _doors_walked = itertools.count()


def visit(household_id: str, *, minutes_ago: int = 60, **overrides) -> dict:
    walked = dt.timedelta(seconds=61 * (next(_doors_walked) % DOORS_PER_WALK))
    # A visit dated ahead (a wrong clock) moves further ahead, never back into the past.
    visited_at = (
        timezone.localtime() - dt.timedelta(minutes=minutes_ago) + (walked if minutes_ago < 0 else -walked)
    )
    item = {
        "id": str(uuid.uuid4()),
        "household": str(household_id),
        "visited_at": visited_at.isoformat(),
        "lat": 15.12051,
        "lon": 108.80853,
        "accuracy_m": 12,
        "outcome": "met",
        "help": [
            {"service": "vneid_level2", "result": "done", "people": 2},
            {"service": "public_service_account", "result": "pending", "people": 1},
        ],
        "notes": "",
    }
    item.update(overrides)
    return item


def by_id(response) -> dict:
    return {result["id"]: result for result in response.json()["results"]}


def drawn_visits(known: list[str], drawn: list[tuple]) -> list[dict]:
    """Visits as a Hypothesis strategy draws them, (which household, outcome, help items as (service,
    result, people), minutes ago[, location mocked]), each to one of the ``known`` households (by
    index, modulo). A mocked location (GPS accuracy 0) is a strong flag: the visit is held."""
    if not known:
        return []
    return [
        visit(
            known[index % len(known)],
            minutes_ago=minutes_ago,
            outcome=outcome,
            help=[{"service": s, "result": r, "people": p} for s, r, p in helped],
            **({"accuracy_m": 0} if mocked else {}),
        )
        for index, outcome, helped, minutes_ago, *rest in drawn
        for mocked in [bool(rest and rest[0])]
    ]
