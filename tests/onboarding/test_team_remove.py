"""Deleting a team nobody belongs to (its villages become unassigned) and merging a team into another of its
commune (members, villages, visits follow; the merge in the audit log); out of scope is 404."""

import pytest
from auditlog.models import LogEntry

from core.models import Role, Team, User, Village, Visit
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune(db):
    province = factories.ProvinceFactory(code="51", name="Quảng Ngãi", full_name="Tỉnh Quảng Ngãi")
    commune = factories.CommuneFactory(code="21025", province=province, name="Cẩm Thành")
    factories.CommuneFactory(code="21028", province=province, name="Nghĩa Hành")
    return commune


@pytest.fixture
def leader(commune):
    return factories.UserFactory(role=Role.COMMUNE_LEADER, commune=commune)


def test_an_empty_team_is_deleted_and_its_villages_unassigned(client, commune, leader):
    team = factories.TeamFactory(commune=commune, name="Tổ nhập nhầm")
    villages = [factories.VillageFactory(commune=commune, team=team) for _ in range(2)]
    client.force_login(leader)
    page = client.get(f"/setup/communes/21025/teams/{team.pk}/remove/")
    assert page.status_code == 200 and 'id="delete-form"' in page.content.decode()
    assert page.context["use"].villages == 2
    assert client.get(f"/setup/communes/21025/teams/{team.pk}/delete/").status_code == 405
    assert client.post(f"/setup/communes/21025/teams/{team.pk}/delete/").status_code == 302
    assert not Team.objects.filter(pk=team.pk).exists()
    assert set(Village.objects.filter(pk__in=[v.pk for v in villages]).values_list("team_id", flat=True)) == {
        None
    }
    assert LogEntry.objects.filter(object_pk=str(team.pk), action=LogEntry.Action.DELETE).exists()


def test_a_team_with_members_is_not_deleted(client, commune, leader):
    team = factories.TeamFactory(commune=commune, name="Tổ 1")
    factories.UserFactory(role=Role.VOLUNTEER, team=team, commune=commune)
    client.force_login(leader)
    page = client.get(f"/setup/communes/21025/teams/{team.pk}/remove/").content.decode()
    assert 'id="delete-refused"' in page
    response = client.post(f"/setup/communes/21025/teams/{team.pk}/delete/")
    assert response.status_code == 400 and "Tổ</strong>" in response.content.decode()
    assert Team.objects.filter(pk=team.pk).exists()


def test_merging_a_team_moves_members_villages_and_visits(client, commune, leader):
    source = factories.TeamFactory(commune=commune, name="Tổ 1 (trùng)")
    target = factories.TeamFactory(commune=commune, name="Tổ 1")
    members = [factories.UserFactory(role=Role.VOLUNTEER, team=source, commune=commune) for _ in range(2)]
    village = factories.VillageFactory(commune=commune, team=source)
    household = factories.HouseholdFactory(village=village)
    factories.VisitFactory(household=household, volunteer=members[0])
    client.force_login(leader)

    page = client.get(f"/setup/communes/21025/teams/{source.pk}/remove/")
    use = page.context["use"]
    assert (use.members, use.villages, use.visits) == (2, 1, 1)
    for target_value in ("", "abc", str(source.pk), "999999"):
        bad = client.post(f"/setup/communes/21025/teams/{source.pk}/merge/", {"target": target_value})
        assert bad.status_code == 400 and "Gộp vào</strong>" in bad.content.decode()

    response = client.post(f"/setup/communes/21025/teams/{source.pk}/merge/", {"target": target.pk})
    assert response.status_code == 302
    assert not Team.objects.filter(pk=source.pk).exists()
    assert User.objects.filter(team=target).count() == 2
    assert Village.objects.get(pk=village.pk).team_id == target.pk
    assert Visit.objects.get(household=household).team_id == target.pk
    entry = LogEntry.objects.filter(object_pk=str(target.pk), changes__has_key="merged").get()
    assert entry.actor == leader and entry.additional_data["merged_team"] == source.pk
    assert entry.additional_data["members"] == 2


def test_teams_out_of_scope_are_404(client, commune):
    team = factories.TeamFactory(commune=commune, name="Tổ 1")
    target = factories.TeamFactory(commune=commune, name="Tổ 2")
    elsewhere = factories.TeamFactory(commune_id="21028", name="Tổ 1")
    for user in (
        factories.UserFactory(role=Role.COMMUNE_LEADER, commune_id="21028"),
        factories.UserFactory(role=Role.TEAM_LEADER, team=team, commune=commune),
    ):
        client.force_login(user)
        assert client.get(f"/setup/communes/21025/teams/{team.pk}/remove/").status_code == 404
        assert client.post(f"/setup/communes/21025/teams/{team.pk}/delete/").status_code == 404
        assert (
            client.post(f"/setup/communes/21025/teams/{team.pk}/merge/", {"target": target.pk}).status_code
            == 404
        )
    officer = factories.UserFactory(role=Role.PROVINCE_OFFICER, province_id="51")
    client.force_login(officer)
    # A team of another commune is not a merge target; a team under another commune's URL is 404.
    assert (
        client.post(f"/setup/communes/21025/teams/{team.pk}/merge/", {"target": elsewhere.pk}).status_code
        == 400
    )
    assert client.get(f"/setup/communes/21028/teams/{team.pk}/remove/").status_code == 404
    assert Team.objects.count() == 3


def test_the_change_needs_the_csrf_token(commune, leader):
    from django.test import Client

    team = factories.TeamFactory(commune=commune, name="Tổ nhập nhầm")
    client = Client(enforce_csrf_checks=True)
    client.force_login(leader)
    assert client.post(f"/setup/communes/21025/teams/{team.pk}/delete/").status_code == 403
    assert Team.objects.filter(pk=team.pk).exists()
