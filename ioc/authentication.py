"""``Authorization: Api-Key <key>`` for the IOC feed, and only for it.

The feed's views take this authentication alone, so a person's knox token or browser session there is
a 401; every other endpoint ignores this header, so a feed key there is a 401 too.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from ioc.models import FeedKey
from ioc.services import feed_key_check

KEYWORD = "Api-Key"


class FeedClient:
    """Who is calling: a machine holding a province's key, not a user."""

    is_authenticated = True
    is_active = True

    def __init__(self, feed_key: FeedKey):
        self.feed_key = feed_key
        self.pk = None

    def __str__(self) -> str:
        return f"IOC {self.feed_key.prefix}"


class FeedKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Khóa truy cập không hợp lệ."))
        try:
            key = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Khóa truy cập không hợp lệ.")) from None
        feed_key = feed_key_check(key=key)
        if feed_key is None:
            raise exceptions.AuthenticationFailed(_("Khóa truy cập không hợp lệ hoặc đã bị thu hồi."))
        return FeedClient(feed_key), feed_key

    def authenticate_header(self, request):
        return KEYWORD


class HasFeedKey(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, FeedKey)


class FeedKeyThrottle(SimpleRateThrottle):
    """Per key (IOC_FEED_THROTTLE_RATE): a dashboard polling every few seconds is fine, a loop is not."""

    scope = "ioc_feed"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, FeedKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}
