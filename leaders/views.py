"""The commune leader's pages: /communes/<code>/ (villages ranked beside the map, follow-ups, never
visited, flagged visits) and /villages/<code>/ (its households), each list also as XLSX.

Commune leaders open their commune; province officers and admins any commune in their scope, with no
household name or phone (the selectors in leaders/dashboard.py decide). Others get a 404, as out of scope.
Bad filters answer a 400 page naming the field, never a 500.
"""

import uuid
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.exceptions import ApplicationError
from backend.navigation import area_breadcrumbs
from core.selectors import communes_for, handoffs_for, villages_for
from core.services.handoffs import handoff_handle
from core.services.reviews import REASON_MAX_CHARS, visit_review
from leaders import dashboard as leader
from leaders import exports as leader_exports
from leaders import visit_table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORTS = ("villages", "followups", "never-visited", "flagged")
SHOWN_PER_GROUP = 20  # follow-up rows per team and kind on the page; the XLSX has them all
SHOWN_FLAGGED = 5  # most recent flagged visits per volunteer on the page


class BadFilters(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _filters(request, scope) -> tuple[leader.LeaderFilterForm, leader.LeaderFilter]:
    form = leader.LeaderFilterForm(request.GET or None, scope=scope)
    if form.is_bound and not form.is_valid():
        raise BadFilters(form.error_text())
    if not form.is_bound:
        return leader.LeaderFilterForm(scope=scope), leader.LeaderFilter()
    return form, leader.LeaderFilter.from_form(form)


def _bad_request(request, message: str) -> HttpResponse:
    return render(request, "400.html", {"message": message}, status=400)


def _query(request) -> str:
    keys = ("campaign", "date_from", "date_to", "service")
    params = {key: request.GET[key] for key in keys if request.GET.get(key)}
    return f"?{urlencode(params)}" if params else ""


def _commune(request, code: str):
    scope = request.user.scope
    if not scope.opens_leader_pages:
        raise Http404
    return scope, get_object_or_404(communes_for(scope=scope).select_related("province"), code=code)


def _xlsx(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def commune_page(request, code: str):
    scope, commune = _commune(request, code)
    try:
        form, filters = _filters(request, scope)
    except BadFilters as bad:
        return _bad_request(request, bad.message)
    from maps import pages  # folium and geopandas: kept out of the URLconf's imports
    from maps.render import split_page, with_csp_nonce

    nonce = str(request.csp_nonce)
    parts = split_page(pages.commune_page(scope=scope, commune=code, filters=filters.coverage()))
    never = leader.never_visited(scope=scope, commune=code, filters=filters, limit=leader.SHOWN_ROWS)
    followups = leader.followups_due(scope=scope, commune=code, filters=filters)
    flagged = leader.flagged_visits(scope=scope, commune=code, filters=filters)
    villages = leader.village_ranking(scope=scope, commune=code, filters=filters)
    query = _query(request)
    # One reverse() per village, not one {% url %} per row.
    village_url = {
        row["code"]: reverse("maps:leader-village", args=[row["code"]]) + query for row in villages
    }
    for row in villages:
        row["url"] = village_url[row["code"]]
    for row in never:
        row["village_url"] = village_url.get(row["village_code"])
    for group in followups:
        for item in (*group["overdue"], *group["upcoming"]):
            item["village_url"] = village_url.get(item["village_code"])
    context = {
        "commune": commune,
        "title": _("Trang của %(name)s") % {"name": commune.full_name},
        "breadcrumbs": area_breadcrumbs(scope=scope, province=commune.province, commune=commune),
        "filter_form": form,
        "filters": filters,
        "query": query,
        "sees_identity": scope.sees_identity,
        "villages": villages,
        "village_totals": leader.village_totals(villages),
        "visits_url": reverse("maps:leader-visits", args=[code]),
        "followups": followups,
        "overdue_count": sum(len(group["overdue"]) for group in followups),
        "upcoming_count": sum(len(group["upcoming"]) for group in followups),
        "never_visited": never,
        "never_visited_count": leader.never_visited_count(scope=scope, commune=code, filters=filters),
        "flagged": flagged,
        "flagged_count": sum(len(group["visits"]) for group in flagged),
        "review_counts": leader.review_counts(scope=scope, commune=code),
        "review_url": reverse("maps:leader-review", args=[code]) + query,
        "shown_rows": leader.SHOWN_ROWS,
        "shown_per_group": SHOWN_PER_GROUP,
        "shown_flagged": SHOWN_FLAGGED,
        "today": timezone.localdate(),
        "exports": {
            kind.replace("-", "_"): reverse("maps:leader-export", args=[code, kind]) + query
            for kind in EXPORTS
        },
        "map": {
            "head": with_csp_nonce(parts.head, nonce),
            "body": parts.body,
            "script": with_csp_nonce(parts.script, nonce),
        },
    }
    return render(request, "leaders/commune.html", context)


@login_required
def commune_export(request, code: str, kind: str):
    scope, commune = _commune(request, code)
    if kind not in EXPORTS:
        raise Http404
    try:
        _form, filters = _filters(request, scope)
    except BadFilters as bad:
        return _bad_request(request, bad.message)
    if kind == "villages":
        villages = leader.village_ranking(scope=scope, commune=code, filters=filters)
        body = leader_exports.villages_xlsx(villages, totals=leader.village_totals(villages))
    elif kind == "followups":
        body = leader_exports.followups_xlsx(
            leader.followups_due(scope=scope, commune=code, filters=filters), scope=scope
        )
    elif kind == "never-visited":
        body = leader_exports.never_visited_xlsx(
            leader.never_visited(scope=scope, commune=code, filters=filters), scope=scope
        )
    else:
        body = leader_exports.flagged_xlsx(
            leader.flagged_visits(scope=scope, commune=code, filters=filters), scope=scope
        )
    return _xlsx(body, f"{code}-{kind}.xlsx")


def _village(request, code: str):
    scope = request.user.scope
    if not scope.opens_leader_pages:
        raise Http404
    village = get_object_or_404(
        villages_for(scope=scope).select_related("commune__province", "team__commune"), code=code
    )
    return scope, village


@login_required
def village_page(request, code: str):
    scope, village = _village(request, code)
    try:
        form, filters = _filters(request, scope)
    except BadFilters as bad:
        return _bad_request(request, bad.message)
    query = _query(request)
    households = leader.village_households(scope=scope, village=village, filters=filters)
    numbers = leader.village_numbers(village=village, filters=filters)
    commune = village.commune
    return render(
        request,
        "leaders/village.html",
        {
            "village": village,
            "team": village.team.display_name if village.team_id else "",
            "title": _("%(village)s, %(commune)s") % {"village": village.name, "commune": commune.full_name},
            "breadcrumbs": area_breadcrumbs(
                scope=scope, province=commune.province, commune=commune, village=village
            ),
            "back_url": reverse("maps:leader-commune", args=[commune.code]) + query,
            "filter_form": form,
            "filters": filters,
            "query": query,
            "sees_identity": scope.sees_identity,
            "households": households,
            "numbers": numbers,
            "export_url": reverse("maps:leader-village-export", args=[village.code]) + query,
        },
    )


@login_required
def village_export(request, code: str):
    scope, village = _village(request, code)
    try:
        _form, filters = _filters(request, scope)
    except BadFilters as bad:
        return _bad_request(request, bad.message)
    rows = leader.village_households(scope=scope, village=village, filters=filters)
    return _xlsx(leader_exports.households_xlsx(rows, scope=scope), f"{village.code}-ho.xlsx")


@login_required
def review_page(request, code: str):
    """The review queue: flagged visits of the commune; its leader confirms or rejects each held one."""
    scope, commune = _commune(request, code)
    try:
        form, filters = _filters(request, scope)
    except BadFilters as bad:
        return _bad_request(request, bad.message)
    error = None
    status = 200
    if request.method == "POST" and "handoff" in request.POST:
        _handoff_handled(request, code)
        return redirect(reverse("maps:leader-review", args=[code]) + _query(request) + "#handoffs")
    if request.method == "POST":
        try:
            visit_id = uuid.UUID(request.POST.get("visit", ""))
        except ValueError:
            raise Http404 from None
        try:
            visit_review(
                actor=request.user,
                visit_id=visit_id,
                decision=request.POST.get("decision", ""),
                reason=request.POST.get("reason", ""),
            )
        except ApplicationError as refused:
            error, status = refused.message, 400
        else:
            return redirect(reverse("maps:leader-review", args=[code]) + _query(request))
    context = {
        "commune": commune,
        "title": _("Lượt thăm cần xem lại — %(name)s") % {"name": commune.full_name},
        "breadcrumbs": area_breadcrumbs(scope=scope, province=commune.province, commune=commune),
        "back_url": reverse("maps:leader-commune", args=[code]) + _query(request),
        "filter_form": form,
        "query": _query(request),
        "sees_identity": scope.sees_identity,
        "decides": scope.leads_commune == code,
        "visits": leader.visits_to_review(scope=scope, commune=code, filters=filters),
        "counts": leader.review_counts(scope=scope, commune=code),
        "shown": leader.REVIEW_SHOWN,
        "error": error,
        "reason_max": REASON_MAX_CHARS,
        # Items volunteers handed over (household labels: only for those who see identity).
        "handoffs": handoffs_for(user=request.user)
        .filter(commune_id=code)
        .order_by("handled_at", "-created_at")[:HANDOFFS_SHOWN]
        if scope.sees_identity
        else [],
    }
    return render(request, "leaders/review.html", context, status=status)


HANDOFFS_SHOWN = 100


def _handoff_handled(request, code: str) -> None:
    """Mark a handed-over item handled; one outside the caller's scope is a 404."""
    try:
        handoff_id = uuid.UUID(request.POST.get("handoff", ""))
        handoff_handle(actor=request.user, handoff_id=handoff_id, commune=code)
    except (ValueError, ApplicationError):
        raise Http404 from None


def _visit_filters(request, scope, code: str):
    form = visit_table.VisitTableForm(request.GET or None, scope=scope, commune=code)
    if form.is_bound and not form.is_valid():
        raise BadFilters(form.error_text())
    if not form.is_bound:
        return visit_table.VisitTableForm(scope=scope, commune=code), visit_table.VisitTableFilter(), 1
    return form, visit_table.VisitTableFilter.from_form(form), form.cleaned_data.get("page") or 1


@login_required
def visits_page(request, code: str):
    """The commune's visits one by one, newest first, filtered, a page of them at a time."""
    scope, commune = _commune(request, code)
    try:
        form, filters, page_number = _visit_filters(request, scope, code)
    except BadFilters as bad:
        return _bad_request(request, bad.message)
    visits = visit_table.commune_visits(scope=scope, commune=code, filters=filters)
    page = Paginator(visits, visit_table.PER_PAGE).get_page(page_number)
    params = request.GET.copy()
    params.pop("page", None)
    query = f"?{params.urlencode()}" if params else ""

    def page_url(number: int) -> str:
        return f"{query}{'&' if query else '?'}page={number}"

    context = {
        "commune": commune,
        "title": _("Lượt thăm — %(name)s") % {"name": commune.full_name},
        "breadcrumbs": area_breadcrumbs(scope=scope, province=commune.province, commune=commune),
        "back_url": reverse("maps:leader-commune", args=[code]),
        "filter_form": form,
        "query": query,
        "sees_identity": scope.sees_identity,
        "page": page,
        "rows": visit_table.visit_rows(page.object_list, scope=scope),
        "previous_url": page_url(page.previous_page_number()) if page.has_previous() else None,
        "next_url": page_url(page.next_page_number()) if page.has_next() else None,
        "export_url": reverse("maps:leader-visits-export", args=[code]) + query,
    }
    return render(request, "leaders/visits.html", context)


@login_required
def visits_export(request, code: str):
    scope, _commune_row = _commune(request, code)
    try:
        _form, filters, _page = _visit_filters(request, scope, code)
    except BadFilters as bad:
        return _bad_request(request, bad.message)
    rows = visit_table.all_visit_rows(scope=scope, commune=code, filters=filters)
    return _xlsx(leader_exports.visits_xlsx(rows, scope=scope), f"{code}-luot-tham.xlsx")
