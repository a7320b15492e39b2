"""Campaigns' share of a write of field records (core.projections runs it, in settings' order).

It runs inside the writer's transaction and needs the villages' rollup locks, which the pipeline takes
before any projection (``core.projections.village_rollups_lock``); it takes no lock of its own.
"""

from backend.outbox import outbox_enqueue
from campaigns.deltas import campaign_apply_records
from campaigns.recounts import recount_asks_add
from campaigns.rollup import running_campaigns
from core.projections import FieldRecords

RECOUNT_TASK = "campaigns.recount_asked"


def campaigns_project(batch: FieldRecords) -> None:
    """Two steps, for the running campaigns of the villages' provinces:

    1. add the new visits to their rollups (exact, costing what was stored: campaigns.deltas), except
       visits in villages to be recounted;
    2. ask for those villages' recount, which reads history, so on the worker (``RECOUNT_TASK``), once
       per village however many writes asked meanwhile. The ask and its outbox row commit with the
       records."""
    campaigns = list(
        running_campaigns().filter(province_id__in=batch.provinces).prefetch_related("communes", "services")
    )
    if not campaigns:
        return
    recount = set(batch.recount_village_codes)
    visits = [visit for visit in batch.visits if visit.village not in recount]
    for campaign in campaigns:
        chosen = {commune.code for commune in campaign.communes.all()}
        campaign_apply_records(
            campaign=campaign,
            visits=visits,
            village_codes={
                code
                for code, area in batch.areas.items()
                if area.province == campaign.province_id and (not chosen or area.commune in chosen)
            },
        )
    if recount:
        recount_asks_add(village_codes=recount)
        outbox_enqueue(task=RECOUNT_TASK, kwargs={"village_codes": sorted(recount)})
