"""A resident's erasure succeeds while volunteers are visiting the household (issue 19 §5): phones push
visits to it from several threads, each with its own connection, while it is erased. The erasure takes
the household's lock first, as every push does, so it waits for a push under way, erases what that push
added, and the pushes after it get ``erased``. Nothing is left of it, and no push fails."""

import random
import threading
import uuid

import pytest

from core.models import ErasedHousehold, HelpItem, Household, Visit
from core.services.households import household_erase
from tests.field_api.sync_helpers import household, visit
from tests.field_api.test_sync_concurrency import PUSH, _in_threads, team  # noqa: F401 (fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PUSHERS = 3
ERASED = 4


def test_erasure_succeeds_while_phones_push_visits_to_the_household(team):  # noqa: F811
    homes = [household("51001-01") for _i in range(ERASED + 2)]
    first = team[0].post(
        PUSH, {"households": homes, "visits": [visit(h["id"]) for h in homes]}, format="json"
    )
    assert first.status_code == 200
    every_pusher_started = threading.Barrier(PUSHERS + 1)
    done = threading.Event()
    answers: list[list] = [[] for _i in range(PUSHERS)]

    def push(index):
        phone = team[index % len(team)]
        rounds = 0
        while not done.is_set() or rounds < 3:
            # Every household in each batch, in shuffled order: the push locks them in id order anyway.
            batch = [
                visit(h["id"], minutes_ago=random.randint(1, 600)) for h in random.sample(homes, len(homes))
            ]
            response = phone.post(PUSH, {"device_id": f"p{index}", "visits": batch}, format="json")
            home_of = {v["id"]: uuid.UUID(v["household"]) for v in batch}
            answers[index].append(
                (response.status_code, [(home_of[r["id"]], r["status"]) for r in response.json()["results"]])
            )
            rounds += 1
            if rounds == 1:
                every_pusher_started.wait(timeout=30)
        return rounds

    def erase():
        every_pusher_started.wait(timeout=30)
        try:
            for home in homes[:ERASED]:
                household_erase(household=Household.objects.get(pk=home["id"]))
        finally:
            done.set()

    _in_threads(lambda i: erase() if i == PUSHERS else push(i), PUSHERS + 1)

    erased_ids = {uuid.UUID(h["id"]) for h in homes[:ERASED]}
    assert set(ErasedHousehold.objects.values_list("household_id", flat=True)) == erased_ids
    assert not Household.objects.filter(pk__in=erased_ids).exists()
    assert not Visit.objects.filter(household_id__in=erased_ids).exists()
    assert not HelpItem.objects.filter(visit__household_id__in=erased_ids).exists()
    kept = {uuid.UUID(h["id"]) for h in homes[ERASED:]}
    assert set(Household.objects.values_list("id", flat=True)) == kept
    pushes = [answer for per_phone in answers for answer in per_phone]
    assert len(pushes) >= PUSHERS * 3
    assert {code for code, _results in pushes} == {200}
    results = [result for _code, results in pushes for result in results]
    assert {status for _home, status in results} <= {"created", "erased"}
    assert any(status == "erased" for _home, status in results)  # some pushes came after an erasure
    assert not any(home in kept and status == "erased" for home, status in results)
    # Every visit the pushes stored for a household that was kept is there (plus the first one each).
    created_kept = sum(1 for home, status in results if home in kept and status == "created")
    assert Visit.objects.filter(household_id__in=kept).count() == len(kept) + created_kept
