"""Issuing, checking and revoking feed keys (models.py says what a key is)."""

import datetime as dt
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from core.models import Province, User
from ioc.models import FeedKey

KEY_START = "ioc_"
# last_used_at is for the administrator's eyes: written at most this often, not on every request.
USE_STAMP_EVERY = dt.timedelta(minutes=5)


def _hash(key: str) -> str:
    # A key carries 256 random bits: a plain SHA-256 is enough, no salt or slow hash needed.
    return hashlib.sha256(key.encode()).hexdigest()


def feed_key_assign(*, feed_key: FeedKey) -> str:
    """Gives an unsaved key row its prefix and hash; returns the key, which is never stored."""
    prefix = secrets.token_hex(6)
    key = f"{KEY_START}{prefix}.{secrets.token_urlsafe(32)}"
    feed_key.prefix, feed_key.hashed_key = prefix, _hash(key)
    return key


@transaction.atomic
def feed_key_issue(*, name: str, province: Province, user: User | None) -> tuple[FeedKey, str]:
    """A new key for ``province``: the row, and the key itself, which is never stored or shown again."""
    feed_key = FeedKey(name=name, province=province, created_by=user)
    key = feed_key_assign(feed_key=feed_key)
    feed_key.save()
    return feed_key, key


def feed_key_revoke(*, feed_key: FeedKey) -> FeedKey:
    """Stops the key at once; a revoked key is never valid again."""
    if feed_key.revoked_at is None:
        feed_key.revoked_at = timezone.now()
        feed_key.save(update_fields=["revoked_at"])
    return feed_key


def feed_key_check(*, key: str) -> FeedKey | None:
    """The unrevoked key this string is, or None (wrong, unknown, revoked or malformed)."""
    if not key.startswith(KEY_START) or "." not in key or len(key) > 200:
        return None
    prefix = key[len(KEY_START) :].split(".", 1)[0]
    feed_key = FeedKey.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if feed_key is None or not hmac.compare_digest(feed_key.hashed_key, _hash(key)):
        return None
    now = timezone.now()
    if feed_key.last_used_at is None or now - feed_key.last_used_at > USE_STAMP_EVERY:
        FeedKey.objects.filter(pk=feed_key.pk).update(last_used_at=now)
        feed_key.last_used_at = now
    return feed_key
