"""Printable reports: the commune's villages with a totals row (page and XLSX) that is coverage's own sum,
and an "as of" line on the commune page."""

import io

import openpyxl
import pytest
from django.core.management import call_command

from coverage.numbers import CoverageFilter, commune_rows
from leaders import dashboard as leader
from leaders.dashboard import LeaderFilter
from tests.clock import TEST_NOW
from tests.leaders import leader_world

pytestmark = pytest.mark.time_machine(TEST_NOW)


@pytest.fixture
def lw(world):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    return leader_world.build(world)


def test_village_totals_are_the_communes_numbers(lw, world):
    scope = lw.leader.scope
    rows = leader.village_ranking(scope=scope, commune="51001", filters=LeaderFilter())
    totals = leader.village_totals(rows)
    (commune,) = commune_rows(
        communes=world.a.province.communes.filter(code="51001"), filters=CoverageFilter(), scope=scope
    )
    for key in ("households", "households_reached", "households_tried", "people_helped", "coverage"):
        assert totals[key] == commune[key], key
    assert totals["never_visited"] == leader.never_visited_count(
        scope=scope, commune="51001", filters=LeaderFilter()
    )
    assert totals["open_followups"] == 3


def test_villages_xlsx_ends_with_the_totals_row(lw, client):
    client.force_login(lw.leader)
    response = client.get("/communes/51001/xlsx/villages/")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    header, *lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    *villages, total = lines
    assert [line[1] for line in villages] == ["Thôn 2", "Thôn 1"]
    assert total[:2] == [None, "Tổng"]
    for column in (3, 4, 5, 7, 8, 9, 10):  # every count adds up
        assert total[column] == sum(line[column] for line in villages), header[column]
    assert total[6] == pytest.approx(total[4] / total[3], abs=1e-4)  # coverage of the whole, not a mean


def test_commune_page_has_a_totals_row_and_the_as_of_line(lw, client):
    client.force_login(lw.leader)
    page = client.get("/communes/51001/").content.decode()
    assert '<tr class="totals">' in page and "Tổng" in page
    assert 'class="as-of"' in page
