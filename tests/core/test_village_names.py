"""Which village of a commune a cell means (core/services/area_names.py ``VillageNames``): names are
identities, compared with their tone marks; the unit word is optional only on one side, never swapped
for another; a name with no marks is taken when it folds to one village. The village services refuse a
second village under a name the commune already has."""

import json
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError

from core.models import Village
from core.services.area_names import VillageNames, village_key
from core.services.imports import ImportRejected
from core.services.villages import village_create, village_update, villages_geo_import
from tests import factories


@dataclass(frozen=True)
class V:
    code: str
    name: str


DONG = V("21025-01", "Thôn Đông")
DONG_GRAVE = V("21025-02", "Thôn Đồng")
THON_1 = V("21025-03", "Thôn 1")
TDP_2 = V("21025-04", "Tổ dân phố 2")
PHU_LOC = V("21025-05", "Phú Lộc")  # stored without a unit word
HOA_BINH = V("21025-06", "Thôn Hòa Bình")
THON_5 = V("21025-07", "Thôn 5")
TDP_5 = V("21025-08", "Tổ dân phố 5")
NAMES = VillageNames([DONG, DONG_GRAVE, THON_1, TDP_2, PHU_LOC, HOA_BINH, THON_5, TDP_5], commune="21025")


@pytest.mark.parametrize(
    ("text", "village"),
    [
        ("Thôn Đông", DONG),
        ("  THÔN   đông ", DONG),
        ("Đông", DONG),  # no unit word: the one village whose name it is
        ("Thôn Đồng", DONG_GRAVE),  # not Đông: the marks tell them apart
        ("Thôn 1", THON_1),
        ("thon 1", THON_1),
        ("TDP 2", TDP_2),  # the short form of "Tổ dân phố"
        ("tổ dân phố 2", TDP_2),
        ("2", TDP_2),
        ("Thôn Phú Lộc", PHU_LOC),  # a unit word given, the village stored without one
        ("phu loc", PHU_LOC),
        ("Thôn Hoà Bình", HOA_BINH),  # the tone mark on the other vowel
        ("hoa binh", HOA_BINH),
        ("Thôn 5", THON_5),
        ("Tổ dân phố 5", TDP_5),
        ("21025-03", THON_1),
        ("03", THON_1),
    ],
)
def test_a_cell_names_one_village(text, village):
    match = NAMES.match(text)
    assert match.area == village, match


@pytest.mark.parametrize(
    "text",
    [
        "Tổ dân phố 1",  # the commune has "Thôn 1": another unit word is another village
        "Thôn 2",  # the commune has "Tổ dân phố 2"
        "Tổ 2",  # "Tổ" is a unit of its own, not "Tổ dân phố"
        "Khu phố 5",
        "Thôn Đống",  # other marks
        "21025-99",  # a code, not stored: never read as a name
    ],
)
def test_a_name_for_no_village(text):
    match = NAMES.match(text)
    assert match.area is None and not match.ambiguous, match


@pytest.mark.parametrize(
    ("text", "codes"), [("thon dong", {DONG.code, DONG_GRAVE.code}), ("5", {"21025-07", "21025-08"})]
)
def test_a_name_that_means_several_villages_is_ambiguous(text, codes):
    match = NAMES.match(text)
    assert match.area is None and match.ambiguous
    assert {village.code for village in match.candidates} == codes


def test_a_name_with_other_marks_says_which_were_near():
    assert NAMES.match("Thôn Đống").similar == (DONG, DONG_GRAVE)
    assert NAMES.match("Tổ dân phố 1").similar == ()  # another unit word is not "near"


def test_names_only_when_asked():
    assert NAMES.match("03", codes=False).area is None
    assert NAMES.match("21025-03", codes=False).area is None


def test_keys():
    assert village_key("Tổ dân phố 1").unit == village_key("TDP 1").unit != village_key("Tổ 1").unit
    assert village_key("Khu phố 3").rest == "3" and village_key("Khu 3").rest == "3"
    assert village_key("Thôn").rest == "thôn"  # a unit word alone is a name, not a unit
    assert village_key("Thôn Hoà Bình") == village_key("thôn  hòa bình")


# --- the services -------------------------------------------------------------------------------------------


@pytest.fixture
def commune(db):
    commune = factories.CommuneFactory(code="21025", name="Cẩm Thành", full_name="Phường Cẩm Thành")
    factories.VillageFactory(commune=commune, code="21025-01", name="Thôn Đông")
    factories.VillageFactory(commune=commune, code="21025-02", name="Thôn 1")
    return commune


@pytest.mark.parametrize("name", ["Thôn Đông", "thôn  ĐÔNG", "Đông", "thon dong"])
def test_adding_a_village_the_commune_has_is_refused_on_its_name(commune, name):
    with pytest.raises(ValidationError) as refused:
        village_create(commune=commune.code, name=name)
    assert "Xã đã có thôn Thôn Đông (21025-01)" in refused.value.message_dict["name"][0]
    assert Village.objects.filter(commune=commune).count() == 2


@pytest.mark.parametrize("name", ["Thôn Đồng", "Tổ dân phố 1", "Thôn Đông Nam"])
def test_adding_a_village_with_a_name_of_its_own(commune, name):
    village = village_create(commune=commune.code, name=name)
    assert (village.code, village.name) == ("21025-03", name)


def test_renaming_a_village_to_another_ones_name_is_refused(commune):
    one = Village.objects.get(code="21025-02")
    with pytest.raises(ValidationError) as refused:
        village_update(village=one, name="thôn đông")
    assert "name" in refused.value.message_dict
    assert village_update(village=one, name="Thôn Một")  # a name of its own
    assert village_update(village=Village.objects.get(code="21025-01"), name="THÔN ĐÔNG")  # its own, respelt


def _features(*rows: dict) -> str:
    square = [[[108.8, 15.1], [108.81, 15.1], [108.81, 15.11], [108.8, 15.11], [108.8, 15.1]]]
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": row, "geometry": {"type": "Polygon", "coordinates": square}}
                for row in rows
            ],
        }
    )


def test_geojson_village_with_other_marks_is_another_village(commune, tmp_path):
    path = tmp_path / "thon.geojson"
    path.write_text(
        _features({"commune": "21025", "code": "21025-03", "name": "Thôn Đồng"}), encoding="utf-8"
    )
    report = villages_geo_import(path=path)
    assert report.created == 1
    assert dict(Village.objects.values_list("code", "name")) == {
        "21025-01": "Thôn Đông",
        "21025-02": "Thôn 1",
        "21025-03": "Thôn Đồng",
    }


def test_geojson_naming_one_village_twice_is_refused_naming_the_first_row(commune, tmp_path):
    path = tmp_path / "thon.geojson"
    path.write_text(
        _features(
            {"commune": "21025", "code": "21025-03", "name": "Thôn Mới"},
            {"commune": "21025", "code": "21025-04", "name": "thôn  mới"},
        ),
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as refused:
        villages_geo_import(path=path)
    assert refused.value.problems == ["dòng 3: thôn “thôn  mới” lặp lại dòng 2."]
    assert Village.objects.count() == 2


def test_a_properties_table_without_codes_names_villages_by_the_rule(commune, tmp_path):
    path = tmp_path / "thon.csv"
    path.write_text("commune,name,households\n21025,Thôn Đồng,5\n21025,Đông,9\n", encoding="utf-8")
    report = villages_geo_import(path=path)
    assert (report.created, report.updated) == (1, 1)
    assert list(Village.objects.values_list("code", "name", "declared_households")) == [
        ("21025-01", "Thôn Đông", 9),  # named, not renamed
        ("21025-02", "Thôn 1", None),
        ("21025-03", "Thôn Đồng", 5),
    ]
    path.write_text("commune,name\n21025,Thôn Hai\n21025,thôn hai\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="dòng 3: thôn “thôn hai” lặp lại dòng 2"):
        villages_geo_import(path=path)
