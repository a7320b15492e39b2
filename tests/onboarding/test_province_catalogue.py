"""Who may change the catalogue (issue 19 §4): the national catalogue is the national administrators';
a province shapes only its own volunteers' view of it (in use or not, its own guide), and what it does
reaches its own phones' pull, services list and push, never another province's."""

import json

import pytest
from django.core.management import call_command
from django.test import Client

from core.models import ProvinceService, Role, Service
from tests import factories
from tests.field_api.sync_helpers import by_id, household, visit

pytestmark = pytest.mark.django_db

CODE = "vneid_level2"


@pytest.fixture
def catalogue(db):
    call_command("loaddata", "fixtures/services.json", verbosity=0)


def _national_writes(code: str) -> list[tuple[str, str, dict]]:
    """Every way to change the national catalogue in the browser."""
    form = {
        "code": code,
        "name": "Đổi tên",
        "category": "X",
        "guide": "Một bước.",
        "followup_days": "7",
        "sort_order": "0",
    }  # is_active left out: "switch it off"
    return [
        ("get", f"/setup/catalogue/{code}/", {}),
        ("post", f"/setup/catalogue/{code}/", form),
        ("get", "/setup/catalogue/new/", {}),
        ("post", "/setup/catalogue/new/", {**form, "code": "dich_vu_moi"}),
    ]


def test_a_province_officer_cannot_change_the_national_catalogue(client, world, catalogue):
    before = list(Service.objects.order_by("code").values())
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    for method, path, data in _national_writes(CODE):
        response = getattr(client, method)(path, data)
        assert response.status_code == 404, (method, path)
    assert list(Service.objects.order_by("code").values()) == before
    # The list page shows the province's own view, with no way into the national rows.
    page = client.get("/setup/catalogue/").content.decode()
    assert "/setup/catalogue/new/" not in page and f'href="/setup/catalogue/{CODE}/"' not in page
    assert f"/setup/catalogue/{CODE}/provinces/51/" in page


def test_a_province_officer_cannot_touch_another_provinces_view(client, world, catalogue):
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    other = f"/setup/catalogue/{CODE}/provinces/{world.b.province.code}/"
    assert client.get(other).status_code == 404
    assert client.post(other, {"guide": "Của tỉnh khác."}).status_code == 404
    assert client.get(f"/setup/catalogue/?province={world.b.province.code}").status_code == 200
    assert f"/provinces/{world.b.province.code}/" not in client.get("/setup/catalogue/").content.decode()
    assert not ProvinceService.objects.exists()
    # Unknown service or province: 404 too.
    assert client.get("/setup/catalogue/khong_co/provinces/51/").status_code == 404
    client.force_login(world.admin)
    assert client.get(f"/setup/catalogue/{CODE}/provinces/99/").status_code == 404


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.TEAM_LEADER, Role.COMMUNE_LEADER])
def test_below_the_province_nobody_reaches_the_catalogue(client, world, catalogue, role):
    client.force_login(world.a.users[role])
    for path in ("/setup/catalogue/", f"/setup/catalogue/{CODE}/provinces/51/"):
        assert client.get(path).status_code == 404
        assert client.post(path, {"guide": "x"}).status_code == 404


def test_the_national_admin_edits_national_rows_and_any_provinces_view(client, world, catalogue):
    client.force_login(world.admin)
    assert client.get(f"/setup/catalogue/{CODE}/").status_code == 200
    path = f"/setup/catalogue/{CODE}/provinces/{world.b.province.code}/"
    assert client.post(path, {"enabled": "on", "guide": "Bước của tỉnh B."}).status_code == 302
    assert ProvinceService.objects.get(province=world.b.province).guide == ["Bước của tỉnh B."]


def _pull_catalogue(phone) -> dict:
    response = phone.get("/api/v1/sync/pull/?catalogue=")
    assert response.status_code == 200
    return response.json()["catalogue"]


def _push_visit(phone, village: str, service: str) -> dict:
    home = household(village)
    item = visit(home["id"], help=[{"service": service, "result": "done", "people": 1}])
    response = phone.post("/api/v1/sync/push/", {"households": [home], "visits": [item]}, format="json")
    assert response.status_code == 200
    return by_id(response)[item["id"]]


def test_a_provinces_switch_and_guide_reach_its_own_phones_only(client, world, catalogue, client_for):
    phone_a = client_for(world.a.users[Role.VOLUNTEER])
    phone_b = client_for(world.b.users[Role.VOLUNTEER])
    before_a, before_b = _pull_catalogue(phone_a), _pull_catalogue(phone_b)
    assert before_a == before_b

    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    base = "/setup/catalogue/{}/provinces/51/"
    assert client.post(base.format(CODE), {"guide": ""}).status_code == 302  # switched off in A
    guide = "Bước riêng một của tỉnh A.\n  Bước   hai.  \n\n"
    online = "online_safety"
    assert client.post(base.format(online), {"enabled": "on", "guide": guide}).status_code == 302
    assert client.post(base.format(online), {"enabled": "on", "guide": "x\n" * 31}).status_code == 400

    after_a, after_b = _pull_catalogue(phone_a), _pull_catalogue(phone_b)
    assert after_a["version"] != before_a["version"]
    assert after_b == before_b  # B's phones see nothing new
    codes_a = {s["code"]: s for s in after_a["services"]}
    assert CODE not in codes_a and CODE in {s["code"] for s in after_b["services"]}
    assert codes_a[online]["guide"] == ["Bước riêng một của tỉnh A.", "Bước hai."]
    national = Service.objects.get(pk=online)
    assert next(s for s in after_b["services"] if s["code"] == online)["guide"] == national.guide
    # The services list answers the same per province.
    assert [s["code"] for s in phone_a.get("/api/v1/services/").json()] == [
        s["code"] for s in after_a["services"]
    ]
    assert CODE in {s["code"] for s in phone_b.get("/api/v1/services/").json()}

    # Push: A's visits naming the switched-off service are refused, B's are not.
    refused = _push_visit(phone_a, world.a.village.code, CODE)
    assert refused["status"] == "rejected" and "help" in str(refused["errors"])
    assert _push_visit(phone_b, world.b.village.code, CODE)["status"] == "created"
    assert _push_visit(phone_a, world.a.village.code, online)["status"] == "created"

    # Switched back on: A's phones get it again at the next pull.
    assert client.post(base.format(CODE), {"enabled": "on", "guide": ""}).status_code == 302
    assert CODE in {s["code"] for s in _pull_catalogue(phone_a)["services"]}
    assert _push_visit(phone_a, world.a.village.code, CODE)["status"] == "created"


def test_a_national_edit_reaches_every_province(client, world, catalogue, client_for):
    phone_a = client_for(world.a.users[Role.VOLUNTEER])
    phone_b = client_for(world.b.users[Role.VOLUNTEER])
    versions = (_pull_catalogue(phone_a)["version"], _pull_catalogue(phone_b)["version"])
    client.force_login(world.admin)
    form = client.get(f"/setup/catalogue/{CODE}/").context["form"].initial
    response = client.post(
        f"/setup/catalogue/{CODE}/", {**form, "name": "VNeID mức 2 (mới)", "is_active": "on"}
    )
    assert response.status_code == 302
    for phone, version in zip((phone_a, phone_b), versions, strict=True):
        pulled = phone.get(f"/api/v1/sync/pull/?catalogue={version}").json()["catalogue"]
        assert next(s for s in pulled["services"] if s["code"] == CODE)["name"] == "VNeID mức 2 (mới)"


def test_the_django_admin_edits_national_rows_through_the_catalogue_service(world, catalogue, client_for):
    phone = client_for(world.a.users[Role.VOLUNTEER])
    version = _pull_catalogue(phone)["version"]
    browser = Client()
    browser.force_login(
        factories.UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    )
    service = Service.objects.get(pk=CODE)
    response = browser.post(
        f"/admin/field_api/service/{CODE}/change/",
        {
            "code": CODE,
            "name": "VNeID mức 2 (quản trị)",
            "category": service.category,
            "guide": json.dumps(service.guide, ensure_ascii=False),
            "followup_days": service.followup_days,
            "sort_order": service.sort_order,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:300]
    pulled = phone.get(f"/api/v1/sync/pull/?catalogue={version}").json()["catalogue"]  # not a stale digest
    assert next(s for s in pulled["services"] if s["code"] == CODE)["name"] == "VNeID mức 2 (quản trị)"


def test_what_a_province_uses_is_one_rule_for_its_phones_and_its_pushes(world, catalogue):
    """``catalogue_for_province`` (phones, services list) and ``services_in_use`` (push) answer alike,
    province by province: a service switched off in one province and given its own guide in another
    is off in the first only, with the second's guide there only."""
    from core.services.catalogue import catalogue_for_province, province_service_save, services_in_use

    service = Service.objects.get(code=CODE)
    a, b = world.a.province.code, world.b.province.code
    province_service_save(province=a, service=service, enabled=True, guide=["Bước riêng của A."])
    province_service_save(province=b, service=service, enabled=False, guide=[])
    national = Service.objects.filter(is_active=True).count()
    for province, used in ((a, True), (b, False), (None, True)):
        shown = {row["code"]: row for row in catalogue_for_province(province=province)}
        in_use = services_in_use(province=province)
        assert shown.keys() == in_use.keys()
        assert (CODE in in_use) is used
        assert len(in_use) == national - (0 if used else 1)
        assert all(in_use[code] == shown[code]["followup_days"] for code in in_use)
    guides = {row["code"]: row["guide"] for row in catalogue_for_province(province=a)}
    assert guides[CODE] == ["Bước riêng của A."]
    assert {row["code"]: row["guide"] for row in catalogue_for_province(province=None)}[CODE] == service.guide
