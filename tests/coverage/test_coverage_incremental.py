"""The coverage rollup a push keeps up to date from its own rows (coverage.numbers.coverage_apply_records)
always equals a full recount of the villages' visits (what the nightly rebuild writes).

Hypothesis plays sequences of pushes as phones send them: new households, visits (several to one
household in a batch, households visited before, every outcome including "moved", help items of every
result), resends, and households moved to the other village; after each push the stored rollup of both
villages is compared with ``compute_village_numbers``.
"""

import datetime as dt

from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import Household, Outcome, Role
from coverage.models import VillageCoverage
from coverage.numbers import CoverageFilter, compute_village_numbers
from field_api.push import sync_push
from tests.field_api.sync_helpers import drawn_visits, household

SERVICES = ["vneid_level2", "public_service_account", "online_safety"]

help_items = st.lists(
    st.tuples(st.sampled_from(SERVICES), st.sampled_from(["done", "pending", "failed"]), st.integers(1, 5)),
    max_size=3,
    unique_by=lambda item: item[0],
)
a_visit = st.tuples(
    st.integers(0, 40),  # which household (modulo those known so far)
    st.sampled_from([choice.value for choice in Outcome]),
    help_items,
    st.integers(1, 60 * 24 * 20),  # minutes ago
    st.booleans(),  # location mocked: a strong flag, so the visit is held out of the totals
)
a_push = st.tuples(
    st.lists(st.booleans(), max_size=4),  # new households: in the first (True) or second village
    st.lists(a_visit, max_size=8),
    st.lists(st.integers(0, 40), max_size=2),  # households moved to the other village
    st.booleans(),  # resend the previous push as well
)


class Unchanged(Exception):
    """Rolls the example back: every example starts from the same empty villages."""


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(pushes=st.lists(a_push, min_size=1, max_size=6))
def test_the_rollup_kept_by_pushes_equals_a_full_recount(world, pushes):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    villages = [world.a.village, world.a.other_village]
    world.a.other_village.team = world.a.team
    world.a.other_village.save()
    volunteer = world.a.users[Role.VOLUNTEER]
    codes = [village.code for village in villages]
    try:
        with transaction.atomic():
            known: list[str] = []
            previous: dict = {}
            for new_homes, visits, moves, resend in pushes:
                stored_before = list(known)
                homes = [household(codes[0] if first else codes[1]) for first in new_homes]
                known += [home["id"] for home in homes]
                payload = {"households": homes, "visits": drawn_visits(known, visits)}
                moved = {index % len(stored_before) for index in moves} if stored_before else set()
                for index in sorted(moved):
                    payload["households"].append(_moved_to_other_village(stored_before[index], codes))
                if resend and previous:
                    payload["visits"] += previous["visits"]
                sync_push(user=volunteer, payload=payload)
                previous = payload
                stored = {
                    row["village_id"]: row
                    for row in VillageCoverage.objects.filter(village_id__in=codes).values()
                }
                recount = compute_village_numbers(village_codes=codes, filters=CoverageFilter())
                for code in codes:
                    if code in stored:
                        assert {key: stored[code][key] for key in recount[code]} == recount[code], code
                    else:  # never written to: only possible while nothing at all was stored there
                        assert not any(recount[code].values()) or recount[code]["households"] == 0
            raise Unchanged
    except Unchanged:
        pass


def _moved_to_other_village(household_id: str, codes: list[str]) -> dict:
    stored = Household.objects.get(pk=household_id)
    item = household(
        codes[1] if stored.village_id == codes[0] else codes[0],
        id=household_id,
        base_version=stored.version,
    )
    item["label"] = f"{stored.label} ({dt.date.today():%d/%m})"
    return item


def test_a_village_edit_reaches_the_rollup_at_once(world):
    from core.services.villages import village_create, village_update

    village_update(village=world.a.village, declared_households=50)
    assert VillageCoverage.objects.get(village=world.a.village).households == 50
    village_update(village=world.a.village, declared_households=7)
    assert VillageCoverage.objects.get(village=world.a.village).households == 7
    added = village_create(commune=world.a.commune.code, name="Thôn Mới", declared_households=12)
    assert VillageCoverage.objects.get(village=added).households == 12
