"""The service catalogue and its guides, edited in the browser (province officers, admins) and carried
to phones by pull.

Every phone holds the whole catalogue (a few dozen services). Its version is a digest of what phones
show: a pull that names the version its phone holds gets the catalogue back, on its last page, only
when that differs. The digest is cached and dropped after each edit commits; without the cache it is
recomputed from a few dozen rows. Edits are recorded in the audit trail (field_api/audit.py).
"""

import hashlib
import json

from django.core.cache import cache
from django.db import transaction

from field_api.models import Service

VERSION_KEY = "catalogue:version"
PHONE_FIELDS = ("code", "name", "category", "guide")


def catalogue_for_phone() -> list[dict]:
    """What a phone stores: active services in their order, with their guides."""
    return list(Service.objects.filter(is_active=True).order_by("sort_order", "code").values(*PHONE_FIELDS))


def catalogue_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        digest = hashlib.sha256(json.dumps(catalogue_for_phone(), ensure_ascii=False).encode()).hexdigest()
        version = digest[:16]
        cache.set(VERSION_KEY, version, timeout=None)
    return version


def _forget_version() -> None:
    cache.delete(VERSION_KEY)


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
    """Add a service or change one (name, group, guide steps, follow-up days, order, in use)."""
    service = Service.objects.select_for_update().filter(pk=code).first() or Service(code=code)
    service.name = " ".join(name.split())
    service.category = " ".join(category.split())
    service.guide = [" ".join(step.split()) for step in guide if step.strip()]
    service.followup_days = followup_days
    service.sort_order = sort_order
    service.is_active = is_active
    service.full_clean()
    service.save()
    # Now, for this transaction's own readers; and again after commit, in case another reader cached the
    # old digest in between.
    _forget_version()
    transaction.on_commit(_forget_version)
    return service
