"""Teams and members: the writes every way of managing people goes through (sheet imports in
``onboarding``, the commune leader's and province officer's pages, the command line).

Each write leaves an entry in the audit trail (django-auditlog: the model signals, or explicit entries for
members created in bulk). Citizen ID numbers are never stored. New members get a one-time password,
handed out once and never kept in clear.
"""

import secrets

from auditlog.models import LogEntry
from django.contrib.auth.hashers import get_hasher, make_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from backend.text import search_key
from core.models import AREA_INPUTS, Commune, Role, Team, User, members_areas_derive
from core.models import ROLE_AREA as ROLE_AREA  # the area each role is placed in, for forms and sheets
from core.sign_ins import sign_ins_end

# Words people write in a "Chức vụ" / "Vai trò" column, folded → role. What a team member is often
# also called (tổ phó, bí thư chi đoàn, công an viên…) is a volunteer of the team; any other title is
# unknown (``role_from_text`` says None) and the sheet's preview asks which role it means.
ROLE_WORDS = {
    **{role.value.replace("_", " "): role.value for role in Role},
    **{search_key(str(role.label)): role.value for role in Role},
    "thanh vien": Role.VOLUNTEER,
    "thanh vien to": Role.VOLUNTEER,
    "to vien": Role.VOLUNTEER,
    "to pho": Role.VOLUNTEER,
    "pho to truong": Role.VOLUNTEER,
    "thu ky to": Role.VOLUNTEER,
    "bi thu chi doan": Role.VOLUNTEER,
    "doan vien": Role.VOLUNTEER,
    "cong an vien": Role.VOLUNTEER,
    "hoi vien": Role.VOLUNTEER,
    "tinh nguyen vien": Role.VOLUNTEER,
    "to truong": Role.TEAM_LEADER,
    "truong to": Role.TEAM_LEADER,
    "to truong to cnscd": Role.TEAM_LEADER,
    "truong thon": Role.TEAM_LEADER,
    "truong ap": Role.TEAM_LEADER,
    "truong ban": Role.TEAM_LEADER,
    "truong khu pho": Role.TEAM_LEADER,
    "to truong to dan pho": Role.TEAM_LEADER,
    "lanh dao xa": Role.COMMUNE_LEADER,
    "lanh dao phuong": Role.COMMUNE_LEADER,
    "can bo xa": Role.COMMUNE_LEADER,
    "can bo tinh": Role.PROVINCE_OFFICER,
    "can bo so": Role.PROVINCE_OFFICER,
    "quan tri": Role.ADMIN,
}
# A role whose members are placed in no area: a sheet row whose title is not answered yet is checked as
# one, so only the area cells it has are checked.
ROLE_WITHOUT_AREA = Role.ADMIN
LEADER_PREFIXES = ("to truong", "truong thon", "truong ap", "truong ban", "truong khu pho", "truong to")
ONE_TIME_HASHER = "pbkdf2_onetime"
ONE_TIME_LENGTH = 12


def role_from_text(text: str) -> str | None:
    """The role a sheet's "Chức vụ" means: empty → volunteer; a title the product does not know ("Phó Chủ
    tịch UBND xã") → None, for the person to say which role it is (never guessed as volunteer)."""
    key = search_key(text).replace("_", " ")
    if not key:
        return Role.VOLUNTEER
    if key in ROLE_WORDS:
        return str(ROLE_WORDS[key])
    if key.startswith(LEADER_PREFIXES):
        return Role.VOLUNTEER if key.startswith("to truong to dan pho") else Role.TEAM_LEADER
    return None


def one_time_password() -> str:
    # Readable on a printed sheet: no look-alike characters; 12 of 31 symbols ≈ 59 bits.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _i in range(ONE_TIME_LENGTH))


def one_time_password_hash(password: str) -> str:
    """A random one-time password needs no slow hash (its entropy is the defence) and thousands are made
    per sheet: the lighter ``OneTimePasswordHasher`` when configured; Django re-hashes with the default
    hasher at the first login."""
    try:
        get_hasher(ONE_TIME_HASHER)
    except ValueError:
        return make_password(password)
    return make_password(password, hasher=ONE_TIME_HASHER)


def _content_type():
    return ContentType.objects.get_for_model(User)


# --- teams ------------------------------------------------------------------------------------------------


@transaction.atomic
def team_create(*, commune: Commune | str, name: str) -> Team:
    name = " ".join(name.split())
    return Team.objects.create(commune_id=getattr(commune, "code", commune), name=name)


@transaction.atomic
def teams_create(*, teams: list[tuple[str, str]], actor: User | None = None) -> list[Team]:
    """Many teams at once, (commune code, name) each, with one audit entry per team."""
    objects = []
    for commune, name in teams:
        team = Team(commune_id=commune, name=" ".join(name.split()))
        team.search_name = search_key(" ".join(filter(None, team.search_sources())))
        objects.append(team)
    Team.objects.bulk_create(objects, batch_size=500)
    if connection.features.can_return_rows_from_bulk_insert is False or any(t.pk is None for t in objects):
        by_key = {
            (t.commune_id, t.name): t
            for t in Team.objects.filter(
                commune_id__in={c for c, _n in teams}, name__in=[t.name for t in objects]
            )
        }
        objects = [by_key[(t.commune_id, t.name)] for t in objects]
    content_type = ContentType.objects.get_for_model(Team)
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                content_type=content_type,
                object_pk=str(team.pk),
                object_id=team.pk,
                object_repr=team.name,
                action=LogEntry.Action.CREATE,
                changes={"name": ["None", team.name], "commune": ["None", team.commune_id]},
                actor=actor,
            )
            for team in objects
        ],
        batch_size=1000,
    )
    return objects


@transaction.atomic
def team_rename(*, team: Team, name: str) -> Team:
    team.name = " ".join(name.split())
    team.save()
    return team


def team_move_check(*, team: Team, commune: Commune | str) -> None:
    """Whether ``team`` may move to ``commune``: not while it works villages (a village stays in its
    commune, and a team works villages of its own commune only)."""
    code = getattr(commune, "code", commune)
    if code != team.commune_id and team.villages.exists():
        raise ValidationError(
            {
                "commune": _(
                    "Tổ còn phụ trách thôn của xã hiện tại: giao các thôn cho tổ khác trước khi chuyển tổ "
                    "sang xã khác."
                )
            }
        )


@transaction.atomic
def team_move(*, team: Team, commune: Commune | str) -> Team:
    """Move a team to another commune; its members' commune and province go with it."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    code = getattr(commune, "code", commune)
    if code == team.commune_id:
        return team
    team_move_check(team=team, commune=code)
    team.commune_id = code
    team.full_clean()  # a team of the same name in that commune
    team.save()
    for member in User.objects.filter(team=team):
        member.save(update_fields=["commune", "province"])  # save() derives them from the team
    return team


# --- members ----------------------------------------------------------------------------------------------


def members_create(
    *, members: list[User], passwords: dict[str, str], actor: User | None, one_time: bool = False
) -> list[User]:
    """Create members in bulk (a sheet of thousands), each with its password hashed, and one audit entry
    per member naming the actor. Values of personal fields are not written in the entry. ``one_time``:
    the passwords were handed out (a sheet's), so each member sets their own at the first sign-in."""
    members_areas_derive(members=members)
    for member in members:
        member.password = one_time_password_hash(passwords[member.username])
        member.is_staff = member.role == Role.ADMIN
        member.password_change_required = one_time
    created = []
    for start in range(0, len(members), 1000):
        created.extend(User.objects.bulk_create(members[start : start + 1000]))
    ids = dict(User.objects.filter(username__in=[m.username for m in members]).values_list("username", "pk"))
    content_type = _content_type()
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                content_type=content_type,
                object_pk=str(ids[member.username]),
                object_id=ids[member.username],
                object_repr=member.username,
                action=LogEntry.Action.CREATE,
                changes={"username": ["None", member.username], "role": ["None", member.role]},
                actor=actor,
            )
            for member in members
        ],
        batch_size=1000,
    )
    for member in members:
        member.pk = ids[member.username]
    return created


@transaction.atomic
def member_create(
    *,
    username: str,
    full_name: str,
    phone: str = "",
    role: str,
    commune: str | None = None,
    province: str | None = None,
    team: Team | None = None,
    actor: User | None = None,
    password: str | None = None,
) -> tuple[User, str]:
    """One member, and the one-time password to hand over (shown once, never stored in clear; the
    caller may make it, e.g. derived from a secret only the leader's browser holds). The member sets
    their own at the first sign-in."""
    password = password or one_time_password()
    member = User(
        username=username,
        full_name=full_name,
        phone=phone,
        role=role,
        team=team,
        commune_id=team.commune_id if team else commune,
        province_id=province,
    )
    members_areas_derive(members=[member])  # the caller's commune is not a province officer's
    member.full_clean(exclude=["password"])
    member.password = one_time_password_hash(password)
    member.is_staff = role == Role.ADMIN
    member.password_change_required = True
    member.save()
    return member, password


@transaction.atomic
def member_update(*, member: User, **fields) -> bool:
    """Change a member's fields (name, phone, role, area, team); whether anything changed. The areas end
    as ``core.models.member_areas`` says (a team's member is in its commune and province)."""
    if "team" in fields:
        team = fields.pop("team")
        fields["team_id"] = team.id if team else None
    changed = [name for name, value in fields.items() if getattr(member, name) != value]
    if not changed:
        return False
    before = {name: getattr(member, name) for name in {*changed, "team_id", "commune_id", "province_id"}}
    for name in changed:
        setattr(member, name, fields[name])
    if AREA_INPUTS.intersection(changed):
        members_areas_derive(members=[member])
    if all(getattr(member, name) == value for name, value in before.items()):
        return False  # an area the role does not have, dropped again
    member.save()
    return True


@transaction.atomic
def member_move(*, member: User, team: Team) -> bool:
    """Move a member to another team of the commune: their phone pulls the new team's households."""
    return member_update(member=member, team=team)


@transaction.atomic
def member_set_active(*, member: User, active: bool) -> None:
    """Deactivate (or bring back) a member; a deactivated member's phone tokens stop working at once."""
    if member.is_active != active:
        member.is_active = active
        member.save()
    if not active:
        sign_ins_end(user=member)


@transaction.atomic
def member_reset_password(*, member: User, password: str | None = None) -> str:
    """A new one-time password (shown once to the person resetting it; the caller may make it); the
    member's phones sign in again (``User.save`` ends every sign-in when the password changes) and the
    member sets their own at the next sign-in."""
    password = password or one_time_password()
    member.password = one_time_password_hash(password)
    member.password_change_required = True
    member.save()
    return password


@transaction.atomic
def member_password_change(*, member: User, password: str) -> None:
    """The member's own new password, checked by the site's password rules (``ValidationError`` naming
    ``password``): the one handed out stops working and no change is required any more."""
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user=member)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    if member.check_password(password) and member.password_change_required:
        raise ValidationError({"password": [_("Mật khẩu mới phải khác mật khẩu được cấp.")]})
    member.set_password(password)
    member.password_change_required = False
    member.save()
