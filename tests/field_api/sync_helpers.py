"""Building push payloads the way the phone does."""

import datetime as dt
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


def visit(household_id: str, *, minutes_ago: int = 60, **overrides) -> dict:
    visited_at = timezone.localtime() - dt.timedelta(minutes=minutes_ago)
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
    result, people), minutes ago), each to one of the ``known`` households (by index, modulo)."""
    if not known:
        return []
    return [
        visit(
            known[index % len(known)],
            minutes_ago=minutes_ago,
            outcome=outcome,
            help=[{"service": s, "result": r, "people": p} for s, r, p in helped],
        )
        for index, outcome, helped, minutes_ago in drawn
    ]
