"""When a member's phone last reached the server: what "teams silent for N days" reads.

Written at most once per ``SYNC_SEEN_EVERY`` per member (the phone syncs every few minutes; the page asks
in days), as one UPDATE of that member's row, never a model save: a save would run the password and
area rules, and the audit log, for what is only a clock reading.
"""

import datetime as dt

from django.utils import timezone

from core.models import User

SYNC_SEEN_EVERY = dt.timedelta(minutes=15)


def member_sync_seen(*, user: User) -> None:
    now = timezone.now()
    if user.last_synced_at is not None and now - user.last_synced_at < SYNC_SEEN_EVERY:
        return
    User.objects.filter(pk=user.pk).update(last_synced_at=now)
    user.last_synced_at = now
