"""Deleting and merging a commune's villages and teams (issue 23 §4). A GET shows what would move (the
confirm step, with counts); the change itself is a POST (CSRF-checked). Commune leaders for their
commune, province officers for the province's; anything else is 404. Bad input is a 400 naming the
field, nothing changed."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.models import Team, Village
from core.services.assignments import team_delete, team_merge, team_use
from onboarding.merges import village_delete, village_merge, village_use
from onboarding.setup_views import _back, _commune

FIELD_LABELS = {
    "target": gettext_lazy("Gộp vào"),
    "team": gettext_lazy("Tổ"),
    "village": gettext_lazy("Thôn"),
}


def _confirm(request, *, commune, thing, kind: str, use, others, errors=None, status=200):
    counts = [(_label(kind, name), value) for name, value in use.__dict__.items()]
    return render(
        request,
        "onboarding/remove_confirm.html",
        {
            "commune": commune,
            "thing": thing,
            "kind": kind,
            "counts": counts,
            "use": use,
            "others": others,
            "errors": [(str(FIELD_LABELS.get(f, f)), m) for f, ms in (errors or {}).items() for m in ms],
            "breadcrumbs": [(commune.full_name, None)],
        },
        status=status,
    )


def _label(kind: str, name: str) -> str:
    return {
        "members": _("Thành viên"),
        "villages": _("Thôn phụ trách"),
        "visits": _("Lượt thăm"),
        "group_sessions": _("Buổi hướng dẫn tập trung"),
        "followups": _("Việc cần theo dõi"),
        "households": _("Hộ"),
        "reviews": _("Quyết định xem xét lượt thăm"),
        "campaign_targets": _("Chỉ tiêu chiến dịch"),
    }.get(name, name)


def _target(request, queryset):
    """The ``target`` field: a pk among ``queryset``, else a 400's errors naming the field."""
    value = request.POST.get("target", "").strip()
    try:
        target = queryset.filter(pk=value).first() if value and len(value) <= 32 else None
    except (ValueError, ValidationError):  # not a team's number
        target = None
    if target is None:
        return None, {"target": [_("Chọn nơi gộp vào trong danh sách.")]}
    return target, None


# --- teams ----------------------------------------------------------------------------------------


def _team(request, code, team):
    commune = _commune(request, code)
    return commune, get_object_or_404(Team, commune=commune, pk=team)


def _team_page(request, commune, team, errors=None, status=200):
    others = Team.objects.filter(commune=commune).exclude(pk=team.pk).order_by("name")
    use = team_use(team=team)
    return _confirm(
        request,
        commune=commune,
        thing=team,
        kind="team",
        use=use,
        others=others,
        errors=errors,
        status=status,
    )


@login_required
@require_GET
def team_remove(request, code, team):
    commune, team = _team(request, code, team)
    return _team_page(request, commune, team)


@login_required
@require_POST
def team_delete_view(request, code, team):
    commune, team = _team(request, code, team)
    try:
        team_delete(team=team, actor=request.user)
    except ValidationError as error:
        return _team_page(request, commune, team, errors=error.message_dict, status=400)
    return _back(commune, "teams")


@login_required
@require_POST
def team_merge_view(request, code, team):
    commune, team = _team(request, code, team)
    target, errors = _target(request, Team.objects.filter(commune=commune).exclude(pk=team.pk))
    if errors is None:
        try:
            team_merge(source=team, target=target, actor=request.user)
        except ValidationError as error:
            errors = error.message_dict
    if errors:
        return _team_page(request, commune, team, errors=errors, status=400)
    return _back(commune, "teams")


# --- villages ---------------------------------------------------------------------------------------


def _village(request, code, village):
    commune = _commune(request, code)
    return commune, get_object_or_404(
        Village.objects.defer("geometry", "geometry_simplified"), commune=commune, pk=village
    )


def _village_page(request, commune, village, errors=None, status=200):
    others = (
        Village.objects.filter(commune=commune)
        .exclude(pk=village.pk)
        .defer("geometry", "geometry_simplified")
        .order_by("code")
    )
    use = village_use(village=village)
    return _confirm(
        request,
        commune=commune,
        thing=village,
        kind="village",
        use=use,
        others=others,
        errors=errors,
        status=status,
    )


@login_required
@require_GET
def village_remove(request, code, village):
    commune, village = _village(request, code, village)
    return _village_page(request, commune, village)


@login_required
@require_POST
def village_delete_view(request, code, village):
    commune, village = _village(request, code, village)
    try:
        village_delete(village=village)
    except ValidationError as error:
        return _village_page(request, commune, village, errors=error.message_dict, status=400)
    return _back(commune, "villages")


@login_required
@require_POST
def village_merge_view(request, code, village):
    commune, village = _village(request, code, village)
    queryset = (
        Village.objects.filter(commune=commune)
        .exclude(pk=village.pk)
        .defer("geometry", "geometry_simplified")
    )
    target, errors = _target(request, queryset)
    if errors is None:
        try:
            village_merge(source=village, target=target, actor=request.user)
        except ValidationError as error:
            errors = error.message_dict
    if errors:
        return _village_page(request, commune, village, errors=errors, status=400)
    return _back(commune, "villages")
