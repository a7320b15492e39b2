"""Redis away (cache and broker) in a real gunicorn with production settings: login, push, pull and an
export request answer from PostgreSQL; their work waits in the outbox. When Redis is back and a worker
runs, beat's drain publishes it: the coverage rollup catches up and the export job completes; the next
push through gunicorn is published by its own process's dispatcher."""

import datetime as dt

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from backend.models import OutboxMessage
from backend.tasks import outbox_drain_task
from campaigns.models import Campaign, CampaignVillageDay, ExportJob
from core.models import Household, Role
from coverage.models import VillageCoverage
from tests.field_api.sync_helpers import household, visit
from tests.real_services import (
    UNREACHABLE_REDIS,
    celery_publishing_to,
    free_port,
    fresh_redis_urls,
    start_gunicorn,
    start_worker,
    stop,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "mat-khau-that-dai"  # noqa: S105
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "backend.settings.production",
    "DJANGO_SECRET_KEY": "k" * 50,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
}


class Phone:
    """A client of the running server, as the phone app and the province's browser are (behind the TLS
    proxy production runs, hence the forwarded scheme)."""

    def __init__(self, port: int, username: str):
        self.base = f"http://127.0.0.1:{port}"
        self.session = requests.Session()
        self.session.headers["X-Forwarded-Proto"] = "https"
        login = self.post("/api/v1/auth/login/", {"username": username, "password": PASSWORD})
        assert login.status_code == 200, login.text
        self.session.headers["Authorization"] = f"Token {login.json()['token']}"

    def post(self, path: str, body: dict) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=30)

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.base + path, timeout=30)


@pytest.fixture
def field(world, settings):
    # Stored as production checks them (the test settings' fast hasher is not among production's).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    for user in (world.a.users[Role.VOLUNTEER], world.a.users[Role.PROVINCE_OFFICER]):
        user.set_password(PASSWORD)
        user.save()
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="30 ngày đêm",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=5),
        ends_on=today + dt.timedelta(days=20),
    )
    return world, campaign


def test_redis_away_then_back(field, tmp_path):
    world, campaign = field
    village = world.a.village
    processes = []
    try:
        port = free_port()
        processes.append(
            start_gunicorn(
                port=port,
                **PRODUCTION,
                REDIS_URL=UNREACHABLE_REDIS,
                CELERY_BROKER_URL=UNREACHABLE_REDIS,
                MEDIA_ROOT=str(tmp_path),
            )
        )
        volunteer = Phone(port, "A-tv")
        assert volunteer.get("/api/v1/me/").json()["username"] == "A-tv"
        homes = [household(village.code) for _i in range(3)]
        push = volunteer.post(
            "/api/v1/sync/push/", {"households": homes, "visits": [visit(h["id"]) for h in homes[:2]]}
        )
        assert push.status_code == 200, push.text
        assert {result["status"] for result in push.json()["results"]} == {"created"}
        pull = volunteer.get("/api/v1/sync/pull/")
        assert pull.status_code == 200
        assert {h["id"] for h in homes} <= {row["id"] for row in pull.json()["households"]}
        officer = Phone(port, "A-tinh")
        requested = officer.post(f"/api/v1/campaigns/{campaign.pk}/exports/", {"format": "xlsx"})
        assert requested.status_code == 202, requested.text
        job_url = f"/api/v1/exports/{requested.json()['id']}/"
        assert officer.get(job_url).json()["status"] == "queued"

        # Stored in PostgreSQL; the work for the worker waits in the outbox, none of it lost.
        assert Household.objects.filter(pk__in=[h["id"] for h in homes]).count() == 3
        assert list(OutboxMessage.objects.values_list("task", flat=True)) == ["campaigns.run_export"]
        # Coverage and the running campaign took the pushed rows in the push itself.
        assert VillageCoverage.objects.filter(village=village, households=3, households_reached=2).exists()
        assert _reached(village) == 2
        stop(processes.pop())

        # Redis is back and a worker runs: beat's drain task publishes what was kept.
        broker_url, cache_url = fresh_redis_urls()
        processes.append(start_worker(broker_url=broker_url, cache_url=cache_url, MEDIA_ROOT=str(tmp_path)))
        with celery_publishing_to(broker_url):
            outbox_drain_task.apply_async()
        assert wait_for(lambda: not OutboxMessage.objects.exists()), "the outbox was not drained"
        assert wait_for(lambda: _reached(village) == 2), "the campaign rollup did not catch up"
        assert wait_for(lambda: ExportJob.objects.filter(status=ExportJob.Status.DONE).exists())

        # gunicorn with Redis back: the same token works, and the next push is published by the
        # dispatcher of the process that stored it (started after --preload's fork).
        processes.append(
            start_gunicorn(
                port=port,
                **PRODUCTION,
                REDIS_URL=cache_url,
                CELERY_BROKER_URL=broker_url,
                MEDIA_ROOT=str(tmp_path),
            )
        )
        # Its members counted again: the campaign recounts the village on the worker (through the outbox).
        recounted = {**homes[2], "base_version": 1, "members": homes[2]["members"] + 1}
        push = volunteer.post(
            # 20 minutes ago: the first two doors were an hour ago, whatever time the wait took.
            "/api/v1/sync/push/",
            {"households": [recounted], "visits": [visit(homes[2]["id"], minutes_ago=20)]},
        )
        assert push.status_code == 200, push.text
        assert VillageCoverage.objects.filter(village=village, households_reached=3).exists()
        assert wait_for(lambda: _reached(village) == 3), "the push after the outage was not published"
        job = officer.get(job_url).json()
        assert job["status"] == "done" and job["progress"] == 100
        assert officer.get(job["download_url"]).status_code == 200
    finally:
        for process in processes:
            stop(process)


def _reached(village) -> int:
    """Households the running campaign reached in this village (its rows are per day and team)."""
    return sum(
        CampaignVillageDay.objects.filter(village=village).values_list("households_reached", flat=True)
    )
