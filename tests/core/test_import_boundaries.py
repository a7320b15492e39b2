import json
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import Polygon, mapping, shape

from core.models import Commune, Province
from core.services.boundaries import boundaries_import, official_boundaries_path
from core.services.imports import ImportRejected
from core.services.units import units_import

pytestmark = pytest.mark.django_db

COMMUNES = official_boundaries_path("commune")
PROVINCES = official_boundaries_path("province")


def test_quang_ngai_communes_match_by_code():
    units_import(province="51")
    report = boundaries_import(level="commune", province="51")
    assert report.created == 96 and report.unmatched == [] and report.repaired == []
    assert report.outside_province == 3321 - 96
    with_boundary = Commune.objects.filter(province_id="51", geometry__isnull=False)
    assert with_boundary.count() == 96
    assert set(with_boundary.values_list("boundary_source", flat=True)) == {"vn_communes_2025.geojson.zip"}
    ly_son = Commune.objects.get(code="21548")
    assert ly_son.full_name == "Đặc khu Lý Sơn"
    polygon = shape(ly_son.geometry)
    assert polygon.is_valid and polygon.geom_type in ("Polygon", "MultiPolygon")
    # Lý Sơn is an island off Quảng Ngãi: its box sits around 109.1 E, 15.4 N.
    assert 109.0 < ly_son.bbox_west < ly_son.bbox_east < 109.2
    assert 15.3 < ly_son.bbox_south < ly_son.bbox_north < 15.5
    simplified = json.dumps(ly_son.geometry_simplified)
    assert len(simplified) < len(json.dumps(ly_son.geometry))


def test_national_file_gives_every_commune_of_every_province():
    units_import()
    report = boundaries_import(level="commune")
    assert (report.created, report.unmatched, report.outside_province) == (3321, [], 0)
    # The fixture was repaired when it was built (scripts/build_admin_fixtures.py checks every geometry).
    assert report.repaired == []
    assert Commune.objects.filter(geometry__isnull=False).count() == 3321
    per_province = Counter(Commune.objects.values_list("province_id", flat=True))
    assert len(per_province) == 34 and per_province["51"] == 96 and per_province["52"] == 135


def test_fixture_and_package_name_the_same_communes():
    """The units come from the vietnamadminunits package, the boundaries from fixtures/: same 3,321 codes,
    each in the same province (the package's one wrong code is corrected on import)."""
    import geopandas as gpd

    units_import()
    fixture = gpd.read_file(COMMUNES, columns=["code", "provinceCode"], ignore_geometry=True)
    assert len(fixture) == 3321
    assert set(zip(fixture["code"], fixture["provinceCode"], strict=True)) == set(
        Commune.objects.values_list("code", "province_id")
    )
    provinces = gpd.read_file(PROVINCES, columns=["code"], ignore_geometry=True)
    assert set(provinces["code"]) == set(Province.objects.values_list("code", flat=True))


def test_real_geometries_made_invalid_are_repaired_and_listed(tmp_path):
    """The fixture is valid as shipped; a province's own file may not be. Two real communes, one with a
    self-intersecting ring (two vertices swapped): that one is repaired and listed, the other kept."""
    import geopandas as gpd

    units_import(province="51")
    frame = gpd.read_file(COMMUNES, where="code IN ('21025', '21028')").set_index("code")
    exterior = list(max(shape(frame.geometry["21025"]).geoms, key=lambda part: part.area).exterior.coords)
    exterior[3], exterior[len(exterior) // 2] = exterior[len(exterior) // 2], exterior[3]
    broken = Polygon(exterior)
    assert not broken.is_valid
    path = _write(
        tmp_path,
        [
            {"type": "Feature", "properties": {"code": "21025"}, "geometry": mapping(broken)},
            {
                "type": "Feature",
                "properties": {"code": "21028"},
                "geometry": mapping(frame.geometry["21028"]),
            },
        ],
    )
    report = boundaries_import(path=path, level="commune")
    assert report.created == 2
    assert len(report.repaired) == 1 and "21025" in report.repaired[0]
    repaired = shape(Commune.objects.get(code="21025").geometry)
    assert repaired.is_valid and repaired.area > 0
    assert shape(Commune.objects.get(code="21028").geometry).equals(frame.geometry["21028"])


def test_import_twice_changes_nothing():
    units_import(province="51")
    boundaries_import(level="commune", province="51")
    before = {c.code: c.geometry for c in Commune.objects.filter(province_id="51")}
    report = boundaries_import(level="commune", province="51")
    assert (report.created, report.updated) == (0, 96)
    assert {c.code: c.geometry for c in Commune.objects.filter(province_id="51")} == before


def test_province_outline_and_command_output(capsys):
    call_command("import_units", "--province", "51")
    call_command("import_boundaries", "--level", "province", "--province", "51")
    assert Province.objects.get(code="51").geometry is not None
    out = capsys.readouterr().out
    assert "Ranh giới province: 1 mới" in out and "Bỏ qua 33 đối tượng ngoài tỉnh 51" in out


def test_another_province_from_the_repository(capsys):
    """Gia Lai (52): all 135 communes and the outline, as `make demo PROVINCE=52` loads them."""
    call_command("import_units", "--province", "52")
    call_command("import_boundaries", "--province", "52")
    out = capsys.readouterr().out
    assert "Ranh giới province: 1 mới" in out and "Ranh giới commune: 135 mới" in out
    outline = shape(Province.objects.get(code="52").geometry)
    communes = Commune.objects.filter(province_id="52")
    assert communes.count() == 135 and not communes.filter(geometry__isnull=True).exists()
    for commune in communes:
        polygon = shape(commune.geometry)
        assert polygon.is_valid and outline.buffer(1e-3).contains(polygon.representative_point())


def test_explicit_file_still_wins_and_villages_need_one(tmp_path):
    call_command("import_units", "--province", "51")
    call_command("import_boundaries", str(PROVINCES), "--level", "province", "--province", "51")
    assert Province.objects.get(code="51").boundary_source == "vn_provinces_2025.geojson.zip"
    with pytest.raises(CommandError) as error:
        call_command("import_boundaries", "--level", "village")
    assert "hãy chỉ ra tệp" in str(error.value)
    with pytest.raises(CommandError) as error:
        call_command("import_boundaries", str(PROVINCES), "--province", "51")
    assert "--level" in str(error.value)


def _write(tmp_path, features, name="bad.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _square(x, y, size=0.01):
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


def _units():
    units_import(province="51")


def test_broken_json_is_rejected_and_nothing_stored(tmp_path):
    _units()
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [ {"type": "Feat', encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_boundaries", str(path), "--level", "commune")
    assert "không có gì được lưu" in str(error.value)
    assert "broken.geojson" in str(error.value)
    assert not Commune.objects.filter(geometry__isnull=False).exists()


def test_feature_with_broken_geometry_is_rejected_by_number(tmp_path):
    _units()
    collapsed = {
        "type": "Polygon",
        "coordinates": [[[108.8, 15.1], [108.8, 15.1], [108.8, 15.1], [108.8, 15.1]]],
    }
    path = _write(
        tmp_path,
        [
            {"type": "Feature", "properties": {"code": "21025"}, "geometry": _square(108.8, 15.1)},
            {"type": "Feature", "properties": {"code": "21028"}, "geometry": collapsed},
            {"type": "Feature", "properties": {"code": "21031"}, "geometry": None},
        ],
    )
    with pytest.raises(ImportRejected) as error:
        boundaries_import(path=path, level="commune")
    text = "\n".join(error.value.problems)
    assert "#2 (mã 21028)" in text and "#3 (mã 21031)" in text
    assert not Commune.objects.filter(geometry__isnull=False).exists()


def test_self_intersecting_feature_is_repaired_and_listed(tmp_path):
    _units()
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[108.8, 15.1], [108.82, 15.12], [108.82, 15.1], [108.8, 15.12], [108.8, 15.1]]],
    }
    path = _write(tmp_path, [{"type": "Feature", "properties": {"code": "21025"}, "geometry": bowtie}])
    report = boundaries_import(path=path, level="commune")
    assert len(report.repaired) == 1 and "21025" in report.repaired[0]
    assert shape(Commune.objects.get(code="21025").geometry).is_valid


def test_unknown_codes_are_rejected_and_listed(tmp_path):
    _units()
    path = _write(
        tmp_path,
        [
            {"type": "Feature", "properties": {"code": "21025"}, "geometry": _square(108.8, 15.1)},
            {"type": "Feature", "properties": {"code": "99999"}, "geometry": _square(108.9, 15.1)},
        ],
    )
    with pytest.raises(ImportRejected) as error:
        boundaries_import(path=path, level="commune")
    assert "99999" in error.value.problems[0]
    assert not Commune.objects.filter(geometry__isnull=False).exists()
    report = boundaries_import(path=path, level="commune", skip_unmatched=True)
    assert report.unmatched == ["99999"] and report.created == 1


def test_shapefile_in_another_projection_is_reprojected(tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    _units()
    # Web Mercator metres around Quảng Ngãi city.
    frame = gpd.GeoDataFrame(
        {"ma_xa": ["21025"]}, geometry=[box(12118000, 1703000, 12120000, 1705000)], crs=3857
    )
    path = tmp_path / "xa.shp"
    frame.to_file(path)
    boundaries_import(path=path, level="commune")
    commune = Commune.objects.get(code="21025")
    assert 108.8 < commune.bbox_west < 108.9 and 15.1 < commune.bbox_south < 15.4
