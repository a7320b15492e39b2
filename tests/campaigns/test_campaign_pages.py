"""The province officer's campaign pages: create and edit in a form (dates never misread, Vietnamese
messages from the same service as the API, targets typed or uploaded), the dashboard ranked against
the pace line, the campaign map, and a commune's table by village; aggregates only."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook

from campaigns.models import Campaign, CampaignRollupState, CampaignTarget
from campaigns.tally import campaign_totals
from core.models import HelpItem, Role
from core.scope import Kind, Scope
from tests import factories
from tests.clock import TEST_NOW

# Fixed dates below are read against this clock (tests/clock.py).
pytestmark = pytest.mark.time_machine(TEST_NOW)

NAME, PHONE = "Trần Thị Bí Mật", "0912345678"


@pytest.fixture
def officer(world, client):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    return client


def _form(**changes) -> dict:
    data = {
        "province": "51",
        "name": "Chiến dịch tháng 11",
        "starts_on": "2026-11-05",
        "ends_on": "2026-12-04",
        "services": ["vneid_level2"],
        "c-51001": "on",
        "h-51001": "120",
        "p-51001": "300",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize("starts_on", ["2026-11-05", "05/11/2026", "5/11/2026"])
def test_the_officer_creates_a_campaign_and_dates_are_read_day_first(officer, starts_on):
    response = officer.post("/campaigns/new/", _form(starts_on=starts_on))
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/campaigns/{campaign.pk}/"
    assert campaign.starts_on == dt.date(2026, 11, 5) and campaign.ends_on == dt.date(2026, 12, 4)
    assert list(campaign.communes.values_list("code", flat=True)) == ["51001"]
    assert list(campaign.services.values_list("code", flat=True)) == ["vneid_level2"]
    target = CampaignTarget.objects.get()
    assert (target.commune_id, target.households, target.people) == ("51001", 120, 300)
    page = officer.get(response["Location"]).content.decode()
    assert "05/11/2026" in page and "04/12/2026" in page


def test_the_form_page_has_a_date_picker_and_every_commune(officer):
    page = officer.get("/campaigns/new/").content.decode()
    assert page.count('placeholder="dd/mm/yyyy"') == 2 and page.count('class="day-picker-native"') == 2
    assert 'name="c-51001"' in page and 'name="c-51002"' in page and 'name="c-52001"' not in page
    assert "ngày/tháng/năm" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": "2026-11-01"}, "Ngày kết thúc phải sau ngày bắt đầu."),
        ({"starts_on": "2019-12-31"}, "Phải trong khoảng 01/01/2020 đến 31/12/2100."),
        ({"ends_on": "2027-12-31"}, "Một chiến dịch dài tối đa 366 ngày."),
        ({"starts_on": "11/25/2026"}, "Nhập một ngày hợp lệ."),
        ({"starts_on": ""}, "Trường này là bắt buộc."),
        ({"name": ""}, "Trường này là bắt buộc."),
        ({"h-51001": "-3"}, "Số hộ không được âm."),
        ({"p-51001": "2.5"}, "Số người phải là số nguyên."),
        ({"h-51001": "99999999999"}, "Số hộ tối đa 1.000.000."),
        ({"h-51002": "10"}, "Không thuộc các xã của chiến dịch."),  # 51002 is not chosen
    ],
)
def test_bad_input_is_shown_in_vietnamese_and_nothing_is_stored(officer, changes, message):
    response = officer.post("/campaigns/new/", _form(**changes))
    assert response.status_code == 400
    assert message in response.content.decode(), response.context["form"].errors
    assert not Campaign.objects.exists() and not CampaignTarget.objects.exists()


def _xlsx(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("chi-tieu.xlsx", buffer.getvalue())


def _csv(rows, delimiter=",") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return SimpleUploadedFile("chi-tieu.csv", ("\ufeff" + buffer.getvalue()).encode())


@pytest.mark.parametrize(
    "sheet",
    [
        lambda: _xlsx(
            [["Tên xã", "Số hộ", "Số người"], ["cam thanh a", 80, 150], ["Phường Nghĩa Lộ A", 40, None]]
        ),
        lambda: _csv([["Mã xã", "Số hộ", "Số người"], ["51001", "80", "150"], ["51002", "40", ""]]),
        lambda: _csv([["CẨM THÀNH A", "80", "150"], ["nghia lo a", "40", "0"]], delimiter=";"),
    ],
)
def test_targets_come_from_an_uploaded_sheet(officer, sheet):
    data = _form(**{"c-51001": None, "h-51001": None, "p-51001": None})
    preview = officer.post("/campaigns/new/", {**data, "sheet": sheet()})
    # Shown first, stored only once confirmed (campaigns/tests in test_target_preview.py).
    assert preview.status_code == 200 and not Campaign.objects.exists()
    response = officer.post("/campaigns/new/", {**data, "sheet_read": preview.context["sheet_signed"]})
    assert response.status_code == 302, response.context["form"].errors
    targets = dict(CampaignTarget.objects.values_list("commune_id", "households"))
    assert targets == {"51001": 80, "51002": 40}
    assert CampaignTarget.objects.get(commune_id="51001").people == 150


def test_a_sheet_with_unknown_communes_names_its_rows(officer):
    sheet = _csv(
        [["Tên xã", "Số hộ"], ["Cẩm Thành A", "10"], ["Không Có Xã Này", "5"], ["Nghĩa Lộ A", "nhiều"]]
    )
    response = officer.post("/campaigns/new/", {**_form(), "sheet": sheet})
    page = response.content.decode()
    assert (
        response.status_code == 200
    )  # a preview: the rows it cannot use are named before anything is stored
    assert "Dòng 3: không tìm thấy xã “Không Có Xã Này” trong tỉnh." in page
    assert "Dòng 4: số hộ và số người phải là số nguyên không âm." in page
    assert not Campaign.objects.exists()


def test_a_file_that_is_not_a_sheet_is_refused(officer):
    bogus = SimpleUploadedFile("chi-tieu.xlsx", b"not a workbook")
    response = officer.post("/campaigns/new/", {**_form(), "sheet": bogus})
    assert response.status_code == 400 and "không phải bảng tính Excel" in response.content.decode()
    response = officer.post("/campaigns/new/", {**_form(), "sheet": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert "Chỉ nhận tệp .xlsx hoặc .csv." in response.content.decode()
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.TEAM_LEADER, Role.COMMUNE_LEADER])
def test_only_those_who_run_campaigns_see_the_form(world, client, role):
    client.force_login(world.a.users[role])
    assert client.get("/campaigns/new/").status_code == 404
    assert client.post("/campaigns/new/", _form()).status_code == 404
    assert not Campaign.objects.exists()


def test_a_national_admin_picks_the_province_first(world, client):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    client.force_login(world.admin)
    page = client.get("/campaigns/new/").content.decode()
    assert 'id="province-pick"' in page and 'name="c-51001"' not in page
    assert 'name="c-52001"' in client.get("/campaigns/new/", {"province": "52"}).content.decode()
    response = client.post("/campaigns/new/", _form(province="52", **{"c-51001": None, "c-52001": "on"}))
    assert response.status_code == 302
    assert Campaign.objects.get().province_id == "52"


@pytest.fixture
def running(world):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="30 ngày đêm",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=9),
        ends_on=today + dt.timedelta(days=20),
    )
    campaign.communes.set([world.a.commune, world.a.other_commune])
    CampaignTarget.objects.create(campaign=campaign, commune=world.a.commune, households=30, people=10)
    CampaignTarget.objects.create(campaign=campaign, commune=world.a.other_commune, households=60)
    CampaignTarget.objects.create(campaign=campaign, village=world.a.other_village, households=5)
    volunteer = world.a.users[Role.VOLUNTEER]
    for _index in range(4):
        home = factories.HouseholdFactory(village=world.a.village, head_name=NAME, phone=PHONE)
        visit = factories.VisitFactory(household=home, volunteer=volunteer, visited_at=timezone.now())
        HelpItem.objects.create(visit=visit, service_id="vneid_level2", result="done", people=2)
    return campaign


def test_editing_keeps_village_targets_and_recounts(officer, running):
    officer.get(f"/campaigns/{running.pk}/")  # builds the rollup
    assert CampaignRollupState.objects.filter(campaign=running).exists()
    page = officer.get(f"/campaigns/{running.pk}/edit/").content.decode()
    assert (
        'value="30 ngày đêm"' in page
        and f'value="{running.starts_on:%d/%m/%Y}"' in page
        and 'name="h-51001" value="30"' in page.replace('min="0" ', "")
    )
    response = officer.post(
        f"/campaigns/{running.pk}/edit/",
        _form(
            name="30 ngày đêm (sửa)",
            starts_on=running.starts_on.isoformat(),
            ends_on=running.ends_on.isoformat(),
            **{"h-51001": "45", "c-51002": "on", "h-51002": "60"},
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    running.refresh_from_db()
    assert running.name == "30 ngày đêm (sửa)"
    assert set(
        CampaignTarget.objects.filter(campaign=running).values_list("commune_id", "village_id", "households")
    ) == {
        ("51001", None, 45),
        ("51002", None, 60),
        (None, "51001-02", 5),
    }
    assert not CampaignRollupState.objects.filter(campaign=running).exists()  # recomputed on next read
    assert campaign_totals(campaign=running, scope=Scope(Kind.NATIONAL))["households_reached"] == 4


def test_another_provinces_officer_cannot_edit(world, client, running):
    client.force_login(world.b.users[Role.PROVINCE_OFFICER])
    assert client.get(f"/campaigns/{running.pk}/edit/").status_code == 404
    assert client.post(f"/campaigns/{running.pk}/edit/", _form()).status_code == 404
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    assert client.get(f"/campaigns/{running.pk}/").status_code == 200
    assert client.get(f"/campaigns/{running.pk}/edit/").status_code == 404


def test_the_dashboard_ranks_communes_against_the_pace_line(officer, running):
    response = officer.get(f"/campaigns/{running.pk}/")
    communes = response.context["communes"]
    # Day 10 of 30: 51001 expected 10 (reached 4), 51002 expected 20 (reached 0): furthest behind first.
    assert [(row["key"], row["expected"]) for row in communes] == [("51002", 20), ("51001", 10)]
    page = response.content.decode()
    assert f"/campaigns/{running.pk}/communes/51001/" in page and f"/campaigns/{running.pk}/map/" in page
    assert f"/campaigns/{running.pk}/edit/" in page
    assert NAME not in page and PHONE not in page


def test_the_by_village_table_of_a_commune(officer, running, world):
    response = officer.get(f"/campaigns/{running.pk}/communes/51001/")
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.context["villages"]}
    assert rows["51001-01"]["households_reached"] == 4
    assert rows["51001-02"]["target"] == 5
    page = response.content.decode()
    assert "Thôn 1" in page and NAME not in page and PHONE not in page
    assert officer.get(f"/campaigns/{running.pk}/communes/52001/").status_code == 404
    assert officer.get(f"/campaigns/{running.pk}/communes/99999/").status_code == 404


def test_the_campaign_map(officer, running):
    response = officer.get(f"/campaigns/{running.pk}/map/")
    assert response.status_code == 200
    page = response.content.decode()
    for label in ("Lẽ ra đã tiếp cận (theo tiến độ)", "Tiến độ (hộ đã tiếp cận so với chỉ tiêu)"):
        assert json.dumps(label) in page
    assert f"/campaigns/{running.pk}/communes/51001/" in page
    assert NAME not in page and PHONE not in page


def test_no_campaign_page_shows_a_household_to_a_province_officer(officer, running):
    for path in [
        "/",
        "/campaigns/",
        f"/campaigns/{running.pk}/",
        f"/campaigns/{running.pk}/edit/",
        f"/campaigns/{running.pk}/map/",
        f"/campaigns/{running.pk}/communes/51001/",
        f"/campaigns/{running.pk}/communes/51002/",
    ]:
        response = officer.get(path)
        assert response.status_code == 200, path
        assert NAME not in response.content.decode() and PHONE not in response.content.decode(), path


def test_the_dashboard_and_village_table_cost_no_query_per_row(
    officer, running, world, django_assert_max_num_queries
):
    officer.get(f"/campaigns/{running.pk}/")
    # (A request clears the connection's query log: count right after each.)
    with django_assert_max_num_queries(80) as queries:
        officer.get(f"/campaigns/{running.pk}/")
    dashboard_queries = len(queries.captured_queries)
    with django_assert_max_num_queries(80) as queries:
        officer.get(f"/campaigns/{running.pk}/communes/51001/")
    village_queries = len(queries.captured_queries)
    for index in range(3, 23):
        commune = factories.CommuneFactory(code=f"51{index:03d}", province=world.a.province)
        for number in range(3):
            factories.VillageFactory(commune=commune, code=f"{commune.code}-{number:02d}")
        factories.VillageFactory(commune=world.a.commune, code=f"51001-{index:02d}")
        running.communes.add(commune)
        CampaignTarget.objects.create(campaign=running, commune=commune, households=10)
    CampaignRollupState.objects.filter(campaign=running).delete()
    officer.get(f"/campaigns/{running.pk}/")  # rebuild
    with django_assert_max_num_queries(dashboard_queries):
        response = officer.get(f"/campaigns/{running.pk}/")
    assert len(response.context["communes"]) == 22
    with django_assert_max_num_queries(village_queries):
        response = officer.get(f"/campaigns/{running.pk}/communes/51001/")
    assert len(response.context["villages"]) == 22


def test_cached_figures_follow_every_change(running, world):
    from campaigns.rollup import campaign_rollup_refresh
    from campaigns.tally import campaign_tally

    scope = Scope.province_officer(province="51")
    assert campaign_totals(campaign=running, scope=scope)["target"] == 90
    assert campaign_totals(campaign=running, scope=scope)["households_reached"] == 4  # now from the cache
    CampaignTarget.objects.filter(commune=world.a.other_commune).delete()
    assert campaign_totals(campaign=running, scope=scope)["target"] == 30
    target = CampaignTarget.objects.get(commune=world.a.commune)
    target.households = 50
    target.save()
    rows = {row["key"]: row for row in campaign_tally(campaign=running, by="commune", scope=scope)}
    assert rows["51001"]["target"] == 50
    home = factories.HouseholdFactory(village=world.a.village)
    factories.VisitFactory(household=home, volunteer=world.a.users[Role.VOLUNTEER], visited_at=timezone.now())
    campaign_rollup_refresh(campaign=running, village_codes=[world.a.village.code])
    assert campaign_totals(campaign=running, scope=scope)["households_reached"] == 5
    running.communes.remove(world.a.other_commune)
    assert {row["key"] for row in campaign_tally(campaign=running, by="commune", scope=scope)} == {"51001"}
