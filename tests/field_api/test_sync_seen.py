"""A member's last sync is kept (for "teams silent for N days"), written at most every SYNC_SEEN_EVERY."""

import datetime as dt

import time_machine
from django.utils import timezone

from core.models import Role, User
from core.services.sync_seen import SYNC_SEEN_EVERY


def test_push_and_pull_mark_the_members_last_sync(world, client_for):
    member = world.a.users[Role.VOLUNTEER]
    assert member.last_synced_at is None
    phone = client_for(member)
    assert phone.get("/api/v1/sync/pull/").status_code == 200
    first = User.objects.get(pk=member.pk).last_synced_at
    assert first is not None and timezone.now() - first < dt.timedelta(minutes=1)

    assert phone.post("/api/v1/sync/push/", {}, format="json").status_code == 200
    assert User.objects.get(pk=member.pk).last_synced_at == first  # not written again so soon

    with time_machine.travel(timezone.now() + SYNC_SEEN_EVERY + dt.timedelta(minutes=1)):
        assert phone.post("/api/v1/sync/push/", {}, format="json").status_code == 200
        assert User.objects.get(pk=member.pk).last_synced_at > first
    assert User.objects.get(pk=world.a.users[Role.TEAM_LEADER].pk).last_synced_at is None
