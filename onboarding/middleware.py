"""A member signed in with a password someone else handed out (a sheet's slip, a leader's reset) sets
their own before anything else on the web: every page sends them to the change page until it is done.
The phone API answers the same with ``password_change_required`` in its login response, so it is left
through here, as are the files a page needs and signing out."""

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import reverse

PASSED = ("/api/", "/static/", "/app/", "/i18n/", "/jsi18n/")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._open: set[str] | None = None

    def __call__(self, request):
        if request.path_info.startswith(PASSED) or request.path_info in self._open_paths():
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "password_change_required", False):
            target = reverse("onboarding:password-change")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(target)
        return self.get_response(request)

    def _open_paths(self) -> set[str]:
        if self._open is None:
            self._open = {
                reverse("onboarding:password-change"),
                reverse("maps:logout"),
                reverse("maps:login"),
                reverse("admin:logout"),
            }
        return self._open
