"""Coverage's share of a write of field records, and of villages handed to another team
(core.projections runs these, in settings' order)."""

from django.db import transaction

from core.models import Commune
from core.projections import AreasReassigned, FieldRecords
from coverage.cache import bump_versions
from coverage.numbers import coverage_apply_records


def coverage_project(batch: FieldRecords) -> None:
    """Bring the villages' coverage rollup up to date with the records, inside the writer's transaction.
    Needs the villages' rollup locks (taken by the pipeline); takes none of its own."""
    coverage_apply_records(
        village_codes=list(batch.village_codes),
        visits=list(batch.visits),
        recount_village_codes=list(batch.recount_village_codes),
        denominator_village_codes=list(batch.denominator_village_codes),
    )


def pages_forget(batch: FieldRecords) -> None:
    """Pages cached for the villages' communes and provinces are stale once the write commits. After the
    commit, never before: a reader under the new version must find the new numbers (coverage.cache).
    Takes no lock."""
    communes, provinces = batch.communes, batch.provinces
    transaction.on_commit(lambda: bump_versions(communes=communes, provinces=provinces))


def pages_forget_reassigned(batch: AreasReassigned) -> None:
    """A village handed to another team: pages cached per team (and their province's) are stale now.
    Bumping the version is a cache write, not a task: the next reader renders afresh, at once."""
    provinces = set(
        Commune.objects.filter(code__in=batch.commune_codes).values_list("province_id", flat=True)
    )
    bump_versions(communes=set(batch.commune_codes), provinces=provinces)
