"""knox token authentication with a short-lived cache in front of the token lookup.

knox reads the token row (and its user) on every request; for phones pushing many small batches that
round trip dominates. A successful authentication is cached for ``TOKEN_CACHE_SECONDS`` under a hash
of the presented token. Expiry is still checked against the cached expiry on every request, and logout
/ logout-all evict the entries (``token_cache_forget``), so a revoked token stops working at once.
A cache miss falls through to knox, which also slides the expiry forward (AUTO_REFRESH).
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.models import get_token_model


def _cache_seconds() -> int:
    return getattr(settings, "TOKEN_CACHE_SECONDS", 30)


def _token_cache_key(raw_token: str) -> str:
    return "knox-auth:" + hashlib.sha256(raw_token.encode()).hexdigest()


def _token_key_index(token_key: str) -> str:
    return f"knox-auth-index:{token_key}"


def token_cache_forget(*, token_keys: list[str]) -> None:
    """Evict cached authentications for these knox token keys (on logout and logout-all)."""
    for token_key in token_keys:
        cached_key = cache.get(_token_key_index(token_key))
        if cached_key:
            cache.delete(cached_key)
        cache.delete(_token_key_index(token_key))


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token):
        raw_token = token.decode() if isinstance(token, bytes) else token
        key = _token_cache_key(raw_token)
        cached = cache.get(key)
        if cached and (cached["expiry"] is None or cached["expiry"] > timezone.now()):
            stub = get_token_model()(
                token_key=cached["token_key"], expiry=cached["expiry"], user=cached["user"]
            )
            return cached["user"], stub
        user, auth_token = super().authenticate_credentials(token)
        entry = {"user": user, "expiry": auth_token.expiry, "token_key": auth_token.token_key}
        cache.set(key, entry, _cache_seconds())
        cache.set(_token_key_index(auth_token.token_key), key, _cache_seconds())
        return user, auth_token
