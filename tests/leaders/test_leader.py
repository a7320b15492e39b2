"""The commune leader's pages: selectors (ranking, follow-ups by team, never visited, flags by volunteer,
households' services), filters validated to a 400 naming the field, XLSX of every list, identity never
shown to a province officer, no query per row."""

import datetime as dt
from io import BytesIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from campaigns.models import Campaign
from core.models import Role
from leaders import dashboard as leader
from leaders.dashboard import LeaderFilter
from tests import factories
from tests.clock import TEST_NOW
from tests.leaders import leader_world

# Fixed dates below are read against this clock (tests/clock.py).
pytestmark = pytest.mark.time_machine(TEST_NOW)


@pytest.fixture
def lw(world):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    return leader_world.build(world)


def _scope(user):
    return user.scope


def test_villages_ranked_lowest_coverage_first_with_team_and_counts(lw):
    rows = leader.village_ranking(scope=_scope(lw.leader), commune="51001", filters=LeaderFilter())
    assert [row["code"] for row in rows] == ["51001-02", "51001-01"]
    lagging, good = rows
    assert (lagging["rank"], lagging["coverage"], lagging["never_visited"], lagging["team"]) == (1, 0, 3, "")
    # Three of four households visited, one of them only by a visit held for review (very far from the
    # household): 2 of 4 reached until the leader confirms it, and 2 not reached yet.
    assert good["coverage"] == 0.5 and good["never_visited"] == 2 and good["open_followups"] == 3
    assert good["team"] == "Tổ A – Cẩm Thành A"


def test_followups_overdue_and_due_within_seven_days_by_team(lw):
    today = timezone.localdate()
    (group,) = leader.followups_due(
        scope=_scope(lw.leader), commune="51001", filters=LeaderFilter(), today=today
    )
    assert group["team"] == "Tổ A – Cẩm Thành A"
    assert [(item["service"], item["days"]) for item in group["overdue"]] == [
        ("Kích hoạt tài khoản định danh điện tử VNeID mức 2", -3)
    ]
    assert [item["days"] for item in group["upcoming"]] == [2]  # the one due in 20 days waits
    assert group["overdue"][0]["household"] == "Nhà Thôn Một 0"
    only_cash = LeaderFilter(service="cashless_payment")
    (group,) = leader.followups_due(scope=_scope(lw.leader), commune="51001", filters=only_cash, today=today)
    assert group["overdue"] == [] and len(group["upcoming"]) == 1


def test_never_visited_and_not_in_the_period(lw):
    rows = leader.never_visited(scope=_scope(lw.leader), commune="51001", filters=LeaderFilter())
    assert {row["household"] for row in rows} == {
        "Nhà bà Sáu chưa ai đến",
        "Nhà Thôn Hai 1",
        "Nhà Thôn Hai 2",
        "Nhà Thôn Một 3",
        "Nhà Thôn Một 2",  # visited only by a visit held for review: not reached
    }
    today = timezone.localdate()
    last_two_days = LeaderFilter(date_from=today - dt.timedelta(days=2), date_to=today)
    rows = leader.never_visited(scope=_scope(lw.leader), commune="51001", filters=last_two_days)
    assert len(rows) == 6  # only Nhà Thôn Một 0 was visited in the last two days


def test_flagged_visits_by_volunteer_with_the_reason(lw):
    (group,) = leader.flagged_visits(scope=_scope(lw.leader), commune="51001", filters=LeaderFilter())
    assert group["volunteer"] == "Trần Thị Tình Nguyện" and group["team"] == "Tổ A – Cẩm Thành A"
    (visit,) = group["visits"]
    assert (
        visit["reasons"] == ["Vị trí thăm cách vị trí hộ hơn 300 m"]
        and visit["household"] == "Nhà Thôn Một 2"
    )


def test_household_rows_show_last_visit_outcome_services_done_and_missing(lw):
    from core.models import Household

    Household.objects.filter(pk=lw.overdue_household.pk).update(services_done=["vneid_level1"])
    rows = leader.village_households(
        scope=_scope(lw.leader), village=lw.world.a.village, filters=LeaderFilter()
    )
    row = next(row for row in rows if row["label"] == "Nhà Thôn Một 0")
    assert row["last_visit"] and row["outcome"] == "Gặp được"
    assert row["services_done"] == ["Đăng ký tài khoản định danh điện tử VNeID mức 1"]
    assert "Đăng ký tài khoản định danh điện tử VNeID mức 1" not in row["services_missing"]
    assert len(row["services_missing"]) == 9 and row["followups"][0][0].startswith("Kích hoạt")
    one_service = LeaderFilter(service="vneid_level1")
    rows = leader.village_households(scope=_scope(lw.leader), village=lw.world.a.village, filters=one_service)
    assert next(r for r in rows if r["label"] == "Nhà Thôn Một 0")["services_missing"] == []


def test_province_officer_gets_no_names_or_phones_anywhere(lw, client):
    client.force_login(lw.officer)
    pages = [
        client.get("/communes/51001/").content.decode(),
        client.get("/villages/51001-02/").content.decode(),
    ]
    books = [
        client.get(f"/communes/51001/xlsx/{kind}/").content
        for kind in ("villages", "followups", "never-visited", "flagged")
    ] + [client.get("/villages/51001-02/xlsx/").content]
    texts = pages + [
        " ".join(str(cell.value) for sheet in load_workbook(BytesIO(body)) for row in sheet for cell in row)
        for body in books
    ]
    for text in texts:
        assert "Nhà bà Sáu" not in text and "Nhà Thôn" not in text and "0905111220" not in text
    assert "Thôn 2" in pages[0] and "Hộ 1" in pages[1]


def test_commune_leader_sees_names_and_exports_them(lw, client):
    client.force_login(lw.leader)
    html = client.get("/communes/51001/").content.decode()
    assert (
        "Nhà bà Sáu chưa ai đến" in html
        and "quá hạn 3 ngày" in html
        and "Vị trí thăm cách vị trí hộ hơn 300 m" in html
    )
    book = load_workbook(BytesIO(client.get("/communes/51001/xlsx/never-visited/").content))
    sheet = book.active
    assert [cell.value for cell in sheet[1]][:4] == ["Thôn", "Tổ phụ trách", "Hộ", "Số điện thoại"]
    assert "Nhà bà Sáu chưa ai đến" in [cell.value for cell in sheet["C"]]
    village = load_workbook(BytesIO(client.get("/villages/51001-01/xlsx/").content)).active
    assert [cell.value for cell in village[1]][:3] == ["Hộ", "Tên chủ hộ", "Số điện thoại"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_from=31/02/2026", "Từ ngày"),
        ("date_to=hôm qua", "Đến ngày"),
        ("date_from=2026-11-20&date_to=2026-11-01", "Đến ngày"),
        ("date_from=1900-01-01", "Từ ngày"),
        ("campaign=abc", "Chiến dịch"),
        ("campaign=99999999", "Chiến dịch"),
        ("campaign=99999999999999999999999", "Chiến dịch"),
        ("service=khong-co", "Dịch vụ"),
    ],
)
def test_bad_filters_answer_400_naming_the_field(lw, client, query, field):
    client.force_login(lw.leader)
    for url in ("/communes/51001/", "/villages/51001-01/", "/communes/51001/xlsx/villages/"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        assert field in response.content.decode()


def test_filters_in_vietnamese_dates_and_by_campaign(lw, client):
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Tháng số", province_id="51", starts_on=today - dt.timedelta(days=10), ends_on=today
    )
    client.force_login(lw.leader)
    response = client.get(f"/communes/51001/?date_from={today - dt.timedelta(days=2):%d/%m/%Y}")
    assert response.status_code == 200 and "hộ chưa gặp được trong kỳ" in response.content.decode()
    response = client.get(f"/communes/51001/?campaign={campaign.pk}&service=vneid_level2")
    assert response.status_code == 200


def test_other_campaigns_are_not_a_filter_choice(lw, client):
    other = Campaign.objects.create(
        name="Tỉnh B", province_id="52", starts_on="2026-11-01", ends_on="2026-11-30"
    )
    client.force_login(lw.leader)
    assert client.get(f"/communes/51001/?campaign={other.pk}").status_code == 400


@pytest.mark.parametrize(
    ("role", "own", "other_commune", "other_province"),
    [
        (Role.COMMUNE_LEADER, 200, 404, 404),
        (Role.PROVINCE_OFFICER, 200, 200, 404),
        (Role.VOLUNTEER, 404, 404, 404),
        (Role.TEAM_LEADER, 404, 404, 404),
    ],
)
def test_leader_pages_follow_the_scope(lw, client, role, own, other_commune, other_province):
    client.force_login(lw.world.a.users[role])
    assert client.get("/communes/51001/").status_code == own
    assert client.get("/villages/51001-01/").status_code == own
    assert client.get("/communes/51002/").status_code == other_commune
    assert client.get("/communes/52001/").status_code == other_province
    assert client.get("/villages/52001-01/").status_code == 404
    assert client.get("/communes/51001/xlsx/nothing/").status_code == 404


def test_admin_opens_any_commune(lw, client):
    client.force_login(lw.world.admin)
    assert client.get("/communes/52001/").status_code == 200


def test_no_query_per_row(lw, client, django_assert_max_num_queries):
    """Ten times the households, visits and follow-ups: the same number of queries."""
    for number in range(60):
        household = factories.HouseholdFactory(village=lw.world.a.other_village, label=f"Thêm {number}")
        factories.VisitFactory(
            household=household,
            volunteer=lw.flagged_volunteer,
            is_flagged=True,
            flags=["gps_missing"],
            visited_at=timezone.now() - dt.timedelta(hours=number + 1),
        )
    for number in range(30):
        factories.TeamFactory(commune=lw.world.a.commune, name=f"Tổ thêm {number}")
    client.force_login(lw.leader)
    client.get("/communes/51001/")  # rollups and caches warm
    with django_assert_max_num_queries(30):
        assert client.get("/communes/51001/").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/villages/51001-02/").status_code == 200
    for kind in ("villages", "followups", "never-visited", "flagged"):
        with django_assert_max_num_queries(20):
            assert client.get(f"/communes/51001/xlsx/{kind}/").status_code == 200


def test_the_commune_leader_is_linked_to_their_page(lw, client):
    client.force_login(lw.leader)
    html = client.get("/").content.decode()
    assert 'href="/communes/51001/"' in html
    village = client.get("/villages/51001-02/").content.decode()
    assert 'href="/communes/51001/"' in village and 'href="/maps/province/51/"' in village  # breadcrumbs


def test_flag_reasons_follow_the_language(lw):
    from django.utils import translation

    with translation.override("en"):
        (group,) = leader.flagged_visits(scope=_scope(lw.leader), commune="51001", filters=LeaderFilter())
    assert group["visits"][0]["reasons"] == ["Visit recorded more than 300 m from the household's location"]
