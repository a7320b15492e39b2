"""Sheets of members and villages, checked row by row, then stored all or nothing.

One path for every way in: the browser (an ``ImportJob`` checked and stored by a Celery task) and the
command line (``import_members``, ``import_villages``) both call ``members_check`` / ``members_import``
and ``villages_check`` / ``villages_import``; the writes go through ``core.services.members`` and
``core.services.villages``, so every change lands in the audit trail.

A check never writes. It returns a ``Preview``: each row with what it will do and its errors, named by
field, in Vietnamese. An import checks again inside its transaction and stores nothing when any row is
wrong (``ImportRejected`` lists the rows). Scope decides which communes a sheet may touch and which
roles it may give: rows outside it are row errors.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Generic, TypeVar

from django.db import transaction
from django.utils.translation import gettext as _

from backend.text import search_key
from core.models import Commune, Province, Role, Team, User, Village
from core.scope import Kind, Scope
from core.services.area_names import PROVINCE_UNITS, AreaMatch, AreaNames, area_shown
from core.services.assignments import villages_assign_teams
from core.services.imports import ImportRejected, ImportReport
from core.services.members import (
    ROLE_AREA,
    ROLE_WITHOUT_AREA,
    member_reset_password,
    member_update,
    members_create,
    one_time_password,
    role_from_text,
    team_create,
    teams_create,
)
from core.services.villages import (
    HOUSEHOLDS_MAX,
    VILLAGE_CODE,
    VILLAGE_NAME_MAX,
    VillageNumber,
    VillagesPlanned,
    report_count,
    village_ambiguous,
    village_numbering,
    village_store,
    villages_geo_import,
)
from onboarding.sheets import MEMBERS, VILLAGES, Sheet, field_label, phone_number, read_sheet

Progress = Callable[[int, int], None]
REQUIRED = {MEMBERS: ("full_name",), VILLAGES: ("name",)}
# In a job's answers, beside the rows ("12": {"phone": "lan.nt"}): the roles unknown titles were said to
# be, for every row that writes the same title ({"titles": {"pho chu tich ubnd xa": "commune_leader"}}).
TITLES = "titles"
USERNAME = re.compile(r"^[\w.@+-]{1,150}$")
T = TypeVar("T")
RowT = TypeVar("RowT", "MemberRow", "VillageRow")


@dataclass
class RowCheck:
    number: int
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    action: str = ""  # create | update | unchanged
    # What the person must say before the row can be stored: field → {"text", "options": [[value, label]]}.
    questions: dict[str, dict] = field(default_factory=dict)
    # What storing changes: [what, before, after] each (a member's phone, a village's team…).
    changes: list[list[str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "values": self.values,
            "errors": self.errors,
            "action": self.action,
            "questions": self.questions,
            "changes": self.changes,
        }


@dataclass
class Preview:
    kind: str
    mapping: dict[int, str]
    rows: list[RowCheck]
    notices: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # required fields no column was mapped to
    teams_new: list[str] = field(default_factory=list)  # the teams storing creates, "Tổ … (Xã …)"
    plan: "MembersPlan | VillagesPlan | None" = field(default=None, repr=False)

    @property
    def bad_rows(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def open_questions(self) -> int:
        return sum(1 for row in self.rows if row.questions and not row.errors)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.bad_rows and not self.open_questions and bool(self.rows)

    def problems(self) -> list[str]:
        lines = [_("Thiếu cột: %(column)s") % {"column": field_label(name)} for name in self.missing]
        if not self.rows and not self.missing:
            lines.append(_("Bảng không có dòng dữ liệu nào."))
        for row in self.rows:
            for name, question in row.questions.items():
                if not row.errors:
                    lines.append(
                        _("dòng %(row)d: %(field)s: %(message)s")
                        % {"row": row.number, "field": field_label(name), "message": question["text"]}
                    )
            for name, message in row.errors.items():
                label = field_label(name) if name else ""
                lines.append(
                    _("dòng %(row)d: %(field)s: %(message)s")
                    % {"row": row.number, "field": label, "message": message}
                    if label
                    else _("dòng %(row)d: %(message)s") % {"row": row.number, "message": message}
                )
        return lines

    def counts(self) -> dict[str, int]:
        counts = {
            "create": 0,
            "update": 0,
            "unchanged": 0,
            "errors": self.bad_rows,
            "questions": self.open_questions,
            "rows": len(self.rows),
        }
        for row in self.rows:
            if not row.errors and not row.questions and row.action:
                counts[row.action] += 1
        return counts

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "mapping": {str(index): name for index, name in self.mapping.items()},
            "notices": self.notices,
            "missing": [field_label(name) for name in self.missing],
            "counts": self.counts(),
            "teams_new": self.teams_new,
            "rows": [row.as_dict() for row in self.rows],
        }


def sheet_notices(sheet: Sheet) -> list[str]:
    if not sheet.dropped:
        return []
    return [
        _("Đã bỏ cột %(columns)s: số định danh công dân không bao giờ được lưu.")
        % {"columns": ", ".join(f"“{header}”" for header in sheet.dropped)}
    ]


def _values(sheet: Sheet, mapping: dict[int, str]):
    for number, cells in sheet.rows:
        yield number, {name: (cells[index] if index < len(cells) else "") for index, name in mapping.items()}


class _Areas:
    """Communes, provinces and villages a scope may touch, fetched once and matched by code or name
    (``core.services.area_names``: the rule every sheet naming areas follows)."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.provinces = {p.code: p for p in Province.objects.filter(scope.provinces())}
        self.province_names = AreaNames(self.provinces.values(), units=PROVINCE_UNITS, code_width=2)
        communes = Commune.objects.filter(scope.whole_communes()).only(
            "code", "name", "full_name", "province_id"
        )
        self.communes = {c.code: c for c in communes}
        self.commune_names = AreaNames(self.communes.values())
        self._villages: dict[str, list[Village]] = {}
        self.village_names = VillagesPlanned(lambda code: self.villages_of(self.communes[code]))

    def province(self, value: str) -> Province | None:
        return self.province_names.match(value).area

    def commune(self, value: str, province: Province | None) -> tuple[Commune | None, str, str]:
        """The commune a cell names and how the preview shows it (with the pre-2025 name the cell used,
        if it did), or None, why and ""."""
        match = self.commune_names.match(
            value, where=None if province is None else lambda c: c.province_id == province.code
        )
        if match.area is not None:
            return match.area, "", area_shown(match)
        if match.by_code:
            return None, _("không có xã mã %(code)s trong phạm vi của bạn.") % {"code": match.text}, ""
        codes = ", ".join(f"{c.full_name} {c.code}" for c in match.candidates[:5])
        if match.former_split:
            return (
                None,
                _("“%(name)s” là tên trước 2025, nay thuộc nhiều xã (%(codes)s): hãy ghi mã xã.")
                % {"name": match.former, "codes": codes},
                "",
            )
        if match.ambiguous:
            return (
                None,
                _("tên “%(name)s” trùng nhiều xã (%(codes)s): hãy ghi mã xã.")
                % {"name": value, "codes": codes},
                "",
            )
        return (
            None,
            _("không có xã “%(name)s” trong phạm vi của bạn.") % {"name": value} + _similar(match),
            "",
        )

    def default_commune(self) -> Commune | None:
        return self.communes.get(self.scope.commune) if self.scope.commune else None

    def villages_of(self, commune: Commune) -> list[Village]:
        if commune.code not in self._villages:
            self._villages[commune.code] = list(Village.objects.filter(commune=commune))
        return self._villages[commune.code]

    def village(self, value: str, commune: Commune) -> AreaMatch[Village]:
        """The village of the commune a cell names, by code ("21025-03" or "03") or by name
        (``core.services.area_names.VillageNames``)."""
        return self.village_names.stored_of(commune.code).match(value)


def _similar(match: AreaMatch[Commune]) -> str:
    """The communes a name not found is near (same letters, other marks), for the person to choose."""
    if not match.similar:
        return ""
    return " " + _("Có phải: %(communes)s?") % {
        "communes": ", ".join(f"{c.full_name} ({c.code})" for c in match.similar[:5])
    }


# --- members ------------------------------------------------------------------------------------------------
#
# A members sheet is checked in two steps: ``_member_row`` checks one row on its own (its cells against
# the database and the scope), then ``_MembersSheet`` folds the rows in order, for what a row means
# only beside the rows above it (the team a village was given, a username or person listed twice).
# Usernames for rows without one come last, once every row is known.


@dataclass(frozen=True)
class _Checked(Generic[T]):
    """A cell's value, and its errors by field (empty when the cell is fine)."""

    value: T
    errors: Mapping[str, str] = field(default_factory=dict)
    shown: str = ""  # the value as the preview shows it, when that is not the cell as written


@dataclass(frozen=True)
class MemberRow:
    """One row of a members sheet, checked: the member it will store, or its errors by field.
    ``values`` is what the preview shows: the cells as written, with what the check found."""

    number: int
    values: Mapping[str, str]
    errors: Mapping[str, str]
    full_name: str = ""
    phone: str = ""
    role: str = Role.VOLUNTEER
    province: str | None = None
    commune: str | None = None
    commune_name: str = ""  # its full name (``values`` may show it after the pre-2025 name the sheet used)
    team_name: str = ""
    villages: tuple[Village, ...] = ()
    username: str = ""
    existing: User | None = None
    action: str = ""  # create | update | unchanged
    notice: str = ""  # a cell the row leaves out, said in the preview before anything is stored
    questions: Mapping[str, Mapping] = field(default_factory=dict)  # what the person must answer first
    changes: tuple[tuple[str, str, str], ...] = ()  # [what, before, after]

    @property
    def team_key(self) -> tuple[str, str] | None:
        return (self.commune, search_key(self.team_name)) if self.team_name and self.commune else None

    def checked(self) -> RowCheck:
        return RowCheck(
            number=self.number,
            values=dict(self.values),
            errors=dict(self.errors),
            action=self.action,
            questions={name: dict(question) for name, question in self.questions.items()},
            changes=[list(change) for change in self.changes],
        )


@dataclass(frozen=True)
class MembersPlan:
    """What ``members_import`` stores: the checked rows, and the commune's teams by (commune, name key)."""

    rows: tuple[MemberRow, ...]
    teams: Mapping[tuple[str, str], Team]


@dataclass(frozen=True)
class _MembersContext:
    """What every row of one members sheet is checked against, read once."""

    areas: _Areas
    allowed_roles: frozenset[str]
    default_province: Province | None
    default_commune: Commune | None
    by_username: Mapping[str, User]  # users the sheet's usernames name, managed by the caller or not
    managed_ids: frozenset[int]  # of those, the ones the caller may change
    by_person: Mapping[tuple[str, str, str], User]  # (commune, name key, phone) → member, without usernames
    by_name: Mapping[tuple[str, str], tuple[User, ...]]  # (commune, name key) → members, without usernames
    teams: Mapping[tuple[str, str], Team]
    teams_by_id: Mapping[int, Team]
    answers: Mapping[int, Mapping[str, str]]  # row → field → what the person answered at preview
    title_roles: Mapping[str, str]  # a title the product did not know (folded) → the role it was said to be


@dataclass(frozen=True)
class _VillageClaim:
    """A village given to a team by a row above."""

    team_key: str  # the team's name, folded
    number: int
    team_name: str


def _with_errors(row: RowT, **errors: str) -> RowT:
    return replace(row, errors={**row.errors, **errors})


def _members_context(
    *, sheet: Sheet, scope: Scope, mapping: dict[int, str], answers: Mapping | None
) -> _MembersContext:
    areas = _Areas(scope)
    managed = User.objects.filter(scope.members())
    by_username: dict[str, User] = {}
    by_person: dict[tuple[str, str, str], User] = {}
    by_name: dict[tuple[str, str], list[User]] = defaultdict(list)
    if "username" in mapping.values():
        # A cell no username can hold (PostgreSQL refuses a NUL byte in a query) is looked up as nothing;
        # the row's own check names its error.
        usernames = [
            name
            for _n, values in _values(sheet, mapping)
            if (name := values.get("username", "")) and "\x00" not in name
        ]
        for start in range(0, len(usernames), 500):
            for user in User.objects.filter(username__in=usernames[start : start + 500]):
                by_username[user.username] = user
    else:
        members = managed.filter(commune_id__in=list(areas.communes)).only(
            "id",
            "username",
            "full_name",
            "phone",
            "role",
            "province_id",
            "commune_id",
            "team_id",
            "is_active",
        )
        for user in members:
            by_person.setdefault((user.commune_id, search_key(user.full_name), user.phone), user)
            by_name[(user.commune_id, search_key(user.full_name))].append(user)
    managed_ids = managed.filter(pk__in=[u.pk for u in by_username.values()]).values_list("pk", flat=True)
    teams = {
        (team.commune_id, team.search_name): team
        for team in Team.objects.filter(commune_id__in=list(areas.communes))
    }
    return _MembersContext(
        areas=areas,
        allowed_roles=frozenset(scope.manageable_roles),
        default_province=areas.provinces.get(scope.province) if scope.province else None,
        default_commune=areas.default_commune(),
        by_username=by_username,
        managed_ids=frozenset(managed_ids),
        by_person=by_person,
        by_name={key: tuple(users) for key, users in by_name.items()},
        teams=teams,
        teams_by_id={team.id: team for team in teams.values()},
        answers={int(row): dict(given) for row, given in (answers or {}).items() if row.isdigit()},
        title_roles=dict((answers or {}).get(TITLES, {})),
    )


def _full_name_errors(full_name: str) -> dict[str, str]:
    if not full_name:
        return {"full_name": _("thiếu họ và tên.")}
    if len(full_name) > 150:
        return {"full_name": _("dài quá 150 ký tự.")}
    return {}


def _phone_cell(text: str) -> _Checked[str]:
    if not text:
        return _Checked("")
    phone = phone_number(text) or ""
    if not phone:
        return _Checked("", {"phone": _("“%(value)s” không phải số điện thoại.") % {"value": text}})
    return _Checked(phone)


def _role_question(text: str, *, allowed: frozenset[str]) -> dict:
    return {
        "text": _("chức vụ “%(value)s” không rõ là vai trò nào: chọn vai trò, hoặc sửa trong tệp.")
        % {"value": text},
        "options": [[role.value, str(role.label)] for role in Role if role.value in allowed],
    }


def _role_cell(text: str, *, allowed: frozenset[str], answer: str = "") -> _Checked[str]:
    """The role a "Chức vụ" cell means; a title the product does not know is asked (``role_question``),
    never taken for a volunteer: the answer given at preview, else a question."""
    role = role_from_text(text)
    if role is None:
        if answer in allowed:
            return _Checked(answer)
        return _Checked(Role.VOLUNTEER)  # provisional, for the row's other checks; ``_member_row`` asks
    if role not in allowed:
        return _Checked(
            role, {"role": _("bạn không được giao vai trò “%(role)s”.") % {"role": Role(role).label}}
        )
    return _Checked(role)


@dataclass(frozen=True)
class _MemberArea:
    province: Province | None
    commune: Commune | None
    errors: Mapping[str, str]
    shown: str = ""  # the commune as the preview shows it


def _member_area(*, values: Mapping[str, str], role: str, context: _MembersContext) -> _MemberArea:
    """The row's province and commune (the caller's own when the sheet leaves them out); the ones its role
    needs, or errors."""
    errors: dict[str, str] = {}
    province = context.default_province
    if values.get("province"):
        province = context.areas.province(values["province"])
        if province is None:
            errors["province"] = _("không có tỉnh “%(value)s” trong phạm vi của bạn.") % {
                "value": values["province"]
            }
    commune = context.default_commune
    shown = commune.full_name if commune is not None else ""
    if values.get("commune"):
        commune, why, shown = context.areas.commune(values["commune"], province)
        if commune is None:
            errors["commune"] = why
    if commune is not None:
        province = context.areas.provinces.get(commune.province_id, province)
    area = ROLE_AREA[role]
    if area in ("team", "commune") and commune is None and "commune" not in errors:
        errors["commune"] = _("cần có xã.")
    if area == "province" and province is None and "province" not in errors:
        errors["province"] = _("cần có tỉnh.")
    return _MemberArea(province=province, commune=commune, errors=errors, shown=shown)


def _member_villages(*, text: str, commune: Commune, areas: _Areas) -> _Checked[tuple[Village, ...]]:
    """The villages a cell names ("Thôn 1, Thôn 2"), all of the row's commune."""
    villages: list[Village] = []
    for value in filter(None, (v.strip() for v in re.split(r"[,;\n]", text))):
        match = areas.village(value, commune)
        if match.area is None:
            why = (
                village_ambiguous(match)
                if match.ambiguous
                else _("không có thôn “%(value)s” trong %(commune)s (nhập thôn trước).")
                % {"value": value, "commune": commune.full_name}
            )
            return _Checked(tuple(villages), {"villages": why})
        villages.append(match.area)
    return _Checked(tuple(villages))


def _villages_ignored(*, number: int, values: Mapping[str, str], role: str) -> str:
    """Villages go to teams. A row whose role belongs to no team and names no team (a commune leader
    listed with the village they live in or look after) keeps its member and leaves the cell out, said
    in the preview: their scope is the whole commune whatever the cell says, and refusing the row would
    hold back the whole sheet for a cell that changes nothing."""
    text = values.get("villages", "").strip()
    if not text or ROLE_AREA[role] == "team" or values.get("team"):
        return ""
    return _(
        "dòng %(row)d: thôn chỉ giao cho tổ; %(role)s không thuộc tổ nào nên ô thôn “%(value)s” được bỏ qua."
    ) % {"row": number, "role": Role(role).label, "value": text}


def _member_row(*, number: int, values: Mapping[str, str], context: _MembersContext) -> MemberRow:
    """One row checked on its own: its cells against the database and the caller's scope."""
    full_name = values.get("full_name", "")
    phone = _phone_cell(values.get("phone", ""))
    answered = context.answers.get(number, {}).get("role") or context.title_roles.get(
        search_key(values.get("role", "")), ""
    )
    role = _role_cell(values.get("role", ""), allowed=context.allowed_roles, answer=answered)
    unknown_title = role_from_text(values.get("role", "")) is None and role.value != answered
    # Until an unknown title is answered, what the role needs (a team, a commune) is not asked of the row:
    # the cells it has are still checked, against an area no role requires.
    area = _member_area(
        values=values, role=ROLE_WITHOUT_AREA if unknown_title else role.value, context=context
    )
    notice = _villages_ignored(number=number, values=values, role=role.value)
    villages = (
        _Checked(())
        if notice or area.commune is None
        else _member_villages(text=values.get("villages", ""), commune=area.commune, areas=context.areas)
    )
    shown = {**values, "role": values.get("role", "") if unknown_title else str(Role(role.value).label)}
    if values.get("phone"):
        shown["phone"] = phone.value or values["phone"]
    if area.commune is not None:
        shown["commune"] = area.shown
    if villages.value:  # the villages the cell was read as, by code: what storing gives the team
        shown["villages"] = ", ".join(f"{v.name} ({v.code})" for v in villages.value)
    return MemberRow(
        number=number,
        values=shown,
        errors={
            **_full_name_errors(full_name),
            **phone.errors,
            **role.errors,
            **area.errors,
            **villages.errors,
        },
        full_name=full_name,
        phone=phone.value,
        role=role.value,
        province=area.province.code if area.province else None,
        commune=area.commune.code if area.commune else None,
        commune_name=area.commune.full_name if area.commune else "",
        team_name=values.get("team", ""),
        villages=villages.value,
        username=values.get("username", ""),
        notice=notice,
        questions={"role": _role_question(values["role"], allowed=context.allowed_roles)}
        if unknown_title
        else {},
    )


class _MembersSheet:
    """The rows of one sheet folded in order, each checked against the rows above it."""

    def __init__(self, context: _MembersContext):
        self.context = context
        self.usernames: dict[str, int] = {}  # username → row
        self.people: dict[tuple[str, str, str], int] = {}  # (commune, name key, phone) → row
        self.members: dict[int, int] = {}  # stored member → the row above that updates them
        self.claims: dict[str, _VillageClaim] = {}  # village code → the team a row above gave it

    def add(self, row: MemberRow) -> MemberRow:
        row = self._with_team(row)
        row = self._claim_villages(row)
        row = self._claim_username(row) if row.username else self._claim_person(row)
        return self._action(row)

    def _with_team(self, row: MemberRow) -> MemberRow:
        """A team member without a team joins the team of their first village, else one named after it."""
        if ROLE_AREA[row.role] != "team" or row.team_name:
            return row
        if not row.villages:
            if {"commune", "villages"} & set(row.errors) or "role" in row.questions:  # said already / asked
                return row
            return _with_errors(row, team=_("thành viên tổ cần có tổ (hoặc thôn phụ trách)."))
        first = row.villages[0]
        if first.code in self.claims:
            name = self.claims[first.code].team_name
        elif first.team_id in self.context.teams_by_id:
            name = self.context.teams_by_id[first.team_id].name
        else:
            name = _("Tổ CNSCĐ %(village)s") % {"village": first.name}
        return replace(row, team_name=name, values={**row.values, "team": name})

    def _claim_villages(self, row: MemberRow) -> MemberRow:
        team_key = row.team_key
        if team_key is None:  # no team, no villages (``_villages_ignored``)
            return row
        for village in row.villages:
            claim = self.claims.get(village.code)
            if claim and claim.team_key != team_key[1]:
                row = _with_errors(
                    row,
                    villages=_("thôn %(village)s (%(code)s) đã giao cho tổ khác ở dòng %(other)d.")
                    % {"code": village.code, "village": village.name, "other": claim.number},
                )
            else:
                self.claims[village.code] = _VillageClaim(
                    team_key=team_key[1], number=row.number, team_name=row.team_name
                )
        return row

    def _claim_username(self, row: MemberRow) -> MemberRow:
        username = row.username
        if not USERNAME.match(username):
            return _with_errors(row, username=_("chỉ dùng chữ không dấu, số và . @ + - _"))
        if username in self.usernames:
            return _with_errors(
                row, username=_("trùng với dòng %(other)d.") % {"other": self.usernames[username]}
            )
        self.usernames[username] = row.number
        existing = self.context.by_username.get(username)
        if existing is not None and existing.pk not in self.context.managed_ids:
            return _with_errors(
                row, username=_("tên đăng nhập “%(value)s” đã có người dùng.") % {"value": username}
            )
        return replace(row, existing=existing)

    def _claim_person(self, row: MemberRow) -> MemberRow:
        """Without usernames, a member is known by commune, name and phone."""
        if not row.full_name or row.commune is None:
            return row
        person = (row.commune, search_key(row.full_name), row.phone)
        if person in self.people:
            row = _with_errors(
                row,
                full_name=_("trùng người ở dòng %(other)d (cùng tên, số điện thoại).")
                % {"other": self.people[person]},
            )
        self.people[person] = row.number
        existing = self.context.by_person.get(person)
        if existing is None:
            existing, row = self._same_name(row)
        if existing is None:
            return row
        if existing.pk in self.members:
            return _with_errors(
                row,
                full_name=_("dòng %(other)d đã là %(username)s.")
                % {"other": self.members[existing.pk], "username": existing.username},
            )
        self.members[existing.pk] = row.number
        return replace(
            row,
            existing=existing,
            username=existing.username,
            values={**row.values, "username": existing.username},
        )

    def _same_name(self, row: MemberRow) -> tuple[User | None, MemberRow]:
        """A stored member of the commune with the row's name but another phone (or none) may be the same
        person with a new number: never a second account unasked. The answer given at preview (their
        username, or "new") decides; without one the row asks."""
        candidates = self.context.by_name.get((row.commune, search_key(row.full_name)), ())
        if not candidates:
            return None, row
        answer = self.context.answers.get(row.number, {}).get("phone", "")
        if answer == "new":
            return None, row
        chosen = next((user for user in candidates if user.username == answer), None)
        if chosen is not None:
            return chosen, row
        options = [
            [
                user.username,
                _("Cùng người: cập nhật tài khoản %(username)s (số cũ: %(phone)s)")
                % {"username": user.username, "phone": user.phone or _("không có")},
            ]
            for user in candidates
        ]
        options.append(["new", _("Người khác: tạo tài khoản mới")])
        question = {
            "text": _("xã đã có %(name)s với số điện thoại khác: có phải cùng một người?")
            % {"name": row.full_name},
            "options": options,
        }
        return None, replace(row, questions={**row.questions, "phone": question})

    def _action(self, row: MemberRow) -> MemberRow:
        """Create, update or unchanged, with what storing changes: the member's fields, old → new, and the
        villages that move to the row's team from another one."""
        team = self.context.teams.get(row.team_key) if row.team_key else None
        changes = list(self._village_moves(row, team))
        existing = row.existing
        if existing is None:
            return replace(row, action="create", changes=tuple(changes))
        # The stored fields against the row's (a data comparison, not an access check).
        areas = self.context.areas
        for name, before, after in (
            ("full_name", existing.full_name, row.full_name),
            ("phone", existing.phone, row.phone),
            ("role", existing.role, row.role),
            ("commune", existing.commune_id, row.commune),
        ):
            if before != after:
                if name == "role":
                    before, after = Role(before).label, Role(after).label
                if name == "commune":
                    before, after = (
                        areas.communes[c].full_name if c in areas.communes else c or ""
                        for c in (before, after)
                    )
                changes.append((field_label(name), str(before or "—"), str(after or "—")))
        if row.team_key is not None and (team is None or existing.team_id != team.id):
            before = self.context.teams_by_id.get(existing.team_id)
            changes.append((field_label("team"), before.name if before else "—", row.team_name))
        same = not changes and all(
            v.team_id is not None and team is not None and v.team_id == team.id for v in row.villages
        )
        return replace(row, action="unchanged" if same else "update", changes=tuple(changes))

    def _village_moves(self, row: MemberRow, team: Team | None):
        """The row's villages whose team storing changes: "Thôn 1 (21025-01)": old team → the row's."""
        for village in row.villages:
            if team is not None and village.team_id == team.id:
                continue
            before = self.context.teams_by_id.get(village.team_id)
            yield (
                f"{village.name} ({village.code})",
                before.name if before else _("(chưa giao tổ)"),
                row.team_name,
            )


def _username_base(full_name: str) -> str:
    """ "Nguyễn Thị Lan" → "lan.nt": the given name, then the initials of the others, in ASCII."""
    words = [re.sub(r"[^a-z0-9]", "", word) for word in search_key(full_name).split()]
    words = [word for word in words if word]
    if not words:
        return "thanhvien"
    return ".".join(filter(None, [words[-1], "".join(word[0] for word in words[:-1])]))[:140]


def _free_usernames(*, full_names: list[str], taken: set[str]) -> list[str]:
    """A username per name, unique among members, ``taken`` and each other (lan.nt, lan.nt2…)."""
    if not full_names:
        return []
    taken = set(taken)
    bases: dict[str, int] = defaultdict(int)
    for name in full_names:
        bases[_username_base(name)] += 1
    candidates = [f"{base}{n if n > 1 else ''}" for base, count in bases.items() for n in range(1, count + 4)]
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        taken.update(User.objects.filter(username__in=chunk).values_list("username", flat=True))
    usernames = []
    for name in full_names:
        base = _username_base(name)
        number = 1
        while (candidate := f"{base}{number if number > 1 else ''}") in taken:
            number += 1
            if number > bases[base] + 3 and User.objects.filter(username=candidate).exists():
                taken.add(candidate)
        taken.add(candidate)
        usernames.append(candidate)
    return usernames


def _with_usernames(rows: list[MemberRow]) -> list[MemberRow]:
    """Rows without a username, and without errors, get a free one."""
    wanted = [index for index, row in enumerate(rows) if not row.username and not row.errors]
    usernames = _free_usernames(
        full_names=[rows[index].full_name for index in wanted],
        taken={row.username for row in rows if row.username},
    )
    rows = list(rows)
    for index, username in zip(wanted, usernames, strict=True):
        rows[index] = replace(
            rows[index], username=username, values={**rows[index].values, "username": username}
        )
    return rows


def usernames_for(*, full_names: list[str]) -> list[str]:
    """Free usernames made from names ("Nguyễn Thị Lan" → "lan.nt", then "lan.nt2"…)."""
    return _free_usernames(full_names=full_names, taken=set())


def members_check(
    *,
    sheet: Sheet,
    scope: Scope,
    mapping: dict[int, str] | None = None,
    answers: Mapping | None = None,
    progress: Progress | None = None,
) -> Preview:
    """Every row of a members sheet checked against the database and the caller's scope; nothing written.
    ``answers`` ({row: {field: value}}, and ``TITLES``) are what the person said to the preview's
    questions."""
    mapping = sheet.detected_mapping(MEMBERS) if mapping is None else mapping
    preview = Preview(kind=MEMBERS, mapping=mapping, rows=[], notices=sheet_notices(sheet))
    preview.missing = [name for name in REQUIRED[MEMBERS] if name not in mapping.values()]
    if preview.missing:
        return preview
    context = _members_context(sheet=sheet, scope=scope, mapping=mapping, answers=answers)
    fold = _MembersSheet(context)
    rows: list[MemberRow] = []
    total = len(sheet.rows)
    for index, (number, values) in enumerate(_values(sheet, mapping)):
        if progress and index % 500 == 0:
            progress(index, total)
        rows.append(fold.add(_member_row(number=number, values=values, context=context)))
    rows = _with_usernames(rows)
    preview.rows = [row.checked() for row in rows]
    preview.notices.extend(row.notice for row in rows if row.notice)
    preview.teams_new = _teams_new(rows=rows, teams=context.teams, areas=context.areas)
    preview.plan = MembersPlan(rows=tuple(rows), teams=context.teams)
    if progress:
        progress(total, total)
    return preview


@dataclass
class MembersReport(ImportReport):
    passwords: list[tuple[str, str, str]] = field(default_factory=list)  # username, full name, password
    new_members: list[tuple[str, str]] = field(default_factory=list)  # username, full name
    teams_created: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    places: dict[str, tuple[str, str]] = field(default_factory=dict)  # username → (commune, team) names

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "teams_created": self.teams_created,
        }


def _teams_new(*, rows: list[MemberRow], teams: Mapping[tuple[str, str], Team], areas: _Areas) -> list[str]:
    """The teams storing the sheet creates, as the preview names them: "Tổ CNSCĐ Phú Lộc (Phường …)"."""
    new: dict[tuple[str, str], str] = {}
    for row in rows:
        if row.team_key and row.team_key not in teams and not row.errors:
            new.setdefault(row.team_key, f"{row.team_name} ({areas.communes[row.commune].full_name})")
    return list(new.values())


def preview_differs(
    *, preview: Preview, expected: Mapping[int, tuple[str, str]], key: str = "username"
) -> list[str]:
    """Rows whose ``key`` (a member's username, a village's code) or action changed since the preview
    the person confirmed (someone took a username meanwhile, a village was added): what is stored must be
    what was shown."""
    problems = []
    for row in preview.rows:
        shown = expected.get(row.number)
        now = (row.values.get(key, ""), row.action)
        if shown is not None and tuple(shown) != now:
            problems.append(
                _("dòng %(row)d: đã đổi từ lúc xem trước (%(before)s → %(after)s): hãy kiểm tra lại.")
                % {
                    "row": row.number,
                    "before": " ".join(filter(None, shown)),
                    "after": " ".join(filter(None, now)),
                }
            )
    return problems


def _teams_for(
    *, rows: tuple[MemberRow, ...], teams: Mapping[tuple[str, str], Team], actor: User | None
) -> dict:
    """The sheet's teams, those it names that the commune does not have yet created."""
    teams = dict(teams)
    missing: dict[tuple[str, str], str] = {}
    for row in rows:
        if row.team_key and row.team_key not in teams:
            missing.setdefault(row.team_key, row.team_name)
    for team in teams_create(teams=[(key[0], name) for key, name in missing.items()], actor=actor):
        teams[(team.commune_id, team.search_name)] = team
    return teams


def _members_apply(
    *,
    plan: MembersPlan,
    actor: User | None,
    password_for: Callable[[str], str],
    reset_passwords: bool,
    keep_passwords: bool,
    progress: Progress | None,
) -> MembersReport:
    teams = _teams_for(rows=plan.rows, teams=plan.teams, actor=actor)
    report = MembersReport(teams_created=len(teams) - len(plan.teams))
    assignments: dict[str, Team] = {}
    new_members: list[User] = []
    passwords: dict[str, str] = {}
    total = len(plan.rows)
    for index, row in enumerate(plan.rows):
        if progress and index % 500 == 0:
            progress(index, total)
        team = teams.get(row.team_key) if row.team_key else None
        assignments.update({v.code: team for v in row.villages if team is not None and v.team_id != team.id})
        fields = {
            "full_name": row.full_name,
            "phone": row.phone,
            "role": row.role,
            "province_id": row.province,
            "commune_id": row.commune,
            "team_id": team.id if team else None,
        }
        if row.existing is None:
            new_members.append(User(username=row.username, **fields))
            passwords[row.username] = password_for(row.username)
            report.created += 1
            continue
        changed = member_update(member=row.existing, **fields)
        if reset_passwords:
            passwords[row.existing.username] = _password_reset(member=row.existing, password_for=password_for)
            report.new_members.append((row.existing.username, row.existing.full_name))
            changed = True
        if changed:
            report.updated += 1
        else:
            report.unchanged += 1
    villages_assign_teams(assignments=assignments, actor=actor)
    members_create(members=new_members, passwords=passwords, actor=actor, one_time=True)
    report.new_members.extend((member.username, member.full_name) for member in new_members)
    report.places = {
        row.username: (
            row.commune_name,
            teams[row.team_key].name if row.team_key else "",
        )
        for row in plan.rows
        if row.username in passwords
    }
    if keep_passwords:
        names = dict(report.new_members)
        report.passwords = [
            (username, names.get(username, ""), password) for username, password in passwords.items()
        ]
    if progress:
        progress(total, total)
    return report


def _password_reset(*, member: User, password_for: Callable[[str], str]) -> str:
    return member_reset_password(member=member, password=password_for(member.username))


def members_import(
    *,
    sheet: Sheet | None = None,
    path: Path | None = None,
    scope: Scope | None = None,
    mapping: dict[int, str] | None = None,
    actor: User | None = None,
    reset_passwords: bool = False,
    password_for: Callable[[str], str] | None = None,
    answers: Mapping | None = None,
    expected: Mapping[int, tuple[str, str]] | None = None,
    progress: Progress | None = None,
) -> MembersReport:
    """Check the sheet again and store every row, or nothing (``ImportRejected`` naming the rows).

    ``password_for(username)`` makes each new member's one-time password; by default a random one,
    returned in the report (the command line prints it). The browser derives them from a secret only
    the uploader's browser holds, and the report then carries none. ``expected`` ({row: (username,
    action)}) is the preview the person confirmed: a row that would now be stored otherwise rejects
    the sheet (``ImportRejected``) rather than storing what nobody saw.
    """
    if sheet is None:
        sheet = _sheet_from_path(Path(path))
    scope = scope or Scope(Kind.NATIONAL)
    with transaction.atomic():
        preview = members_check(sheet=sheet, scope=scope, mapping=mapping, answers=answers)
        if not preview.ok:
            raise ImportRejected(preview.problems())
        if expected is not None and (differs := preview_differs(preview=preview, expected=expected)):
            raise ImportRejected(differs)
        report = _members_apply(
            plan=preview.plan,
            actor=actor,
            password_for=password_for or (lambda _username: one_time_password()),
            reset_passwords=reset_passwords,
            keep_passwords=password_for is None,
            progress=progress,
        )
    report.ignored_columns = list(sheet.dropped)
    report.notes.extend(row.notice for row in preview.plan.rows if row.notice)
    return report


def _sheet_from_path(path: Path) -> Sheet:
    from onboarding.sheets import SheetError

    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportRejected([_("Không tìm thấy tệp %(name)s.") % {"name": path}]) from error
    try:
        return read_sheet(data=data, filename=path.name)
    except SheetError as error:
        raise ImportRejected([str(error)]) from error


# --- villages -----------------------------------------------------------------------------------------------
#
# As members: ``_village_row`` checks a row on its own, ``_VillagesSheet`` folds the rows in order
# (numbering new villages, refusing one listed twice).


@dataclass(frozen=True)
class VillageRow:
    """One row of a villages sheet, checked: the village it will store (``village`` when it is already
    stored; ``code`` empty until numbered), or its errors by field."""

    number: int
    values: Mapping[str, str]
    errors: Mapping[str, str]
    commune: str = ""
    code: str = ""
    name: str = ""
    households: int | None = None
    team_name: str = ""
    village: Village | None = None
    action: str = ""  # create | update | unchanged
    changes: tuple[tuple[str, str, str], ...] = ()  # [what, before, after]

    @property
    def team_key(self) -> tuple[str, str] | None:
        return (self.commune, search_key(self.team_name)) if self.team_name else None

    def checked(self) -> RowCheck:
        return RowCheck(
            number=self.number,
            values=dict(self.values),
            errors=dict(self.errors),
            action=self.action,
            changes=[list(change) for change in self.changes],
        )


@dataclass(frozen=True)
class VillagesPlan:
    """What ``villages_import`` stores: the rows without errors, and the communes' teams."""

    rows: tuple[VillageRow, ...]
    teams: Mapping[tuple[str, str], Team]


@dataclass(frozen=True)
class _VillagesContext:
    areas: _Areas
    default_province: Province | None
    default_commune: Commune | None
    teams: Mapping[tuple[str, str], Team]


def _households(text: str) -> int:
    """A household count as sheets write it ("1.200", "1 200")."""
    digits = text.replace(".", "").replace(",", "").replace(" ", "")
    if not digits.isascii() or not digits.isdigit() or int(digits) > HOUSEHOLDS_MAX:
        raise ValueError(text)
    return int(digits)


def _households_cell(text: str) -> _Checked[int | None]:
    if not text:
        return _Checked(None)
    try:
        return _Checked(_households(text))
    except ValueError:
        return _Checked(None, {"households": _("“%(value)s” không phải số hộ.") % {"value": text}})


def _village_name_errors(name: str) -> dict[str, str]:
    if not name:
        return {"name": _("thiếu tên thôn.")}
    if len(name) > VILLAGE_NAME_MAX:
        return {"name": _("dài quá 150 ký tự.")}
    return {}


def _village_commune(*, values: Mapping[str, str], context: _VillagesContext) -> _Checked[Commune | None]:
    if not values.get("commune"):
        if context.default_commune is None:
            return _Checked(None, {"commune": _("cần có xã.")})
        return _Checked(context.default_commune)
    commune, why, shown = context.areas.commune(values["commune"], context.default_province)
    return _Checked(commune, {"commune": why} if commune is None else {}, shown=shown)


def _village_row(*, number: int, values: Mapping[str, str], context: _VillagesContext) -> VillageRow:
    """One row checked on its own: its commune in the caller's scope, its name, household count and code,
    and the stored village it names (by code, else by name)."""
    commune = _village_commune(values=values, context=context)
    name = values.get("name", "")
    households = _households_cell(values.get("households", ""))
    row = VillageRow(
        number=number,
        values=dict(values),
        errors={**commune.errors, **_village_name_errors(name), **households.errors},
        name=name,
        households=households.value,
        team_name=values.get("team", ""),
    )
    if commune.value is None or row.errors:
        return row
    row = replace(
        row,
        commune=commune.value.code,
        values={**row.values, "commune": commune.shown or commune.value.full_name},
    )
    code = values.get("code", "")
    if code:
        code = code if "-" in code else f"{row.commune}-{code}"
        if not VILLAGE_CODE.match(code) or not code.startswith(f"{row.commune}-"):
            why = _("mã thôn %(code)s phải có dạng %(commune)s-NN.") % {"code": code, "commune": row.commune}
            return _with_errors(row, code=why)
    place = context.areas.village_names.place(commune=row.commune, name=name, code=code)
    if place.problem:
        return _with_errors(row, name=place.problem)
    return replace(row, code=place.code, name=place.name, village=place.village)


class _VillagesSheet:
    """The rows of one sheet folded in order: new villages numbered after the commune's stored ones, a
    village listed twice refused."""

    def __init__(self, context: _VillagesContext):
        self.context = context
        self.taken: set[str] = set()
        self.numbering: dict[str, Iterator[VillageNumber]] = {}

    def add(self, row: VillageRow) -> VillageRow:
        if row.errors or not row.commune:
            return row
        if row.commune not in self.numbering:
            commune = self.context.areas.communes[row.commune]
            self.taken.update(v.code for v in self.context.areas.villages_of(commune))
            self.numbering[row.commune] = village_numbering(commune=row.commune, taken=self.taken)
        names = self.context.areas.village_names
        first = names.repeated(commune=row.commune, name=row.name, code=row.code)
        if first is not None:
            return _with_errors(row, name=_("thôn lặp lại dòng %(other)d.") % {"other": first})
        if not row.code:
            row = replace(row, code=next(self.numbering[row.commune]).code)
        names.plan(commune=row.commune, name=row.name, code=row.code, row=row.number)
        self.taken.add(row.code)
        return self._action(replace(row, values={**row.values, "code": row.code}))

    def _action(self, row: VillageRow) -> VillageRow:
        """Create, update or unchanged, with what an update changes, old → new."""
        village = row.village
        if village is None:
            return replace(row, action="create")
        team = self.context.teams.get(row.team_key) if row.team_key else None
        changes = []
        if village.name != row.name:
            changes.append((field_label("name"), village.name, row.name))
        if row.households is not None and village.declared_households != row.households:
            before = village.declared_households
            changes.append(
                (field_label("households"), "—" if before is None else str(before), str(row.households))
            )
        if row.team_key is not None and (team is None or village.team_id != team.id):
            before = next((t for t in self.context.teams.values() if t.id == village.team_id), None)
            changes.append(
                (field_label("team"), before.name if before else _("(chưa giao tổ)"), row.team_name)
            )
        return replace(row, action="update" if changes else "unchanged", changes=tuple(changes))


def villages_check(
    *, sheet: Sheet, scope: Scope, mapping: dict[int, str] | None = None, progress: Progress | None = None
) -> Preview:
    """Every row of a villages sheet checked against the database and the caller's scope; nothing written."""
    mapping = sheet.detected_mapping(VILLAGES) if mapping is None else mapping
    preview = Preview(kind=VILLAGES, mapping=mapping, rows=[], notices=sheet_notices(sheet))
    preview.missing = [name for name in REQUIRED[VILLAGES] if name not in mapping.values()]
    if preview.missing:
        return preview
    areas = _Areas(scope)
    context = _VillagesContext(
        areas=areas,
        default_province=areas.provinces.get(scope.province) if scope.province else None,
        default_commune=areas.default_commune(),
        teams={
            (team.commune_id, team.search_name): team
            for team in Team.objects.filter(commune_id__in=list(areas.communes))
        },
    )
    fold = _VillagesSheet(context)
    rows = [
        fold.add(_village_row(number=number, values=values, context=context))
        for number, values in _values(sheet, mapping)
    ]
    preview.rows = [row.checked() for row in rows]
    new_teams: dict[tuple[str, str], str] = {}
    for row in rows:
        if row.action and row.team_key and row.team_key not in context.teams:
            new_teams.setdefault(row.team_key, f"{row.team_name} ({areas.communes[row.commune].full_name})")
    preview.teams_new = list(new_teams.values())
    preview.plan = VillagesPlan(rows=tuple(row for row in rows if row.action), teams=context.teams)
    return preview


def villages_import(
    *,
    sheet: Sheet | None = None,
    path: Path | None = None,
    scope: Scope | None = None,
    mapping: dict[int, str] | None = None,
    actor: User | None = None,
    expected: Mapping[int, tuple[str, str]] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Store every village of the sheet, or nothing. GeoJSON with boundaries goes the boundary way.
    ``expected`` ({row: (code, action)}): the preview confirmed, as for members."""
    if (
        sheet is None
        and path is not None
        and Path(path).suffix.lower() in (".geojson", ".json", ".gpkg", ".shp")
    ):
        return villages_geo_import(path=Path(path))
    if sheet is None:
        sheet = _sheet_from_path(Path(path))
    scope = scope or Scope(Kind.NATIONAL)
    report = ImportReport()
    with transaction.atomic():
        preview = villages_check(sheet=sheet, scope=scope, mapping=mapping)
        if not preview.ok:
            raise ImportRejected(preview.problems())
        if expected is not None and (
            differs := preview_differs(preview=preview, expected=expected, key="code")
        ):
            raise ImportRejected(differs)
        plan: VillagesPlan = preview.plan
        teams = dict(plan.teams)
        total = len(plan.rows)
        for index, row in enumerate(plan.rows):
            if progress and index % 200 == 0:
                progress(index, total)
            team = None
            if row.team_key:
                team = teams.get(row.team_key)
                if team is None:
                    team = teams[row.team_key] = team_create(commune=row.commune, name=row.team_name)
            outcome = village_store(
                village=row.village,
                commune=row.commune,
                code=row.code,
                name=row.name,
                declared_households=row.households,
                team=team,
            )
            report_count(report=report, outcome=outcome)
    if sheet.dropped:
        report.notes.extend(sheet_notices(sheet))
    return report
