"""A small, reproducible world for the fuzzer to walk into: two provinces, one user per role (and a twin
per role whose tokens the fuzzer may log out), households with visits, help items and follow-ups stored
through the real push, two campaigns with targets, and export jobs (done, queued, someone else's)."""

import datetime as dt
import uuid

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from knox.models import AuthToken

from campaigns.models import Campaign, CampaignTarget, ExportJob
from core.models import Role
from field_api.push import sync_push
from tests import factories

ROLES = [Role.VOLUNTEER, Role.TEAM_LEADER, Role.COMMUNE_LEADER, Role.PROVINCE_OFFICER, Role.ADMIN]


def _side(code: str) -> dict:
    province = factories.ProvinceFactory(code=code, name=f"Tỉnh {code}", full_name=f"Tỉnh {code}")
    commune = factories.CommuneFactory(
        code=f"{code}001", province=province, name="Cẩm Thành", full_name="Phường Cẩm Thành"
    )
    other = factories.CommuneFactory(
        code=f"{code}002", province=province, name="Nghĩa Lộ", full_name="Phường Nghĩa Lộ"
    )
    team = factories.TeamFactory(commune=commune, name=f"Tổ {code}")
    village = factories.VillageFactory(commune=commune, code=f"{commune.code}-01", name="Thôn 1", team=team)
    factories.VillageFactory(
        commune=commune, code=f"{commune.code}-02", name="Thôn 2", declared_households=40
    )
    factories.VillageFactory(commune=other, code=f"{other.code}-01", name="Thôn 1")
    return {"province": province, "commune": commune, "team": team, "village": village}


def _user(side: dict, role: str, username: str):
    scope = {
        Role.VOLUNTEER: {"team": side["team"]},
        Role.TEAM_LEADER: {"team": side["team"]},
        Role.COMMUNE_LEADER: {"commune": side["commune"]},
        Role.PROVINCE_OFFICER: {"province": side["province"]},
        Role.ADMIN: {},
    }[role]
    return factories.UserFactory(username=username, role=role, **scope)


def _field_records(volunteer, village: str) -> None:
    now = timezone.now()
    households = [
        {
            "id": str(uuid.uuid4()),
            "village": village,
            "label": f"Nhà số {number}",
            "head_name": "Trần Văn Bốn" if number % 2 else "",
            "phone": "0905123456" if number % 2 else "",
            "members": 4,
            "working_age": 2,
            "lat": 15.1205,
            "lon": 108.8085,
            "consent": bool(number % 2),
            "base_version": None,
        }
        for number in range(1, 5)
    ]
    visits = [
        {
            "id": str(uuid.uuid4()),
            "household": household["id"],
            "visited_at": (now - dt.timedelta(hours=2 + index)).isoformat(),
            "lat": 15.1205,
            "lon": 108.8085,
            "accuracy_m": 8,
            "outcome": "met",
            "help": [
                {"service": "vneid_level2", "result": "pending", "people": 2},
                {"service": "online_safety", "result": "done", "people": 1},
            ],
            "notes": "",
        }
        for index, household in enumerate(households[:3])
    ]
    session = {
        "id": str(uuid.uuid4()),
        "village": village,
        "held_at": (now - dt.timedelta(days=1)).isoformat(),
        "services": ["online_safety"],
        "attendees": 30,
        "lat": 15.12,
        "lon": 108.81,
    }
    answer = sync_push(
        user=volunteer, payload={"households": households, "visits": visits, "group_sessions": [session]}
    )
    assert {r["status"] for r in answer["results"]} == {"created"}, answer


def _campaign(side: dict, creator) -> Campaign:
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name=f"30 ngày đêm {side['province'].code}",
        province=side["province"],
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=20),
        created_by=creator,
    )
    campaign.services.set(["vneid_level2", "online_safety"])
    CampaignTarget.objects.create(campaign=campaign, commune=side["commune"], households=50, people=120)
    CampaignTarget.objects.create(campaign=campaign, village=side["village"], households=20, people=40)
    return campaign


def _job(campaign: Campaign, user, *, done: bool) -> ExportJob:
    job = ExportJob.objects.create(campaign=campaign, requested_by=user, format="csv")
    if done:
        job.file.save(
            f"chien-dich-{campaign.pk}-{job.pk}.csv", ContentFile("\ufeffxã,số hộ\r\n51001,3\r\n"), save=False
        )
        job.status, job.progress, job.finished_at = ExportJob.Status.DONE, 100, timezone.now()
        job.save()
    return job


def build_fuzz_world() -> dict:
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    a, b = _side("51"), _side("52")
    users, twins, tokens = {}, {}, {}
    for role in ROLES:
        users[role] = _user(a, role, f"fuzz-{role}")
        twins[role] = _user(a, role, f"fuzz-{role}-logout").username
        _instance, tokens[role] = AuthToken.objects.create(users[role])
    other_officer = _user(b, Role.PROVINCE_OFFICER, "fuzz-province-b")
    _field_records(users[Role.VOLUNTEER], a["village"].code)
    _field_records(_user(b, Role.VOLUNTEER, "fuzz-volunteer-b"), b["village"].code)
    campaigns = [_campaign(a, users[Role.PROVINCE_OFFICER]), _campaign(b, other_officer)]
    jobs = [_job(campaigns[0], user, done=True) for user in users.values()]
    jobs.append(_job(campaigns[0], users[Role.PROVINCE_OFFICER], done=False))
    jobs.append(_job(campaigns[1], other_officer, done=True))
    return {
        "tokens": {str(role): token for role, token in tokens.items()},
        "twins": {str(role): name for role, name in twins.items()},
        "known": {
            "campaigns": [c.pk for c in campaigns],
            "jobs": [str(j.pk) for j in jobs],
            "provinces": ["51", "52"],
            "communes": ["51001", "51002", "52001"],
        },
    }
