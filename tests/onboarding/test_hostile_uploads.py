"""Hostile and broken files through the real doors people use: the member and village import pages, the
village boundary page, the campaign form's targets sheet, and the import commands. Each answers a 4xx
(or the command's error) naming the problem, and nothing is stored: no import job, no boundary, no
campaign (a refused targets sheet leaves no half-created campaign)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from shapely.geometry import box, mapping

from campaigns.models import Campaign, CampaignTarget
from core.models import Role, Village
from onboarding.models import BoundaryUpload, ImportJob
from tests import hostile_files as hostile

pytestmark = pytest.mark.django_db


def _sheets() -> dict:
    """Every hostile workbook, with what its refusal must name."""
    workbook = hostile.workbook(hostile.MEMBERS)
    return {
        "whole-grid": (hostile.huge_range_xlsx(), "vùng dữ liệu khai báo"),
        "far-cell": (hostile.huge_range_xlsx(dimension=None), "dòng"),
        "far-column": (hostile.huge_range_xlsx(dimension=None, far="ZZ3"), "nhiều cột"),
        "bomb": (hostile.bomb_zip(hostile.SHEET, 200 * 1024 * 1024), "giải nén quá lớn"),
        "lying-bomb": (hostile.lying_bomb_xlsx(50 * 1024 * 1024), "CRC"),
        **{
            name: (breaker(workbook, hostile.SHEET), message)
            for name, (breaker, message) in hostile.BROKEN.items()
        },
    }


SHEET_NAMES = ["whole-grid", "far-cell", "far-column", "bomb", "lying-bomb", *hostile.BROKEN]


@pytest.fixture(scope="module")
def sheets():
    return _sheets()


@pytest.fixture
def leader_client(client, world):
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    return client


@pytest.mark.parametrize("kind", ["members", "villages"])
@pytest.mark.parametrize("name", SHEET_NAMES)
def test_import_pages_refuse_hostile_sheets_by_name(leader_client, sheets, kind, name):
    data, message = sheets[name]
    upload = SimpleUploadedFile("ds.xlsx", data)
    response = leader_client.post(f"/setup/imports/{kind}/new/", {"file": upload})
    assert response.status_code == 400, response.content.decode()[:500]
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("name", SHEET_NAMES)
def test_a_refused_targets_sheet_creates_no_campaign(client, world, sheets, name):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    data, message = sheets[name]
    if name == "whole-grid":
        # The case: the real rows are good, only the declared range is hostile.
        data = hostile.huge_range_xlsx(rows=hostile.TARGETS)
    form = {
        "province": "51",
        "name": "Chiến dịch tháng 11",
        "starts_on": "2026-11-05",
        "ends_on": "2026-12-04",
        "c-51001": "on",
        "sheet": SimpleUploadedFile("chi-tieu.xlsx", data),
    }
    response = client.post("/campaigns/new/", form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Campaign.objects.exists() and not CampaignTarget.objects.exists()


def test_a_good_targets_sheet_still_makes_the_campaign(client, world):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    form = {
        "province": "51",
        "name": "Chiến dịch tháng 11",
        "starts_on": "2026-11-05",
        "ends_on": "2026-12-04",
        "c-51001": "on",
        "sheet": SimpleUploadedFile("chi-tieu.xlsx", hostile.workbook(hostile.TARGETS)),
    }
    preview = client.post("/campaigns/new/", form)  # a sheet is shown first, stored once confirmed
    assert preview.status_code == 200 and not Campaign.objects.exists()
    confirmed = {**form, "sheet": "", "sheet_read": preview.context["sheet_signed"]}
    assert client.post("/campaigns/new/", confirmed).status_code == 302
    assert CampaignTarget.objects.get(commune_id="51001").households == 80


def _layer() -> bytes:
    feature = {
        "type": "Feature",
        "properties": {"ten": "Thôn 1"},
        "geometry": mapping(box(108.81, 15.11, 108.84, 15.14)),
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def _broken_layers() -> dict:
    good = hostile.zip_of({"thon.geojson": _layer()})
    return {
        **{
            name: (breaker(good, "thon.geojson"), message)
            for name, (breaker, message) in hostile.BROKEN.items()
        },
        "lying-bomb": (hostile.lying_bomb_zip("thon.geojson", 50 * 1024 * 1024), "CRC"),
        "kmz-encrypted": (
            hostile.encrypted_zip(hostile.zip_of({"doc.kml": b"<kml></kml>"}), "doc.kml"),
            "mật khẩu",
        ),
    }


@pytest.mark.parametrize("name", [*hostile.BROKEN, "lying-bomb", "kmz-encrypted"])
def test_boundary_page_refuses_broken_zips_by_name(leader_client, world, name):
    data, message = _broken_layers()[name]
    upload = SimpleUploadedFile("thon.zip", data)
    response = leader_client.post(f"/setup/communes/{world.a.commune.code}/boundaries/", {"file": upload})
    assert response.status_code == 400, response.content.decode()[:500]
    assert message in response.content.decode()
    assert not BoundaryUpload.objects.exists()
    assert not Village.objects.filter(geometry__isnull=False).exists()


def test_the_import_commands_refuse_hostile_files_by_name(tmp_path, world, sheets):
    for name in ("whole-grid", "lying-bomb", "corrupt-stream"):
        data, message = sheets[name]
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(data)
        for command in ("import_members", "import_villages"):
            with pytest.raises(CommandError, match=message):
                call_command(command, str(path))
    for name, (data, message) in _broken_layers().items():
        path = tmp_path / f"{name}.zip"
        path.write_bytes(data)
        with pytest.raises(CommandError, match=message):
            call_command("import_boundaries", str(path), "--level", "village")
    assert not Village.objects.filter(geometry__isnull=False).exists()
