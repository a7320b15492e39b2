"""What follows a write of field records: the projections, called in a declared order, no signal.

A writer of households, visits or group sessions (the phone's push, a leader's edit, an erasure, a
village's declared count) ends its transaction with ``field_records_project``. That is the whole
pipeline after the records are written:

1. take the villages' rollup locks (``village_rollups_lock``), once, before any projection;
2. call each projection named in ``settings.FIELD_RECORD_PROJECTIONS``, in that order, with the same
   typed batch (``FieldRecords``), inside the writer's transaction.

The core names no feature (docs/ARCHITECTURE.md: the core imports no app above it), so the project
layer declares the list, as it declares its middleware. Each projection states in its docstring what
it needs of this pipeline (the rollup locks above) and which locks it takes itself; a projection that
reads history never runs it here but records an outbox row in the same transaction
(``backend.outbox.outbox_enqueue``), published once the data has committed.

A village handed to another team (``areas_reassigned_project``) runs ``settings.AREA_PROJECTIONS``
after the commit: what is cached per scope for those communes is stale.
"""

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import NamedTuple

from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils.module_loading import import_string

from core.models import Village


class HelpGiven(NamedTuple):
    """One help item of a new visit."""

    service: str
    result: str
    people: int


class StoredVisit(NamedTuple):
    """What a rollup needs of one new visit; the writer has it in hand, so no one reads it back."""

    id: uuid.UUID
    province: str  # the history's partition (core/history_partitions.py)
    village: str
    team: int | None
    household: uuid.UUID
    household_moved: bool  # after this write: a moved household's visits never count as coverage
    visited_at: dt.datetime
    flagged: bool
    outcome: str
    held: bool  # out of every total (core.counting): the rollups skip it
    help: tuple[HelpGiven, ...]


@dataclass(frozen=True)
class VillageArea:
    commune: str
    province: str


@dataclass(eq=False)
class FieldRecords:
    """One write's records, as every projection reads them.

    - ``village_codes``: the villages whose data changed (sorted);
    - ``visits``: the visits newly stored (what a rollup adds up), possibly none;
    - ``recount_village_codes``: those of them whose households left, moved or were erased, so what was
      counted there before no longer holds (the writer knows; by default all of them);
    - ``denominator_village_codes``: those whose count of households may have changed (households
      registered, moved or erased; a declared count edited), always including the recounted ones.
    """

    village_codes: tuple[str, ...]
    visits: tuple[StoredVisit, ...] = ()
    recount_village_codes: tuple[str, ...] = ()
    denominator_village_codes: tuple[str, ...] = ()
    _areas: dict[str, VillageArea] | None = field(default=None, repr=False)

    @cached_property
    def areas(self) -> dict[str, VillageArea]:
        """Each changed village's commune and province: one query, shared by every projection."""
        if self._areas is not None:
            return self._areas
        return {
            code: VillageArea(commune=commune, province=province)
            for code, commune, province in Village.objects.filter(code__in=self.village_codes).values_list(
                "code", "commune_id", "commune__province_id"
            )
        }

    @property
    def communes(self) -> set[str]:
        return {area.commune for area in self.areas.values()}

    @property
    def provinces(self) -> set[str]:
        return {area.province for area in self.areas.values()}


def field_records_batch(
    *,
    village_codes: Iterable[str],
    visits: Iterable[StoredVisit] = (),
    recount_village_codes: Iterable[str] | None = None,
    denominator_village_codes: Iterable[str] | None = None,
    areas: dict[str, VillageArea] | None = None,
) -> FieldRecords:
    changed = set(village_codes)
    recount = changed if recount_village_codes is None else set(recount_village_codes) & changed
    denominator = changed if denominator_village_codes is None else set(denominator_village_codes) & changed
    return FieldRecords(
        village_codes=tuple(sorted(changed)),
        visits=tuple(visits),
        recount_village_codes=tuple(sorted(recount)),
        denominator_village_codes=tuple(sorted(denominator | recount)),
        _areas=areas,
    )


def village_rollups_lock(village_codes: Iterable[str]) -> None:
    """Writers of one village's rollups (coverage and campaigns) take turns: the second waits here, then
    reads what is committed by then, so two writers never finish in the wrong order and leave older
    numbers. NO KEY UPDATE, not UPDATE, so the foreign-key checks of pushes inserting visits into these
    villages are not held up; always in code order, and after it a writer only touches rollup rows of
    these villages, so writers cannot deadlock."""
    list(
        Village.objects.select_for_update(no_key=True)
        .filter(code__in=sorted(village_codes))
        .order_by("code")
        .values_list("code", flat=True)
    )


@cache
def _projections(setting: str) -> tuple[Callable, ...]:
    return tuple(import_string(path) for path in getattr(settings, setting))


@receiver(setting_changed)
def _forget_projections(*, setting: str, **kwargs) -> None:
    """Tests that override the list get theirs (Django's own settings use this hook the same way)."""
    if setting in ("FIELD_RECORD_PROJECTIONS", "AREA_PROJECTIONS"):
        _projections.cache_clear()


def field_records_project(batch: FieldRecords) -> None:
    """Call inside the writing transaction, once the records are written (see the module's docstring)."""
    if not batch.village_codes:
        return
    village_rollups_lock(batch.village_codes)
    for projection in _projections("FIELD_RECORD_PROJECTIONS"):
        projection(batch)


@dataclass(frozen=True)
class AreasReassigned:
    commune_codes: tuple[str, ...]


def areas_reassigned_project(*, commune_codes: Iterable[str]) -> None:
    """Call inside the writing transaction: the projections run once it has committed."""
    batch = AreasReassigned(commune_codes=tuple(sorted(commune_codes)))

    def project() -> None:
        for projection in _projections("AREA_PROJECTIONS"):
            projection(batch)

    transaction.on_commit(project)
