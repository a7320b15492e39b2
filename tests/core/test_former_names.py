"""Issue 23 §3: sheets that name communes by their names before the 1 July 2025 reform.

The pre-2025 names are a committed fixture (fixtures/vn_communes_before_2025.csv.gz, built by
scripts/build_admin_fixtures.py from the merger lists of the admin-units data set); the communes are the
2025 ones of the committed boundaries fixture. ``AreaNames`` (the one rule every sheet naming communes
follows) maps an old name that went whole into one 2025 commune to that commune, keeping the old name for
the preview; an old name split among communes, or used in several old districts, is ambiguous; a 2025
name always wins.
"""

import functools
import json
import zipfile
from dataclasses import dataclass

import pytest

from core.services.area_names import (
    FORMER_NAMES_FILE,
    PROVINCE_UNITS,
    AreaNames,
    area_shown,
    read_former_units,
)
from tests.onboarding.sheets import nfd

COMMUNES_FILE = FORMER_NAMES_FILE.parent / "vn_communes_2025.geojson.zip"


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    full_name: str
    province_id: str


@functools.cache
def communes_2025() -> dict[str, Commune]:
    with zipfile.ZipFile(COMMUNES_FILE) as archive:
        features = json.loads(archive.read(archive.namelist()[0]))["features"]
    return {
        p["code"]: Commune(p["code"], p["name"], p["fullName"], p["provinceCode"])
        for p in (feature["properties"] for feature in features)
    }


def province(code: str) -> AreaNames[Commune]:
    return AreaNames([c for c in communes_2025().values() if c.province_id == code])


QUANG_NGAI = "51"  # Quảng Ngãi and Kon Tum since 2025


def codes(areas) -> set[str]:
    return {area.code for area in areas}


def test_the_fixture_covers_all_34_provinces_and_names_only_2025_communes():
    units = read_former_units(FORMER_NAMES_FILE)
    communes = communes_2025()
    assert len({unit.province for unit in units}) == 34
    assert {unit.code for unit in units} <= set(communes)
    assert all(communes[unit.code].province_id == unit.province for unit in units)
    assert all(communes[unit.code].full_name == unit.commune for unit in units)
    # Every 2025 commune has its old units (one kept as it was lists itself).
    assert {unit.code for unit in units} == set(communes)
    assert all(unit.name and unit.name == unit.name.strip() for unit in units)
    nghia_ha = [unit for unit in units if unit.name == "Xã Nghĩa Hà"]
    assert [(u.code, u.province, u.partial) for u in nghia_ha] == [("21034", QUANG_NGAI, False)]
    kim_anh = [unit for unit in units if unit.code == "00382" and "Tân Dân" in unit.name]
    assert [(u.name, u.district) for u in kim_anh] == [("Xã Tân Dân", "huyện Sóc Sơn")]


@pytest.mark.parametrize(
    "cell",
    [
        "Xã Nghĩa Hà",
        "Nghĩa Hà",
        "  XÃ   NGHĨA HÀ ",
        "Phường Nghĩa Hà",
        "nghia ha",
        "Xa Nghia Ha",
        nfd("Xã Nghĩa Hà"),
    ],
)
def test_an_old_name_means_the_2025_commune_it_went_into_and_keeps_the_old_name(cell):
    match = province(QUANG_NGAI).match(cell)
    assert match.area is not None and match.area.code == "21034" and match.area.full_name == "Xã An Phú"
    assert match.former == "Xã Nghĩa Hà" and not match.ambiguous
    assert area_shown(match) == "Xã Nghĩa Hà (trước 2025) → Xã An Phú"


def test_tone_marks_tell_old_names_apart_as_they_tell_communes_apart():
    names = province(QUANG_NGAI)
    assert names.match("Phổ Hoà").area.code == "21439"  # listed "Phổ Hòa": where the mark sits is no matter
    wrong = names.match("Xã Nghĩa Hả")  # other marks: not Nghĩa Hà
    assert wrong.area is None and not wrong.former and not wrong.candidates


def test_a_2025_name_wins_over_an_old_name():
    names = province(QUANG_NGAI)
    # "Phường Nguyễn Nghiêm" was a ward of Quảng Ngãi city (now Cẩm Thành) and of Đức Phổ town (now Đức
    # Phổ); "Xã Nguyễn Nghiêm" is a 2025 commune: the unit word is optional, so the 2025 commune wins.
    match = names.match("Phường Nguyễn Nghiêm")
    assert match.area.code == "21457" and match.former == ""
    assert area_shown(match) == "Xã Nguyễn Nghiêm"
    assert names.match("Cẩm Thành").area.code == "21025" and names.match("Cẩm Thành").former == ""
    # Also for a commune leader of Cẩm Thành, whose scope has no Xã Nguyễn Nghiêm: the cell names that
    # 2025 commune (out of their scope), not the old ward now in Cẩm Thành.
    cam_thanh = AreaNames([communes_2025()["21025"]]).match("Nguyễn Nghiêm")
    assert cam_thanh.area is None and not cam_thanh.former and not cam_thanh.ambiguous
    # Written with its old district it is no 2025 name: the old ward of that town.
    by_district = names.match("Phường Nguyễn Nghiêm (thị xã Đức Phổ)")
    assert by_district.area.code == "21439"
    assert area_shown(by_district) == "Phường Nguyễn Nghiêm, thị xã Đức Phổ (trước 2025) → Phường Đức Phổ"


def test_an_old_name_of_several_old_districts_is_ambiguous_unless_the_district_is_given():
    names = province(QUANG_NGAI)
    # Kon Tum city and Quảng Ngãi city both had a Phường Trần Hưng Đạo; both provinces are now Quảng Ngãi.
    match = names.match("Phường Trần Hưng Đạo")
    assert match.area is None and match.ambiguous and match.former_split
    assert codes(match.candidates) == {"21025", "23302"}
    assert names.match("Phường Trần Hưng Đạo (thành phố Kon Tum)").area.full_name == "Phường Đăk Bla"
    assert names.match("Trần Hưng Đạo, TP Quảng Ngãi").area.full_name == "Phường Cẩm Thành"
    assert names.match("tran hung dao - thanh pho kon tum").area.code == "23302"
    assert names.match("Phường Trần Hưng Đạo (huyện Sơn Hà)").area is None  # no such old ward


def test_a_split_old_commune_is_ambiguous_never_a_pick():
    # Xã Trà Bùi went to two communes (listed in both merger lists).
    tra_bui = province(QUANG_NGAI).match("Xã Trà Bùi")
    assert tra_bui.area is None and tra_bui.ambiguous
    assert codes(tra_bui.candidates) == {"21136", "21157"}
    # "Xã Trần Hợi (một phần)": only part of it went into Đá Bạc, the rest into another commune.
    tran_hoi = province("96").match("tran hoi")
    assert tran_hoi.area is None and tran_hoi.ambiguous and "32104" in codes(tran_hoi.candidates)
    # "Phường Ngọc Thụy (phần còn lại sau khi sáp nhập vào phường Hồng Hà)", in Bồ Đề's list.
    ngoc_thuy = province("01").match("Phường Ngọc Thụy")
    assert ngoc_thuy.area is None and codes(ngoc_thuy.candidates) == {"00097", "00118"}


def test_a_split_is_decided_over_the_whole_province_not_the_communes_in_scope():
    # A commune leader of Hồng Hà: Ngọc Thụy is partly theirs, partly Bồ Đề's; still not a pick.
    hong_ha = AreaNames([communes_2025()["00097"]])
    match = hong_ha.match("Ngọc Thụy")
    assert match.area is None and match.ambiguous and codes(match.candidates) == {"00097"}
    # Nghĩa Hà went whole into An Phú: a leader of An Phú gets it; a leader of Cẩm Thành does not.
    assert AreaNames([communes_2025()["21034"]]).match("Nghĩa Hà").area.code == "21034"
    assert AreaNames([communes_2025()["21025"]]).match("Nghĩa Hà").area is None


def test_old_names_are_looked_up_in_the_province_the_row_is_of():
    everywhere = AreaNames(communes_2025().values())
    in_ha_noi = functools.partial(everywhere.match, where=lambda c: c.province_id == "01")
    # Ha Noi had two Xã Tân Dân (Sóc Sơn, Phú Xuyên); other provinces have their own, and a 2025 Phường
    # Tân Dân elsewhere wins when no province is given.
    assert everywhere.match("Xã Tân Dân").former == ""
    tan_dan = in_ha_noi("Xã Tân Dân")
    assert tan_dan.area is None and codes(tan_dan.candidates) == {"00382", "10330"}
    assert in_ha_noi("Xã Tân Dân (huyện Phú Xuyên)").area.full_name == "Xã Chuyên Mỹ"
    assert in_ha_noi("Xã Tân Dân, huyện Sóc Sơn").area.full_name == "Xã Kim Anh"
    # Numbered wards were in many districts of many cities.
    assert everywhere.match("Phường 12").ambiguous
    assert everywhere.match("Phường 15 (Quận 10)").area.full_name == "Phường Hoà Hưng"


def test_codes_districts_and_provinces_are_unchanged():
    names = province(QUANG_NGAI)
    assert names.match("21034").area.code == "21034" and names.match("21034").former == ""
    assert names.match("Huyện Lý Sơn").area.full_name == "Đặc khu Lý Sơn"  # the district became a zone
    assert names.match("Xã Không Có Bao Giờ").area is None
    provinces = AreaNames(
        [Commune("51", "Quảng Ngãi", "Tỉnh Quảng Ngãi", "51")], units=PROVINCE_UNITS, code_width=2
    )
    assert provinces.match("Nghĩa Hà").area is None
