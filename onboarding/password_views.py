"""A member's own password: the page every member signed in with a handed-out password is sent to
(``onboarding.middleware``), and where anyone signed in may change theirs."""

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from core.services.members import member_password_change
from onboarding.forms import PasswordChangeForm


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return ""


@never_cache
@login_required
def password_change(request):
    user = request.user
    form = PasswordChangeForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                member_password_change(member=user, password=form.cleaned_data["password"])
            except ValidationError as error:  # the site's password rules, said on the field
                form.add_error(None, error)
            else:
                update_session_auth_hash(request, user)  # this browser stays signed in, others end
                return redirect(_next(request) or "maps:home")
        status = 400
    return render(
        request,
        "onboarding/password_change.html",
        {"form": form, "next": _next(request), "required": user.password_change_required},
        status=status,
    )
