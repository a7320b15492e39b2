"""``field__any=[...]`` (backend/lookups.py) answers exactly as ``field__in`` does, on both databases."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import FollowUp, Household
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def homes(world):
    return [factories.HouseholdFactory(village=world.a.village) for _i in range(5)]


def test_uuids_strings_and_an_empty_list(homes):
    ids = [home.id for home in homes[:3]]
    wanted = set(Household.objects.filter(id__in=ids).values_list("id", flat=True))
    assert set(Household.objects.filter(id__any=ids).values_list("id", flat=True)) == wanted
    assert set(Household.objects.filter(id__any=[str(i) for i in ids]).values_list("id", flat=True)) == wanted
    assert set(Household.objects.filter(id__any={*ids, uuid.uuid4()}).values_list("id", flat=True)) == wanted
    assert not Household.objects.filter(id__any=[]).exists()
    assert Household.objects.exclude(id__any=[]).count() == len(homes)


def test_text_keys_and_foreign_keys(homes, world):
    assert Household.objects.filter(village_id__any=[world.a.village.code]).count() == len(homes)
    assert not Household.objects.filter(village_id__any=[world.b.village.code]).exists()
    assert Household.objects.filter(village__any=[world.a.village.code]).count() == len(homes)
    assert not FollowUp.objects.filter(household_id__any=[home.id for home in homes]).exists()


# The households are only read: the same ones serve every example.
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picked=st.lists(st.integers(min_value=0, max_value=7), max_size=10))
def test_any_is_in_for_any_selection(homes, picked):
    pool = [home.id for home in homes] + [uuid.UUID(int=n) for n in range(3)]
    chosen = [pool[n] for n in picked]
    assert sorted(Household.objects.filter(id__any=chosen).values_list("id", flat=True)) == sorted(
        Household.objects.filter(id__in=chosen).values_list("id", flat=True)
    )
