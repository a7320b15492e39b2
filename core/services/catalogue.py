"""The service catalogue and its guides: national, shaped per province, carried to phones by pull.

The national catalogue (``Service``) is the national administrators' (``service_save``). A province
officer shapes only what their own province's volunteers see (``province_service_save``): a service
switched off there, or its own guide steps (``ProvinceService``). Phones, the services list and push
all read one answer, ``catalogue_for_province``: a service off in province A refuses A's visits only.

Every phone holds its province's whole catalogue (a few dozen services). Its version is a digest of
what phones show: a pull that names the version its phone holds gets the catalogue back, on its last
page, only when that differs. Each province's digest is cached and dropped after an edit commits (a
national edit drops every province's); without the cache it is recomputed from a few dozen rows.
Edits are recorded in the audit trail (core/audit.py).
"""

import hashlib
import json

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef

from backend.text import clean_text
from core.models import Province, ProvinceService, Service

VERSION_KEY = "catalogue:version"
PHONE_FIELDS = ("code", "name", "category", "guide")


def _clean_steps(guide: list[str]) -> list[str]:
    """Guide steps as stored, whichever door they came through: by the one text rule, blank ones gone."""
    steps = (" ".join(clean_text(step).split()) for step in guide)
    return [step for step in steps if step]


def _in_use(*, province: str | None):
    """The one rule of which services a province uses: active nationally and not switched off there."""
    services = Service.objects.filter(is_active=True)
    if province is None:
        return services
    switched_off = ProvinceService.objects.filter(service=OuterRef("pk"), province_id=province, enabled=False)
    return services.exclude(Exists(switched_off))


def catalogue_for_province(*, province: str | None) -> list[dict]:
    """The services a province's phones use, in order, each with the guide they show and its follow-up
    days. ``province`` None (a national scope): the national catalogue as it is."""
    services = list(
        _in_use(province=province).order_by("sort_order", "code").values(*PHONE_FIELDS, "followup_days")
    )
    if province is None:
        return services
    own_guides = dict(ProvinceService.objects.filter(province_id=province).values_list("service_id", "guide"))
    return [{**service, "guide": own_guides.get(service["code"]) or service["guide"]} for service in services]


def catalogue_for_phone(*, province: str | None) -> list[dict]:
    """What a phone stores: its province's services with their guides."""
    return [
        {name: service[name] for name in PHONE_FIELDS}
        for service in catalogue_for_province(province=province)
    ]


def services_in_use(*, province: str | None) -> dict[str, int]:
    """Codes a visit or a group session may name in this province, with their follow-up days (one
    query, no guides: every push reads it)."""
    return dict(_in_use(province=province).values_list("code", "followup_days"))


def _version_key(province: str | None) -> str:
    return f"{VERSION_KEY}:{province or 'national'}"


def catalogue_version(*, province: str | None) -> str:
    key = _version_key(province)
    version = cache.get(key)
    if version is None:
        shown = catalogue_for_phone(province=province)
        version = hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()[:16]
        cache.set(key, version, timeout=None)
    return version


def _forget_versions(provinces: list[str | None]) -> None:
    cache.delete_many([_version_key(province) for province in provinces])


def _forget_after_commit(provinces: list[str | None]) -> None:
    # Now, for this transaction's own readers; and again after commit, in case another reader cached the
    # old digest in between.
    _forget_versions(provinces)
    transaction.on_commit(lambda: _forget_versions(provinces))


@transaction.atomic
def service_save(
    *,
    code: str,
    name: str,
    category: str,
    guide: list[str],
    followup_days: int = 7,
    sort_order: int = 0,
    is_active: bool = True,
) -> Service:
    """Add a national service or change one (name, group, guide steps, follow-up days, order, in use).
    National administrators only: callers check ``scope.edits_national_catalogue``."""
    service = Service.objects.select_for_update().filter(pk=code).first() or Service(code=code)
    service.name = " ".join(name.split())
    service.category = " ".join(category.split())
    service.guide = _clean_steps(guide)
    service.followup_days = followup_days
    service.sort_order = sort_order
    service.is_active = is_active
    service.full_clean()
    service.save()
    _forget_after_commit([None, *Province.objects.values_list("code", flat=True)])
    return service


@transaction.atomic
def province_service_save(
    *, province: str, service: Service, enabled: bool, guide: list[str]
) -> ProvinceService:
    """How ``province`` shows a national service to its own phones: in use or not, and its own guide
    (empty: the national one). Callers check ``scope.shapes_catalogue_of(province)``."""
    setting, _created = ProvinceService.objects.select_for_update().get_or_create(
        province_id=province, service=service
    )
    setting.enabled = enabled
    setting.guide = _clean_steps(guide)
    setting.full_clean()
    setting.save()
    _forget_after_commit([province])
    return setting
