"""Delegated management in the browser: a commune leader runs their commune's villages, teams and
members; a province officer does the same for every commune of the province, adds commune leaders, and
sees each commune's set-up state in one table. Every write goes through the field_api services the
imports use (audit trail included); anything outside the caller's scope is 404."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.models import Team, User, Village
from core.services import members as member_services
from core.services.villages import village_create, village_update
from onboarding import jobs, selectors
from onboarding.forms import MemberForm, MoveForm, TeamForm, VillageForm
from onboarding.services import usernames_for


def _scope(request):
    scope = request.user.scope
    if not scope.manages_people:
        raise Http404
    return scope


def _commune(request, code):
    commune = selectors.setup_commune(scope=_scope(request), code=code)
    if commune is None:
        raise Http404
    return commune


@login_required
def setup_home(request):
    scope = _scope(request)
    if scope.leads_commune:
        return redirect("onboarding:commune", code=scope.leads_commune)
    provinces = list(selectors.setup_provinces(scope=scope))
    code = request.GET.get("province") or (scope.province or (provinces[0].code if provinces else ""))
    province = next((p for p in provinces if p.code == code), None)
    if province is None:
        raise Http404
    communes = list(selectors.communes_setup_state(scope=scope, province=province.code))
    totals = {
        name: sum(getattr(c, name) for c in communes)
        for name in ("teams_count", "members_count", "leaders_count", "villages_count", "bounded_count")
    }
    return render(
        request,
        "onboarding/setup_province.html",
        {
            "province": province,
            "provinces": provinces if len(provinces) > 1 else [],
            "communes": communes,
            "totals": totals,
            "ready": sum(1 for c in communes if c.teams_count and c.leaders_count and c.villages_count),
            "breadcrumbs": [(province.full_name, None)],
        },
    )


def _commune_context(request, commune, **extra):
    scope = request.user.scope
    villages = list(selectors.commune_villages(commune=commune))
    teams = list(selectors.commune_teams(commune=commune))
    members = list(selectors.commune_members(scope=scope, commune=commune))
    context = {
        "commune": commune,
        "villages": villages,
        "teams": teams,
        "members": members,
        "village_form": VillageForm(commune=commune, prefix="new-village"),
        "team_form": TeamForm(commune=commune, prefix="new-team"),
        "member_form": MemberForm(commune=commune, roles=scope.manageable_roles, prefix="new-member"),
        "breadcrumbs": [
            (commune.province.full_name, reverse("onboarding:home") + f"?province={commune.province_id}")
            if scope.sees_setup_table
            else (commune.province.full_name, None),
            (commune.full_name, None),
        ],
        "boundaries_url": reverse("onboarding:boundaries", args=[commune.code]),
    }
    context.update(extra)
    return context


def _page(request, commune, status=200, **extra):
    return render(
        request, "onboarding/setup_commune.html", _commune_context(request, commune, **extra), status=status
    )


@login_required
def commune_page(request, code):
    return _page(request, _commune(request, code))


def _back(commune, anchor: str):
    return redirect(reverse("onboarding:commune", args=[commune.code]) + f"#{anchor}")


@login_required
@require_POST
def village_add(request, code):
    commune = _commune(request, code)
    form = VillageForm(request.POST, commune=commune, prefix="new-village")
    if not form.is_valid():
        return _page(request, commune, status=400, village_form=form)
    data = form.cleaned_data
    try:
        village_create(
            commune=commune.code,
            name=data["name"],
            declared_households=data["declared_households"],
            team=data["team"],
        )
    except ValidationError as error:  # the name means a village the commune has
        form.add_error(None, error)
        return _page(request, commune, status=400, village_form=form)
    return _back(commune, "villages")


@login_required
@require_POST
def village_edit(request, code, village):
    commune = _commune(request, code)
    village = get_object_or_404(Village, commune=commune, code=village)
    form = VillageForm(request.POST, commune=commune, prefix=f"v-{village.code}")
    if not form.is_valid():
        return _page(request, commune, status=400, edit_errors={village.code: form.errors})
    data = form.cleaned_data
    try:
        village_update(
            village=village,
            name=data["name"],
            declared_households=data["declared_households"],
            team=data["team"],
        )
    except ValidationError as error:  # the new name means another village of the commune
        form.add_error(None, error)
        return _page(request, commune, status=400, edit_errors={village.code: form.errors})
    return _back(commune, "villages")


@login_required
@require_POST
def team_add(request, code):
    commune = _commune(request, code)
    form = TeamForm(request.POST, commune=commune, prefix="new-team")
    if not form.is_valid():
        return _page(request, commune, status=400, team_form=form)
    member_services.team_create(commune=commune, name=form.cleaned_data["name"])
    return _back(commune, "teams")


@login_required
@require_POST
def team_rename(request, code, team):
    commune = _commune(request, code)
    team = get_object_or_404(Team, commune=commune, pk=team)
    form = TeamForm(request.POST, commune=commune, team=team, prefix=f"t-{team.pk}")
    if not form.is_valid():
        return _page(request, commune, status=400, edit_errors={f"team-{team.pk}": form.errors})
    member_services.team_rename(team=team, name=form.cleaned_data["name"])
    return _back(commune, "teams")


def _member(request, commune, pk) -> User:
    return get_object_or_404(selectors.commune_members(scope=request.user.scope, commune=commune), pk=pk)


# A handed-out password is shown by a GET after the POST that made it (POST-redirect-GET): reloading the
# page shows the same password again instead of making a new one. It is never stored in clear: the POST
# derives it from a random secret it gives only to this browser, in a cookie scoped to the member's
# password page and kept HANDOUT_SECONDS; the GET derives it again and shows it while it still is the
# member's password (never once they have set their own).
HANDOUT_SECONDS = 15 * 60


def _handout_cookie(member: User) -> str:
    return f"password-{member.pk}"


def _handout_password(*, secret: str, member: User) -> str:
    return jobs.derived_password(secret=secret, job_id="member", username=member.username)


def _handout_redirect(request, commune, member: User, secret: str):
    url = reverse("onboarding:member-password", args=[commune.code, member.pk])
    response = redirect(url)
    response.set_cookie(
        _handout_cookie(member),
        secret,
        max_age=HANDOUT_SECONDS,
        path=url,
        httponly=True,
        samesite="Strict",
        secure=request.is_secure(),
    )
    return response


def _handed_out(request, member: User) -> str | None:
    """The password this browser handed ``member``, while it still is theirs."""
    secret = request.COOKIES.get(_handout_cookie(member))
    if not secret or not member.password_change_required:
        return None
    password = _handout_password(secret=secret, member=member)
    return password if check_password(password, member.password) else None


@never_cache  # the answer leads to the new member's one-time password
@login_required
@require_POST
def member_add(request, code):
    commune = _commune(request, code)
    scope = request.user.scope
    form = MemberForm(request.POST, commune=commune, roles=scope.manageable_roles, prefix="new-member")
    if not form.is_valid():
        return _page(request, commune, status=400, member_form=form)
    data = form.cleaned_data
    (username,) = usernames_for(full_names=[data["full_name"]])
    team = data["team"] if member_services.ROLE_AREA[data["role"]] == "team" else None
    secret = jobs.new_secret()
    member, _password = member_services.member_create(
        username=username,
        full_name=data["full_name"],
        phone=data["phone"],
        role=data["role"],
        commune=commune.code,
        province=commune.province_id,
        team=team,
        password=_handout_password(secret=secret, member=User(username=username)),
    )
    return _handout_redirect(request, commune, member, secret)


@login_required
@require_POST
def member_move(request, code, pk):
    commune = _commune(request, code)
    member = _member(request, commune, pk)
    form = MoveForm(request.POST, commune=commune, prefix=f"m-{member.pk}")
    if not form.is_valid() or member_services.ROLE_AREA[member.role] != "team":
        message = _("Chỉ chuyển được thành viên tổ, sang một tổ của xã.")
        return _page(request, commune, status=400, move_error={"pk": member.pk, "message": message})
    member_services.member_move(member=member, team=form.cleaned_data["team"])
    return _back(commune, "members")


@login_required
@require_POST
def member_active(request, code, pk):
    commune = _commune(request, code)
    member = _member(request, commune, pk)
    if member.pk == request.user.pk:
        return _page(request, commune, status=400, refused=_("Bạn không thể tự khóa tài khoản của mình."))
    member_services.member_set_active(member=member, active=request.POST.get("active") == "1")
    return _back(commune, "members")


@never_cache  # the GET shows the one-time password
@login_required
@require_http_methods(["GET", "POST"])
def member_password(request, code, pk):
    """POST: a new one-time password for the member, then the GET. GET: the password this browser handed
    out, again on every reload, while it lasts; never a new one."""
    commune = _commune(request, code)
    member = _member(request, commune, pk)
    if request.method == "POST":
        secret = jobs.new_secret()
        member_services.member_reset_password(
            member=member, password=_handout_password(secret=secret, member=member)
        )
        return _handout_redirect(request, commune, member, secret)
    password = _handed_out(request, member)
    if password is None:
        return _page(
            request,
            commune,
            refused=_(
                "Mật khẩu đã cấp cho %(name)s không còn hiển thị (quá thời gian, hoặc người đó đã đổi mật "
                "khẩu). Cần thì cấp lại."
            )
            % {"name": member.full_name or member.username},
        )
    if request.GET.get("print") == "1":  # the member's slip, to print and hand over
        slip = jobs.Slip(
            username=member.username,
            full_name=member.full_name,
            commune=commune.full_name,
            team=member.team.name if member.team_id else "",
            password=password,
        )
        return render(request, "onboarding/slips.html", {"groups": jobs.slip_groups([slip])})
    return _page(request, commune, one_time={"member": member, "password": password})
