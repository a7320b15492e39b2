"""The national administrator edits the service catalogue in the browser; phones get the change through
pull. (A province's own view of it: tests/onboarding/test_province_catalogue.py.)"""

import pytest
from auditlog.models import LogEntry

from core.models import Role, Service

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client, world, catalogue):
    """The national administrator: the national catalogue is theirs alone."""
    client.force_login(world.admin)
    return client


@pytest.fixture
def catalogue(db):
    from django.core.management import call_command

    call_command("loaddata", "fixtures/services.json", verbosity=0)


def _pull(phone, version=None):
    query = "" if version is None else f"?catalogue={version}"
    response = phone.get(f"/api/v1/sync/pull/{query}")
    assert response.status_code == 200
    return response.json()


def test_a_guide_edited_in_the_browser_reaches_phones_through_pull(officer, world, client_for):
    phone = client_for(world.a.users[Role.VOLUNTEER])
    first = _pull(phone, "")
    version = first["catalogue"]["version"]
    assert any(s["code"] == "vneid_level2" for s in first["catalogue"]["services"])
    assert "catalogue" not in _pull(phone, version)  # nothing changed: nothing sent
    assert "catalogue" not in _pull(phone)  # phones that do not ask get the old answer

    page = officer.get("/setup/catalogue/vneid_level2/")
    assert page.status_code == 200
    form = page.context["form"].initial
    steps = form["guide"].splitlines() + ["Chụp màn hình mức 2 gửi tổ trưởng."]
    response = officer.post(
        "/setup/catalogue/vneid_level2/",
        {**form, "guide": "\n".join(steps), "is_active": "on"},
    )
    assert response.status_code == 302
    pulled = _pull(phone, version)
    assert pulled["catalogue"]["version"] != version
    service = next(s for s in pulled["catalogue"]["services"] if s["code"] == "vneid_level2")
    assert service["guide"][-1] == "Chụp màn hình mức 2 gửi tổ trưởng."
    actor = world.admin
    assert (
        LogEntry.objects.get_for_object(Service.objects.get(pk="vneid_level2")).filter(actor=actor).exists()
    )


def test_adding_a_service(officer, world, client_for):
    data = {
        "code": "ho_tro_ocop",
        "name": "Bán sản phẩm OCOP trên sàn thương mại điện tử",
        "category": "Kinh tế số",
        "guide": "Tạo tài khoản người bán.\n\n  Đăng ảnh và giá sản phẩm.  \n",
        "followup_days": "10",
        "sort_order": "50",
        "is_active": "on",
    }
    assert officer.post("/setup/catalogue/new/", data).status_code == 302
    assert Service.objects.get(pk="ho_tro_ocop").guide == [
        "Tạo tài khoản người bán.",
        "Đăng ảnh và giá sản phẩm.",
    ]
    pulled = _pull(client_for(world.a.users[Role.VOLUNTEER]), "")
    assert "ho_tro_ocop" in {s["code"] for s in pulled["catalogue"]["services"]}
    # Pushes accept the new code right away.
    assert officer.post("/setup/catalogue/new/", data).status_code == 400  # same code again
    bad = officer.post("/setup/catalogue/new/", {**data, "code": "có dấu", "guide": ""})
    assert (
        bad.status_code == 400
        and "code" in bad.context["form"].errors
        and "guide" in bad.context["form"].errors
    )


def test_only_provinces_and_admins_edit_the_catalogue(client, world, catalogue):
    for role in (Role.COMMUNE_LEADER, Role.VOLUNTEER):
        client.force_login(world.a.users[role])
        assert client.get("/setup/catalogue/").status_code == 404
        assert client.post("/setup/catalogue/vneid_level2/", {"name": "x"}).status_code == 404
    client.force_login(world.admin)
    assert client.get("/setup/catalogue/").status_code == 200
