"""Decree 13/2023: an audit trail of who changed households, members, teams, villages and campaigns,
the household's data on request, its erasure, and no names or phones in application logs."""

import json
import logging

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command

from campaigns.models import Campaign
from core.models import Household, Role, Visit
from tests import factories
from tests.clock import TEST_NOW
from tests.field_api.sync_helpers import household, visit

# Fixed dates below are read against this clock (tests/clock.py).
pytestmark = pytest.mark.time_machine(TEST_NOW)

NAME, PHONE = "Nguyễn Thị Hường", "0912345678"


@pytest.fixture
def superuser_client(world, client):
    superuser = factories.UserFactory(
        username="sieuquantri", role=Role.ADMIN, is_staff=True, is_superuser=True
    )
    client.force_login(superuser)
    return client, superuser


def _trail(instance):
    return LogEntry.objects.get_for_object(instance).order_by("timestamp")


def test_admin_edits_of_each_audited_model_name_the_person(superuser_client, world):
    client, superuser = superuser_client
    home = factories.HouseholdFactory(
        village=world.a.village, label="Nhà cũ", head_name=NAME, phone=PHONE, consent=True
    )
    page = client.get(f"/admin/field_api/household/{home.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data.update(
        {"label": "Nhà mới", "head_name": "Trần Văn Ba", "phone": "0988777666", "village": world.a.village.pk}
    )
    data = {k: ("" if v is None else v) for k, v in data.items()}
    response = client.post(f"/admin/field_api/household/{home.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = _trail(home).last()
    assert entry.actor == superuser and entry.action == LogEntry.Action.UPDATE
    assert {"label", "head_name", "phone"} <= set(entry.changes_dict)
    stored = json.dumps([entry.changes, entry.object_repr], ensure_ascii=False)
    for secret in ("Nhà cũ", "Nhà mới", NAME, "Trần Văn Ba", PHONE, "0988777666"):
        assert secret not in stored
    assert entry.object_repr == f"Hộ {home.pk}"

    member = world.a.users[Role.VOLUNTEER]
    member.is_active = False
    member.save()
    assert _trail(member).last().changes_dict["is_active"] == [True, False]
    world.a.team.name = "Tổ mới"
    world.a.team.save()
    assert _trail(world.a.team).last().action == LogEntry.Action.UPDATE
    world.a.village.declared_households = 44
    world.a.village.save()
    assert "declared_households" in _trail(world.a.village).last().changes_dict


def test_campaigns_created_through_the_api_name_their_creator(world, client_for):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    officer = world.a.users[Role.PROVINCE_OFFICER]
    response = client_for(officer).post(
        "/api/v1/campaigns/",
        {"name": "Tháng cao điểm", "province": "51", "starts_on": "2026-12-01", "ends_on": "2026-12-30"},
        format="json",
    )
    assert response.status_code == 201
    entry = _trail(Campaign.objects.get()).first()
    assert entry.actor == officer and entry.action == LogEntry.Action.CREATE


@pytest.mark.django_db(transaction=True)  # on PostgreSQL, a pull only sees what has committed
def test_export_then_erase_one_household_on_request(world, client_for, tmp_path, superuser_client):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    _client, superuser = superuser_client
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    home = household(world.a.village.code, head_name=NAME, phone=PHONE)
    other = household(world.a.village.code, label="Nhà hàng xóm")
    knock = visit(home["id"])
    assert (
        volunteer.post(
            "/api/v1/sync/push/",
            {"households": [home, other], "visits": [knock, visit(other["id"])]},
            format="json",
        ).status_code
        == 200
    )

    cursor = volunteer.get("/api/v1/sync/pull/").json()["cursor"]

    out = tmp_path / "ho.json"
    call_command("household_export", home["id"], "--output", str(out))
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported["household"]["head_name"] == NAME and exported["household"]["phone"] == PHONE
    assert [v["id"] for v in exported["visits"]] == [knock["id"]]
    assert {h["service"] for h in exported["visits"][0]["help"]} == {"vneid_level2", "public_service_account"}
    assert [f["service"] for f in exported["followups"]] == ["public_service_account"]

    call_command("household_erase", home["id"], "--yes", "--by", superuser.username)
    assert not Household.objects.filter(pk=home["id"]).exists()
    assert not Visit.objects.filter(household_id=home["id"]).exists()
    assert Household.objects.filter(pk=other["id"]).exists() and Visit.objects.count() == 1
    erased = LogEntry.objects.filter(object_pk=home["id"], action=LogEntry.Action.DELETE).get()
    assert erased.actor == superuser and NAME not in json.dumps(erased.changes, ensure_ascii=False)
    # Phones in the team drop it on their next pull.
    assert home["id"] in volunteer.get("/api/v1/sync/pull/", {"cursor": cursor}).json()["removed"]


def test_no_names_or_phones_reach_the_logs(world, client_for, caplog):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    caplog.set_level(logging.DEBUG)
    bad = household(world.a.village.code, head_name=NAME, phone=PHONE, members="nhiều")
    good = household(world.a.village.code, head_name=NAME, phone=PHONE)
    volunteer.post("/api/v1/sync/push/", {"households": [bad, good]}, format="json")
    volunteer.post(
        "/api/v1/sync/push/", {"households": [good], "visits": [visit(good["id"], notes=NAME)]}, format="json"
    )
    volunteer.get("/api/v1/sync/pull/")
    volunteer.get("/api/v1/areas/villages/", {"search": NAME})
    volunteer.post(
        "/api/v1/sync/push/",
        f'{{"households": [{{"head_name": "{NAME}"'.encode(),
        content_type="application/json",
    )
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert NAME not in text and PHONE not in text
