"""A member's areas agree by construction (core.models.member_areas): the team decides the commune, the
commune the province. The admin refuses a disagreeing area on its field, saving derives the wider areas,
the database refuses areas a role does not have, and every scope is what the narrowest area says."""

import pytest
from django.db import IntegrityError, transaction

from core.models import MemberAreas, Role, User
from core.scope import Kind, Scope
from core.services.members import member_update, members_create, team_move
from tests import factories


@pytest.fixture
def admin_client(world, client):
    superuser = factories.UserFactory(
        username="sieuquantri", role=Role.ADMIN, is_staff=True, is_superuser=True
    )
    client.force_login(superuser)
    return client


def _member_form(member: User, **changes) -> dict:
    return {
        "username": member.username,
        "full_name": member.full_name,
        "phone": member.phone,
        "role": member.role,
        "province": member.province_id or "",
        "commune": member.commune_id or "",
        "team": member.team_id or "",
        "is_active": "on",
        "date_joined_0": "2026-12-01",
        "date_joined_1": "08:00:00",
        **changes,
    }


def _change_member(client, member: User, **changes):
    return client.post(f"/admin/field_api/user/{member.pk}/change/", _member_form(member, **changes))


def _errors(response) -> dict:
    assert response.status_code == 200, response.status_code
    return {name: list(messages) for name, messages in response.context["adminform"].form.errors.items()}


# --- the admin refuses disagreeing areas, each on its field -------------------------------------------


def test_admin_refuses_a_commune_that_is_not_the_teams(admin_client, world):
    volunteer = world.a.users[Role.VOLUNTEER]
    response = _change_member(admin_client, volunteer, commune=world.b.commune.code)
    assert _errors(response) == {
        "commune": ["Xã phải là Phường Cẩm Thành A, xã của tổ đã chọn (hoặc để trống để tự điền)."]
    }
    assert "Xã phải là Phường Cẩm Thành A" in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.areas == MemberAreas(world.a.team.pk, world.a.commune.code, world.a.province.code)


def test_admin_refuses_a_province_that_is_not_the_communes(admin_client, world):
    leader = world.a.users[Role.COMMUNE_LEADER]
    response = _change_member(admin_client, leader, province=world.b.province.code)
    assert _errors(response) == {
        "province": ["Tỉnh phải là Tỉnh A, tỉnh của xã đã chọn (hoặc để trống để tự điền)."]
    }
    leader.refresh_from_db()
    assert leader.province_id == world.a.province.code


def test_admin_refuses_a_team_province_that_is_not_the_teams(admin_client, world):
    leader = world.a.users[Role.TEAM_LEADER]
    response = _change_member(admin_client, leader, province=world.b.province.code)
    assert _errors(response) == {
        "province": ["Tỉnh phải là Tỉnh A, tỉnh của tổ đã chọn (hoặc để trống để tự điền)."]
    }


@pytest.mark.parametrize(
    ("role", "changes", "field", "message"),
    [
        (Role.COMMUNE_LEADER, {"team": "a.team"}, "team", "Lãnh đạo xã không thuộc tổ nào: để trống ô Tổ."),
        (
            Role.PROVINCE_OFFICER,
            {"commune": "a.commune"},
            "commune",
            "Cán bộ tỉnh không gắn với xã nào: để trống ô Xã.",
        ),
        (
            Role.ADMIN,
            {"province": "a.province"},
            "province",
            "Quản trị hệ thống không gắn với tỉnh nào: để trống ô Tỉnh.",
        ),
    ],
)
def test_admin_refuses_an_area_the_role_does_not_have(admin_client, world, role, changes, field, message):
    member = world.admin if role == Role.ADMIN else world.a.users[role]
    values = {name: getattr(world.a, path.split(".")[1]).pk for name, path in changes.items()}
    response = _change_member(admin_client, member, **values)
    assert _errors(response) == {field: [message]}
    member.refresh_from_db()
    assert getattr(member, f"{field}_id") is None


def test_admin_fills_blank_wider_areas_from_the_team(admin_client, world):
    volunteer = world.a.users[Role.VOLUNTEER]
    response = _change_member(admin_client, volunteer, team=world.b.team.pk, commune="", province="")
    assert response.status_code == 302
    volunteer = User.objects.get(pk=volunteer.pk)
    assert volunteer.areas == MemberAreas(world.b.team.pk, world.b.commune.code, world.b.province.code)
    assert volunteer.scope == Scope(
        Kind.TEAM, province=world.b.province.code, commune=world.b.commune.code, team=world.b.team.pk
    )


def test_admin_add_form_refuses_disagreeing_areas_and_creates_nobody(admin_client, world):
    response = admin_client.post(
        "/admin/field_api/user/add/",
        {
            "username": "tv-moi",
            "usable_password": "true",
            "password1": "mat-khau-rat-dai-123",
            "password2": "mat-khau-rat-dai-123",
            "full_name": "Lê Văn Mới",
            "role": Role.VOLUNTEER,
            "team": world.a.team.pk,
            "commune": world.a.commune.code,
            "province": world.b.province.code,
        },
    )
    assert _errors(response) == {
        "province": ["Tỉnh phải là Tỉnh A, tỉnh của tổ đã chọn (hoặc để trống để tự điền)."]
    }
    assert not User.objects.filter(username="tv-moi").exists()


# --- saving derives, the database refuses, scopes follow the narrowest area -----------------------------


@pytest.mark.parametrize(
    ("role", "given", "kept", "kind"),
    [
        # (what the member is handed, as (team, commune, province) sides) → (what they keep)
        (Role.VOLUNTEER, ("a", "b", "b"), ("a", "a", "a"), Kind.TEAM),
        (Role.TEAM_LEADER, ("a", "b", "b"), ("a", "a", "a"), Kind.TEAM),
        (Role.COMMUNE_LEADER, ("a", "b", "a"), (None, "b", "b"), Kind.COMMUNE),
        (Role.COMMUNE_LEADER, ("b", None, "a"), (None, "b", "b"), Kind.COMMUNE),
        (Role.PROVINCE_OFFICER, ("a", "a", "b"), (None, None, "b"), Kind.PROVINCE),
        (Role.PROVINCE_OFFICER, (None, "b", None), (None, None, "b"), Kind.PROVINCE),
        (Role.ADMIN, ("a", "a", "a"), (None, None, None), Kind.NATIONAL),
    ],
)
def test_saving_keeps_the_areas_of_the_narrowest_and_the_scope_follows(world, role, given, kept, kind):
    def areas(sides):
        team, commune, province = (getattr(world, side) if side else None for side in sides)
        return MemberAreas(
            team.team.pk if team else None,
            commune.commune.code if commune else None,
            province.province.code if province else None,
        )

    handed = areas(given)
    member = factories.UserFactory(
        username="nguoi-moi",
        role=role,
        team_id=handed.team,
        commune_id=handed.commune,
        province_id=handed.province,
    )
    stored = User.objects.get(pk=member.pk)
    assert stored.areas == areas(kept)
    expected = {
        Kind.TEAM: Scope(
            Kind.TEAM, province=stored.province_id, commune=stored.commune_id, team=stored.team_id
        ),
        Kind.COMMUNE: Scope(Kind.COMMUNE, province=stored.province_id, commune=stored.commune_id),
        Kind.PROVINCE: Scope(Kind.PROVINCE, province=stored.province_id),
        Kind.NATIONAL: Scope(Kind.NATIONAL),
    }[kind]
    assert stored.scope == expected


@pytest.mark.parametrize(
    ("role", "update"),
    [
        (Role.VOLUNTEER, {"commune": None}),  # a team without its commune
        (Role.COMMUNE_LEADER, {"province": None}),  # a commune without its province
        (Role.COMMUNE_LEADER, {"team_id": "team"}),
        (Role.PROVINCE_OFFICER, {"commune_id": "commune"}),
        (Role.ADMIN, {"province_id": "province"}),
    ],
)
def test_the_database_refuses_areas_a_role_does_not_have(world, role, update):
    member = world.admin if role == Role.ADMIN else world.a.users[role]
    values = {
        name: (getattr(world.a, value).pk if isinstance(value, str) else value)
        for name, value in update.items()
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=member.pk).update(**values)


def test_members_created_in_bulk_get_their_areas_from_the_narrowest(world):
    """The sheet's way (onboarding's import creates members in bulk, without save())."""
    members = [
        User(username="tv-lo", role=Role.VOLUNTEER, team_id=world.a.team.pk, commune_id=world.b.commune.code),
        User(
            username="xa-lo",
            role=Role.COMMUNE_LEADER,
            commune_id=world.b.commune.code,
            team_id=world.a.team.pk,
        ),
        User(username="tinh-lo", role=Role.PROVINCE_OFFICER, commune_id=world.a.commune.code),
    ]
    members_create(members=members, passwords=dict.fromkeys(["tv-lo", "xa-lo", "tinh-lo"], "x"), actor=None)
    stored = {
        user.username: user.areas for user in User.objects.filter(username__in=["tv-lo", "xa-lo", "tinh-lo"])
    }
    assert stored == {
        "tv-lo": MemberAreas(world.a.team.pk, world.a.commune.code, world.a.province.code),
        "xa-lo": MemberAreas(None, world.b.commune.code, world.b.province.code),
        "tinh-lo": MemberAreas(None, None, world.a.province.code),
    }


def test_member_update_carries_the_areas_and_drops_what_a_role_does_not_have(world):
    volunteer = world.a.users[Role.VOLUNTEER]
    assert member_update(member=volunteer, team=world.b.team)
    volunteer.refresh_from_db()
    assert volunteer.areas == MemberAreas(world.b.team.pk, world.b.commune.code, world.b.province.code)
    assert member_update(member=volunteer, role=Role.COMMUNE_LEADER)
    volunteer.refresh_from_db()
    assert volunteer.areas == MemberAreas(None, world.b.commune.code, world.b.province.code)
    officer = world.a.users[Role.PROVINCE_OFFICER]
    assert not member_update(member=officer, commune_id=world.a.commune.code)  # not an officer's: no change
    officer.refresh_from_db()
    assert officer.areas == MemberAreas(None, None, world.a.province.code)


# --- a team that moves takes its members' areas with it --------------------------------------------------


def test_a_team_moved_to_another_commune_carries_its_members(world):
    team = factories.TeamFactory(commune=world.a.commune, name="Tổ lưu động")
    members = [factories.UserFactory(username=f"tv-ld-{n}", role=Role.VOLUNTEER, team=team) for n in range(2)]
    team_move(team=team, commune=world.b.other_commune)
    for member in members:
        stored = User.objects.get(pk=member.pk)
        assert stored.areas == MemberAreas(team.pk, world.b.other_commune.code, world.b.province.code)
        assert stored.scope.commune == world.b.other_commune.code


def test_the_admin_moves_a_team_with_its_members_and_refuses_one_that_works_villages(admin_client, world):
    team = factories.TeamFactory(commune=world.a.commune, name="Tổ lưu động")
    member = factories.UserFactory(username="tv-ld", role=Role.VOLUNTEER, team=team)
    inlines = {
        f"{prefix}-{name}": "0"
        for prefix in ("villages", "members")
        for name in ("TOTAL_FORMS", "INITIAL_FORMS")
    }
    response = admin_client.post(
        f"/admin/field_api/team/{team.pk}/change/",
        {"name": team.name, "commune": world.b.commune.code, **inlines},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.areas == MemberAreas(team.pk, world.b.commune.code, world.b.province.code)

    response = admin_client.post(
        f"/admin/field_api/team/{world.a.team.pk}/change/",
        {"name": world.a.team.name, "commune": world.a.other_commune.code, **inlines},
    )
    assert _errors(response)["commune"] == [
        "Tổ còn phụ trách thôn của xã hiện tại: giao các thôn cho tổ khác trước khi chuyển tổ sang xã khác."
    ]
    volunteer = User.objects.get(pk=world.a.users[Role.VOLUNTEER].pk)
    assert volunteer.commune_id == world.a.commune.code
