"""Sheets of members and villages, checked row by row, then stored all or nothing.

One path for every way in: the browser (an ``ImportJob`` checked and stored by a Celery task) and the
command line (``import_members``, ``import_villages``) both call ``members_check`` / ``members_import``
and ``villages_check`` / ``villages_import``; the writes go through ``field_api.services.members`` and
``field_api.services.villages``, so every change lands in the audit trail.

A check never writes. It returns a ``Preview``: each row with what it will do and its errors, named by
field, in Vietnamese. An import checks again inside its transaction and stores nothing when any row is
wrong (``ImportRejected`` lists the rows). Scope decides which communes a sheet may touch and which
roles it may give: rows outside it are row errors.
"""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from field_api.models import Commune, Province, Role, Team, User, Village
from field_api.scope import Kind, Scope
from field_api.services.assignments import villages_assign_teams
from field_api.services.imports import ImportRejected, ImportReport, pad_code
from field_api.services.members import (
    ROLE_AREA,
    member_update,
    members_create,
    one_time_password,
    one_time_password_hash,
    role_from_text,
    team_create,
    teams_create,
)
from field_api.services.villages import VILLAGE_CODE
from field_api.text import search_key
from onboarding.sheets import MEMBERS, VILLAGES, Sheet, field_label, phone_number, read_sheet

Progress = Callable[[int, int], None]
REQUIRED = {MEMBERS: ("full_name",), VILLAGES: ("name",)}
COMMUNE_PREFIXES = ("xa ", "phuong ", "dac khu ", "thi tran ", "thi xa ")
VILLAGE_PREFIXES = ("to dan pho ", "tdp ", "thon ", "xom ", "ap ", "ban ", "khu pho ", "lang ", "khu ")
USERNAME = re.compile(r"^[\w.@+-]{1,150}$")


def _commune_key(name: str) -> str:
    key = search_key(name)
    for prefix in COMMUNE_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


EXACT_PREFIXES = ("xã ", "phường ", "đặc khu ", "thị trấn ", "thị xã ")


def _exact_key(name: str) -> str:
    key = " ".join(unicodedata.normalize("NFC", name).lower().split())
    for prefix in EXACT_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def _village_key(name: str) -> str:
    """ "Thôn Phú Lộc", "thon phu loc" and "Phú Lộc" are the same village on a sheet."""
    key = search_key(name)
    for prefix in VILLAGE_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


@dataclass
class RowCheck:
    number: int
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    action: str = ""  # create | update | unchanged

    def as_dict(self) -> dict:
        return {"number": self.number, "values": self.values, "errors": self.errors, "action": self.action}


@dataclass
class Preview:
    kind: str
    mapping: dict[int, str]
    rows: list[RowCheck]
    notices: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # required fields no column was mapped to
    plan: list = field(default_factory=list, repr=False)

    @property
    def bad_rows(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.bad_rows and bool(self.rows)

    def problems(self) -> list[str]:
        lines = [_("Thiếu cột: %(column)s") % {"column": field_label(name)} for name in self.missing]
        if not self.rows and not self.missing:
            lines.append(_("Bảng không có dòng dữ liệu nào."))
        for row in self.rows:
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
        counts = {"create": 0, "update": 0, "unchanged": 0, "errors": self.bad_rows, "rows": len(self.rows)}
        for row in self.rows:
            if not row.errors and row.action:
                counts[row.action] += 1
        return counts

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "mapping": {str(index): name for index, name in self.mapping.items()},
            "notices": self.notices,
            "missing": [field_label(name) for name in self.missing],
            "counts": self.counts(),
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
    """Communes, provinces and villages a scope may touch, fetched once and matched by code or name."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.provinces = {p.code: p for p in Province.objects.filter(scope.provinces())}
        self.province_names = {}
        for province in self.provinces.values():
            for name in (province.name, province.full_name):
                self.province_names[search_key(name)] = province
                self.province_names[_commune_key(name.replace("Tỉnh ", "").replace("Thành phố ", ""))] = (
                    province
                )
        communes = Commune.objects.filter(scope.whole_communes()).only(
            "code", "name", "full_name", "province_id"
        )
        self.communes = {c.code: c for c in communes}
        self.by_name: dict[str, list[Commune]] = defaultdict(list)
        for commune in self.communes.values():
            self.by_name[_commune_key(commune.name)].append(commune)
        self._villages: dict[str, list[Village]] = {}
        self._village_index: dict[str, dict] = {}

    def province(self, value: str) -> Province | None:
        return self.provinces.get(pad_code(value, 2)) or self.province_names.get(search_key(value))

    def commune(self, value: str, province: Province | None) -> tuple[Commune | None, str]:
        """The commune a cell names, or None and why."""
        code = pad_code(value, 5)
        if code.isdigit():
            if code in self.communes:
                return self.communes[code], ""
            return None, _("không có xã mã %(code)s trong phạm vi của bạn.") % {"code": code}
        found = self.by_name.get(_commune_key(value), [])
        if province is not None:
            found = [c for c in found if c.province_id == province.code]
        if len(found) > 1:
            # "Sơn Hà" and "Sơn Hạ" fold to one key: the name as written, diacritics kept, tells them apart.
            exact = [c for c in found if _exact_key(c.name) == _exact_key(value)]
            found = exact or found
        if len(found) == 1:
            return found[0], ""
        if not found:
            return None, _("không có xã “%(name)s” trong phạm vi của bạn.") % {"name": value}
        return None, _("tên “%(name)s” trùng nhiều xã (%(codes)s): hãy ghi mã xã.") % {
            "name": value,
            "codes": ", ".join(f"{c.full_name} {c.code}" for c in found[:5]),
        }

    def default_commune(self) -> Commune | None:
        return self.communes.get(self.scope.commune) if self.scope.commune else None

    def villages_of(self, commune: Commune) -> list[Village]:
        if commune.code not in self._villages:
            self._villages[commune.code] = list(Village.objects.filter(commune=commune))
        return self._villages[commune.code]

    def village(self, value: str, commune: Commune) -> Village | None:
        """A village of the commune by code ("21025-03" or "03") or by name, "Thôn" or not."""
        if commune.code not in self._village_index:
            index = {}
            for village in self.villages_of(commune):
                index.setdefault(("name", _village_key(village.name)), village)
                index[("code", village.code)] = village
            self._village_index[commune.code] = index
        index = self._village_index[commune.code]
        value = value.strip()
        return (
            index.get(("code", value))
            or index.get(("code", f"{commune.code}-{value}"))
            or index.get(("name", _village_key(value)))
        )


# --- members ------------------------------------------------------------------------------------------------


@dataclass
class _MemberPlan:
    row: RowCheck
    username: str
    full_name: str
    phone: str
    role: str
    province: str | None
    commune: str | None
    team_key: tuple[str, str] | None
    team_name: str
    villages: list[Village]
    existing: User | None = None


def _username_base(full_name: str) -> str:
    """ "Nguyễn Thị Lan" → "lan.nt": the given name, then the initials of the others, in ASCII."""
    words = [re.sub(r"[^a-z0-9]", "", word) for word in search_key(full_name).split()]
    words = [word for word in words if word]
    if not words:
        return "thanhvien"
    return ".".join(filter(None, [words[-1], "".join(word[0] for word in words[:-1])]))[:140]


def _assign_usernames(plans: list[_MemberPlan]) -> None:
    """Usernames for rows without one: unique among members and within the sheet (lan.nt, lan.nt2…)."""
    wanted = [plan for plan in plans if not plan.username and not plan.row.errors]
    if not wanted:
        return
    taken = {plan.username for plan in plans if plan.username}
    bases = defaultdict(int)
    for plan in wanted:
        bases[_username_base(plan.full_name)] += 1
    candidates = [f"{base}{n if n > 1 else ''}" for base, count in bases.items() for n in range(1, count + 4)]
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        taken.update(User.objects.filter(username__in=chunk).values_list("username", flat=True))
    for plan in wanted:
        base = _username_base(plan.full_name)
        number = 1
        while (candidate := f"{base}{number if number > 1 else ''}") in taken:
            number += 1
            if number > bases[base] + 3 and User.objects.filter(username=candidate).exists():
                taken.add(candidate)
        taken.add(candidate)
        plan.username = candidate
        plan.row.values["username"] = candidate


def usernames_for(*, full_names: list[str]) -> list[str]:
    """Free usernames made from names ("Nguyễn Thị Lan" → "lan.nt", then "lan.nt2"…)."""
    plans = [
        _MemberPlan(
            row=RowCheck(number=0, values={}),
            username="",
            full_name=name,
            phone="",
            role="",
            province=None,
            commune=None,
            team_key=None,
            team_name="",
            villages=[],
        )
        for name in full_names
    ]
    _assign_usernames(plans)
    return [plan.username for plan in plans]


def members_check(
    *, sheet: Sheet, scope: Scope, mapping: dict[int, str] | None = None, progress: Progress | None = None
) -> Preview:
    """Every row of a members sheet checked against the database and the caller's scope; nothing written."""
    mapping = sheet.detected_mapping(MEMBERS) if mapping is None else mapping
    preview = Preview(kind=MEMBERS, mapping=mapping, rows=[], notices=sheet_notices(sheet))
    preview.missing = [name for name in REQUIRED[MEMBERS] if name not in mapping.values()]
    if preview.missing:
        return preview
    areas = _Areas(scope)
    allowed_roles = scope.manageable_roles
    default_commune = areas.default_commune()
    default_province = areas.provinces.get(scope.province) if scope.province else None

    existing_by_name: dict[tuple, User] = {}
    existing_by_username: dict[str, User] = {}
    managed = User.objects.filter(scope.members())
    if "username" in mapping.values():
        usernames = [values.get("username", "") for _n, values in _values(sheet, mapping)]
        for start in range(0, len(usernames), 500):
            for user in User.objects.filter(username__in=usernames[start : start + 500]):
                existing_by_username[user.username] = user
    else:
        for user in managed.filter(commune_id__in=list(areas.communes)).only(
            "id",
            "username",
            "full_name",
            "phone",
            "role",
            "province_id",
            "commune_id",
            "team_id",
            "is_active",
        ):
            existing_by_name.setdefault((user.commune_id, search_key(user.full_name), user.phone), user)
    managed_ids = set(
        managed.filter(pk__in=[u.pk for u in existing_by_username.values()]).values_list("pk", flat=True)
    )
    teams = {
        (team.commune_id, team.search_name): team
        for team in Team.objects.filter(commune_id__in=list(areas.communes))
    }

    teams_by_id = {team.id: team for team in teams.values()}
    seen_usernames: dict[str, int] = {}
    seen_people: dict[tuple, int] = {}
    village_team: dict[str, tuple[str, int, str]] = {}
    plans: list[_MemberPlan] = []
    total = len(sheet.rows)
    for index, (number, values) in enumerate(_values(sheet, mapping)):
        if progress and index % 500 == 0:
            progress(index, total)
        row = RowCheck(number=number, values=dict(values))
        errors = row.errors
        preview.rows.append(row)
        full_name = values.get("full_name", "")
        if not full_name:
            errors["full_name"] = _("thiếu họ và tên.")
        elif len(full_name) > 150:
            errors["full_name"] = _("dài quá 150 ký tự.")
        phone = ""
        if values.get("phone"):
            phone = phone_number(values["phone"]) or ""
            if not phone:
                errors["phone"] = _("“%(value)s” không phải số điện thoại.") % {"value": values["phone"]}
            row.values["phone"] = phone or values["phone"]
        role = role_from_text(values.get("role", ""))
        row.values["role"] = str(Role(role).label)
        if role not in allowed_roles:
            errors["role"] = _("bạn không được giao vai trò “%(role)s”.") % {"role": Role(role).label}
        province = default_province
        if values.get("province"):
            province = areas.province(values["province"])
            if province is None:
                errors["province"] = _("không có tỉnh “%(value)s” trong phạm vi của bạn.") % {
                    "value": values["province"]
                }
        commune = None
        if values.get("commune"):
            commune, why = areas.commune(values["commune"], province)
            if commune is None:
                errors["commune"] = why
        else:
            commune = default_commune
        if commune is not None:
            row.values["commune"] = commune.full_name
            province = areas.provinces.get(commune.province_id, province)
        area = ROLE_AREA[role]
        if area in ("team", "commune") and commune is None and "commune" not in errors:
            errors["commune"] = _("cần có xã.")
        if area == "province" and province is None and "province" not in errors:
            errors["province"] = _("cần có tỉnh.")

        villages: list[Village] = []
        team_name = values.get("team", "")
        if commune is not None:
            for value in filter(None, (v.strip() for v in re.split(r"[,;\n]", values.get("villages", "")))):
                village = areas.village(value, commune)
                if village is None:
                    errors["villages"] = _(
                        "không có thôn “%(value)s” trong %(commune)s (nhập thôn trước)."
                    ) % {
                        "value": value,
                        "commune": commune.full_name,
                    }
                    break
                villages.append(village)
        if area == "team" and not team_name:
            if villages:
                # The team the village already has (in this sheet, or in the commune), else one named after it.
                first = villages[0]
                if first.code in village_team:
                    team_name = village_team[first.code][2]
                elif first.team_id in teams_by_id:
                    team_name = teams_by_id[first.team_id].name
                else:
                    team_name = _("Tổ CNSCĐ %(village)s") % {"village": first.name}
                row.values["team"] = team_name
            elif not {"commune", "villages"} & set(errors):  # else that error says it already
                errors["team"] = _("thành viên tổ cần có tổ (hoặc thôn phụ trách).")
        team_key = (commune.code, search_key(team_name)) if team_name and commune is not None else None
        for village in villages:
            previous = village_team.get(village.code)
            if previous and previous[0] != team_key[1]:
                errors["villages"] = _(
                    "thôn %(village)s (%(code)s) đã giao cho tổ khác ở dòng %(other)d."
                ) % {
                    "code": village.code,
                    "village": village.name,
                    "other": previous[1],
                }
            else:
                village_team[village.code] = (team_key[1], number, team_name)

        username = values.get("username", "")
        existing = None
        if username:
            if not USERNAME.match(username):
                errors["username"] = _("chỉ dùng chữ không dấu, số và . @ + - _")
            elif username in seen_usernames:
                errors["username"] = _("trùng với dòng %(other)d.") % {"other": seen_usernames[username]}
            else:
                seen_usernames[username] = number
                existing = existing_by_username.get(username)
                if existing is not None and existing.pk not in managed_ids:
                    errors["username"] = _("tên đăng nhập “%(value)s” đã có người dùng.") % {
                        "value": username
                    }
                    existing = None
        elif full_name and commune is not None:
            person = (commune.code, search_key(full_name), phone)
            if person in seen_people:
                errors["full_name"] = _("trùng người ở dòng %(other)d (cùng tên, số điện thoại).") % {
                    "other": seen_people[person]
                }
            seen_people[person] = number
            existing = existing_by_name.get(person)
            if existing is not None:
                username = existing.username
                row.values["username"] = username

        plan = _MemberPlan(
            row=row,
            username=username,
            full_name=full_name,
            phone=phone,
            role=role,
            province=province.code if province else None,
            commune=commune.code if commune else None,
            team_key=team_key,
            team_name=team_name,
            villages=villages,
            existing=existing,
        )
        if existing is None:
            row.action = "create"
        else:
            team = teams.get(team_key) if team_key else None
            # The stored fields against the row's (a data comparison, not an access check).
            stored = (existing.full_name, existing.phone, existing.role, existing.commune_id)
            same = (
                stored == (full_name, phone, role, plan.commune)
                and (team_key is None or (team is not None and existing.team_id == team.id))
                and all(v.team_id is not None and team is not None and v.team_id == team.id for v in villages)
            )
            row.action = "unchanged" if same else "update"
        plans.append(plan)
    _assign_usernames(plans)
    preview.plan = [plans, teams]
    if progress:
        progress(total, total)
    return preview


@dataclass
class MembersReport(ImportReport):
    passwords: list[tuple[str, str, str]] = field(default_factory=list)  # username, full name, password
    new_members: list[tuple[str, str]] = field(default_factory=list)  # username, full name
    teams_created: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "teams_created": self.teams_created,
        }


def _members_apply(
    *,
    preview: Preview,
    actor: User | None,
    password_for: Callable[[str], str],
    reset_passwords: bool,
    keep_passwords: bool,
    progress: Progress | None,
) -> MembersReport:
    plans, teams = preview.plan
    report = MembersReport()
    missing: dict[tuple[str, str], str] = {}
    for plan in plans:
        if plan.team_key and plan.team_key not in teams:
            missing.setdefault(plan.team_key, plan.team_name)
    for team in teams_create(teams=[(key[0], name) for key, name in missing.items()], actor=actor):
        teams[(team.commune_id, team.search_name)] = team
    report.teams_created = len(missing)
    assignments: dict[str, Team] = {}
    new_members: list[User] = []
    passwords: dict[str, str] = {}
    total = len(plans)
    for index, plan in enumerate(plans):
        if progress and index % 500 == 0:
            progress(index, total)
        team = teams.get(plan.team_key) if plan.team_key else None
        for village in plan.villages if team is not None else []:
            if village.team_id != team.id:
                assignments[village.code] = team
        fields = {
            "full_name": plan.full_name,
            "phone": plan.phone,
            "role": plan.role,
            "province_id": plan.province,
            "commune_id": plan.commune,
            "team_id": team.id if team else None,
        }
        if plan.existing is None:
            new_members.append(User(username=plan.username, **fields))
            passwords[plan.username] = password_for(plan.username)
            report.created += 1
            continue
        member = plan.existing
        changed = member_update(member=member, **fields)
        if reset_passwords:
            password = password_for(member.username)
            member.password = one_time_password_hash(password)
            member.save(update_fields=["password"])
            passwords[member.username] = password
            report.new_members.append((member.username, member.full_name))
            changed = True
        if changed:
            report.updated += 1
        else:
            report.unchanged += 1
    villages_assign_teams(assignments=assignments, actor=actor)
    members_create(members=new_members, passwords=passwords, actor=actor)
    report.new_members.extend((member.username, member.full_name) for member in new_members)
    if keep_passwords:
        names = dict(report.new_members)
        report.passwords = [
            (username, names.get(username, ""), password) for username, password in passwords.items()
        ]
    if progress:
        progress(total, total)
    return report


def members_import(
    *,
    sheet: Sheet | None = None,
    path: Path | None = None,
    scope: Scope | None = None,
    mapping: dict[int, str] | None = None,
    actor: User | None = None,
    reset_passwords: bool = False,
    password_for: Callable[[str], str] | None = None,
    progress: Progress | None = None,
) -> MembersReport:
    """Check the sheet again and store every row, or nothing (``ImportRejected`` naming the rows).

    ``password_for(username)`` makes each new member's one-time password; by default a random one,
    returned in the report (the command line prints it). The browser derives them from a secret only
    the uploader's browser holds, and the report then carries none.
    """
    if sheet is None:
        sheet = _sheet_from_path(Path(path))
    scope = scope or Scope(Kind.NATIONAL)
    with transaction.atomic():
        preview = members_check(sheet=sheet, scope=scope, mapping=mapping)
        if not preview.ok:
            raise ImportRejected(preview.problems())
        report = _members_apply(
            preview=preview,
            actor=actor,
            password_for=password_for or (lambda _username: one_time_password()),
            reset_passwords=reset_passwords,
            keep_passwords=password_for is None,
            progress=progress,
        )
    report.ignored_columns = list(sheet.dropped)
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


def _households(text: str) -> int | None:
    digits = text.replace(".", "").replace(",", "").replace(" ", "")
    if not digits.isdigit():
        raise ValueError(text)
    return int(digits)


def villages_check(
    *, sheet: Sheet, scope: Scope, mapping: dict[int, str] | None = None, progress: Progress | None = None
) -> Preview:
    mapping = sheet.detected_mapping(VILLAGES) if mapping is None else mapping
    preview = Preview(kind=VILLAGES, mapping=mapping, rows=[], notices=sheet_notices(sheet))
    preview.missing = [name for name in REQUIRED[VILLAGES] if name not in mapping.values()]
    if preview.missing:
        return preview
    areas = _Areas(scope)
    default_commune = areas.default_commune()
    default_province = areas.provinces.get(scope.province) if scope.province else None
    teams = {
        (team.commune_id, team.search_name): team
        for team in Team.objects.filter(commune_id__in=list(areas.communes))
    }
    next_number: dict[str, int] = {}
    planned: dict[str, int] = {}
    plans = []
    for number, values in _values(sheet, mapping):
        row = RowCheck(number=number, values=dict(values))
        preview.rows.append(row)
        errors = row.errors
        commune = default_commune
        if values.get("commune"):
            commune, why = areas.commune(values["commune"], default_province)
            if commune is None:
                errors["commune"] = why
        elif commune is None:
            errors["commune"] = _("cần có xã.")
        name = values.get("name", "")
        if not name:
            errors["name"] = _("thiếu tên thôn.")
        households = None
        if values.get("households"):
            try:
                households = _households(values["households"])
            except ValueError:
                errors["households"] = _("“%(value)s” không phải số hộ.") % {"value": values["households"]}
        if commune is None or errors:
            continue
        row.values["commune"] = commune.full_name
        code = values.get("code", "")
        village = None
        if code:
            code = code if "-" in code else f"{commune.code}-{code}"
            if not VILLAGE_CODE.match(code) or not code.startswith(f"{commune.code}-"):
                errors["code"] = _("mã thôn %(code)s phải có dạng %(commune)s-NN.") % {
                    "code": code,
                    "commune": commune.code,
                }
                continue
            village = next((v for v in areas.villages_of(commune) if v.code == code), None)
        else:
            village = next((v for v in areas.villages_of(commune) if v.search_name == search_key(name)), None)
            if village is None:
                if commune.code not in next_number:
                    numbers = [
                        int(v.code.split("-")[1])
                        for v in areas.villages_of(commune)
                        if v.code.split("-")[1].isdigit()
                    ]
                    next_number[commune.code] = max(numbers, default=0) + 1
                code = f"{commune.code}-{next_number[commune.code]:02d}"
                next_number[commune.code] += 1
            else:
                code = village.code
        if code in planned:
            errors["name"] = _("thôn lặp lại dòng %(other)d.") % {"other": planned[code]}
            continue
        planned[code] = number
        row.values["code"] = code
        team_name = values.get("team", "")
        team_key = (commune.code, search_key(team_name)) if team_name else None
        if village is None:
            row.action = "create"
        else:
            team = teams.get(team_key) if team_key else None
            same = (
                village.name == name
                and (households is None or village.declared_households == households)
                and (team_key is None or (team is not None and village.team_id == team.id))
            )
            row.action = "unchanged" if same else "update"
        plans.append((row, commune.code, code, name, households, team_key, team_name, village))
    preview.plan = [plans, teams]
    return preview


def villages_import(
    *,
    sheet: Sheet | None = None,
    path: Path | None = None,
    scope: Scope | None = None,
    mapping: dict[int, str] | None = None,
    actor: User | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Store every village of the sheet, or nothing. GeoJSON with boundaries goes the boundary way."""
    from field_api.services.villages import village_create, village_update, villages_geo_import

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
        plans, teams = preview.plan
        total = len(plans)
        for index, (_row, commune, code, name, households, team_key, team_name, village) in enumerate(plans):
            if progress and index % 200 == 0:
                progress(index, total)
            team = None
            if team_key:
                team = teams.get(team_key)
                if team is None:
                    team = teams[team_key] = team_create(commune=commune, name=team_name)
            if village is None:
                village_create(
                    commune=commune, code=code, name=name, declared_households=households, team=team
                )
                report.created += 1
                continue
            fields = {"name": name}
            if households is not None:
                fields["declared_households"] = households
            if team is not None:
                fields["team"] = team
            if village_update(village=village, **fields):
                report.updated += 1
            else:
                report.unchanged += 1
    if sheet.dropped:
        report.notes.extend(sheet_notices(sheet))
    return report
