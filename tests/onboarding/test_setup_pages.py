"""Delegated management: a commune leader runs their commune (villages, teams, members) and gets 404
anywhere else; a province officer does the same for commune leaders and sees every commune's set-up
state in one query. Every change is in the audit trail."""

import re

import pytest
from auditlog.models import LogEntry
from knox.models import AuthToken

from core.models import Role, Team, User, Village
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def side(world):
    return world.a


@pytest.fixture
def leader(client, side):
    client.force_login(side.users[Role.COMMUNE_LEADER])
    return client


def _password(response) -> str:
    return re.search(r'id="one-time-password">([^<]+)<', response.content.decode()).group(1)


def test_commune_leader_manages_villages(leader, side):
    base = f"/setup/communes/{side.commune.code}/"
    page = leader.get(base)
    assert page.status_code == 200 and "Thôn 1" in page.content.decode()
    response = leader.post(
        base + "villages/",
        {
            "new-village-name": "Tổ dân phố 7",
            "new-village-declared_households": "120",
            "new-village-team": side.team.pk,
        },
    )
    assert response.status_code == 302
    village = Village.objects.get(name="Tổ dân phố 7")
    assert (village.code, village.declared_households, village.team) == ("51001-03", 120, side.team)
    response = leader.post(
        base + f"villages/{side.other_village.code}/",
        {
            f"v-{side.other_village.code}-name": "Thôn Hai",
            f"v-{side.other_village.code}-declared_households": "85",
            f"v-{side.other_village.code}-team": side.team.pk,
        },
    )
    assert response.status_code == 302
    side.other_village.refresh_from_db()
    assert (side.other_village.name, side.other_village.declared_households, side.other_village.team) == (
        "Thôn Hai",
        85,
        side.team,
    )
    actor = side.users[Role.COMMUNE_LEADER]
    assert LogEntry.objects.get_for_object(side.other_village).filter(actor=actor).exists()
    assert (
        LogEntry.objects.get_for_object(village).filter(actor=actor, action=LogEntry.Action.CREATE).exists()
    )
    # Bad input names the field, stores nothing.
    bad = leader.post(base + "villages/", {"new-village-name": "", "new-village-declared_households": "-3"})
    assert bad.status_code == 400 and Village.objects.count() == 5


def test_commune_leader_manages_teams_and_members(leader, side):
    base = f"/setup/communes/{side.commune.code}/"
    assert leader.post(base + "teams/", {"new-team-name": "Tổ CNSCĐ số 2"}).status_code == 302
    team2 = Team.objects.get(name="Tổ CNSCĐ số 2")
    assert leader.post(base + "teams/", {"new-team-name": "tổ cnscđ số 2"}).status_code == 400  # same name
    assert leader.post(base + f"teams/{team2.pk}/", {f"t-{team2.pk}-name": "Tổ Hai"}).status_code == 302
    team2.refresh_from_db()
    assert team2.name == "Tổ Hai"

    response = leader.post(
        base + "members/",
        {
            "new-member-full_name": "Nguyễn Thị Lan",
            "new-member-phone": "905 111 222",
            "new-member-role": Role.VOLUNTEER,
            "new-member-team": side.team.pk,
        },
    )
    assert response.status_code == 302  # then the GET that shows the password (a reload makes no member)
    lan = User.objects.get(full_name="Nguyễn Thị Lan")
    assert (lan.username, lan.phone, lan.team, lan.commune_id) == ("lan.nt", "0905111222", side.team, "51001")
    assert response["Location"] == base + f"members/{lan.pk}/password/"
    assert lan.check_password(_password(leader.get(response["Location"])))
    # A commune leader cannot make another commune leader.
    refused = leader.post(
        base + "members/", {"new-member-full_name": "X", "new-member-role": Role.COMMUNE_LEADER}
    )
    assert refused.status_code == 400 and not User.objects.filter(full_name="X").exists()

    assert leader.post(base + f"members/{lan.pk}/move/", {f"m-{lan.pk}-team": team2.pk}).status_code == 302
    lan.refresh_from_db()
    assert lan.team == team2
    AuthToken.objects.create(lan)
    assert leader.post(base + f"members/{lan.pk}/active/", {"active": "0"}).status_code == 302
    lan.refresh_from_db()
    assert not lan.is_active and not AuthToken.objects.filter(user=lan).exists()
    assert leader.post(base + f"members/{lan.pk}/active/", {"active": "1"}).status_code == 302
    reset = leader.post(base + f"members/{lan.pk}/password/", follow=True)
    assert reset.status_code == 200 and "no-store" in reset["Cache-Control"]
    lan.refresh_from_db()
    assert lan.check_password(_password(reset))
    actor = side.users[Role.COMMUNE_LEADER]
    actions = list(LogEntry.objects.get_for_object(lan).filter(actor=actor).values_list("action", flat=True))
    assert LogEntry.Action.CREATE in actions and actions.count(LogEntry.Action.UPDATE) >= 3
    assert LogEntry.objects.get_for_object(team2).filter(actor=actor).count() == 2


def test_everything_outside_the_commune_is_404(leader, world, side):
    other = world.b
    other_member = other.users[Role.VOLUNTEER]
    codes = (side.other_commune.code, other.commune.code)
    for code in codes:
        assert leader.get(f"/setup/communes/{code}/").status_code == 404
        assert leader.post(f"/setup/communes/{code}/villages/", {"new-village-name": "X"}).status_code == 404
        assert leader.post(f"/setup/communes/{code}/teams/", {"new-team-name": "X"}).status_code == 404
    base = f"/setup/communes/{side.commune.code}/"
    # Objects of another commune through this commune's URLs: 404 too.
    assert leader.post(base + f"villages/{other.village.code}/", {}).status_code == 404
    assert leader.post(base + f"teams/{other.team.pk}/", {}).status_code == 404
    for action in ("move/", "active/", "password/"):
        assert leader.post(base + f"members/{other_member.pk}/{action}", {"active": "0"}).status_code == 404
    # Nor the province officer above them.
    officer = side.users[Role.PROVINCE_OFFICER]
    assert leader.post(base + f"members/{officer.pk}/password/").status_code == 404
    # Moving a member into another commune's team is a 400, nothing moved.
    volunteer = side.users[Role.VOLUNTEER]
    assert (
        leader.post(
            base + f"members/{volunteer.pk}/move/", {f"m-{volunteer.pk}-team": other.team.pk}
        ).status_code
        == 400
    )
    volunteer.refresh_from_db()
    assert volunteer.team == side.team
    assert leader.get("/setup/").status_code == 302
    Village.objects.filter(commune=other.commune).update(name="Thôn 1")


def test_volunteers_have_no_setup_pages(client, side):
    client.force_login(side.users[Role.VOLUNTEER])
    assert client.get("/setup/").status_code == 404
    assert client.get(f"/setup/communes/{side.commune.code}/").status_code == 404


def test_province_officer_sees_every_commune_in_one_query(client, side, world, django_assert_max_num_queries):
    officer = side.users[Role.PROVINCE_OFFICER]
    client.force_login(officer)
    for number in range(3, 30):
        commune = factories.CommuneFactory(code=f"51{number:03d}", province=side.province)
        team = factories.TeamFactory(commune=commune)
        factories.VillageFactory(commune=commune, code=f"{commune.code}-01", team=team)
    with django_assert_max_num_queries(8):
        page = client.get("/setup/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-commune="') == 29 and world.b.commune.code not in html
    row = re.search(r'data-commune="51001".*?</tr>', html, re.S).group(0)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells[:5] == ["1", "1", "2", "2", "0"]  # leaders, teams, members, villages, with boundary
    assert client.get("/setup/?province=52").status_code == 404
    # A province officer adds a commune leader and manages any commune of the province.
    response = client.post(
        f"/setup/communes/{side.other_commune.code}/members/",
        {"new-member-full_name": "Trần Văn Xã", "new-member-role": Role.COMMUNE_LEADER},
    )
    assert response.status_code == 302
    assert User.objects.get(full_name="Trần Văn Xã").scope.commune == side.other_commune.code
    assert client.get(f"/setup/communes/{world.b.commune.code}/").status_code == 404
    leader = side.users[Role.COMMUNE_LEADER]
    assert (
        client.post(f"/setup/communes/{side.commune.code}/members/{leader.pk}/password/").status_code == 302
    )


def test_setup_is_in_the_navigation(client, side):
    client.force_login(side.users[Role.COMMUNE_LEADER])
    assert 'data-nav="setup"' in client.get("/").content.decode()
    client.force_login(side.users[Role.VOLUNTEER])
    assert 'data-nav="setup"' not in client.get("/").content.decode()
