"""Campaign pages: the list, the province officer's form (create, edit), the dashboard with communes
ranked against the pace line, the campaign's map, and a commune's table by village.

Everything shown is an aggregate (a province officer never sees a household's name or phone); what a
caller may see and edit comes from their scope (core/scope.py), anything else is a 404.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from backend.exceptions import ApplicationError
from backend.spreadsheets import XLSX_CONTENT_TYPE
from campaigns import tally
from campaigns.chart import progress_svg
from campaigns.forms import CampaignForm
from campaigns.models import Campaign
from campaigns.selectors import campaigns_for
from campaigns.services import campaign_create, campaign_update
from campaigns.sheets import targets_template
from core.selectors import communes_for, provinces_for


def _list_crumbs(*more) -> list[tuple[str, str | None]]:
    crumbs = [(_("Chiến dịch"), reverse("maps:campaign-list")), *more]
    crumbs[-1] = (crumbs[-1][0], None)
    return crumbs


def _campaign(request, pk: int) -> Campaign:
    return get_object_or_404(campaigns_for(scope=request.user.scope), pk=pk)


@login_required
def campaign_list(request):
    scope = request.user.scope
    return render(
        request,
        "campaigns/list.html",
        {
            "campaigns": campaigns_for(scope=scope),
            "can_create": scope.runs_campaigns,
            "breadcrumbs": _list_crumbs(),
        },
    )


def _form_page(request, *, form: CampaignForm, campaign: Campaign | None, provinces=None):
    title = _("Sửa chiến dịch") if campaign else _("Tạo chiến dịch")
    crumbs = (
        _list_crumbs((campaign.name, reverse("maps:campaign-dashboard", args=[campaign.pk])), (title, None))
        if campaign
        else _list_crumbs((title, None))
    )
    plan = form.sheet_plan() if form is not None else None
    return render(
        request,
        "campaigns/form.html",
        {
            "form": form,
            "campaign": campaign,
            "title": title,
            "breadcrumbs": crumbs,
            "provinces": provinces,
            "plan": plan,
            "sheet_signed": form.sheet_signed() if plan else "",
            "sheet_names": getattr(form, "sheet_names_offered", ()),
        },
        # The form again with what is wrong (a refused sheet too), or a sheet to confirm: nothing stored.
        status=400 if form is not None and form.errors else 200,
    )


def _submitted(request, *, form: CampaignForm, campaign: Campaign | None):
    """A valid form is stored, unless it brings a sheet just uploaded (shown first, stored once
    confirmed) or the officer put the sheet aside (the form shown again without it)."""
    if form.needs_confirmation or request.POST.get("drop_sheet"):
        return None
    return _save(request, form=form, campaign=campaign)


def _save(request, *, form: CampaignForm, campaign: Campaign | None):
    """Store through the service; its errors (Vietnamese, by field) go back onto the form."""
    data, fields = form.service_data()
    try:
        if campaign is None:
            campaign = campaign_create(user=request.user, data=data)
        else:
            campaign = campaign_update(user=request.user, campaign=campaign, data=data)
    except ApplicationError as error:
        if error.status_code == 403:
            raise Http404 from None
        form.add_service_errors(error.errors or {"__all__": [error.message]}, fields)
        return None
    return redirect("maps:campaign-dashboard", campaign.pk)


@login_required
def campaign_new(request):
    scope = request.user.scope
    if not scope.runs_campaigns:
        raise Http404
    provinces = None
    if scope.is_national:
        # A national administrator picks the province first (the form lists its communes).
        provinces = provinces_for(scope=scope).order_by("name")
        province = request.POST.get("province") or request.GET.get("province")
        if not province or not provinces.filter(code=province).exists():
            return _form_page(request, form=None, campaign=None, provinces=provinces)
    else:
        province = scope.province
    form = CampaignForm(request.POST or None, request.FILES or None, province=province)
    if request.method == "POST" and form.is_valid():
        response = _submitted(request, form=form, campaign=None)
        if response:
            return response
    return _form_page(request, form=form, campaign=None)


@login_required
def campaign_targets_template(request):
    """The targets sheet to fill in (headers, an example line, a guide), for those who run campaigns."""
    if not request.user.scope.runs_campaigns:
        raise Http404
    response = HttpResponse(targets_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-chi-tieu-chien-dich.xlsx"'
    return response


@login_required
def campaign_edit(request, pk: int):
    scope = request.user.scope
    campaign = _campaign(request, pk)
    if not scope.may_run_campaign_in(campaign.province_id):
        raise Http404
    form = CampaignForm(
        request.POST or None, request.FILES or None, province=campaign.province_id, campaign=campaign
    )
    if request.method == "POST" and form.is_valid():
        response = _submitted(request, form=form, campaign=campaign)
        if response:
            return response
    return _form_page(request, form=form, campaign=campaign)


def _with_text(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["behind"] = row["pace"] is not None and row["pace"] < 1
    return rows


@login_required
def campaign_dashboard(request, pk: int):
    scope = request.user.scope
    campaign = _campaign(request, pk)
    share = tally.elapsed_share(campaign=campaign)
    communes = _with_text(tally.communes_by_pace(campaign=campaign, scope=scope))
    days = tally.campaign_tally(campaign=campaign, by="day", scope=scope)
    teams = sorted(
        tally.campaign_tally(campaign=campaign, by="team", scope=scope),
        key=lambda row: (-row["unflagged_visits"], row["name"]),
    )
    openable = set(communes_for(scope=scope).values_list("code", flat=True))
    for row in communes:
        row["villages_url"] = reverse("maps:campaign-commune", args=[campaign.pk, row["key"]])
        row["map_url"] = reverse("maps:commune", args=[row["key"]]) if row["key"] in openable else None
    totals = tally.campaign_totals(campaign=campaign, scope=scope)
    tally.with_pace([totals], share=share)  # expected and pace, for the cards and the totals row
    total_days = (campaign.ends_on - campaign.starts_on).days + 1
    province_map_url = (
        reverse("maps:province", args=[campaign.province_id])
        if provinces_for(scope=scope).filter(code=campaign.province_id).exists()
        else None
    )
    return render(
        request,
        "campaigns/dashboard.html",
        {
            "campaign": campaign,
            "communes": communes,
            "teams": teams[:20],
            "totals": totals,
            "share": share,
            "elapsed_days": round(share * total_days),
            "total_days": total_days,
            "chart": mark_safe(progress_svg(days=days, target=totals["target"], total_days=total_days)),  # noqa: S308 - built from numbers and escaped labels
            "province_map_url": province_map_url,
            "can_edit": scope.may_run_campaign_in(campaign.province_id),
            "breadcrumbs": _list_crumbs((campaign.name, None)),
        },
    )


@login_required
def campaign_commune(request, pk: int, code: str):
    """One commune of the campaign, village by village (aggregates only)."""
    scope = request.user.scope
    campaign = _campaign(request, pk)
    commune = get_object_or_404(communes_for(scope=scope), code=code)
    if not tally.campaign_communes(campaign).filter(code=code).exists():
        raise Http404
    share = tally.elapsed_share(campaign=campaign)
    rows = [
        row
        for row in tally.campaign_tally(campaign=campaign, by="village", scope=scope)
        if row["key"].startswith(f"{code}-") or row["key"].startswith(f"{code}/")
    ]
    # The villages share out their commune's expected figure, so they add up to its row.
    (commune_row,) = [
        row for row in tally.communes_by_pace(campaign=campaign, scope=scope) if row["key"] == code
    ]
    rows = _with_text(tally.with_pace(rows, share=share, total_expected=commune_row["expected"]))
    rows.sort(key=lambda row: (row["pace"] is None, row["pace"] or 0, row["progress"], row["name"]))
    return render(
        request,
        "campaigns/villages.html",
        {
            "campaign": campaign,
            "commune": commune,
            "villages": rows,
            "share": share,
            "breadcrumbs": _list_crumbs(
                (campaign.name, reverse("maps:campaign-dashboard", args=[campaign.pk])),
                (commune.full_name, None),
            ),
        },
    )
