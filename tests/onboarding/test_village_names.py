"""One rule for which village a sheet, a boundary file or a form names (core/services/area_names.py
``VillageNames``): the villages sheet, members' "Thôn phụ trách", the boundary upload and the GeoJSON
import give the same answer for the same tricky names; a village is never named twice, nor added twice."""

import re

import pytest
from django.db import transaction
from django.test import Client

from core.models import Role, Village
from core.scope import Scope
from core.services.imports import ImportRejected
from core.services.villages import villages_geo_import
from onboarding.boundaries import check_boundaries
from onboarding.services import members_check, villages_check, villages_import
from onboarding.sheets import Sheet
from tests import factories

pytestmark = pytest.mark.django_db

STORED = {
    "51020-01": "Thôn Đông",
    "51020-02": "Thôn Đồng",
    "51020-03": "Thôn 1",
    "51020-04": "Tổ dân phố 2",
    "51020-05": "Phú Lộc",
    "51020-06": "Thôn Hòa Bình",
    "51020-07": "Thôn 5",
    "51020-08": "Tổ dân phố 5",
}
TRICKY = {
    "Thôn Đông": "51020-01",
    "THÔN  ĐÔNG": "51020-01",
    "Đông": "51020-01",
    "Thôn Đồng": "51020-02",
    "thon dong": "ambiguous",  # no marks: both fold to it
    "Thôn Đống": "none",  # other marks: neither
    "Thôn 1": "51020-03",
    "thon 1": "51020-03",
    "Tổ dân phố 1": "none",  # not "Thôn 1": another unit word
    "TDP 2": "51020-04",
    "Thôn 2": "none",
    "Thôn Phú Lộc": "51020-05",
    "phu loc": "51020-05",
    "Thôn Hoà Bình": "51020-06",
    "5": "ambiguous",  # "Thôn 5" and "Tổ dân phố 5"
    "Tổ dân phố 5": "51020-08",
    "Khu phố 5": "none",
}


@pytest.fixture
def commune(world):
    commune = factories.CommuneFactory(
        code="51020", province=world.a.province, name="Tịnh Ấn", full_name="Xã Tịnh Ấn"
    )
    for code, name in STORED.items():
        factories.VillageFactory(commune=commune, code=code, name=name)
    return commune


SCOPE = Scope.province_officer(province="51")


def _outcome(*, code: str, errors: str) -> str:
    if code:
        return code
    return "ambiguous" if "trùng nhiều thôn" in errors else "none"


def _through_villages_sheet(name: str) -> str:
    sheet = Sheet(headers=["Mã xã", "Tên thôn", "Số hộ"], rows=[(2, ["51020", name, "7"])])
    [row] = villages_check(sheet=sheet, scope=SCOPE).rows
    stored = row.action in ("update", "unchanged")
    return _outcome(code=row.values["code"] if stored else "", errors=row.errors.get("name", ""))


def _through_members_sheet(name: str) -> str:
    sheet = Sheet(
        headers=["Họ và tên", "SĐT", "Chức vụ", "Xã", "Thôn phụ trách", "Tổ CNSCĐ"],
        rows=[(2, ["Nguyễn Văn An", "0905111222", "Thành viên", "51020", name, "Tổ Một"])],
    )
    preview = members_check(sheet=sheet, scope=SCOPE)
    [row] = preview.rows
    if row.errors:
        return _outcome(code="", errors=row.errors["villages"])
    [planned] = preview.plan.rows
    [village] = planned.villages  # the village the row gives the team
    return village.code


def _through_boundaries(name: str, commune) -> str:
    features = [{"number": 1, "properties": {"ten": name}, "geometry": None}]
    [check], _geometries = check_boundaries(commune=commune, features=features, column="ten")
    return _outcome(code=check.village, errors=" ".join(check.errors))


class _Undo(Exception):
    pass


def _through_geo_import(name: str, tmp_path) -> str:
    path = tmp_path / "thon.csv"
    path.write_text(f"commune,name,households\n51020,{name},7\n", encoding="utf-8")
    try:
        with transaction.atomic():
            villages_geo_import(path=path)
            [code] = Village.objects.filter(declared_households=7).values_list("code", flat=True)
            raise _Undo(code if code in STORED else "none")
    except ImportRejected as refused:
        return _outcome(code="", errors=" ".join(refused.problems))
    except _Undo as undone:
        return str(undone)


def test_the_same_tricky_names_mean_the_same_village_everywhere(commune, tmp_path):
    expected = list(TRICKY.values())
    assert [_through_villages_sheet(name) for name in TRICKY] == expected
    assert [_through_members_sheet(name) for name in TRICKY] == expected
    assert [_through_boundaries(name, commune) for name in TRICKY] == expected
    assert [_through_geo_import(name, tmp_path) for name in TRICKY] == expected
    assert Village.objects.filter(commune=commune).count() == len(STORED)


def test_a_one_row_sheet_with_other_marks_adds_a_village_and_renames_none(world, tmp_path):
    commune = world.a.commune
    factories.VillageFactory(commune=commune, code="51001-03", name="Thôn Đông")
    path = tmp_path / "thon.csv"
    path.write_text("Mã xã,Tên thôn,Số hộ\n51001,Thôn Đồng,40\n", encoding="utf-8")
    report = villages_import(path=path)
    assert (report.created, report.updated) == (1, 0)
    assert dict(Village.objects.filter(commune=commune).values_list("code", "name")) == {
        "51001-01": "Thôn 1",
        "51001-02": "Thôn 2",
        "51001-03": "Thôn Đông",
        "51001-04": "Thôn Đồng",
    }


def test_identical_rows_are_one_village_named_twice(world, tmp_path):
    path = tmp_path / "thon.csv"
    path.write_text(
        "Mã xã,Tên thôn,Số hộ\n51001,Thôn Mới,40\n51001,thôn  MỚI,40\n51001,Thôn 1,8\n51001,1,8\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as refused:
        villages_import(path=path)
    assert refused.value.problems == [
        "dòng 3: Tên thôn, tổ dân phố: thôn lặp lại dòng 2.",
        "dòng 5: Tên thôn, tổ dân phố: thôn lặp lại dòng 4.",
    ]
    assert Village.objects.count() == 4  # the world's, nothing added


def test_renaming_by_code_and_naming_without_one(world):
    commune = world.a.commune
    factories.VillageFactory(commune=commune, code="51001-03", name="Thôn Đông")
    sheet = Sheet(
        headers=["Mã xã", "Mã thôn", "Tên thôn", "Số hộ"],
        rows=[
            (2, ["51001", "03", "Thôn Đồng", ""]),  # by code: renamed
            (3, ["51001", "", "thon 1", "12"]),  # by name: that village, its name kept
            (4, ["51001", "51001-09", "Thôn 2", "30"]),  # a code stored nowhere, a name stored: that one
        ],
    )
    report = villages_import(sheet=sheet, scope=Scope.commune_leader(commune="51001", province="51"))
    assert (report.created, report.updated) == (0, 3)
    assert list(
        Village.objects.filter(commune=commune).values_list("code", "name", "declared_households")
    ) == [("51001-01", "Thôn 1", 12), ("51001-02", "Thôn 2", 30), ("51001-03", "Thôn Đồng", None)]


def test_a_code_cannot_take_another_villages_name(world):
    sheet = Sheet(headers=["Mã xã", "Mã thôn", "Tên thôn"], rows=[(2, ["51001", "02", "Thôn 1"])])
    [row] = villages_check(sheet=sheet, scope=SCOPE).rows
    assert row.errors == {"name": "tên “Thôn 1” là thôn Thôn 1 (51001-01) đã có."}


def test_a_member_of_to_dan_pho_1_is_not_given_thon_1(world):
    commune = world.a.commune
    sheet = Sheet(
        headers=["Họ và tên", "SĐT", "Chức vụ", "Xã", "Thôn phụ trách", "Tổ CNSCĐ"],
        rows=[(2, ["Nguyễn Văn An", "0905111222", "Thành viên", "51001", "Tổ dân phố 1", "Tổ A"])],
    )
    [row] = members_check(sheet=sheet, scope=SCOPE).rows
    assert row.errors == {
        "villages": "không có thôn “Tổ dân phố 1” trong Phường Cẩm Thành A (nhập thôn trước)."
    }
    factories.VillageFactory(commune=commune, code="51001-03", name="Tổ dân phố 1")
    preview = members_check(sheet=sheet, scope=SCOPE)
    assert not preview.rows[0].errors
    assert [village.code for village in preview.plan.rows[0].villages] == ["51001-03"]


# --- the set-up page's add-village form ---------------------------------------------------------------------


def _browser(world) -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.a.users[Role.COMMUNE_LEADER])
    return browser


def _post_form(browser: Client, url: str, fields: dict) -> object:
    page = browser.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    return browser.post(url + "villages/", {"csrfmiddlewaretoken": token, **fields})


@pytest.mark.parametrize("name", ["Thôn 1", "  thôn   1 ", "1", "thon 1"])
def test_the_form_refuses_a_village_the_commune_has(world, name):
    url = f"/setup/communes/{world.a.commune.code}/"
    response = _post_form(
        _browser(world),
        url,
        {"new-village-name": name, "new-village-declared_households": "", "new-village-team": ""},
    )
    assert response.status_code == 400
    errors = response.context["village_form"].errors
    assert list(errors) == ["name"]
    assert "Xã đã có thôn Thôn 1 (51001-01)" in errors["name"][0]
    assert "Xã đã có thôn Thôn 1 (51001-01)" in response.content.decode()
    assert Village.objects.filter(commune=world.a.commune).count() == 2


def test_the_form_adds_a_village_with_another_unit_word(world):
    url = f"/setup/communes/{world.a.commune.code}/"
    response = _post_form(
        _browser(world),
        url,
        {"new-village-name": "Tổ dân phố 1", "new-village-declared_households": "", "new-village-team": ""},
    )
    assert response.status_code == 302
    assert Village.objects.get(commune=world.a.commune, name="Tổ dân phố 1").code == "51001-03"


def test_the_edit_form_refuses_another_villages_name(world):
    url = f"/setup/communes/{world.a.commune.code}/"
    browser = _browser(world)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(url).content.decode()).group(
        1
    )
    other = world.a.other_village
    response = browser.post(
        url + f"villages/{other.code}/",
        {
            "csrfmiddlewaretoken": token,
            f"v-{other.code}-name": "thôn 1",
            f"v-{other.code}-declared_households": "",
        },
    )
    assert response.status_code == 400
    assert "Xã đã có thôn Thôn 1 (51001-01)" in response.content.decode()
    other.refresh_from_db()
    assert other.name == "Thôn 2"
