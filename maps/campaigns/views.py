"""The campaign dashboard for province officers and, scoped, for commune leaders."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe

from field_api.selectors import communes_for
from maps.campaigns import tally
from maps.campaigns.chart import progress_svg
from maps.campaigns.selectors import campaigns_for


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@login_required
def campaign_list(request):
    return render(request, "campaigns/list.html", {"campaigns": campaigns_for(scope=request.user.scope)})


@login_required
def campaign_dashboard(request, pk: int):
    scope = request.user.scope
    campaign = get_object_or_404(campaigns_for(scope=scope), pk=pk)
    communes = tally.campaign_tally(campaign=campaign, by="commune", scope=scope)
    days = tally.campaign_tally(campaign=campaign, by="day", scope=scope)
    teams = sorted(
        tally.campaign_tally(campaign=campaign, by="team", scope=scope),
        key=lambda row: (-row["unflagged_visits"], row["name"]),
    )
    openable = set(communes_for(scope=scope).values_list("code", flat=True))
    for row in communes:
        row["map_url"] = _url("maps:commune", row["key"]) if row["key"] in openable else None
    totals = tally.campaign_totals(campaign=campaign, scope=scope)
    total_days = (campaign.ends_on - campaign.starts_on).days + 1
    return render(
        request,
        "campaigns/dashboard.html",
        {
            "campaign": campaign,
            "communes": communes,
            "teams": teams[:20],
            "totals": totals,
            "chart": mark_safe(progress_svg(days=days, target=totals["target"], total_days=total_days)),  # noqa: S308 - built from numbers and escaped labels
            "province_map_url": _url("maps:province", campaign.province_id),
        },
    )
