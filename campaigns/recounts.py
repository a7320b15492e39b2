"""Campaign recounts of whole villages, asked by writers and served by the worker, once per burst.

A push whose households moved away or were counted again asks for its villages to be recounted
(``recount_asks_add``, in its transaction) and leaves a message in the outbox. The worker serves the
message (``recount_asked_villages``): villages whose ask an earlier message already served are skipped,
so ten such pushes into one village within a recount's time cost one or two recounts, not ten.
"""

import uuid
from functools import reduce
from operator import or_

from django.db.models import Q

from campaigns.models import VillageRecountAsk
from campaigns.rollup import campaign_rollup_refresh, running_campaigns
from core.models import Village


def recount_asks_add(*, village_codes: set[str]) -> None:
    """Ask (again) for these villages' recount: a fresh token each time, inside the writer's transaction."""
    VillageRecountAsk.objects.bulk_create(
        [VillageRecountAsk(village_id=code, token=uuid.uuid4()) for code in sorted(village_codes)],
        update_conflicts=True,
        unique_fields=["village"],
        update_fields=["token", "asked_at"],
    )


def recount_asked_villages(*, village_codes: list[str]) -> int:
    """Recount running campaigns for the villages among these still asked for; then remove the asks
    served, only those read here (one made meanwhile stays for its own message). Returns the campaigns
    recounted."""
    asks = dict(
        VillageRecountAsk.objects.filter(village_id__in=village_codes).values_list("village_id", "token")
    )
    village_codes = sorted(asks)
    if not village_codes:
        return 0
    provinces = set(
        Village.objects.filter(code__in=village_codes).values_list("commune__province_id", flat=True)
    )
    count = 0
    for campaign in running_campaigns().filter(province_id__in=provinces):
        campaign_rollup_refresh(campaign=campaign, village_codes=village_codes)
        count += 1
    VillageRecountAsk.objects.filter(
        reduce(or_, (Q(village_id=code, token=token) for code, token in asks.items()))
    ).delete()
    return count
