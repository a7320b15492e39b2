"""Fixtures for the "prove it holds" harnesses: a real gunicorn on the PostgreSQL test database, and
teams of phones with tokens."""

from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django.db import connection
from knox.models import AuthToken

from core.models import Role
from tests import factories
from tests.reliability.server import Gunicorn, database_url


@pytest.fixture
def gunicorn(transactional_db):
    """Two sync workers, as production runs them. Its workers only see what the test has committed."""
    server = Gunicorn(database=database_url(connection.settings_dict))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@dataclass
class FieldTeam:
    team: object
    villages: list[str]
    phones: list[dict] = field(default_factory=list)  # {"user", "token", "device_id"}


def field_teams(*, teams: int, phones_per_team: int, province: str = "51") -> list[FieldTeam]:
    """Teams of volunteers spread over two communes, each team with two villages and its own tokens."""
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    province_row = factories.ProvinceFactory(code=province, name="Quảng Ngãi", full_name="Tỉnh Quảng Ngãi")
    communes = [
        factories.CommuneFactory(
            code=f"{province}{number:03d}",
            province=province_row,
            name=f"Xã {number}",
            full_name=f"Xã {number}",
        )
        for number in (1, 2)
    ]
    result = []
    for index in range(teams):
        commune = communes[index % 2]
        team = factories.TeamFactory(commune=commune, name=f"Tổ tải {index}")
        villages = [
            factories.VillageFactory(
                commune=commune,
                code=f"{commune.code}-{2 * index + k:02d}",
                name=f"Thôn {index}-{k}",
                team=team,
            ).code
            for k in (1, 2)
        ]
        field_team = FieldTeam(team=team, villages=villages)
        for number in range(phones_per_team):
            role = Role.TEAM_LEADER if number == 0 else Role.VOLUNTEER
            user = factories.UserFactory(username=f"phone-{index}-{number}", role=role, team=team)
            _instance, token = AuthToken.objects.create(user)
            field_team.phones.append({"user": user, "token": token, "device_id": f"phone-{index}-{number}"})
        result.append(field_team)
    return result
