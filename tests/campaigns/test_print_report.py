"""The campaign dashboard as a printable report: an "as of" line, and a totals row under the communes
that is the headline's figures (reached, target, expected, pace)."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from campaigns.models import Campaign, CampaignTarget
from core.models import Role
from tests import factories
from tests.clock import TEST_NOW

pytestmark = pytest.mark.time_machine(TEST_NOW)


@pytest.fixture
def campaign(world):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Tháng chuyển đổi số",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=4),
        ends_on=today + dt.timedelta(days=5),
    )
    CampaignTarget.objects.create(campaign=campaign, commune=world.a.commune, households=20)
    CampaignTarget.objects.create(campaign=campaign, commune=world.a.other_commune, households=10)
    for number in range(3):
        household = factories.HouseholdFactory(village=world.a.village, label=f"Nhà {number}")
        factories.VisitFactory(
            household=household, visited_at=timezone.now() - dt.timedelta(hours=2 + number)
        )
    return campaign


def test_dashboard_has_as_of_line_and_totals_row(campaign, client, world):
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    response = client.get(f"/campaigns/{campaign.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'<p class="as-of">Số liệu tính đến \d\d/\d\d/\d{4} \d\d:\d\d</p>', page)
    totals = response.context["totals"]
    footer = page[page.index('<tr class="totals">') : page.index("</tfoot>")]
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>.*?</t[dh]>", footer, re.S)
    ]
    assert cells[0] == "Tổng"
    assert cells[1:3] == ["3", "30"]  # reached, target: the headline's
    assert cells[4] == str(totals["expected"])
    communes = response.context["communes"]
    assert totals["expected"] == sum(row["expected"] for row in communes)
    assert totals["households_reached"] == sum(row["households_reached"] for row in communes)
    assert totals["pace"] == round(totals["households_reached"] / totals["expected"], 4)
