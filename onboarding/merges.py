"""Deleting and merging villages of one commune (a duplicate "Thôn Đông" created twice, issue 23 §4).

A village is deleted only when nothing references it (no household, visit, group session, review or
campaign target); otherwise it is merged into another village of its commune: everything it holds moves,
the rollups of the village kept are recounted through the one projection pipeline
(``core.projections.field_records_project``), an audit entry names who merged what into what, and the
village merged away is deleted last. Here rather than in ``core`` because campaign targets move too.
"""

from dataclasses import asdict, dataclass

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import CampaignTarget
from core.models import (
    ErasedHousehold,
    FollowUp,
    GroupSession,
    Household,
    HouseholdExit,
    User,
    Village,
    Visit,
    VisitReview,
)
from core.projections import areas_reassigned_project, field_records_batch, field_records_project
from core.services.changes import change_stamp


@dataclass(frozen=True)
class VillageUse:
    """What a village holds: what a merge moves (and why a delete is refused)."""

    households: int
    visits: int
    group_sessions: int
    followups: int
    reviews: int
    campaign_targets: int

    @property
    def empty(self) -> bool:
        return not any(asdict(self).values())


def _province(village: Village) -> str:
    return Village.objects.filter(pk=village.pk).values_list("commune__province_id", flat=True).get()


def village_use(*, village: Village) -> VillageUse:
    """The counts shown before a delete or merge; visits read in the village's province's partition."""
    return VillageUse(
        households=Household.objects.filter(village=village).count(),
        visits=Visit.objects.filter(province_id=_province(village), village=village).count(),
        group_sessions=GroupSession.objects.filter(village=village).count(),
        followups=FollowUp.objects.filter(household__village=village).count(),
        reviews=VisitReview.objects.filter(village=village).count(),
        campaign_targets=CampaignTarget.objects.filter(village=village).count(),
    )


@transaction.atomic
def village_delete(*, village: Village) -> None:
    """Delete a village nothing references (its empty rollup rows go with it; auditlog keeps the
    delete). Anything referencing it: refused, naming the merge instead."""
    village = Village.objects.select_for_update().get(pk=village.pk)
    if not village_use(village=village).empty:
        raise ValidationError(
            {"village": _("Thôn đã có hộ, lượt thăm hoặc chỉ tiêu: hãy gộp vào một thôn khác của xã.")}
        )
    commune = village.commune_id
    village.delete()
    areas_reassigned_project(commune_codes={commune})


@transaction.atomic
def village_merge(*, source: Village, target: Village, actor: User | None) -> VillageUse:
    """Merge ``source`` into ``target`` (another village of the same commune), then delete ``source``.

    Households move (the old team's phones drop them when the teams differ, the new team's pull them;
    open follow-ups go to the target's team), with their visits (each province's partition named),
    reviews, group sessions, erased households' routing and campaign targets (added to the target's
    own target in the same campaign). The target keeps its declared household count, or takes the
    source's when it has none. Returns the counts moved."""
    if source.pk == target.pk or source.commune_id != target.commune_id:
        raise ValidationError({"target": _("Chọn một thôn khác của cùng xã.")})
    locked = {
        v.pk: v
        for v in Village.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    use = village_use(village=source)
    province = _province(source)
    stamp = change_stamp()

    households = Household.objects.filter(village=source)
    if source.team_id is not None and source.team_id != target.team_id:
        HouseholdExit.objects.bulk_create(
            [
                HouseholdExit(
                    household_id=hid, team_id=source.team_id, commune_id=source.commune_id, change_seq=stamp
                )
                for hid in households.values_list("id", flat=True)
            ],
            batch_size=1000,
        )
    FollowUp.objects.filter(household__village=source, closed_at__isnull=True).update(team_id=target.team_id)
    moved_households = list(households.values_list("id", flat=True))
    Household.objects.filter(id__in=moved_households).update(village=target, change_seq=stamp)
    Visit.objects.filter(province_id=province, village=source).update(village=target)
    VisitReview.objects.filter(village=source).update(village=target)
    GroupSession.objects.filter(village=source).update(village=target)
    ErasedHousehold.objects.filter(village_code=source.code).update(village_code=target.code)
    _targets_merge(source=source, target=target)
    if target.declared_households is None and source.declared_households is not None:
        Village.objects.filter(pk=target.pk).update(declared_households=source.declared_households)

    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Village),
        object_pk=target.pk,
        object_repr=target.name,
        action=LogEntry.Action.UPDATE,
        changes={"merged": [f"{source.code} {source.name}", f"{target.code} {target.name}"]},
        additional_data={"merged_village": source.code, "merged_village_name": source.name, **asdict(use)},
        actor=actor,
    )
    # Everything counted under the target is counted again from its (now larger) history.
    field_records_project(field_records_batch(village_codes={target.pk}, recount_village_codes={target.pk}))
    source.delete()  # last: its own rollup rows go with it
    areas_reassigned_project(commune_codes={target.commune_id})
    return use


def _targets_merge(*, source: Village, target: Village) -> None:
    """The source's campaign targets: moved to the target, or added to the target's own in that campaign."""
    theirs = {t.campaign_id: t for t in CampaignTarget.objects.select_for_update().filter(village=target)}
    for row in CampaignTarget.objects.select_for_update().filter(village=source):
        kept = theirs.get(row.campaign_id)
        if kept is None:
            CampaignTarget.objects.filter(pk=row.pk).update(village=target)
            continue
        kept.households += row.households
        kept.people += row.people
        kept.save(update_fields=["households", "people"])
        row.delete()
