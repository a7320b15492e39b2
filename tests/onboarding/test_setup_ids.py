"""Ids in pages are data, never numbers formatted for reading: with USE_THOUSAND_SEPARATOR a team 3615
came out as "t-3.615-name" (and "3,615" in English), so once a database passed a thousand teams or
members, renaming a team, moving a member or choosing a village's team answered 400. The commune leader's
set-up page is driven as a browser would: field names, option values and form ids read from the page."""

import re

import pytest

from core.models import Role, Team, User, Village
from tests import factories

pytestmark = pytest.mark.django_db

# A number written for reading: 3.615 (Vietnamese) or 3,615 (English), in an attribute's value.
READABLE_NUMBER = re.compile(r'(?:name|value|form|id|data-[a-z-]+)="[^"]*\d[.,]\d{3}(?:\D|")')


@pytest.fixture
def big_ids(world):
    """A team, a village and a member whose ids are past a thousand, as in any real province."""
    team = Team.objects.create(id=3615, commune=world.a.commune, name="Tổ Ba Nghìn")
    member = factories.UserFactory(
        id=23212, username="tv-big", role=Role.VOLUNTEER, team=world.a.team, commune=world.a.commune
    )
    return team, member


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_set_up_page_writes_ids_as_data_and_its_forms_work(client, world, big_ids, language):
    team, member = big_ids
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    client.cookies["django_language"] = language
    base = f"/setup/communes/{world.a.commune.code}/"
    page = client.get(base).content.decode()
    assert not READABLE_NUMBER.findall(page), READABLE_NUMBER.findall(page)[:5]

    # Rename the team with the field the page names.
    (field,) = re.findall(rf'name="(t-[^"]*-name)" value="{team.name}"', page)
    assert client.post(base + f"teams/{team.pk}/", {field: "Tổ Đổi Tên"}).status_code == 302
    assert Team.objects.get(pk=team.pk).name == "Tổ Đổi Tên"

    # Move the member to the team, with the option value the page offers.
    (move,) = re.findall(rf'name="(m-{member.pk}-team)"', page)
    (value,) = re.findall(rf'<option value="([^"]*)"[^>]*>{team.name}</option>', page)[:1]
    assert client.post(base + f"members/{member.pk}/move/", {move: value}).status_code == 302
    assert User.objects.get(pk=member.pk).team_id == team.pk

    # Give a village to the team the same way.
    village = world.a.village
    prefix = f"v-{village.code}"
    response = client.post(
        base + f"villages/{village.code}/",
        {f"{prefix}-name": village.name, f"{prefix}-declared_households": "10", f"{prefix}-team": value},
    )
    assert response.status_code == 302
    assert Village.objects.get(pk=village.pk).team_id == team.pk
