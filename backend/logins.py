"""Who is knocking, and how often they may: client addresses, login limits and lockout answers.

Two limits guard every login form (the phone API, /accounts/login/, /admin/login/):

- django-axes locks out an (account, address) pair after ``AXES_FAILURE_LIMIT`` failures for
  ``AXES_COOLOFF_TIME``: a guesser is stopped on that account, while a training session behind one
  commune-hall router is not locked out by one person's typos. Failures live in the database
  (AxesDatabaseHandler), so the lockout works without Redis.
- ``LoginRateThrottle`` caps attempts per address across all login forms (a generous rate, against
  floods: each try costs a password hash).

The client's address is ``REMOTE_ADDR`` unless ``TRUSTED_PROXY_COUNT`` says how many reverse proxies
in front of us append to X-Forwarded-For; then it is the entry that many places from the right, the
one our outermost proxy saw, whatever the client wrote in the header itself (read by django-ipware).
DRF's throttles use the same rule (``NUM_PROXIES``), and axes uses ``client_ip`` below, so every limit
sees the same address.
"""

import logging
import math

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from ipware import get_client_ip
from rest_framework.throttling import SimpleRateThrottle

from backend.exceptions import error_response

logger = logging.getLogger(__name__)


def client_ip(request) -> str:
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return request.META.get("REMOTE_ADDR", "")
    # ipware counts the proxies named inside the header: our last proxy is REMOTE_ADDR, not in it.
    address, _routable = get_client_ip(
        request, proxy_count=count - 1, request_header_order=["HTTP_X_FORWARDED_FOR"], strict=False
    )
    if address:
        return address
    # No header, or one shorter than our chain of proxies (a request that skipped the outer ones): ipware
    # finds no trusted entry. DRF's throttles then take the header's first entry, so we do too.
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    return next((part for part in forwarded if part), request.META.get("REMOTE_ADDR", ""))


class LoginRateThrottle(SimpleRateThrottle):
    """Login attempts per client address, shared by every login form."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache (Redis) is unreachable
            # Signing in matters more than the flood limit; the per-account lockout lives in the
            # database and still holds.
            logger.warning("login throttle skipped: cache unreachable", exc_info=True)
            return True


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _too_many(request, *, message: str, wait_seconds: float | None):
    if _is_api(request):
        response = error_response(message, status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    if wait_seconds:
        response["Retry-After"] = str(math.ceil(wait_seconds))
    return response


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the same words whether the account exists or not."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    message = _(
        "Đăng nhập sai quá nhiều lần với tên đăng nhập này từ địa chỉ của bạn. Vui lòng thử lại sau %(minutes)d phút."
    ) % {"minutes": minutes}
    return _too_many(request, message=message, wait_seconds=settings.AXES_COOLOFF_TIME.total_seconds())


class BrowserLoginThrottleMiddleware:
    """The per-address limit for the browser login forms (the API view has it as a DRF throttle)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._paths: set[str] | None = None

    def __call__(self, request):
        if request.method == "POST" and request.path_info in self._login_paths():
            throttle = LoginRateThrottle()
            if not throttle.allow_request(request, None):
                wait = throttle.wait()
                message = _(
                    "Quá nhiều lần đăng nhập từ địa chỉ của bạn. Vui lòng thử lại sau %(seconds)d giây."
                ) % {"seconds": math.ceil(wait or 60)}
                return _too_many(request, message=message, wait_seconds=wait)
        return self.get_response(request)

    def _login_paths(self) -> set[str]:
        if self._paths is None:
            self._paths = {reverse("maps:login"), reverse("admin:login")}
        return self._paths
