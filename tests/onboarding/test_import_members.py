import csv
import stat

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from core.models import Role, Team, User, Village
from core.services.imports import ImportRejected
from onboarding.services import members_import
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["Tên đăng nhập", "Họ và tên", "Số điện thoại", "Vai trò", "Tỉnh", "Xã", "Tổ", "Thôn"]


@pytest.fixture
def area():
    province = factories.ProvinceFactory(code="51", name="Quảng Ngãi", full_name="Tỉnh Quảng Ngãi")
    commune = factories.CommuneFactory(
        code="21025", province=province, name="Cẩm Thành", full_name="Phường Cẩm Thành"
    )
    factories.VillageFactory(commune=commune, code="21025-01", name="Thôn Phú Lộc")
    factories.VillageFactory(commune=commune, code="21025-02", name="Thôn 2")
    return commune


def _xlsx(tmp_path, rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "thanh-vien.xlsx"
    workbook.save(path)
    return path


ROWS = [
    [
        "lan.nt",
        "Nguyễn Thị Lan",
        "0905111222",
        "Tổ trưởng",
        "51",
        "Cẩm Thành",
        "Tổ CNSCĐ Phú Lộc",
        "Phú Lộc, 21025-02",
    ],
    ["hung.tv", "Trần Văn Hùng", "0905333444", "volunteer", "Quảng Ngãi", "21025", "Tổ CNSCĐ Phú Lộc", ""],
    ["xa.camthanh", "Lê Văn Xã", "", "Lãnh đạo xã", "51", "21025", "", ""],
    ["tinh.qn", "Phạm Thị Tỉnh", "", "province_officer", "51", "", "", ""],
]


def test_sheet_creates_teams_members_and_assigns_villages(area, tmp_path):
    report = members_import(path=_xlsx(tmp_path, ROWS))
    assert (report.created, report.teams_created) == (4, 1)
    team = Team.objects.get(name="Tổ CNSCĐ Phú Lộc")
    assert set(Village.objects.filter(team=team).values_list("code", flat=True)) == {"21025-01", "21025-02"}
    lan = User.objects.get(username="lan.nt")
    assert (lan.role, lan.team, lan.commune_id, lan.province_id) == (Role.TEAM_LEADER, team, "21025", "51")
    assert User.objects.get(username="tinh.qn").role == Role.PROVINCE_OFFICER
    passwords = {username: password for username, _name, password in report.passwords}
    assert set(passwords) == {"lan.nt", "hung.tv", "xa.camthanh", "tinh.qn"}
    assert lan.check_password(passwords["lan.nt"])


def test_running_twice_keeps_passwords(area, tmp_path):
    path = _xlsx(tmp_path, ROWS)
    first = members_import(path=path)
    second = members_import(path=path)
    assert (second.created, second.updated, second.unchanged, second.passwords) == (0, 0, 4, [])
    lan_password = {u: p for u, _n, p in first.passwords}["lan.nt"]
    assert User.objects.get(username="lan.nt").check_password(lan_password)
    assert Team.objects.count() == 1


def test_missing_column_is_rejected(area, tmp_path):
    path = _xlsx(tmp_path, [[row[0], *row[2:]] for row in ROWS], header=[HEADER[0], *HEADER[2:]])
    with pytest.raises(ImportRejected, match="Họ và tên"):
        members_import(path=path)
    assert User.objects.count() == 0


def test_unknown_commune_names_the_row_and_stores_nothing(area, tmp_path):
    rows = [ROWS[0], ["x.y", "Võ Văn Y", "", "volunteer", "51", "Xã Không Có", "Tổ 9", ""]]
    with pytest.raises(CommandError) as error:
        call_command("import_members", str(_xlsx(tmp_path, rows)))
    assert "dòng 3" in str(error.value) and "Xã Không Có" in str(error.value)
    assert User.objects.count() == 0 and Team.objects.count() == 0


def test_village_given_to_two_teams_is_rejected(area, tmp_path):
    rows = [ROWS[0], ["b.b", "Bùi B", "", "volunteer", "51", "21025", "Tổ khác", "Thôn Phú Lộc"]]
    with pytest.raises(ImportRejected, match="21025-01"):
        members_import(path=_xlsx(tmp_path, rows))


def test_id_number_column_is_never_stored(area, tmp_path):
    path = _xlsx(tmp_path, [[*ROWS[1], "051234567890"]], header=[*HEADER, "Số CCCD"])
    report = members_import(path=path)
    assert report.ignored_columns == ["Số CCCD"]
    user = User.objects.get(username="hung.tv")
    assert "051234567890" not in str(list(User.objects.values().filter(pk=user.pk)))


def test_passwords_file_is_private_csv(area, tmp_path, capsys):
    out = tmp_path / "mat-khau.csv"
    call_command("import_members", str(_xlsx(tmp_path, ROWS)), "--passwords-file", str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0] == ["Tên đăng nhập", "Họ và tên", "Mật khẩu dùng một lần"]
    assert {row[0] for row in rows[1:]} == {"lan.nt", "hung.tv", "xa.camthanh", "tinh.qn"}
    assert "mat-khau.csv" in capsys.readouterr().out
