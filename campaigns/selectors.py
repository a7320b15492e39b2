"""Reads of campaigns, limited to the caller's ``Scope`` (core/scope.py decides what it sees)."""

from django.db.models import QuerySet

from campaigns.models import Campaign
from core.scope import Kind, Scope
from coverage.numbers import CampaignWindow


def campaigns_for(*, scope: Scope) -> QuerySet[Campaign]:
    qs = Campaign.objects.select_related("province").filter(scope.campaigns())
    # A campaign naming several communes matches the commune condition once per commune.
    return qs.distinct() if scope.kind in (Kind.TEAM, Kind.COMMUNE) else qs


def campaign_window(campaign: Campaign) -> CampaignWindow:
    """What coverage filters by when a page or the API names this campaign."""
    return CampaignWindow(
        pk=campaign.pk,
        province=campaign.province_id,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        commune_codes=tuple(sorted(campaign.communes.values_list("code", flat=True))),
        service_codes=tuple(sorted(campaign.services.values_list("code", flat=True))),
    )
