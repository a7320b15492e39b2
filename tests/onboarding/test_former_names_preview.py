"""Issue 23 §3: sheets naming communes by their pre-2025 names, through the previews that show a
resolved commune: the members import, the villages import and a campaign's targets sheet. The old name
is shown beside the 2025 commune it maps to ("Xã Nghĩa Hà (trước 2025) → Xã An Phú"), what is stored is
the 2025 commune, and an old name split among communes (or of several old districts) is a row error
listing the communes, never a pick. The rule itself: tests/core/test_former_names.py."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from shapely.geometry import box, mapping

from campaigns.models import CampaignTarget
from core.models import Commune, Role, User, Village
from core.scope import Scope
from onboarding.models import ProvinceBoundaryUpload
from onboarding.services import members_check, members_import, villages_check, villages_import
from onboarding.sheets import read_sheet
from tests import factories
from tests.clock import TEST_NOW
from tests.onboarding.sheets import members_workbook, nfd, villages_workbook
from tests.onboarding.test_import_pages import _job, _upload

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(TEST_NOW)]

# Real 2025 communes of Quảng Ngãi (which took in Kon Tum), with the pre-2025 units the fixture lists:
# Xã Nghĩa Hà → An Phú; Phường Trần Hưng Đạo of Quảng Ngãi city → Cẩm Thành and of Kon Tum city → Đăk
# Bla; Phường Nguyễn Nghiêm was a ward, "Xã Nguyễn Nghiêm" is a 2025 commune; Xã Trà Bùi was split
# between Cà Đam and Tây Trà Bồng (not in this database: the split is still a split).
COMMUNES = {
    "21025": ("Cẩm Thành", "Phường"),
    "21034": ("An Phú", "Xã"),
    "21439": ("Đức Phổ", "Phường"),
    "21457": ("Nguyễn Nghiêm", "Xã"),
    "23302": ("Đăk Bla", "Phường"),
    "21136": ("Cà Đam", "Xã"),
}
AN_PHU = "Xã Nghĩa Hà (trước 2025) → Xã An Phú"


@pytest.fixture
def province(db):
    province = factories.ProvinceFactory(code="51", name="Quảng Ngãi", full_name="Tỉnh Quảng Ngãi")
    for code, (name, unit) in COMMUNES.items():
        factories.CommuneFactory(
            code=code, province=province, name=name, full_name=f"{unit} {name}", unit_type=unit
        )
    return province


@pytest.fixture
def officer(province):
    return factories.UserFactory(username="tinh-51", role=Role.PROVINCE_OFFICER, province=province)


SCOPE = Scope.province_officer(province="51")
MEMBERS = [
    [1, "Nguyễn Thị Lan", None, 905111222, "Thành viên", "Xã Nghĩa Hà", "", "Tổ CNSCĐ Nghĩa Hà"],
    [2, "Trần Văn Hùng", None, 912345678, "Thành viên", "nghia ha", "", "Tổ CNSCĐ Nghĩa Hà"],
    [3, "Lê Thị Mai", None, 935123456, "Tổ trưởng", nfd("Nghĩa Hà"), "", "Tổ CNSCĐ Nghĩa Hà 2"],
    [4, "Phạm Quốc Bảo", None, 976000111, "Tổ trưởng", "Phường Nguyễn Nghiêm", "", "Tổ CNSCĐ 1"],
    [5, "Võ Thị Hoa", None, 976000222, "Thành viên", "Phường Trần Hưng Đạo (thành phố Kon Tum)", "", "Tổ 1"],
]
AMBIGUOUS = [
    [6, "Đỗ Văn Tư", None, 976000333, "Thành viên", "Phường Trần Hưng Đạo", "", "Tổ 1"],
    [7, "Bùi Thị Năm", None, 976000444, "Thành viên", "Xã Trà Bùi", "", "Tổ 1"],
]


def _members(rows) -> bytes:
    return members_workbook(rows)


def _communes_shown(preview) -> dict[str, str]:
    return {row.values["full_name"]: row.values["commune"] for row in preview.rows}


def test_the_members_preview_shows_the_old_name_and_stores_the_2025_commune(officer):
    sheet = read_sheet(data=_members(MEMBERS), filename="ds.xlsx", kind="members")
    preview = members_check(sheet=sheet, scope=SCOPE)
    assert preview.ok, preview.problems()
    assert _communes_shown(preview) == {
        "Nguyễn Thị Lan": AN_PHU,
        "Trần Văn Hùng": AN_PHU,
        "Lê Thị Mai": AN_PHU,
        "Phạm Quốc Bảo": "Xã Nguyễn Nghiêm",  # a 2025 name wins over the old ward
        "Võ Thị Hoa": "Phường Trần Hưng Đạo, thành phố Kon Tum (trước 2025) → Phường Đăk Bla",
    }
    report = members_import(sheet=sheet, scope=SCOPE, actor=officer)
    stored = dict(
        User.objects.filter(role__in=(Role.VOLUNTEER, Role.TEAM_LEADER)).values_list("full_name", "commune")
    )
    assert stored == {
        "Nguyễn Thị Lan": "21034",
        "Trần Văn Hùng": "21034",
        "Lê Thị Mai": "21034",
        "Phạm Quốc Bảo": "21457",
        "Võ Thị Hoa": "23302",
    }
    # The passwords file names the 2025 commune only.
    assert {commune for commune, _team in report.places.values()} == {
        "Xã An Phú",
        "Xã Nguyễn Nghiêm",
        "Phường Đăk Bla",
    }


def test_an_ambiguous_old_name_is_a_row_error_listing_the_communes(officer):
    sheet = read_sheet(data=_members(MEMBERS + AMBIGUOUS), filename="ds.xlsx", kind="members")
    preview = members_check(sheet=sheet, scope=SCOPE)
    errors = {row.number: row.errors for row in preview.rows if row.errors}
    assert len(errors) == 2 and not preview.ok
    tran_hung_dao, tra_bui = (message["commune"] for message in errors.values())
    assert tran_hung_dao == (
        "“Phường Trần Hưng Đạo” là tên trước 2025, nay thuộc nhiều xã "
        "(Phường Cẩm Thành 21025, Phường Đăk Bla 23302): hãy ghi mã xã."
    )
    assert tra_bui == "“Xã Trà Bùi” là tên trước 2025, nay thuộc nhiều xã (Xã Cà Đam 21136): hãy ghi mã xã."


def test_the_members_import_page_shows_the_old_name(client, officer, django_capture_on_commit_callbacks):
    client.force_login(officer)
    job = _job(_upload(client, _members(MEMBERS + AMBIGUOUS)))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/setup/imports/{job.pk}/mapping/", {f"column-{i}": n for i, n in job.mapping.items()})
    page = client.get(f"/setup/imports/{job.pk}/").content.decode()
    assert AN_PHU in page
    assert "“Xã Trà Bùi” là tên trước 2025, nay thuộc nhiều xã (Xã Cà Đam 21136)" in page


def test_the_villages_preview_shows_the_old_name_and_stores_the_2025_commune(officer):
    rows = [
        [1, "Xã Nghĩa Hà", "Thôn Phước Lâm", 120, ""],
        [2, "tran hung dao, thanh pho kon tum", "Tổ dân phố 1", 80, ""],
        [3, "Phường Cẩm Thành", "Tổ dân phố 5", 60, ""],
        [4, "Xã Trà Bùi", "Thôn 1", 40, ""],
    ]
    sheet = read_sheet(data=villages_workbook(rows), filename="thon.xlsx", kind="villages")
    preview = villages_check(sheet=sheet, scope=SCOPE)
    shown = {row.values["name"]: (row.values["commune"], row.errors) for row in preview.rows}
    assert shown["Thôn Phước Lâm"] == (AN_PHU, {})
    assert shown["Tổ dân phố 1"] == (
        "Phường Trần Hưng Đạo, thành phố Kon Tum (trước 2025) → Phường Đăk Bla",
        {},
    )
    assert shown["Tổ dân phố 5"] == ("Phường Cẩm Thành", {})
    assert "là tên trước 2025, nay thuộc nhiều xã" in shown["Thôn 1"][1]["commune"]
    good = read_sheet(data=villages_workbook(rows[:3]), filename="thon.xlsx", kind="villages")
    villages_import(sheet=good, scope=SCOPE, actor=officer)
    assert dict(Village.objects.values_list("name", "commune")) == {
        "Thôn Phước Lâm": "21034",
        "Tổ dân phố 1": "23302",
        "Tổ dân phố 5": "21025",
    }


def _targets_csv(rows) -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile("chi-tieu.csv", ("\ufeff" + buffer.getvalue()).encode())


def test_the_campaign_targets_preview_shows_the_old_name(client, officer):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    client.force_login(officer)
    data = {
        "province": "51",
        "name": "Chiến dịch tháng 11",
        "starts_on": "2026-11-05",
        "ends_on": "2026-12-04",
        "services": ["vneid_level2"],
    }
    sheet = _targets_csv(
        [
            ["Tên xã", "Số hộ", "Số người"],
            ["Xã Nghĩa Hà", "80", "150"],
            ["Cẩm Thành", "40", "60"],
            ["Phường Trần Hưng Đạo", "5", "5"],
        ]
    )
    preview = client.post("/campaigns/new/", {**data, "sheet": sheet})
    page = preview.content.decode()
    assert preview.status_code == 200 and AN_PHU in page
    assert (
        "Dòng 4: “Phường Trần Hưng Đạo” là tên trước 2025, nay thuộc nhiều xã "
        "(Phường Cẩm Thành 21025, Phường Đăk Bla 23302): hãy ghi mã xã."
    ) in page
    response = client.post("/campaigns/new/", {**data, "sheet_read": preview.context["sheet_signed"]})
    assert response.status_code == 302, response.context["form"].errors
    assert dict(CampaignTarget.objects.values_list("commune_id", "households")) == {"21034": 80, "21025": 40}


def test_province_boundaries_file_naming_a_former_commune(client, officer):
    """The province's village boundaries, one column naming the commune as before 2025: the village
    goes to the 2025 commune, and the preview says which one."""
    an_phu = box(108.80, 15.10, 108.90, 15.20)
    commune = Commune.objects.get(code="21034")
    commune.geometry = commune.geometry_simplified = mapping(an_phu)
    commune.save()
    factories.VillageFactory(commune=commune, code="21034-01", name="Thôn Phú Lộc")
    client.force_login(officer)
    data = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"xa": "Xã Nghĩa Hà", "thon": "Thôn Phú Lộc"},
                    "geometry": mapping(box(108.81, 15.11, 108.85, 15.15)),
                }
            ],
        }
    ).encode()
    uploaded = client.post(
        "/setup/provinces/51/boundaries/", {"file": SimpleUploadedFile("thon.geojson", data)}
    )
    assert uploaded.status_code == 302
    url = uploaded["Location"]
    assert client.post(url + "check/", {"commune_column": "xa", "column": "thon"}).status_code == 302
    [check] = ProvinceBoundaryUpload.objects.get().checks
    assert (check["commune"], check["village"], check["errors"]) == ("21034", "21034-01", [])
    assert AN_PHU in check["notes"]
    assert AN_PHU in client.get(url).content.decode()
