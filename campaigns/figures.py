"""A version number per campaign for everything its figures are computed from, so tallies can be kept
in the cache and a stale one is never served.

It moves when the rollup is refreshed (after pushes, nightly, on first read), and when the campaign,
its communes, services or targets change (receivers below, whatever wrote them: the officer's form,
the API or the admin). Cached figures also carry the province's map data version (bumped after every
push's coverage refresh, coverage/cache.py) and, where it matters, the day and the language.
"""

from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import get_language

from campaigns.models import Campaign, CampaignTarget
from core.scope import Scope
from coverage.cache import data_version

SECONDS = 3600


def _key(campaign_id: int) -> str:
    return f"campaigns:figures-version:{campaign_id}"


def figures_version(campaign_id: int) -> int:
    version = cache.get(_key(campaign_id))
    if version is None:
        cache.add(_key(campaign_id), 1, None)
        version = cache.get(_key(campaign_id), 1)
    return version


def figures_changed(campaign_id: int) -> None:
    """Forget every cached figure of this campaign (now, and again once the transaction commits)."""

    def bump():
        try:
            cache.incr(_key(campaign_id))
        except ValueError:  # never set: any value differs from what figures were cached under
            cache.set(_key(campaign_id), 2, None)

    bump()
    transaction.on_commit(bump)


def cached_figures(*, campaign: Campaign, scope: Scope, name: str, build: Callable[[], object]):
    """``build()`` for (campaign, scope, name), cached until any of its inputs changes."""
    key = ":".join(
        [
            "campaigns:figures",
            str(campaign.pk),
            f"v{figures_version(campaign.pk)}",
            f"d{data_version(level='province', code=campaign.province_id)}",
            scope.cache_key,
            name,
            timezone.localdate().isoformat(),
            get_language() or "",
        ]
    )
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, SECONDS)
    return value


@receiver(post_save, sender=Campaign, dispatch_uid="campaigns.figures.campaign_saved")
@receiver(post_save, sender=CampaignTarget, dispatch_uid="campaigns.figures.target_saved")
@receiver(post_delete, sender=CampaignTarget, dispatch_uid="campaigns.figures.target_deleted")
def _campaign_or_target_changed(sender, instance, **kwargs):
    figures_changed(instance.pk if sender is Campaign else instance.campaign_id)


@receiver(m2m_changed, sender=Campaign.communes.through, dispatch_uid="campaigns.figures.communes")
@receiver(m2m_changed, sender=Campaign.services.through, dispatch_uid="campaigns.figures.services")
def _campaign_areas_changed(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, Campaign):
        figures_changed(instance.pk)
