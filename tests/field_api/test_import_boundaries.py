import json

import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from field_api.models import Commune, Province
from field_api.services.boundaries import boundaries_import
from field_api.services.imports import ImportRejected
from field_api.services.units import units_import

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]


def test_quang_ngai_communes_match_by_code(shared_admin_units):
    units_import(province="51")
    report = boundaries_import(path=shared_admin_units / "51_quang_ngai_communes.geojson", level="commune")
    assert report.created == 96 and report.unmatched == []
    with_boundary = Commune.objects.filter(province_id="51", geometry__isnull=False)
    assert with_boundary.count() == 96
    ly_son = Commune.objects.get(code="21548")
    assert ly_son.full_name == "Đặc khu Lý Sơn"
    polygon = shape(ly_son.geometry)
    assert polygon.is_valid and polygon.geom_type in ("Polygon", "MultiPolygon")
    # Lý Sơn is an island off Quảng Ngãi: its box sits around 109.1 E, 15.4 N.
    assert 109.0 < ly_son.bbox_west < ly_son.bbox_east < 109.2
    assert 15.3 < ly_son.bbox_south < ly_son.bbox_north < 15.5
    simplified = json.dumps(ly_son.geometry_simplified)
    assert len(simplified) < len(json.dumps(ly_son.geometry))


def test_national_file_gives_every_commune_with_invalid_ones_repaired(shared_admin_units):
    units_import()
    report = boundaries_import(
        path=shared_admin_units / "vn_communes_2025_simplified.geojson", level="commune"
    )
    assert report.created == 3321
    assert report.unmatched == []
    assert len(report.repaired) == 57
    assert all("mã" in line for line in report.repaired)
    assert Commune.objects.filter(geometry__isnull=False).count() == 3321
    for commune in Commune.objects.filter(
        code__in=[line.split("mã ")[1][:5] for line in report.repaired[:10]]
    ):
        assert shape(commune.geometry).is_valid


def test_import_twice_changes_nothing(shared_admin_units):
    units_import(province="51")
    path = shared_admin_units / "51_quang_ngai_communes.geojson"
    boundaries_import(path=path, level="commune")
    before = {c.code: c.geometry for c in Commune.objects.filter(province_id="51")}
    report = boundaries_import(path=path, level="commune")
    assert (report.created, report.updated) == (0, 96)
    assert {c.code: c.geometry for c in Commune.objects.filter(province_id="51")} == before


def test_province_outline_and_command_output(shared_admin_units, capsys):
    call_command("import_units", "--province", "51")
    call_command(
        "import_boundaries", str(shared_admin_units / "51_quang_ngai_province.geojson"), "--level", "province"
    )
    assert Province.objects.get(code="51").geometry is not None
    assert "Ranh giới province: 1 mới" in capsys.readouterr().out


def test_national_file_for_one_province(shared_admin_units):
    units_import(province="51")
    report = boundaries_import(
        path=shared_admin_units / "vn_communes_2025_simplified.geojson", level="commune", province="51"
    )
    assert report.created == 96
    assert report.outside_province == 3321 - 96


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
