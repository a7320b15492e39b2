"""A running campaign's rollup kept by pushes (campaigns.deltas, inside each push's transaction)
always equals a recount of the villages from all their visits (``campaign_rollup_refresh``).

Hypothesis plays sequences of pushes as phones send them: new households of any size, visits inside
and outside the campaign's window and out of time order (a phone offline for days sends an earlier
visit after a later one), several to one household in a batch, every outcome including "moved", help
items of the campaign's services and of others, resends, households moved to the other village or
counted again. Villages a push asks to recount are recounted as the worker would (the outbox's task).
"""

import datetime as dt

from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.models import Campaign, CampaignServiceTally, CampaignVillageDay
from campaigns.rollup import campaign_rollup_refresh
from core.models import Household, Outcome, Role
from field_api.push import sync_push
from tests.field_api.sync_helpers import drawn_visits, household

SERVICES = ["vneid_level2", "public_service_account", "online_safety"]
CAMPAIGN_DAYS = 6

help_items = st.lists(
    st.tuples(st.sampled_from(SERVICES), st.sampled_from(["done", "pending", "failed"]), st.integers(1, 6)),
    max_size=3,
    unique_by=lambda item: item[0],
)
a_visit = st.tuples(
    st.integers(0, 40),  # which household (modulo those known so far)
    st.sampled_from([choice.value for choice in Outcome]),
    help_items,
    st.integers(1, 60 * 24 * (CAMPAIGN_DAYS + 3)),  # minutes ago: some before the campaign began
    st.booleans(),  # location mocked: a strong flag, so the visit is held out of the totals
)
a_push = st.tuples(
    st.lists(st.tuples(st.booleans(), st.integers(1, 5)), max_size=4),  # new households: village, size
    st.lists(a_visit, max_size=8),
    st.lists(st.integers(0, 40), max_size=2),  # households moved to the other village
    st.lists(st.integers(0, 40), max_size=2),  # households counted again (members changed)
    st.booleans(),  # resend the previous push as well
)


def _rows() -> tuple[set, set]:
    days = {
        (r.village_id, r.team_id, r.day, r.visits, r.flagged_visits, r.households_reached, r.people_helped)
        + (r.unique_people, r.working_age_reached, r.services_done)
        for r in CampaignVillageDay.objects.all()
    }
    services = {
        (r.village_id, r.service_id, r.households, r.visits, r.people_helped, r.services_done)
        for r in CampaignServiceTally.objects.all()
    }
    return days, services


class Unchanged(Exception):
    """Rolls the example back: every example starts from the same empty villages."""


RECOUNTS: list[list[str]] = []


def note_recount(batch) -> None:
    """A projection that notes the villages each write asks to recount."""
    RECOUNTS.append(list(batch.recount_village_codes))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(pushes=st.lists(a_push, min_size=1, max_size=6), only_some_services=st.booleans())
def test_the_campaign_rollup_kept_by_pushes_equals_a_recount(world, pushes, only_some_services):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    world.a.other_village.team = world.a.team
    world.a.other_village.save()
    codes = [world.a.village.code, world.a.other_village.code]
    volunteer = world.a.users[Role.VOLUNTEER]
    recounts = RECOUNTS
    recounts.clear()
    projections = [*django_settings.FIELD_RECORD_PROJECTIONS, f"{__name__}.note_recount"]
    try:
        with override_settings(FIELD_RECORD_PROJECTIONS=projections), transaction.atomic():
            today = timezone.localdate()
            campaign = Campaign.objects.create(
                name="Chiến dịch",
                province=world.a.province,
                starts_on=today - dt.timedelta(days=CAMPAIGN_DAYS),
                ends_on=today,
            )
            if only_some_services:
                campaign.services.set(SERVICES[:2])
            campaign_rollup_refresh(campaign=campaign)
            _play(pushes, campaign=campaign, codes=codes, volunteer=volunteer, recounts=recounts)
            raise Unchanged
    except Unchanged:
        pass


def _play(pushes, *, campaign, codes, volunteer, recounts) -> None:
    known: list[str] = []
    previous: dict = {}
    for new_homes, visits, moves, resized, resend in pushes:
        stored_before = list(known)
        homes = [household(codes[0] if first else codes[1], members=size) for first, size in new_homes]
        for home, (_first, size) in zip(homes, new_homes, strict=True):
            home["working_age"] = size // 2
        known += [home["id"] for home in homes]
        payload = {"households": homes, "visits": drawn_visits(known, visits)}
        edited = {}
        for index in sorted({i % len(stored_before) for i in moves} if stored_before else set()):
            edited[stored_before[index]] = _edited(stored_before[index], move_to_other_of=codes)
        for index in sorted({i % len(stored_before) for i in resized} if stored_before else set()):
            edited.setdefault(stored_before[index], _edited(stored_before[index]))
        payload["households"] += list(edited.values())
        if resend and previous:
            payload["visits"] += previous["visits"]
        recounts.clear()
        sync_push(user=volunteer, payload=payload)
        previous = payload
        for villages in recounts:  # what the outbox hands the worker once the push has committed
            if villages:
                campaign_rollup_refresh(campaign=campaign, village_codes=villages)
        kept = _rows()
        campaign_rollup_refresh(campaign=campaign)
        recounted = _rows()
        assert kept == recounted, (kept[0] - recounted[0], recounted[0] - kept[0], kept[1] ^ recounted[1])


def _edited(household_id: str, *, move_to_other_of: list[str] | None = None) -> dict:
    stored = Household.objects.get(pk=household_id)
    village = stored.village_id
    if move_to_other_of:
        village = move_to_other_of[1] if village == move_to_other_of[0] else move_to_other_of[0]
    item = household(village, id=household_id, base_version=stored.version, members=stored.members + 1)
    item["working_age"] = stored.working_age
    item["label"] = f"{stored.label} ({dt.date.today():%d/%m})"
    return item
