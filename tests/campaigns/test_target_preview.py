"""Campaign set-up that cannot surprise (issue 21 §2): a targets sheet is read by the onboarding reader
(any encoding, limits, title and total lines left out), shown with its communes, targets, the rows it
cannot use and the lines left out, and used only when the officer confirms. A sheet uploaded with no
commune ticked makes a campaign of exactly the sheet's communes, never the whole province."""

import io

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from campaigns.forms import SHEET_SALT
from campaigns.models import Campaign, CampaignTarget
from campaigns.sheets import target_sheet_read
from core.models import Commune, Role
from tests import factories
from tests.clock import TEST_NOW

pytestmark = pytest.mark.time_machine(TEST_NOW)

EXTRA = [
    ("51003", "Hạc Thành", "Phường Hạc Thành"),
    ("51004", "Sơn Hà", "Xã Sơn Hà"),
    ("51005", "Sơn Hạ", "Xã Sơn Hạ"),
    ("51006", "Quảng Phú", "Phường Quảng Phú"),
    ("51007", "Đông Tiến", "Xã Đông Tiến"),
    ("51008", "Thiệu Hóa", "Xã Thiệu Hóa"),
]


@pytest.fixture
def officer(world, client):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    for code, name, full_name in EXTRA:
        factories.CommuneFactory(code=code, province=world.a.province, name=name, full_name=full_name)
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    return client


def _form(**changes) -> dict:
    data = {
        "province": "51",
        "name": "Chiến dịch tháng 11",
        "starts_on": "05/11/2026",
        "ends_on": "04/12/2026",
        "services": ["vneid_level2"],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _xlsx(rows, merges=(), name="chi-tieu.xlsx", title="Chỉ tiêu", before=()) -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_title, sheet_rows in before:
        sheet = workbook.create_sheet(sheet_title)
        for row in sheet_rows:
            sheet.append(row)
    sheet = workbook.create_sheet(title)
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


# The sheet of the report: four communes under a title, with a total line (2,217 is no commune's target).
FOUR_COMMUNES = [
    ["CHỈ TIÊU CHIẾN DỊCH 30 NGÀY ĐÊM - THÁNG 11/2026"],
    ["STT", "Tên xã", "Số hộ", "Số người"],
    [1, "Phường Cẩm Thành A", 20, 40],
    [2, "nghia lo a", 15, 30],
    [3, "51003", 25, 50],
    [4, "Xã Sơn Hạ", 15, 20],
    [None, "Tổng cộng", 75, 140],
]


def _preview(client, sheet, **changes):
    response = client.post("/campaigns/new/", {**_form(**changes), "sheet": sheet})
    assert not Campaign.objects.exists() and not CampaignTarget.objects.exists()
    return response


def _confirm(client, preview, url="/campaigns/new/", **changes):
    return client.post(
        url, {**_form(**changes), "sheet_read": preview.context["sheet_signed"], "confirm": "1"}
    )


def test_a_four_commune_sheet_with_nothing_ticked_makes_a_four_commune_campaign(officer):
    preview = _preview(officer, _xlsx(FOUR_COMMUNES, merges=["A1:D1"]))
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert [row["commune"].code for row in plan["rows"]] == ["51001", "51002", "51003", "51005"]
    assert (plan["households"], plan["people"], len(plan["communes"])) == (75, 140, 4)
    assert plan["problems"] == []  # the title line is no unknown commune
    assert plan["skipped"] == [
        "Dòng 1 (“CHỈ TIÊU CHIẾN DỊCH 30 NGÀY ĐÊM - THÁNG 11/2026”): dòng tiêu đề phía trên bảng, bỏ qua.",
        "Dòng 7 (“Tổng cộng · 75 · 140”): dòng tổng cộng, không phải dữ liệu: bỏ qua.",
    ]
    page = preview.content.decode()
    assert "Chiến dịch sẽ gồm 4 xã (4 xã có trong tệp); chỉ tiêu trong tệp: 75 hộ, 140 người." in page
    assert 'id="sheet-confirm"' in page and "Xem trước bảng chỉ tiêu: chưa lưu gì" in page

    response = _confirm(officer, preview)
    assert response.status_code == 302, response.context["form"].errors
    campaign = Campaign.objects.get()
    assert sorted(campaign.communes.values_list("code", flat=True)) == ["51001", "51002", "51003", "51005"]
    targets = dict(CampaignTarget.objects.values_list("commune_id", "households"))
    assert targets == {"51001": 20, "51002": 15, "51003": 25, "51005": 15} and sum(targets.values()) == 75


def test_no_commune_ticked_and_no_sheet_is_still_the_whole_province(officer):
    response = officer.post("/campaigns/new/", _form())
    assert response.status_code == 302
    assert Campaign.objects.get().communes.count() == 0  # no commune named: the province's, as the form says


def test_a_sheets_communes_join_the_ticked_ones(officer):
    preview = _preview(officer, _xlsx(FOUR_COMMUNES), **{"c-51007": "on", "h-51007": "5"})
    plan = preview.context["plan"]
    assert len(plan["communes"]) == 5 and plan["ticked"] == ["51007"]
    assert "Thêm 1 xã đã đánh dấu trong bảng dưới." in preview.content.decode()
    assert _confirm(officer, preview, **{"c-51007": "on", "h-51007": "5"}).status_code == 302
    assert Campaign.objects.get().communes.count() == 5
    assert CampaignTarget.objects.get(commune_id="51007").households == 5


def test_rows_it_cannot_use_are_shown_and_left_out_once_confirmed(officer):
    rows = [
        ["Mã xã", "Tên xã", "Số hộ", "Số người"],
        ["51001", "", "20", "40"],
        ["", "Không Có Xã Này", "5", ""],
        ["", "Sơn Hả", "5", ""],  # other marks: not guessed
        ["", "son ha", "5", ""],  # no marks: two communes fold to it
        ["51002", "", "nhiều", ""],
        ["51001", "", "9", ""],  # given twice
        ["51006", "", "", ""],  # a commune listed with no target: left out, not a target of 0
    ]
    preview = _preview(officer, _xlsx(rows))
    plan = preview.context["plan"]
    assert [row["commune"].code for row in plan["rows"]] == ["51001"]
    assert plan["problems"] == [
        "Dòng 3: không tìm thấy xã “Không Có Xã Này” trong tỉnh.",
        "Dòng 4: không tìm thấy xã “Sơn Hả” trong tỉnh. Có phải: Xã Sơn Hà (51004), Xã Sơn Hạ (51005)?",
        "Dòng 5: có nhiều xã tên “son ha”, hãy ghi mã xã.",
        "Dòng 6: số hộ và số người phải là số nguyên không âm.",
        "Dòng 7: xã 51001 đã có ở dòng 2.",
    ]
    assert plan["skipped"] == ["Dòng 8: chưa ghi số hộ, số người: bỏ qua."]
    page = preview.content.decode()
    assert "5 dòng không dùng được: sẽ bỏ qua nếu xác nhận" in page and "Không Có Xã Này" in page
    assert _confirm(officer, preview).status_code == 302
    assert list(Campaign.objects.get().communes.values_list("code", flat=True)) == ["51001"]


def test_a_two_level_header_in_a_utf16_csv_is_read(officer):
    text = (
        "KẾ HOẠCH CHỈ TIÊU\n"
        "Đơn vị hành chính\t\tChỉ tiêu\t\n"
        "Mã xã\tXã/phường\tSố hộ\tSố người\n"
        "(1)\t(2)\t(3)\t(4)\n"
        "51003\tPhường Hạc Thành\t1.200\t300\n"
        "Cộng\t\t1.200\t300\n"
    )
    preview = _preview(officer, SimpleUploadedFile("chi-tieu.csv", text.encode("utf-16")))
    plan = preview.context["plan"]
    assert [(row["commune"].code, row["target"].households) for row in plan["rows"]] == [("51003", 1200)]
    assert [line.split("): ")[0] for line in plan["skipped"]] == [
        "Dòng 1 (“KẾ HOẠCH CHỈ TIÊU”",
        "Dòng 3 (“Mã xã · Xã/phường · Số hộ”",
        "Dòng 4 (“(1) · (2) · (3)”",
        "Dòng 6 (“Cộng · 1.200 · 300”",
    ]


def test_a_workbook_is_read_at_its_targets_sheet_and_offers_the_others(officer):
    guide = ("Hướng dẫn", [["Ghi mỗi dòng một xã."], ["Không ghi dòng tổng."]])
    sheet = _xlsx(FOUR_COMMUNES[1:3], title="Chỉ tiêu", before=[guide])
    preview = _preview(officer, sheet)
    plan = preview.context["plan"]
    assert plan["sheet_name"] == "Chỉ tiêu" and plan["sheet_names"] == ("Hướng dẫn", "Chỉ tiêu")
    page = preview.content.decode()
    assert 'name="sheet_name"' in page and "Đã đọc trang tính “Chỉ tiêu”." in page
    # Choosing the guide sheet: it holds no targets, said plainly.
    response = _preview(officer, _xlsx(FOUR_COMMUNES[1:3], before=[guide]), sheet_name="Hướng dẫn")
    assert response.status_code == 400 and "Tệp không có xã nào có chỉ tiêu" in response.content.decode()


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        signing.dumps({"province": "52", "campaign": None, "targets": [["52001", 1, 1]]}, salt=SHEET_SALT),
        signing.dumps(
            {
                "province": "51",
                "campaign": None,
                "targets": [["52001", 1, 1]],
                "problems": [],
                "skipped": [],
                "sheet_name": "",
                "sheet_names": [],
            },
            salt=SHEET_SALT,
        ),
        signing.dumps({"province": "51", "campaign": None, "targets": [["51001", 1, 1]]}, salt="other"),
    ],
    ids=["garbage", "other-province", "commune-of-another-province", "other-salt"],
)
def test_a_forged_or_foreign_confirmation_is_refused_and_nothing_stored(officer, token):
    response = officer.post("/campaigns/new/", {**_form(), "sheet_read": token, "confirm": "1"})
    assert response.status_code == 400
    assert "Bảng chỉ tiêu đã xem đã hết hạn: hãy tải tệp lên lại." in response.content.decode()
    assert not Campaign.objects.exists()


def test_putting_the_sheet_aside_stores_nothing_and_drops_it(officer):
    preview = _preview(officer, _xlsx(FOUR_COMMUNES))
    response = officer.post(
        "/campaigns/new/", {**_form(), "sheet_read": preview.context["sheet_signed"], "drop_sheet": "1"}
    )
    assert response.status_code == 200 and response.context["plan"] is None
    assert not Campaign.objects.exists()


def test_other_mistakes_keep_the_sheet_shown_so_it_need_not_be_uploaded_again(officer):
    preview = _preview(officer, _xlsx(FOUR_COMMUNES), name="")
    assert preview.status_code == 400 and preview.context["plan"] is not None
    response = _confirm(officer, preview)
    assert response.status_code == 302
    assert Campaign.objects.get().communes.count() == 4


def test_an_edit_previews_then_replaces_the_targets(officer):
    assert officer.post("/campaigns/new/", _form(**{"c-51001": "on", "h-51001": "3"})).status_code == 302
    campaign = Campaign.objects.get()
    url = f"/campaigns/{campaign.pk}/edit/"
    data = {**_form(**{"c-51001": "on", "h-51001": "3"}), "sheet": _xlsx(FOUR_COMMUNES)}
    preview = officer.post(url, data)
    assert preview.status_code == 200 and 'id="sheet-confirm"' in preview.content.decode()
    assert set(CampaignTarget.objects.filter(campaign=campaign).values_list("commune_id", flat=True)) <= {
        "51001"
    }
    # The confirmation of one campaign's sheet is no confirmation for a new one.
    assert _confirm(officer, preview).status_code == 400
    response = _confirm(officer, preview, url=url, **{"c-51001": "on", "h-51001": "3"})
    assert response.status_code == 302
    targets = dict(CampaignTarget.objects.filter(campaign=campaign).values_list("commune_id", "households"))
    assert targets == {"51001": 20, "51002": 15, "51003": 25, "51005": 15}


def test_the_targets_template_is_what_the_reader_reads(officer, world, client):
    response = officer.get("/campaigns/targets-template.xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Chỉ tiêu", "Hướng dẫn"]
    assert [cell.value for cell in workbook["Chỉ tiêu"][1]] == [
        "Mã xã",
        "Tên xã, phường",
        "Số hộ",
        "Số người",
        "Ghi chú",
    ]
    # Uploaded as downloaded, the example line is never a target.
    template = SimpleUploadedFile("mau.xlsx", response.content)
    read = target_sheet_read(upload=template, communes=list(Commune.objects.filter(province_id="51")))
    assert read.targets == [] and read.problems == [] and "ví dụ" in read.skipped[0]
    assert 'href="/campaigns/targets-template.xlsx"' in officer.get("/campaigns/new/").content.decode()
    client.force_login(world.a.users[Role.VOLUNTEER])
    assert client.get("/campaigns/targets-template.xlsx").status_code == 404


def test_targets_beyond_what_a_campaign_holds_and_thousands_of_bad_rows_are_said_in_short(officer):
    communes = list(Commune.objects.filter(province_id="51"))
    huge = target_sheet_read(
        upload=_xlsx([["Mã xã", "Số hộ", "Số người"], ["51001", 99_999_999_999, 1]]), communes=communes
    )
    assert huge.targets == [] and huge.problems == [
        "Dòng 2: số hộ tối đa 1.000.000, số người tối đa 10.000.000."
    ]
    rows = [["Tên xã", "Số hộ"], *[[f"Xã Không Có {index}", 1] for index in range(60)]]
    many = target_sheet_read(upload=_xlsx(rows), communes=communes)
    assert len(many.problems) == 51 and many.problems[-1] == "… và 10 dòng khác." and many.problem_count == 60


def test_a_sheet_that_cannot_be_read_is_named_and_the_others_offered(officer):
    wide = ("Số liệu", [["Tên xã", *[f"Cột {index}" for index in range(70)]]])
    response = _preview(officer, _xlsx(FOUR_COMMUNES, before=[wide]))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Trang tính “Số liệu”: Bảng có quá nhiều cột (tối đa 60)" in page
    assert response.context["sheet_names"] == ("Số liệu", "Chỉ tiêu") and 'name="sheet_name"' in page
    chosen = _preview(officer, _xlsx(FOUR_COMMUNES, before=[wide]), sheet_name="Chỉ tiêu")
    assert chosen.status_code == 200 and len(chosen.context["plan"]["rows"]) == 4
