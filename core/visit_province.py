"""A visit's province follows its village's: the one rule for the history's partition key.

``Visit.province`` (and its help items') chooses the partition the visit is stored in
(core/history_partitions.py) and every reader that knows its villages names it, so a visit stored
with another province than its village's would be missing from every count of that village. Every
writer derives it here: the push's bulk insert reads its villages through ``village_with_province``,
``Visit.save`` (the admin, tests, one visit at a time) through ``village_provinces``.
"""

from collections.abc import Iterable

from django.db.models import F, QuerySet


def village_with_province(villages: QuerySet) -> QuerySet:
    """Villages annotated with ``province_code``: the province their visits are stored under."""
    return villages.annotate(province_code=F("commune__province_id"))


def village_provinces(village_codes: Iterable[str]) -> dict[str, str]:
    """The province of each of these villages, by the same rule."""
    from core.models import Village  # the models call this from Visit.save

    return dict(
        village_with_province(Village.objects.filter(code__in=set(village_codes))).values_list(
            "code", "province_code"
        )
    )
