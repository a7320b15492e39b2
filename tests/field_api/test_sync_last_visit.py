"""Every recomputation of a household's last visit follows the push's rule: latest by visit time,
never a visit flagged in the future."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from core.models import Household, Role, Visit
from core.services.last_visit import household_last_visit_refresh
from tests import factories


@pytest.fixture
def home(world):
    return factories.HouseholdFactory(village=world.a.village)


def _visit(home, world, *, at, outcome, flags=()):
    return Visit.objects.create(
        id=uuid.uuid4(),
        household=home,
        village=home.village,
        volunteer=world.a.users[Role.VOLUNTEER],
        visited_at=at,
        outcome=outcome,
        flags=list(flags),
        is_flagged=bool(flags),
        content_hash="x",
    )


def test_refresh_skips_visits_flagged_in_the_future(world, home):
    now = timezone.now()
    _visit(home, world, at=now - dt.timedelta(days=2), outcome="met")
    _visit(home, world, at=now + dt.timedelta(days=3), outcome="refused", flags=["time_in_future"])
    # As the old rule left it: the future visit is "last".
    Household.objects.filter(id=home.id).update(
        last_visited_at=now + dt.timedelta(days=3), last_outcome="refused"
    )
    before = Household.objects.get(id=home.id).change_seq
    assert household_last_visit_refresh(household_ids=[home.id]) == 1
    home.refresh_from_db()
    assert (home.last_visited_at, home.last_outcome) == (now - dt.timedelta(days=2), "met")
    assert home.change_seq != before  # phones receive the correction on their next pull
    assert household_last_visit_refresh(household_ids=[home.id]) == 0


def test_refresh_of_a_household_with_only_future_visits_clears_it(world, home):
    _visit(home, world, at=timezone.now() + dt.timedelta(days=1), outcome="met", flags=["time_in_future"])
    Household.objects.filter(id=home.id).update(last_visited_at=timezone.now(), last_outcome="met")
    household_last_visit_refresh(household_ids=[home.id])
    home.refresh_from_db()
    assert (home.last_visited_at, home.last_outcome) == (None, "")
