"""The domain: administrative areas, the people who work them, and what they record in the field.

Areas follow the two-tier local government in force since 1 July 2025: province → commune; villages
(thôn / tổ dân phố) are kept by each commune and carry commune-local codes such as ``21025-01``, so a
village code always starts with its commune's code (which lets every field record be routed by province).

Geometry is stored as GeoJSON (plus a bounding box and a simplified copy for web maps) so that the
product runs on SQLite or plain PostgreSQL without a spatial extension.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from backend.text import search_key


class AreaGeometry(models.Model):
    geometry = models.JSONField(_("ranh giới (GeoJSON)"), null=True, blank=True, editable=False)
    geometry_simplified = models.JSONField(
        _("ranh giới rút gọn cho bản đồ web"), null=True, blank=True, editable=False
    )
    bbox_west = models.FloatField(null=True, blank=True, editable=False)
    bbox_south = models.FloatField(null=True, blank=True, editable=False)
    bbox_east = models.FloatField(null=True, blank=True, editable=False)
    bbox_north = models.FloatField(null=True, blank=True, editable=False)
    boundary_source = models.CharField(_("nguồn ranh giới"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def has_boundary(self) -> bool:
        return self.geometry is not None

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        if self.bbox_west is None:
            return None
        return (self.bbox_west, self.bbox_south, self.bbox_east, self.bbox_north)


class SearchableName(models.Model):
    """``search_name`` is the name folded to lower-case ASCII, so "Cam Thanh" finds "Cẩm Thành"."""

    search_name = models.CharField(max_length=200, db_index=True, editable=False, default="")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.search_name = search_key(" ".join(filter(None, self.search_sources())))
        super().save(*args, **kwargs)

    def search_sources(self) -> list[str]:
        return [self.name]


class Province(AreaGeometry, SearchableName):
    code = models.CharField(_("mã tỉnh"), max_length=2, primary_key=True)
    name = models.CharField(_("tên"), max_length=100)
    full_name = models.CharField(_("tên đầy đủ"), max_length=150)
    lat = models.FloatField(_("vĩ độ trung tâm"), null=True, blank=True)
    lon = models.FloatField(_("kinh độ trung tâm"), null=True, blank=True)

    class Meta:
        verbose_name = _("tỉnh, thành phố")
        verbose_name_plural = _("tỉnh, thành phố")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.full_name

    def search_sources(self) -> list[str]:
        return [self.name, self.full_name]


class Commune(AreaGeometry, SearchableName):
    code = models.CharField(_("mã xã"), max_length=5, primary_key=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="communes", verbose_name=_("tỉnh")
    )
    name = models.CharField(_("tên"), max_length=100)
    full_name = models.CharField(_("tên đầy đủ"), max_length=150)
    unit_type = models.CharField(_("loại đơn vị"), max_length=20, blank=True)
    area_km2 = models.FloatField(_("diện tích (km²)"), null=True, blank=True)
    lat = models.FloatField(_("vĩ độ trung tâm"), null=True, blank=True)
    lon = models.FloatField(_("kinh độ trung tâm"), null=True, blank=True)

    class Meta:
        verbose_name = _("xã, phường, đặc khu")
        verbose_name_plural = _("xã, phường, đặc khu")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.full_name

    def search_sources(self) -> list[str]:
        return [self.name, self.full_name]


class Team(SearchableName):
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="teams", verbose_name=_("xã"))
    name = models.CharField(_("tên tổ"), max_length=150)
    is_demo = models.BooleanField(_("dữ liệu mẫu"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tổ công nghệ số cộng đồng")
        verbose_name_plural = _("tổ công nghệ số cộng đồng")
        ordering = ["commune_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="team_unique_name_in_commune")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The team with its commune (select_related("commune") when listing teams)."""
        return team_display_name(self.name, self.commune.name)


def team_display_name(name: str, commune_name: str | None) -> str:
    """How a team is shown everywhere (tables, leaderboards, exports): teams of a province share names
    ("Tổ CNSCĐ số 1"), so the commune tells them apart. For rows read with values(), no query per row."""
    return f"{name} – {commune_name}" if commune_name else name


class Village(AreaGeometry, SearchableName):
    code = models.CharField(_("mã thôn"), max_length=16, primary_key=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="villages", verbose_name=_("xã")
    )
    # One team works a village; a team may work several villages of its commune.
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="villages",
        verbose_name=_("tổ phụ trách"),
    )
    name = models.CharField(_("tên thôn, tổ dân phố"), max_length=150)
    declared_households = models.PositiveIntegerField(_("số hộ (xã khai báo)"), null=True, blank=True)
    is_demo = models.BooleanField(_("dữ liệu mẫu"), default=False)

    class Meta:
        verbose_name = _("thôn, tổ dân phố")
        verbose_name_plural = _("thôn, tổ dân phố")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self):
        if self.commune_id and not self.code.startswith(f"{self.commune_id}-"):
            raise ValidationError({"code": _("Mã thôn phải bắt đầu bằng mã xã và dấu gạch ngang.")})
        if self.team_id and self.commune_id and self.team.commune_id != self.commune_id:
            raise ValidationError({"team": _("Tổ phụ trách phải thuộc cùng xã với thôn.")})


class Role(models.TextChoices):
    VOLUNTEER = "volunteer", _("Thành viên tổ")
    TEAM_LEADER = "team_leader", _("Tổ trưởng")
    COMMUNE_LEADER = "commune_leader", _("Lãnh đạo xã")
    PROVINCE_OFFICER = "province_officer", _("Cán bộ tỉnh")
    ADMIN = "admin", _("Quản trị hệ thống")


TEAM_ROLES = (Role.VOLUNTEER, Role.TEAM_LEADER)

# A member's areas, narrowest first. Each role is placed in one of them (admins in none): the wider ones
# follow from it (a team's commune, that commune's province) and the narrower ones are not the role's.
AREA_FIELDS = ("team", "commune", "province")
ROLE_AREA: dict[str, str | None] = {
    Role.VOLUNTEER: "team",
    Role.TEAM_LEADER: "team",
    Role.COMMUNE_LEADER: "commune",
    Role.PROVINCE_OFFICER: "province",
    Role.ADMIN: None,
}
# What save() must look at again when an update touches it.
AREA_INPUTS = frozenset({"role", *AREA_FIELDS, *(f"{name}_id" for name in AREA_FIELDS)})


class MemberAreas(NamedTuple):
    team: int | None
    commune: str | None
    province: str | None


@dataclass(frozen=True)
class AreaParents:
    """The commune of each team and the province of each commune that some members name."""

    commune_of_team: Mapping[int, str]
    province_of_commune: Mapping[str, str]

    @classmethod
    def of(cls, members: Sequence["User"]) -> "AreaParents":
        """Two queries at most, however many members (a sheet of thousands)."""
        commune_of_team: dict[int, str] = {}
        province_of_commune: dict[str, str] = {}
        teams = {member.team_id for member in members if member.team_id is not None}
        if teams:
            rows = Team.objects.filter(pk__in=teams).values_list("pk", "commune_id", "commune__province_id")
            for team, commune, province in rows:
                commune_of_team[team] = commune
                province_of_commune[commune] = province
        communes = {member.commune_id for member in members if member.commune_id is not None}
        communes -= province_of_commune.keys()
        if communes:
            province_of_commune.update(
                Commune.objects.filter(pk__in=communes).values_list("pk", "province_id")
            )
        return cls(commune_of_team, province_of_commune)


def member_areas(*, role: str, given: MemberAreas, parents: AreaParents) -> MemberAreas:
    """The areas a member of ``role`` has, from the ones given: the role's own area decides the wider
    ones; when it is missing, the narrowest given area tells it (a commune leader named with a team is in
    that team's commune); areas narrower than the role's, and every area of an admin, are dropped."""
    area = ROLE_AREA.get(role)
    if area is None:
        return MemberAreas(None, None, None)
    level = AREA_FIELDS.index(area)
    preference = [area, *AREA_FIELDS[:level], *AREA_FIELDS[level + 1 :]]
    source = next((name for name in preference if getattr(given, name) is not None), None)
    if source is None:
        return MemberAreas(None, None, None)
    team = given.team if source == "team" else None
    commune = given.commune if source == "commune" else None
    province = given.province if source == "province" else None
    if team is not None:
        commune = parents.commune_of_team.get(team, given.commune)
    if commune is not None:
        province = parents.province_of_commune.get(commune, given.province)
    areas = MemberAreas(team, commune, province)
    return areas._replace(**dict.fromkeys(AREA_FIELDS[:level]))


def members_areas_derive(*, members: Sequence["User"]) -> None:
    """Give each member the areas ``member_areas`` says (the one rule ``User.save``, the bulk creation of
    members and the admin's form all follow)."""
    parents = AreaParents.of(members)
    for member in members:
        member.areas = member_areas(role=member.role, given=member.areas, parents=parents)


AREA_LABELS = {"team": _("tổ"), "commune": _("xã"), "province": _("tỉnh")}
# Each message a literal format (stored names go in as values, never as part of a format).
AREA_NOT_OF_ROLE = {
    "team": lambda role: _("%(role)s không thuộc tổ nào: để trống ô Tổ.") % {"role": role},
    "commune": lambda role: _("%(role)s không gắn với xã nào: để trống ô Xã.") % {"role": role},
    "province": lambda role: _("%(role)s không gắn với tỉnh nào: để trống ô Tỉnh.") % {"role": role},
}
AREA_DISAGREES = {
    "commune": lambda expected, source: (
        _("Xã phải là %(expected)s, xã của %(source)s đã chọn (hoặc để trống để tự điền).")
        % {"expected": expected, "source": source}
    ),
    "province": lambda expected, source: (
        _("Tỉnh phải là %(expected)s, tỉnh của %(source)s đã chọn (hoặc để trống để tự điền).")
        % {"expected": expected, "source": source}
    ),
}
AREA_MISSING = {
    "team": _("Thành viên tổ và tổ trưởng phải thuộc một tổ."),
    "commune": _("Lãnh đạo xã phải gắn với một xã."),
    "province": _("Cán bộ tỉnh phải gắn với một tỉnh."),
}


def _area_name(field: str, code) -> str:
    model = Commune if field == "commune" else Province
    return model.objects.filter(pk=code).values_list("full_name", flat=True).first() or str(code)


def member_area_errors(*, role: str, given: MemberAreas, derived: MemberAreas) -> dict[str, str]:
    """What a form must refuse: an area the role does not have, or a wider area that is not the one the
    narrower area is in. A blank wider area is no error (it is filled in)."""
    errors: dict[str, str] = {}
    label = Role(role).label if role in Role.values else role
    for field in AREA_FIELDS:
        value, wanted = getattr(given, field), getattr(derived, field)
        if value is None or value == wanted:
            continue
        if wanted is None:
            errors[field] = AREA_NOT_OF_ROLE[field](label)
            continue
        source = "team" if field == "commune" or derived.team is not None else "commune"
        errors[field] = AREA_DISAGREES[field](_area_name(field, wanted), AREA_LABELS[source])
    return errors


class User(AbstractUser):
    """A member: a login with a role and the area it is scoped to (see selectors for what each sees)."""

    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices, default=Role.VOLUNTEER)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("tỉnh")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("xã")
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("tổ")
    )
    is_demo = models.BooleanField(_("dữ liệu mẫu"), default=False)
    # When this member's phone last reached the server (push or pull), to the SYNC_SEEN_EVERY; read by
    # the province's home page ("teams silent for N days").
    last_synced_at = models.DateTimeField(_("lần đồng bộ gần nhất"), null=True, blank=True, editable=False)
    # A password someone else handed out (a sheet's, a leader's reset): the member sets their own at the
    # next sign-in (onboarding's password change; the phone API's login says so).
    password_change_required = models.BooleanField(_("phải đổi mật khẩu"), default=False)

    class Meta:
        verbose_name = _("thành viên")
        verbose_name_plural = _("thành viên")
        # What of member_areas one row can show: only team roles have a team, and with it its commune;
        # only team roles and commune leaders have a commune, and with it its province; admins have no
        # area. That the commune is the team's and the province the commune's, save() derives.
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team__isnull=True)
                | models.Q(role__in=[Role.VOLUNTEER.value, Role.TEAM_LEADER.value], commune__isnull=False),
                name="member_team_for_team_roles_with_commune",
                violation_error_message=_("Chỉ thành viên tổ và tổ trưởng thuộc một tổ, và tổ ở một xã."),
            ),
            models.CheckConstraint(
                condition=models.Q(commune__isnull=True)
                | models.Q(
                    role__in=[Role.VOLUNTEER.value, Role.TEAM_LEADER.value, Role.COMMUNE_LEADER.value],
                    province__isnull=False,
                ),
                name="member_commune_below_province_with_province",
                violation_error_message=_("Cán bộ tỉnh và quản trị không gắn với xã; xã ở một tỉnh."),
            ),
            models.CheckConstraint(
                condition=models.Q(province__isnull=True) | ~models.Q(role=Role.ADMIN.value),
                name="member_province_not_for_admins",
                violation_error_message=_("Quản trị hệ thống không gắn với tỉnh nào."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def areas(self) -> MemberAreas:
        return MemberAreas(self.team_id, self.commune_id, self.province_id)

    @areas.setter
    def areas(self, areas: MemberAreas) -> None:
        for field in AREA_FIELDS:
            if getattr(self, f"{field}_id") != getattr(areas, field):
                setattr(self, f"{field}_id", getattr(areas, field))

    @cached_property
    def scope(self):
        """What this member may see and do (core.scope), built once per loaded user."""
        from core.scope import Scope  # the scope module reads Role from here

        return Scope.of(self)

    def clean(self):
        """A form (the admin's) refuses areas that disagree, each error on its field; blank wider areas
        are filled in from the narrower one."""
        super().clean()
        given = self.areas
        derived = member_areas(role=self.role, given=given, parents=AreaParents.of([self]))
        errors = member_area_errors(role=self.role, given=given, derived=derived)
        area = ROLE_AREA.get(self.role)
        if area is not None and getattr(derived, area) is None and area not in errors:
            errors[area] = AREA_MISSING[area]
        if errors:
            raise ValidationError(errors)
        self.areas = derived

    # --- a new password ends every sign-in --------------------------------------------------------
    #
    # Every way a password changes (the admin's form, a leader's reset, a sheet's --reset-passwords,
    # ``manage.py changepassword``, ``set_password`` anywhere) ends in this model's ``save()``, so the
    # rule lives here, once: ``save()`` compares the hash with the one loaded and, when it differs, ends
    # the member's sign-ins right after writing it (``core.sign_ins``). The one exception is Django
    # re-hashing the *same* password at a login (``check_password`` upgrading the hasher): the secret did
    # not change, and the phone signing in must not sign the member's other devices out.

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._loaded_password = user.__dict__.get("password")
        return user

    def check_password(self, raw_password) -> bool:
        self._rehashing = True
        try:
            return super().check_password(raw_password)
        finally:
            self._rehashing = False

    async def acheck_password(self, raw_password) -> bool:
        self._rehashing = True
        try:
            return await super().acheck_password(raw_password)
        finally:
            self._rehashing = False

    def _password_replaced(self) -> bool:
        if self._state.adding or getattr(self, "_rehashing", False):
            return False
        loaded = getattr(self, "_loaded_password", None)
        # Loaded without its password column (only()/defer()): a new hash is a new password all the same.
        return "password" in self.__dict__ and self.password != loaded

    def save(self, *args, **kwargs):
        # The areas agree however the member was changed (member_areas), so a scope reads the columns.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or AREA_INPUTS.intersection(update_fields):
            members_areas_derive(members=[self])
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, *AREA_FIELDS}
        replaced = self._password_replaced()
        super().save(*args, **kwargs)
        self._loaded_password = self.__dict__.get("password")
        if replaced:
            from core.sign_ins import sign_ins_end  # it reads knox's tokens, which point here

            sign_ins_end(user=self)


class Service(models.Model):
    """An online public service or digital skill a volunteer helps with (catalogue in fixtures/)."""

    code = models.SlugField(_("mã dịch vụ"), max_length=50, primary_key=True)
    name = models.CharField(_("tên"), max_length=200)
    category = models.CharField(_("nhóm"), max_length=50)
    guide = models.JSONField(_("các bước hướng dẫn"), default=list)
    followup_days = models.PositiveSmallIntegerField(_("số ngày hẹn theo dõi"), default=7)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("dịch vụ, kỹ năng")
        verbose_name_plural = _("dịch vụ, kỹ năng")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class ProvinceService(models.Model):
    """How one province shows a national service to its own volunteers.

    The national catalogue (``Service``) is the national administrators'. A province may switch a
    service off for its phones (its visits naming it are then refused, nobody else's) and give it its
    own guide steps (empty: the national guide). No row: the service as the nation has it.
    """

    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, related_name="+", verbose_name=_("tỉnh"), db_index=False
    )
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="province_settings", verbose_name=_("dịch vụ")
    )
    enabled = models.BooleanField(_("dùng trong tỉnh"), default=True)
    guide = models.JSONField(_("các bước hướng dẫn riêng của tỉnh"), default=list, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("dịch vụ theo tỉnh")
        verbose_name_plural = _("dịch vụ theo tỉnh")
        constraints = [models.UniqueConstraint(fields=["province", "service"], name="province_service_once")]

    def __str__(self) -> str:
        return f"{self.province_id} / {self.service_id}"


class Outcome(models.TextChoices):
    MET = "met", _("Gặp được")
    NOT_HOME = "not_home", _("Không có nhà")
    REFUSED = "refused", _("Từ chối")
    COME_BACK = "come_back", _("Hẹn quay lại")
    MOVED = "moved", _("Đã chuyển đi")


class Review(models.TextChoices):
    """A commune leader's verdict on a flagged visit (core.counting says what it changes)."""

    NONE = "", _("Chưa xem")
    CONFIRMED = "confirmed", _("Đã xác nhận")
    REJECTED = "rejected", _("Đã bác bỏ")


class HelpResult(models.TextChoices):
    DONE = "done", _("Hoàn thành")
    PENDING = "pending", _("Đang chờ")
    FAILED = "failed", _("Không thành công")


class Household(models.Model):
    """A household on a team's list. Personal data (Decree 13/2023): the minimum, never an ID number."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Every write to a household (each visit stamps change_seq) rewrites all of its indexes, so it has
    # only the ones queries use: the composite indexes below lead with the village.
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="households", verbose_name=_("thôn"), db_index=False
    )
    label = models.CharField(_("nhãn hộ"), max_length=200)
    head_name = models.CharField(_("tên chủ hộ"), max_length=150, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    members = models.PositiveSmallIntegerField(_("số nhân khẩu"), default=1)
    working_age = models.PositiveSmallIntegerField(_("số người trong độ tuổi lao động"), default=0)
    lat = models.FloatField(_("vĩ độ"), null=True, blank=True)
    lon = models.FloatField(_("kinh độ"), null=True, blank=True)
    consent = models.BooleanField(_("đồng ý lưu thông tin"), default=False)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    moved = models.BooleanField(_("đã chuyển đi"), default=False)
    # Denormalised for the phone's list (pull) and the maps: who was last here, and what was done.
    last_visited_at = models.DateTimeField(_("lần thăm gần nhất"), null=True, blank=True)
    last_outcome = models.CharField(_("kết quả lần thăm gần nhất"), max_length=20, blank=True)
    services_done = models.JSONField(_("dịch vụ đã hoàn thành"), default=list, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Label and head name folded for search ("nha ba tu" finds "Nhà bà Tư").
    search_name = models.CharField(max_length=400, blank=True, default="", editable=False)
    # Pull cursor: strictly increasing in commit order (see core.services.changes). Indexed only
    # after the village (household_pull_order): a pull is always within villages, and an index on
    # change_seq alone tempted the planner into reading every recent change in the country.
    change_seq = models.BigIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,  # only read when a user is deleted
    )
    device_id = models.CharField(_("mã thiết bị"), max_length=100, blank=True, editable=False)
    # Which version last changed each editable field, who and when (core.services.households.stamped):
    # a phone's edit made from an older version is merged field by field against it (push). Shape:
    # {"since": version tracking began, "fields": {name: {"v": version, "by": user id, "name": display
    # name, "at": ISO instant}}}. Names of members, never a household's values.
    field_stamps = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_demo = models.BooleanField(_("dữ liệu mẫu"), default=False)

    class Meta:
        verbose_name = _("hộ gia đình")
        verbose_name_plural = _("hộ gia đình")
        indexes = [
            models.Index(fields=["village", "moved"], name="household_village_moved"),
            # Pull walks households in (change_seq, id) order within a scope.
            models.Index(fields=["village", "change_seq", "id"], name="household_pull_order"),
        ]

    def __str__(self) -> str:
        return self.label


class VisitKey(models.Model):
    """Every stored visit's id, alone: what keeps visit ids unique across the history's partitions.

    On PostgreSQL visits are partitioned by province (``history_partitions.py``), and a partitioned
    table's unique keys must hold its partition key, so the visits' own key is ``(id, province)``. The
    push inserts here first (``ON CONFLICT DO NOTHING``): a retry finds its id taken whatever province it
    claims, so it is never stored twice. Kept when the visit is erased with its household: the id holds
    nothing personal, and a late retry of an erased visit is never stored again.
    """

    id = models.UUIDField(primary_key=True, editable=False)

    class Meta:
        verbose_name = _("mã lượt thăm")
        verbose_name_plural = _("mã lượt thăm")

    def __str__(self) -> str:
        return str(self.id)


class Visit(models.Model):
    """One knock on one door. Immutable once stored: corrections are new visits.

    Stored in one partition per province on PostgreSQL (``history_partitions.py``): ``province`` is
    copied from the village at ingest and every query that knows its villages names it too, so only that
    province's partition is read.
    """

    id = models.UUIDField(primary_key=True, editable=False)
    # The partition key: not indexed on its own, each partition holds one province.
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("tỉnh"), db_index=False
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="visits", verbose_name=_("hộ")
    )
    # Copied from the household at ingest so coverage queries group without a join. Visits are the
    # largest table and arrive 200 at a time, so each index is paid for on every push: village and
    # volunteer are served by the composite indexes below, and team is not queried by itself.
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("thôn"), db_index=False
    )
    volunteer = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="visits", verbose_name=_("thành viên"), db_index=False
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tổ"),
        db_index=False,
    )
    device_id = models.CharField(_("mã thiết bị"), max_length=100, blank=True)
    visited_at = models.DateTimeField(_("thời điểm thăm"))
    lat = models.FloatField(_("vĩ độ"), null=True, blank=True)
    lon = models.FloatField(_("kinh độ"), null=True, blank=True)
    accuracy_m = models.FloatField(_("độ chính xác GPS (m)"), null=True, blank=True)
    distance_m = models.FloatField(_("cách vị trí hộ (m)"), null=True, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=20, choices=Outcome.choices)
    notes = models.TextField(_("ghi chú"), blank=True)
    flags = models.JSONField(_("cảnh báo"), default=list, blank=True)
    is_flagged = models.BooleanField(_("có cảnh báo"), default=False)
    # Out of every total until a leader confirms it (core.counting.visit_held sets it).
    held = models.BooleanField(_("đang giữ lại chờ xem"), default=False)
    review = models.CharField(_("xem xét"), max_length=10, choices=Review.choices, blank=True, default="")
    content_hash = models.CharField(max_length=64, editable=False)
    received_at = models.DateTimeField(auto_now_add=True)
    is_demo = models.BooleanField(_("dữ liệu mẫu"), default=False)

    class Meta:
        verbose_name = _("lượt thăm hộ")
        verbose_name_plural = _("lượt thăm hộ")
        indexes = [
            models.Index(fields=["village", "household"], name="visit_village_household"),
            models.Index(fields=["visited_at"], name="visit_visited_at"),
            models.Index(fields=["volunteer", "visited_at"], name="visit_volunteer_time"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} @ {self.visited_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        # One visit at a time (the admin, tests): the province always follows the village, by the one
        # rule every writer uses (core/visit_province.py), whatever the caller set.
        from core.counting import visit_held
        from core.visit_province import village_provinces

        self.is_flagged = bool(self.flags)
        self.held = visit_held(flags=self.flags, review=self.review)
        self.province_id = village_provinces([self.village_id])[self.village_id]
        if self._state.adding:
            VisitKey.objects.get_or_create(id=self.id)
        super().save(*args, **kwargs)


class VisitReview(models.Model):
    """One leader's decision on one flagged visit: who, when, what and why, kept for good."""

    id = models.BigAutoField(primary_key=True)
    # The visit by its id alone: visits are partitioned by province (their key is (id, province)).
    visit_id = models.UUIDField(_("lượt thăm"), db_index=True)
    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, related_name="+", verbose_name=_("thôn"), db_index=False
    )
    decision = models.CharField(_("quyết định"), max_length=10, choices=Review.choices)
    reason = models.TextField(_("lý do"), blank=True)
    flags = models.JSONField(_("cảnh báo"), default=list)
    reviewed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("người xem xét")
    )
    reviewed_at = models.DateTimeField(_("lúc xem xét"), auto_now_add=True)

    class Meta:
        verbose_name = _("xem xét lượt thăm")
        verbose_name_plural = _("xem xét lượt thăm")
        indexes = [models.Index(fields=["village", "reviewed_at"], name="visitreview_village_time")]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.decision}"


class HouseholdExit(models.Model):
    """A household left some scope: its village went to another team, it moved village, or it was erased.

    Pull reads these to tell phones which households to drop (``removed``).
    """

    household_id = models.UUIDField(db_index=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    erased = models.BooleanField(default=False)
    change_seq = models.BigIntegerField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hộ rời phạm vi")
        verbose_name_plural = _("hộ rời phạm vi")

    def __str__(self) -> str:
        return f"{self.household_id} ← {self.team_id or self.commune_id}"


class ErasedHousehold(models.Model):
    """A household erased on a resident's request: its id alone, so that it stays erased.

    A phone that had not pulled since may send the household, an edit or a visit again; push answers
    each with the final status ``erased`` (the phone drops it) instead of storing it anew or asking
    for a retry. Nothing personal is kept: the id (random, made on a phone), when, and the village and
    province it was in, to route it like any field record.
    """

    household_id = models.UUIDField(_("mã hộ"), primary_key=True, editable=False)
    erased_at = models.DateTimeField(_("xóa lúc"), default=timezone.now, editable=False)
    village_code = models.CharField(_("mã thôn"), max_length=16, editable=False)
    province_code = models.CharField(_("mã tỉnh"), max_length=2, editable=False)

    class Meta:
        verbose_name = _("hộ đã xóa theo yêu cầu")
        verbose_name_plural = _("hộ đã xóa theo yêu cầu")

    def __str__(self) -> str:
        return str(self.household_id)


class SyncClock(models.Model):
    """One row: the change counter on databases whose writers are serialized (SQLite), and the random
    half of the history's epoch.

    PostgreSQL stamps changes with the writing transaction's id instead (see services/changes.py).
    """

    value = models.BigIntegerField(default=0)
    # Names this database's change history in pull cursors (services/changes.py ``sync_epoch``).
    epoch = models.UUIDField(default=uuid.uuid4, editable=False)

    def __str__(self) -> str:
        return str(self.value)


class HelpItem(models.Model):
    # Reached through its visit: the unique (visit, service) index serves every query, so the foreign
    # keys carry no index of their own (two fewer index writes for each of a push's 400 help items).
    # On PostgreSQL the foreign key to the visit is (visit, province), to the partitioned visits' key;
    # Django's own constraint could only name the id, so it is made by the migration instead.
    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="help_items", db_index=False, db_constraint=False
    )
    # The visit's province: help items are partitioned with their visits. No constraint of its own: the
    # (visit, province) key above already holds it to a stored visit's province, which the visit's own
    # key holds to a real province; a second check would cost a lookup for each of a push's 400 help
    # items.
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tỉnh"),
        db_index=False,
        db_constraint=False,
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("dịch vụ"), db_index=False
    )
    result = models.CharField(_("kết quả"), max_length=10, choices=HelpResult.choices)
    people = models.PositiveSmallIntegerField(_("số người được hướng dẫn"), default=1)

    class Meta:
        verbose_name = _("nội dung hỗ trợ")
        verbose_name_plural = _("nội dung hỗ trợ")
        # The province last: it is there because a partitioned table's unique keys must hold it, and
        # lookups by visit alone still use the index.
        constraints = [
            models.UniqueConstraint(fields=["visit", "service", "province"], name="helpitem_one_per_service")
        ]

    def __str__(self) -> str:
        return f"{self.service_id}: {self.result} ({self.people})"

    def save(self, *args, **kwargs):
        if self.province_id is None:
            self.province_id = Visit.objects.values_list("province_id", flat=True).get(id=self.visit_id)
        super().save(*args, **kwargs)


class FollowUp(models.Model):
    """A pending help item (e.g. VNeID level 2 awaiting police approval) the team must come back for."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="followups")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="followups")
    # No database constraints to the partitioned visits (their key is (id, province)); the ORM
    # cascades, and visits are only ever deleted with their household, whose follow-ups go first.
    opened_by = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    since = models.DateTimeField(_("từ ngày"))
    due = models.DateField(_("hạn"))
    closed_by = models.ForeignKey(
        Visit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False
    )
    closed_at = models.DateTimeField(_("đã đóng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("việc cần theo dõi")
        verbose_name_plural = _("việc cần theo dõi")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "service"],
                condition=models.Q(closed_at__isnull=True),
                name="followup_one_open_per_household_service",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} / {self.service_id} → {self.due}"


class GroupSession(models.Model):
    """A class at the village hall: counted by attendance, not by household."""

    id = models.UUIDField(primary_key=True, editable=False)
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="group_sessions")
    volunteer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="group_sessions")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    device_id = models.CharField(_("mã thiết bị"), max_length=100, blank=True)
    held_at = models.DateTimeField(_("thời điểm tổ chức"))
    services = models.JSONField(_("dịch vụ"), default=list)
    attendees = models.PositiveIntegerField(_("số người tham dự"))
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, editable=False)
    received_at = models.DateTimeField(auto_now_add=True)
    is_demo = models.BooleanField(_("dữ liệu mẫu"), default=False)

    class Meta:
        verbose_name = _("buổi hướng dẫn tập trung")
        verbose_name_plural = _("buổi hướng dẫn tập trung")

    def __str__(self) -> str:
        return f"{self.village_id} @ {self.held_at:%Y-%m-%d %H:%M} ({self.attendees})"


class HandoffReason(models.TextChoices):
    ERASED = "erased", _("Hộ đã bị xóa theo yêu cầu của người dân")
    OUTSIDE = "outside", _("Hộ không còn thuộc các thôn của tổ")
    STORED = "stored", _("Máy chủ đã lưu bản khác")
    OTHER = "other", _("Lý do khác")


class Handoff(models.Model):
    """An item the server could not place, handed by a volunteer to their team leader as a note.

    The phone makes the id (its idempotency key: a resend never makes a second note). Kept: the
    household's label as the phone showed it, when the item was recorded, what it recorded (outcome),
    the volunteer's note and the server's reason. Never a citizen ID number; all of it is plain text.
    Seen by the volunteer's team leader and commune leader (leaders' commune page).
    """

    id = models.UUIDField(primary_key=True, editable=False)
    volunteer = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+", verbose_name=_("người gửi")
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", verbose_name=_("tổ"))
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+", verbose_name=_("xã"))
    household_id = models.UUIDField(_("mã hộ"), null=True, blank=True)
    household_label = models.CharField(_("nhãn hộ"), max_length=200)
    kind = models.CharField(_("loại mục"), max_length=20)
    recorded_at = models.DateTimeField(_("ghi lúc"))
    outcome = models.CharField(_("kết quả"), max_length=20, choices=Outcome.choices, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    reason = models.CharField(_("lý do"), max_length=20, choices=HandoffReason.choices)
    reason_text = models.CharField(_("lời máy chủ"), max_length=500, blank=True)
    content_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("gửi lúc"), auto_now_add=True)
    handled_at = models.DateTimeField(_("đã xử lý lúc"), null=True, blank=True)
    handled_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người xử lý"),
    )

    class Meta:
        verbose_name = _("mục chuyển tổ trưởng")
        verbose_name_plural = _("mục chuyển tổ trưởng")
        indexes = [models.Index(fields=["commune", "created_at"], name="handoff_commune_time")]

    def __str__(self) -> str:
        return f"{self.household_label} ({self.reason})"
