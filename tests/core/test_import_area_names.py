"""Which commune a cell of a sheet means (core/services/area_names.py): names are identities, compared
with their tone marks; codes may have lost their leading zero; unit words may be there or not."""

from dataclasses import dataclass

import pytest

from core.services.area_names import PROVINCE_UNITS, AreaNames, is_unmarked, name_key


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    full_name: str
    province_id: str = "51"


SON_HA = Area("21400", "Sơn Hà", "Xã Sơn Hà")
SON_HA_DOT = Area("21401", "Sơn Hạ", "Xã Sơn Hạ", province_id="52")
CAM_THANH = Area("21025", "Cẩm Thành", "Phường Cẩm Thành")
HOA_BINH = Area("06978", "Hòa Bình", "Đặc khu Hòa Bình")
THUY = Area("21500", "Thụy Sơn", "Thị trấn Thụy Sơn")
XA_BANG = Area("26000", "Xà Bang", "Xã Xà Bang")
NAMES = AreaNames([SON_HA, SON_HA_DOT, CAM_THANH, HOA_BINH, THUY, XA_BANG])


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("Cẩm Thành", CAM_THANH),
        ("Phường Cẩm Thành", CAM_THANH),
        ("  PHƯỜNG   cẩm  thành ", CAM_THANH),
        ("Xã Cẩm Thành", CAM_THANH),  # the unit word of another kind: units changed kind in 2025
        ("Thị trấn Cẩm Thành", CAM_THANH),
        ("Ca\u0302\u0309m Tha\u0300nh", CAM_THANH),  # typed on a Mac (NFD)
        ("cam thanh", CAM_THANH),  # no diacritics at all: folds to one commune
        ("phuong cam thanh", CAM_THANH),
        ("Hoà Bình", HOA_BINH),  # the tone mark on the other vowel, as older lists write it
        ("Đặc khu Hoà Bình", HOA_BINH),
        ("Thuỵ Sơn", THUY),
        ("thị trấn thụy sơn", THUY),
        ("Sơn Hà", SON_HA),  # not Sơn Hạ: the marks tell them apart
        ("Sơn Hạ", SON_HA_DOT),
        ("Xà Bang", XA_BANG),  # "Xà" is part of the name, not the unit word "Xã"
        ("xa bang", XA_BANG),
        ("21025", CAM_THANH),
        ("6978", HOA_BINH),  # the spreadsheet dropped the leading zero
    ],
)
def test_a_cell_names_one_commune(text, area):
    match = NAMES.match(text)
    assert match.area == area, match


@pytest.mark.parametrize("text", ["Cẩm Thanh", "Cam Thành", "Sơn Hả"])
def test_a_name_with_other_marks_is_no_match_and_says_which_were_near(text):
    match = NAMES.match(text)
    assert match.area is None and not match.ambiguous
    assert match.similar  # the communes with those letters, for the person to choose
    assert {area.code for area in match.similar} <= {CAM_THANH.code, SON_HA.code, SON_HA_DOT.code}


def test_a_name_without_marks_that_folds_to_two_communes_is_ambiguous():
    match = NAMES.match("son ha")
    assert match.area is None and match.ambiguous
    assert set(match.candidates) == {SON_HA, SON_HA_DOT}
    # Within one province it names one.
    assert NAMES.match("son ha", where=lambda area: area.province_id == "52").area == SON_HA_DOT


def test_codes_are_matched_by_code_wherever_the_area_is():
    assert NAMES.match("99999").area is None and NAMES.match("99999").by_code
    assert NAMES.match("21025", where=lambda area: area.province_id == "52").area == CAM_THANH
    assert NAMES.match("Không Có").area is None and not NAMES.match("Không Có").similar


def test_provinces_with_their_unit_words():
    provinces = AreaNames(
        [Area("51", "Quảng Ngãi", "Tỉnh Quảng Ngãi"), Area("79", "Hồ Chí Minh", "Thành phố Hồ Chí Minh")],
        units=PROVINCE_UNITS,
        code_width=2,
    )
    assert provinces.match("tỉnh quảng ngãi").area.code == "51"
    assert provinces.match("TP. Hồ Chí Minh").area.code == "79"
    assert provinces.match("ho chi minh").area.code == "79"
    assert provinces.match("Quãng Ngãi").area is None


def test_keys():
    assert name_key("Hoà  BÌNH") == name_key("hòa bình") != name_key("hoa bình")
    assert name_key("Sơn Hà") != name_key("Sơn Hạ")
    assert is_unmarked("cam thanh") and not is_unmarked("Cẩm Thành") and not is_unmarked("Dak Đoa")
