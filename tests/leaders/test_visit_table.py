"""The commune's visits one by one (/communes/<code>/visits/): newest first, filtered by village, team,
volunteer, outcome, flag and dates (dd/mm/yyyy); out of scope is a 404, a province officer sees no
household, a bad filter is a 400 naming the field, and the XLSX holds the rows the page shows."""

import datetime as dt
import io
from html.parser import HTMLParser

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone

from core.models import HelpItem, Outcome, Review, Role
from leaders import visit_table
from tests import factories
from tests.clock import TEST_NOW
from tests.leaders import leader_world

pytestmark = pytest.mark.time_machine(TEST_NOW)
URL = "/communes/51001/visits/"


@pytest.fixture
def lw(world):
    """leader_world's three visits in Thôn 1 (one held: very far), plus in Thôn 2: a weakly flagged
    "not at home" by another volunteer, a confirmed and a rejected one, and help given on the newest."""
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    built = leader_world.build(world)
    now = timezone.now()
    other = factories.UserFactory(
        username="tv2", full_name="Lê Văn Hai", role=Role.VOLUNTEER, team=world.a.team
    )
    households = [
        factories.HouseholdFactory(village=world.a.other_village, label=f"Nhà Thôn Hai lượt {n}")
        for n in range(3)
    ]
    built.weak = factories.VisitFactory(
        household=households[0],
        volunteer=other,
        team=None,
        outcome=Outcome.NOT_HOME,
        visited_at=now - dt.timedelta(hours=3),
        flags=["gps_missing"],
    )
    built.confirmed = factories.VisitFactory(
        household=households[1],
        volunteer=other,
        team=None,
        visited_at=now - dt.timedelta(days=6),
        flags=["outside_commune"],
        review=Review.CONFIRMED,
    )
    built.rejected = factories.VisitFactory(
        household=households[2],
        volunteer=other,
        team=None,
        visited_at=now - dt.timedelta(days=7),
        flags=["gps_mock_suspected"],
        review=Review.REJECTED,
    )
    newest = factories.VisitFactory(
        household=built.overdue_household,
        volunteer=built.flagged_volunteer,
        visited_at=now - dt.timedelta(hours=1),
    )
    HelpItem.objects.create(visit=newest, service_id="vneid_level2", result="done", people=2)
    built.newest = newest
    built.other_volunteer = other
    return built


class _Table(HTMLParser):
    """The cells of #visit-table's body, row by row, as the page shows them."""

    def __init__(self):
        super().__init__()
        self.rows, self._in_table, self._in_body, self._cell = [], False, False, None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("id", "visit-table") in attrs:
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag == "td":
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "tbody":
            self._in_body = self._in_table = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:500]
    table = _Table()
    table.feed(response.content.decode())
    return table.rows


def _xlsx(response) -> list[list]:
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_visits_newest_first_with_household_outcome_help_flags_and_counted(lw, client):
    client.force_login(lw.leader)
    rows = _rows(client.get(URL))
    assert len(rows) == 7
    times = [dt.datetime.strptime(row[0], "%d/%m/%Y %H:%M") for row in rows]
    assert times == sorted(times, reverse=True)
    newest, weak = rows[0], rows[1]
    assert newest[:5] == [
        f"{timezone.localtime(lw.newest.visited_at):%d/%m/%Y %H:%M}",
        "Thôn 1",
        "Nhà Thôn Một 0",
        "Trần Thị Tình Nguyện",
        "Gặp được",
    ]
    assert newest[5] == "Kích hoạt tài khoản định danh điện tử VNeID mức 2 (Hoàn thành)"
    assert newest[6:] == ["", "Được tính"]
    assert weak[2:] == [
        "Nhà Thôn Hai lượt 0",
        "Lê Văn Hai",
        "Không có nhà",
        "",
        "Không có tọa độ GPS",
        "Được tính",
    ]
    by_household = {row[2]: row for row in rows}
    assert by_household["Nhà Thôn Một 2"][6:] == [
        "Vị trí thăm cách vị trí hộ hơn 300 m",
        "Giữ lại chờ xem xét",
    ]
    assert by_household["Nhà Thôn Hai lượt 1"][7] == "Được tính"  # confirmed by the leader
    assert by_household["Nhà Thôn Hai lượt 2"][7] == "Không tính (đã bác bỏ)"


@pytest.mark.parametrize(
    ("flag", "households"),
    [
        ("none", {"Nhà Thôn Một 0", "Nhà Thôn Một 1"}),
        ("weak", {"Nhà Thôn Hai lượt 0"}),
        ("held", {"Nhà Thôn Một 2"}),
        ("confirmed", {"Nhà Thôn Hai lượt 1"}),
        ("rejected", {"Nhà Thôn Hai lượt 2"}),
    ],
)
def test_filter_by_flag(lw, client, flag, households):
    client.force_login(lw.leader)
    rows = _rows(client.get(URL, {"flag": flag}))
    assert {row[2] for row in rows} == households
    if flag == "none":
        assert len(rows) == 3  # Nhà Thôn Một 0 twice


def test_filters_by_village_team_volunteer_outcome_and_dates(lw, client, world):
    client.force_login(lw.leader)
    assert {row[1] for row in _rows(client.get(URL, {"village": "51001-02"}))} == {"Thôn 2"}
    assert len(_rows(client.get(URL, {"team": world.a.team.pk}))) == 4  # the other volunteer's had no team
    assert {row[3] for row in _rows(client.get(URL, {"volunteer": lw.other_volunteer.pk}))} == {"Lê Văn Hai"}
    assert [row[4] for row in _rows(client.get(URL, {"outcome": "not_home"}))] == ["Không có nhà"]
    today = timezone.localdate()
    # dd/mm/yyyy: the last two days hold the two newest visits and the one two days back.
    recent = _rows(
        client.get(
            URL, {"date_from": f"{today - dt.timedelta(days=2):%d/%m/%Y}", "date_to": f"{today:%d/%m/%Y}"}
        )
    )
    assert len(recent) == 3
    week_ago = today - dt.timedelta(days=6)
    one_day = _rows(client.get(URL, {"date_from": f"{week_ago:%d/%m/%Y}", "date_to": f"{week_ago:%d/%m/%Y}"}))
    assert [row[2] for row in one_day] == ["Nhà Thôn Hai lượt 1"]
    combined = _rows(client.get(URL, {"village": "51001-01", "outcome": "met", "flag": "none"}))
    assert {row[2] for row in combined} == {"Nhà Thôn Một 0", "Nhà Thôn Một 1"}


def test_pages_of_visits_newest_first(lw, client, monkeypatch):
    monkeypatch.setattr(visit_table, "PER_PAGE", 3)
    client.force_login(lw.leader)
    first = client.get(URL, {"village": "51001-01"})
    page_one = _rows(first)
    assert len(page_one) == 3 and "trang 1/2" in first.content.decode()
    page_two = _rows(client.get(URL, {"village": "51001-01", "page": 2}))
    assert len(page_two) == 1
    times = [dt.datetime.strptime(row[0], "%d/%m/%Y %H:%M") for row in page_one + page_two]
    assert times == sorted(times, reverse=True)
    assert "village=51001-01&amp;page=2" in first.content.decode()


def test_out_of_scope_is_404_and_province_officer_sees_no_household(lw, client, world):
    for user in (
        world.a.users[Role.VOLUNTEER],
        world.a.users[Role.TEAM_LEADER],
        world.b.users[Role.COMMUNE_LEADER],
    ):
        client.force_login(user)
        assert client.get(URL).status_code == 404
        assert client.get(f"{URL}xlsx/").status_code == 404
    client.force_login(lw.leader)
    assert client.get("/communes/51002/visits/").status_code == 404  # another commune of the province
    client.force_login(world.b.users[Role.PROVINCE_OFFICER])
    assert client.get(URL).status_code == 404
    client.force_login(lw.officer)
    response = client.get(URL)
    rows = _rows(response)
    assert len(rows) == 7 and all(len(row) == 7 for row in rows)  # no household column
    page = response.content.decode()
    assert "Nhà Thôn" not in page and "Trần Thị Tình Nguyện" in page
    header, *lines = _xlsx(client.get(f"{URL}xlsx/"))
    assert "Hộ" not in header and len(lines) == 7
    assert not any("Nhà Thôn" in str(cell) for line in lines for cell in line)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_from=31/02/2026", "Từ ngày"),
        ("date_to=2026-13-01", "Đến ngày"),
        ("date_from=05/11/2026&date_to=01/11/2026", "Đến ngày"),
        ("date_from=01/01/1900", "Từ ngày"),
        ("village=52001-01", "Thôn"),
        ("team=abc", "Tổ"),
        ("volunteer=999999", "Thành viên"),
        ("outcome=maybe", "Kết quả"),
        ("flag=strong", "Cảnh báo"),
        ("page=0", "Trang"),
    ],
)
def test_bad_filters_answer_400_naming_the_field(lw, client, query, field):
    client.force_login(lw.leader)
    for url in (URL, f"{URL}xlsx/"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        assert field in response.content.decode()


def test_xlsx_holds_the_rows_the_page_shows(lw, client):
    client.force_login(lw.leader)
    for query in ({}, {"village": "51001-02"}, {"flag": "held"}, {"outcome": "met"}):
        shown = _rows(client.get(URL, query))
        header, *lines = _xlsx(client.get(f"{URL}xlsx/", query))
        assert header == [
            "Thời điểm thăm",
            "Thôn",
            "Hộ",
            "Thành viên",
            "Tổ",
            "Kết quả",
            "Hỗ trợ đã làm",
            "Cảnh báo",
            "Tính vào số liệu",
        ]
        as_page = [
            [
                f"{line[0]:%d/%m/%Y %H:%M}",
                *[cell or "" for cell in line[1:4]],
                *[cell or "" for cell in line[5:]],
            ]
            for line in lines
        ]
        assert as_page == shown, query


def test_stored_text_is_data_in_the_xlsx(lw, client, world):
    household = factories.HouseholdFactory(village=world.a.village, label='=HYPERLINK("http://x","y")')
    factories.VisitFactory(household=household, volunteer=lw.flagged_volunteer)
    client.force_login(lw.leader)
    _header, *lines = _xlsx(client.get(f"{URL}xlsx/", {"village": "51001-01"}))
    assert '\'=HYPERLINK("http://x","y")' in [line[2] for line in lines]


def test_commune_page_links_the_visit_table_with_an_as_of_line(lw, client):
    client.force_login(lw.leader)
    page = client.get("/communes/51001/").content.decode()
    assert 'href="/communes/51001/visits/"' in page
    assert f"Số liệu tính đến {timezone.localtime():%d/%m/%Y}" in page


def test_no_query_per_row(lw, client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(lw.leader)
    client.get(URL)  # sessions, caches warmed
    with CaptureQueriesContext(connection) as before:
        assert len(_rows(client.get(URL))) == 7
    for number in range(10):
        visit = factories.VisitFactory(
            household=factories.HouseholdFactory(village=world.a.village, label=f"Thêm {number}"),
            volunteer=lw.other_volunteer,
        )
        HelpItem.objects.create(visit=visit, service_id="online_safety", result="pending")
    with CaptureQueriesContext(connection) as after:
        assert len(_rows(client.get(URL))) == 17
    assert len(after) == len(before)
