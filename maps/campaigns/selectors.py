"""Reads of campaigns, limited to the caller's ``Scope`` (field_api/scope.py decides what it sees)."""

from django.db.models import QuerySet

from field_api.scope import Kind, Scope
from maps.campaigns.models import Campaign


def campaigns_for(*, scope: Scope) -> QuerySet[Campaign]:
    qs = Campaign.objects.select_related("province").filter(scope.campaigns())
    # A campaign naming several communes matches the commune condition once per commune.
    return qs.distinct() if scope.kind in (Kind.TEAM, Kind.COMMUNE) else qs
