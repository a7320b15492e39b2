"""knox token authentication with a short-lived cache in front of the token lookup.

knox reads the token rows with the presented prefix (and their user, and the user's other tokens) and
compares digests on every request; for phones pushing many small batches that round trip dominates. A successful lookup is cached for
``TOKEN_CACHE_SECONDS`` under a hash of the presented token, but only what cannot go stale: the token's
key, its owner's id and its expiry. The user is read fresh on every request (one primary-key lookup),
so deactivating someone or changing their role or team reaches the API on the very next request.

Expiry is checked against the cached expiry on every request, and deleting a token anywhere (logout,
logout-all, the admin, a cleanup) evicts its entry through a ``post_delete`` receiver
(``token_cache_forget``), so a revoked token stops working at once. A cache miss falls through to knox,
which also slides the expiry forward (AUTO_REFRESH).

Every refusal speaks the product's language (``token_refused_message``): knox's own messages are
English and no catalogue carries them. A ``Token`` header whose token is not one run of ASCII letters
and digits (knox tokens are hex) is refused before anything is decoded or looked up.
"""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.models import get_token_model
from knox.settings import knox_settings
from rest_framework import exceptions


def _refused() -> exceptions.AuthenticationFailed:
    # Imported here: backend.exceptions imports DRF's views, which import this module.
    from backend.exceptions import token_refused_message

    return exceptions.AuthenticationFailed(token_refused_message())


def _cache_seconds() -> int:
    return getattr(settings, "TOKEN_CACHE_SECONDS", 30)


def _token_cache_key(raw_token: str) -> str:
    return "knox-auth:" + hashlib.sha256(raw_token.encode()).hexdigest()


def _token_key_index(token_key: str) -> str:
    return f"knox-auth-index:{token_key}"


def token_cache_forget(*, token_keys: list[str]) -> None:
    """Evict cached authentications for these knox token keys."""
    for token_key in token_keys:
        cached_key = cache.get(_token_key_index(token_key))
        if cached_key:
            cache.delete(cached_key)
        cache.delete(_token_key_index(token_key))


@receiver(post_delete, sender=get_token_model(), dispatch_uid="knox-token-cache-forget")
def _forget_deleted_token(sender, instance, **kwargs) -> None:
    # Every deletion path sends this (QuerySet.delete() too, since a receiver is connected).
    token_cache_forget(token_keys=[instance.token_key])


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        # Read as text: DRF's helper encodes it to Latin-1 and fails on anything else.
        parts = str(request.META.get("HTTP_AUTHORIZATION", "")).split()
        scheme = knox_settings.AUTH_HEADER_PREFIX  # "Token": what the OpenAPI scheme says
        if not parts or parts[0].lower() != scheme.lower():
            return None  # another scheme (a session, an IOC key) or none: not ours to refuse
        if len(parts) != 2 or not parts[1].isascii() or not parts[1].isalnum():
            raise _refused()
        return self.authenticate_credentials(parts[1].encode())

    def authenticate_credentials(self, token):
        try:
            return self._credentials(token)
        except exceptions.AuthenticationFailed:
            # knox says "Invalid token." / "User inactive or deleted." in English, for an unknown, an
            # expired (knox deletes it) or a revoked token alike.
            raise _refused() from None

    def _credentials(self, token):
        raw_token = token.decode() if isinstance(token, bytes) else token
        key = _token_cache_key(raw_token)
        cached = cache.get(key)
        if cached and "user_id" in cached and (cached["expiry"] is None or cached["expiry"] > timezone.now()):
            user = get_user_model().objects.filter(pk=cached["user_id"], is_active=True).first()
            if user is not None:
                stub = get_token_model()(token_key=cached["token_key"], expiry=cached["expiry"], user=user)
                return user, stub
            # Gone or deactivated: let knox refuse it with its own words, as for any bad token.
            cache.delete(key)
        user, auth_token = super().authenticate_credentials(token)
        entry = {"user_id": user.pk, "expiry": auth_token.expiry, "token_key": auth_token.token_key}
        cache.set(key, entry, _cache_seconds())
        cache.set(_token_key_index(auth_token.token_key), key, _cache_seconds())
        return user, auth_token
