"""Teams and members from the spreadsheets provinces keep (CSV or XLSX, English or Vietnamese headers).

Everything is checked before anything is written: one bad row rejects the file and names the row.
Running the same sheet twice changes nothing and keeps existing passwords; new members get a
one-time password for distribution. Citizen ID numbers are never stored: such columns are ignored.
"""

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _

from field_api.models import TEAM_ROLES, Commune, Province, Role, Team, User, Village
from field_api.services.assignments import village_assign_team
from field_api.services.imports import ImportRejected, ImportReport, pad_code, read_table, resolve_columns
from field_api.text import search_key

COLUMNS = {
    "username": ("Tên đăng nhập", "tai_khoan", "Tài khoản"),
    "full_name": ("name", "Họ và tên", "Họ tên", "ho_ten"),
    "phone": ("Số điện thoại", "SĐT", "dien_thoai"),
    "role": ("Vai trò", "vai_tro", "Chức vụ"),
    "province": ("Tỉnh", "ma_tinh", "Mã tỉnh"),
    "commune": ("Xã", "ma_xa", "Mã xã"),
    "team": ("Tổ", "ten_to", "Tên tổ"),
    "villages": ("village", "Thôn", "Các thôn", "thon"),
}
ID_NUMBER_HEADERS = {
    "cccd",
    "cmnd",
    "can cuoc",
    "so can cuoc",
    "so cccd",
    "so cmnd",
    "id number",
    "citizen id",
}
ROLE_NAMES = {
    **{role.value: role.value for role in Role},
    "thanh vien": Role.VOLUNTEER,
    "thanh vien to": Role.VOLUNTEER,
    "to vien": Role.VOLUNTEER,
    "to truong": Role.TEAM_LEADER,
    "lanh dao xa": Role.COMMUNE_LEADER,
    "can bo xa": Role.COMMUNE_LEADER,
    "can bo tinh": Role.PROVINCE_OFFICER,
    "quan tri": Role.ADMIN,
}


VILLAGE_PREFIXES = ("to dan pho ", "tdp ", "thon ", "xom ", "ap ", "ban ", "khu pho ", "lang ")


def _village_key(name: str) -> str:
    """ "Thôn Phú Lộc", "thon phu loc" and "Phú Lộc" are the same village on a sheet."""
    key = search_key(name)
    for prefix in VILLAGE_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


@dataclass
class MembersReport(ImportReport):
    passwords: list[tuple[str, str, str]] = field(default_factory=list)  # username, full name, password
    teams_created: int = 0
    ignored_columns: list[str] = field(default_factory=list)


def one_time_password() -> str:
    # Readable on a printed sheet: no look-alike characters.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _i in range(10))


class _Lookup:
    """Areas referenced by the sheet, fetched once, matched by code or by folded name."""

    def __init__(self):
        self.provinces = {p.code: p for p in Province.objects.all()}
        self.province_by_name = {p.search_name: p for p in self.provinces.values()}
        self.province_by_name.update({search_key(p.name): p for p in self.provinces.values()})
        self.province_by_name.update({search_key(p.full_name): p for p in self.provinces.values()})
        # All 3,321 communes are a small read; names need the province to be unambiguous.
        self.communes: dict[str, Commune] = {}
        self.commune_by_name: dict[tuple[str, str], Commune] = {}
        for commune in Commune.objects.only("code", "name", "full_name", "province_id"):
            self.communes[commune.code] = commune
            for key in (search_key(commune.name), search_key(commune.full_name)):
                self.commune_by_name.setdefault((commune.province_id, key), commune)
        self.villages: dict[str, Village] = {}
        self._communes_with_villages: set[str] = set()

    def province(self, value: str) -> Province | None:
        return self.provinces.get(pad_code(value, 2)) or self.province_by_name.get(search_key(value))

    def commune(self, value: str, province: Province | None) -> Commune | None:
        commune = self.communes.get(pad_code(value, 5))
        if commune is None and province is not None:
            commune = self.commune_by_name.get((province.code, search_key(value)))
        return commune

    def village(self, value: str, commune: Commune) -> Village | None:
        value = value.strip()
        if commune.code not in self._communes_with_villages:
            self.villages.update({v.code: v for v in Village.objects.filter(commune=commune)})
            self._communes_with_villages.add(commune.code)
        if value in self.villages:
            return self.villages[value]
        for village in self.villages.values():
            if village.commune_id == commune.code and (
                _village_key(village.name) == _village_key(value) or village.code == f"{commune.code}-{value}"
            ):
                return village
        return None


@transaction.atomic
def members_import(*, path: Path, reset_passwords: bool = False) -> MembersReport:
    frame = read_table(Path(path))
    report = MembersReport()
    id_columns = [h for h in frame.columns if search_key(str(h)) in ID_NUMBER_HEADERS]
    if id_columns:
        # Decree 13/2023: we have no need for citizen ID numbers, so they are never read.
        frame = frame.drop(columns=id_columns)
        report.ignored_columns = [str(h) for h in id_columns]
    columns = resolve_columns(frame, COLUMNS, required=("username", "full_name", "role"))
    lookup = _Lookup()

    def cell(row, name):
        return row.get(columns[name], "").strip() if name in columns else ""

    problems: list[str] = []
    rows = []
    usernames: dict[str, int] = {}
    village_team: dict[str, tuple[str, int]] = {}
    for row_number, row in enumerate(frame.to_dict("records"), start=2):
        where = _("dòng %(row)d") % {"row": row_number}
        username = cell(row, "username")
        role = ROLE_NAMES.get(search_key(cell(row, "role")))
        if not username:
            problems.append(_("%(where)s: thiếu tên đăng nhập.") % {"where": where})
            continue
        if username in usernames:
            problems.append(
                _("%(where)s: tên đăng nhập %(username)s trùng với dòng %(other)d.")
                % {"where": where, "username": username, "other": usernames[username]}
            )
            continue
        usernames[username] = row_number
        if role is None:
            problems.append(
                _('%(where)s: vai trò "%(role)s" không hợp lệ.') % {"where": where, "role": cell(row, "role")}
            )
            continue
        province = lookup.province(cell(row, "province")) if cell(row, "province") else None
        if cell(row, "province") and province is None:
            problems.append(
                _('%(where)s: không có tỉnh "%(value)s".') % {"where": where, "value": cell(row, "province")}
            )
            continue
        commune = None
        if cell(row, "commune"):
            commune = lookup.commune(cell(row, "commune"), province)
            if commune is None:
                problems.append(
                    _('%(where)s: không có xã "%(value)s".') % {"where": where, "value": cell(row, "commune")}
                )
                continue
            if province is not None and commune.province_id != province.code:
                problems.append(
                    _("%(where)s: xã %(commune)s không thuộc tỉnh %(province)s.")
                    % {"where": where, "commune": commune.full_name, "province": province.full_name}
                )
                continue
            province = province or lookup.provinces[commune.province_id]
        team_name = cell(row, "team")
        villages = []
        if role in TEAM_ROLES and (not team_name or commune is None):
            problems.append(_("%(where)s: thành viên tổ cần có xã và tên tổ.") % {"where": where})
            continue
        if role == Role.COMMUNE_LEADER and commune is None:
            problems.append(_("%(where)s: lãnh đạo xã cần có xã.") % {"where": where})
            continue
        if role == Role.PROVINCE_OFFICER and province is None:
            problems.append(_("%(where)s: cán bộ tỉnh cần có tỉnh.") % {"where": where})
            continue
        bad_village = False
        for value in filter(None, (v.strip() for v in cell(row, "villages").replace(";", ",").split(","))):
            village = lookup.village(value, commune) if commune else None
            if village is None:
                problems.append(
                    _('%(where)s: không có thôn "%(value)s" trong xã.') % {"where": where, "value": value}
                )
                bad_village = True
                continue
            previous = village_team.get(village.code)
            if previous and previous[0] != team_name:
                problems.append(
                    _('%(where)s: thôn %(village)s đã giao cho tổ "%(team)s" ở dòng %(other)d.')
                    % {"where": where, "village": village.code, "team": previous[0], "other": previous[1]}
                )
                bad_village = True
                continue
            village_team[village.code] = (team_name, row_number)
            villages.append(village)
        if bad_village:
            continue
        rows.append(
            (
                username,
                cell(row, "full_name"),
                cell(row, "phone"),
                role,
                province,
                commune,
                team_name,
                villages,
            )
        )
    if problems:
        raise ImportRejected(problems)

    teams: dict[tuple[str, str], Team] = {}
    existing_users = {u.username: u for u in User.objects.filter(username__in=[r[0] for r in rows])}
    for username, full_name, phone, role, province, commune, team_name, villages in rows:
        team = None
        if team_name and commune is not None:
            key = (commune.code, search_key(team_name))
            team = teams.get(key)
            if team is None:
                team = Team.objects.filter(commune=commune, search_name=search_key(team_name)).first()
                if team is None:
                    team = Team.objects.create(commune=commune, name=team_name)
                    report.teams_created += 1
                teams[key] = team
            for village in villages:
                if village.team_id != team.id:
                    village_assign_team(village=village, team=team)
        user = existing_users.get(username)
        fields = {
            "full_name": full_name,
            "phone": phone,
            "role": role,
            "province_id": province.code if province else None,
            "commune_id": commune.code if commune else None,
            "team_id": team.id if team else None,
        }
        if user is None:
            password = one_time_password()
            user = User(username=username, password=make_password(password), **fields)
            user.is_staff = role == Role.ADMIN
            user.save()
            report.created += 1
            report.passwords.append((username, full_name, password))
            continue
        changed = any(getattr(user, name) != value for name, value in fields.items())
        for name, value in fields.items():
            setattr(user, name, value)
        if reset_passwords:
            password = one_time_password()
            user.set_password(password)
            report.passwords.append((username, full_name, password))
            changed = True
        if changed:
            user.save()
            report.updated += 1
        else:
            report.unchanged += 1
    return report
