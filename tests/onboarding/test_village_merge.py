"""Deleting and merging villages from the set-up pages (issue 23 §4): a duplicate "Thôn Đông" merged into the
first, everything it held moved, the coverage equal to a recount, the merge in the audit log; a village
that holds anything cannot be deleted; people outside the commune get 404."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command

from campaigns.models import Campaign, CampaignTarget
from core.models import (
    FollowUp,
    GroupSession,
    Household,
    HouseholdExit,
    Outcome,
    Role,
    Service,
    Village,
    Visit,
)
from core.projections import field_records_batch, field_records_project
from coverage.models import VillageCoverage
from coverage.numbers import NUMBERS, CoverageFilter, compute_village_numbers
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune(db):
    province = factories.ProvinceFactory(code="51", name="Quảng Ngãi", full_name="Tỉnh Quảng Ngãi")
    commune = factories.CommuneFactory(code="21025", province=province, name="Cẩm Thành")
    factories.CommuneFactory(code="21028", province=province, name="Nghĩa Hành")
    return commune


def _world(commune):
    team_a = factories.TeamFactory(commune=commune, name="Tổ 1")
    team_b = factories.TeamFactory(commune=commune, name="Tổ 2")
    keep = factories.VillageFactory(commune=commune, code="21025-01", name="Thôn Đông", team=team_a)
    dup = factories.VillageFactory(
        commune=commune, code="21025-02", name="Thôn Đông (2)", team=team_b, declared_households=40
    )
    volunteer = factories.UserFactory(role=Role.VOLUNTEER, team=team_b, commune=commune)
    households = [factories.HouseholdFactory(village=village) for village in (keep, keep, dup, dup, dup)]
    for household in households:
        factories.VisitFactory(household=household, volunteer=volunteer, outcome=Outcome.MET)
    factories.VisitFactory(household=households[2], volunteer=volunteer, outcome=Outcome.NOT_HOME)
    factories.VisitFactory(household=households[3], volunteer=volunteer, outcome=Outcome.NOT_HOME)
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    opened = Visit.objects.filter(household=households[2]).first()
    FollowUp.objects.create(
        household=households[2],
        service=Service.objects.first(),
        team=team_b,
        opened_by=opened,
        since=opened.visited_at,
        due=dt.date(2026, 12, 31),
    )
    campaign = Campaign.objects.create(
        name="Chiến dịch", province_id="51", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31)
    )
    CampaignTarget.objects.create(campaign=campaign, village=keep, households=10)
    CampaignTarget.objects.create(campaign=campaign, village=dup, households=5)
    field_records_project(field_records_batch(village_codes={keep.code, dup.code}))
    return keep, dup, team_a, households


def test_the_confirm_page_shows_what_would_move_and_delete_is_refused(client, commune):
    keep, dup, _team_a, _households = _world(commune)
    leader = factories.UserFactory(role=Role.COMMUNE_LEADER, commune=commune)
    client.force_login(leader)
    page = client.get(f"/setup/communes/21025/villages/{dup.code}/remove/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="merge-form"' in text and 'id="delete-refused"' in text and 'id="delete-form"' not in text
    assert page.context["use"].households == 3 and page.context["use"].visits == 5
    refused = client.post(f"/setup/communes/21025/villages/{dup.code}/delete/")
    assert refused.status_code == 400 and "Thôn</strong>" in refused.content.decode()
    assert Village.objects.filter(pk=dup.code).exists()
    assert client.get(f"/setup/communes/21025/villages/{dup.code}/delete/").status_code == 405


def test_merging_a_duplicate_moves_everything_and_the_numbers_equal_a_recount(client, commune):
    keep, dup, team_a, households = _world(commune)
    leader = factories.UserFactory(role=Role.COMMUNE_LEADER, commune=commune)
    client.force_login(leader)

    bad = client.post(f"/setup/communes/21025/villages/{dup.code}/merge/", {"target": dup.code})
    assert bad.status_code == 400 and "Gộp vào</strong>" in bad.content.decode()
    assert client.post(f"/setup/communes/21025/villages/{dup.code}/merge/", {}).status_code == 400

    response = client.post(f"/setup/communes/21025/villages/{dup.code}/merge/", {"target": keep.code})
    assert response.status_code == 302
    assert not Village.objects.filter(pk=dup.code).exists()
    assert Household.objects.filter(village=keep).count() == 5
    assert Visit.objects.filter(province_id="51", village=keep).count() == 7
    assert not Visit.objects.filter(village_id=dup.code).exists()
    # Moved households left team 2's phones; their open follow-up went to the kept village's team.
    assert HouseholdExit.objects.filter(team__name="Tổ 2", household_id=households[2].id).exists()
    assert FollowUp.objects.get(household=households[2]).team_id == team_a.pk
    targets = CampaignTarget.objects.filter(village=keep)
    assert [t.households for t in targets] == [15]
    assert Village.objects.get(pk=keep.code).declared_households == 40

    stored = VillageCoverage.objects.filter(village=keep).values(*NUMBERS, "visits").get()
    recount = compute_village_numbers(village_codes=[keep.code], filters=CoverageFilter())[keep.code]
    assert stored == recount and stored["households_reached"] == 5

    entry = LogEntry.objects.filter(object_pk=keep.code, changes__has_key="merged").get()
    assert entry.actor == leader and entry.additional_data["merged_village"] == dup.code
    assert entry.additional_data["households"] == 3


def test_an_empty_village_is_deleted(client, commune):
    empty = factories.VillageFactory(commune=commune, code="21025-09", name="Thôn Đông")
    officer = factories.UserFactory(role=Role.PROVINCE_OFFICER, province_id="51")
    client.force_login(officer)
    page = client.get(f"/setup/communes/21025/villages/{empty.code}/remove/").content.decode()
    assert 'id="delete-form"' in page
    assert client.post(f"/setup/communes/21025/villages/{empty.code}/delete/").status_code == 302
    assert not Village.objects.filter(pk=empty.code).exists()


def test_out_of_scope_is_404_and_nothing_moves(client, commune):
    keep, dup, _team_a, _households = _world(commune)
    other = factories.VillageFactory(commune_id="21028", code="21028-01", name="Thôn Tây")
    outsiders = [
        factories.UserFactory(role=Role.COMMUNE_LEADER, commune_id="21028"),
        factories.UserFactory(role=Role.TEAM_LEADER, team=keep.team, commune=commune),
        factories.UserFactory(
            role=Role.PROVINCE_OFFICER, province=factories.ProvinceFactory(code="52", name="Bình Định")
        ),
    ]
    for user in outsiders:
        client.force_login(user)
        assert client.get(f"/setup/communes/21025/villages/{dup.code}/remove/").status_code == 404
        assert (
            client.post(
                f"/setup/communes/21025/villages/{dup.code}/merge/", {"target": keep.code}
            ).status_code
            == 404
        )
    # A village of another commune is not a target, even for the province.
    client.force_login(factories.UserFactory(role=Role.PROVINCE_OFFICER, province_id="51"))
    response = client.post(f"/setup/communes/21025/villages/{dup.code}/merge/", {"target": other.code})
    assert response.status_code == 400
    assert Household.objects.filter(village=dup).count() == 3
    assert not GroupSession.objects.exists()
