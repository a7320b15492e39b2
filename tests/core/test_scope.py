"""One Scope value per user decides everything a caller may see (core/scope.py)."""

import pytest

from campaigns.selectors import campaigns_for
from core.models import Household, Role, User
from core.scope import Kind, Scope
from core.selectors import communes_for, households_for, teams_for, villages_for
from tests import factories


@pytest.mark.parametrize(
    ("role", "kind", "key", "identity", "field"),
    [
        (Role.VOLUNTEER, Kind.TEAM, "team-{team}", True, True),
        (Role.TEAM_LEADER, Kind.TEAM, "team-{team}", True, True),
        (Role.COMMUNE_LEADER, Kind.COMMUNE, "commune-51001", True, True),
        (Role.PROVINCE_OFFICER, Kind.PROVINCE, "province-51", False, False),
    ],
)
def test_each_role_gets_its_scope(world, role, kind, key, identity, field):
    scope = world.a.users[role].scope
    assert scope.kind == kind
    assert scope.cache_key == key.format(team=world.a.team.pk)
    assert (scope.sees_identity, scope.works_in_field) == (identity, field)


def test_admins_are_national_and_members_without_an_area_see_nothing(world):
    assert world.admin.scope.kind == Kind.NATIONAL and world.admin.scope.cache_key == "national-all"
    superuser = factories.UserFactory(username="root", role=Role.VOLUNTEER, is_superuser=True)
    assert superuser.scope.is_national
    factories.HouseholdFactory(village=world.a.village)
    for lost in (
        User(username="no-team", role=Role.VOLUNTEER),
        User(username="no-commune", role=Role.COMMUNE_LEADER),
        User(username="no-province", role=Role.PROVINCE_OFFICER),
        User(username="gone", role=Role.COMMUNE_LEADER, commune_id="51001", is_active=False),
    ):
        scope = lost.scope
        assert scope.kind == Kind.NONE and not scope.sees_identity and not scope.works_in_field
        for selector in (communes_for, villages_for, teams_for, households_for, campaigns_for):
            assert not selector(scope=scope).exists()


def test_same_scope_same_key_and_area_scopes_for_tasks(world):
    leader = world.a.users[Role.COMMUNE_LEADER].scope
    built = Scope.commune_leader(commune="51001", province="51")
    assert built == leader and built.cache_key == leader.cache_key
    assert set(households_for(scope=built)) == set(Household.objects.filter(village__commune_id="51001"))
    assert Scope.province_officer(province="51") == world.a.users[Role.PROVINCE_OFFICER].scope


def test_no_role_chains_outside_the_scope_module():
    """The rule 'scope lives in one place' as a check on the code itself."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\.role\s*(==|!=|in|not in)|is_superuser\s*(or|and)|Role\.(ADMIN|PROVINCE_OFFICER)")
    allowed = {
        "core/scope.py",
        "core/models.py",
        "core/services/members.py",
        "demo/seed.py",
    }
    offenders = []
    apps = ("backend", "core", "coverage", "campaigns", "maps", "field_api", "leaders", "onboarding", "ioc")
    for path in [p for app in apps for p in root.glob(f"{app}/**/*.py")]:
        relative = str(path.relative_to(root))
        if "migrations" in relative or relative in allowed:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
