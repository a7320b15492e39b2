"""Village boundaries uploaded per commune: GeoJSON, KML, zipped Shapefile (reprojected from its .prj);
every failing feature named; hostile files refused with a 4xx; stored boundaries on the commune map."""

import io
import json
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box, mapping

from core.models import Role, Village

pytestmark = pytest.mark.django_db

COMMUNE = box(108.80, 15.10, 108.90, 15.20)
INSIDE_1 = box(108.81, 15.11, 108.84, 15.14)
INSIDE_2 = box(108.85, 15.15, 108.88, 15.18)
BOWTIE = Polygon([(108.85, 15.15), (108.88, 15.18), (108.88, 15.15), (108.85, 15.18), (108.85, 15.15)])


@pytest.fixture
def leader(client, world):
    world.a.commune.geometry = mapping(COMMUNE)
    world.a.commune.save()
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    return client


def _geojson(features) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": props, "geometry": geometry} for props, geometry in features
            ],
        }
    ).encode()


def _upload(client, data, name, code="51001"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"/setup/communes/{code}/boundaries/", {"file": SimpleUploadedFile(name, data)})


def _follow(client, response):
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"]), response["Location"]


def test_geojson_matched_by_name_repaired_and_stored(leader, world):
    data = _geojson([({"ten": "Thôn 1"}, mapping(INSIDE_1)), ({"ten": "thon 2"}, mapping(BOWTIE))])
    page, url = _follow(leader, _upload(leader, data, "thon.geojson"))
    html = page.content.decode()
    assert 'id="store-form"' in html and "đã sửa hình học" in html
    response = leader.post(url + "store/")
    assert response.status_code == 302
    village = Village.objects.get(code="51001-02")
    assert village.geometry["type"] in ("Polygon", "MultiPolygon") and village.bbox_west == pytest.approx(
        108.85
    )
    assert Village.objects.get(code="51001-01").boundary_source == "thon.geojson"
    # The commune leader's set-up page now shows both villages with a boundary.
    assert leader.get("/setup/communes/51001/").content.decode().count("✓") >= 2
    assert leader.post(url + "store/").status_code == 409


def test_every_failing_feature_is_named_and_nothing_stored(leader, world):
    outside = box(109.50, 15.50, 109.52, 15.52)
    data = _geojson(
        [
            ({"ten": "Thôn 1"}, mapping(INSIDE_1)),
            ({"ten": "Thôn 1"}, mapping(INSIDE_2)),  # twice
            ({"ten": "Thôn 9"}, mapping(INSIDE_2)),  # no such village
            ({"ten": "Thôn 2"}, mapping(outside)),  # outside the commune
            ({"ten": "Thôn 2"}, {"type": "Point", "coordinates": [108.85, 15.15]}),
        ]
    )
    page, url = _follow(leader, _upload(leader, data, "thon.geojson"))
    html = page.content.decode()
    assert "đã có ở đối tượng #1" in html and "Thôn 9" in html and "nằm ngoài" in html
    assert 'id="store-form"' not in html
    assert leader.post(url + "store/").status_code == 400
    assert not Village.objects.filter(geometry__isnull=False).exists()


def test_match_by_a_code_column_the_person_chooses(leader, world):
    data = _geojson(
        [({"ma": "51001-01", "ten": "x"}, mapping(INSIDE_1)), ({"ma": "02", "ten": "y"}, mapping(INSIDE_2))]
    )
    page, url = _follow(leader, _upload(leader, data, "thon.geojson"))
    assert "không khớp" in page.content.decode()  # guessed "ten"
    leader.post(url + "check/", {"column": "ma"})
    assert 'id="store-form"' in leader.get(url).content.decode()
    assert leader.post(url + "check/", {"column": "<script>"}).status_code == 400


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>Thôn 1</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
108.81,15.11,0 108.84,15.11,0 108.84,15.14,0 108.81,15.14,0 108.81,15.11,0
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Document></kml>"""


def test_kml(leader, world):
    page, url = _follow(leader, _upload(leader, KML.encode(), "thon.kml"))
    assert leader.post(url + "check/", {"column": "Name"}).status_code == 302
    assert leader.post(url + "store/").status_code == 302
    assert Village.objects.get(code="51001-01").geometry is not None


def _zipped_shapefile(tmp_path, crs, with_prj=True) -> bytes:
    frame = gpd.GeoDataFrame({"ten_thon": ["Thôn 1", "Thôn 2"]}, geometry=[INSIDE_1, INSIDE_2], crs=4326)
    frame.to_crs(crs).to_file(tmp_path / "thon.shp", engine="pyogrio")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in tmp_path.glob("thon.*"):
            if part.suffix == ".prj" and not with_prj:
                continue
            archive.write(part, f"ranh-gioi/{part.name}")
    return buffer.getvalue()


def test_zipped_shapefile_in_a_projected_crs_is_reprojected(leader, world, tmp_path):
    page, url = _follow(leader, _upload(leader, _zipped_shapefile(tmp_path, 32649), "thon.zip"))
    assert 'id="store-form"' in page.content.decode()
    leader.post(url + "store/")
    assert Village.objects.get(code="51001-01").bbox_west == pytest.approx(108.81, abs=1e-4)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no-prj", "Tọa độ không phải kinh độ"),
        ("garbage", "Cần tệp GeoJSON"),
        ("bad-json", "Không đọc được tệp bản đồ"),
        ("bomb", "giải nén quá lớn"),
        ("traversal", "đúng một lớp"),
        ("empty", "Tệp trống"),
        ("huge-coordinates", "Tọa độ không phải kinh độ"),
    ],
)
def test_hostile_and_broken_files_are_4xx_with_a_message(leader, world, tmp_path, name, message):
    if name == "no-prj":
        data = _zipped_shapefile(tmp_path, 32649, with_prj=False)
    elif name == "garbage":
        data = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    elif name == "bad-json":
        data = b'{"type": "FeatureCollection", "features": [ {"type": '
    elif name == "bomb":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("thon.geojson", b" " * (200 * 1024 * 1024))
        data = buffer.getvalue()
    elif name == "traversal":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("../../etc/evil.txt", b"x")
        data = buffer.getvalue()
    elif name == "empty":
        data = b""
    else:
        data = _geojson([({"ten": "Thôn 1"}, mapping(box(1e12, 1e12, 1e12 + 5, 1e12 + 5)))])
    response = _upload(leader, data, f"{name}.zip")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Village.objects.filter(geometry__isnull=False).exists()


def test_other_communes_are_404(leader, world):
    data = _geojson([({"ten": "Thôn 1"}, mapping(INSIDE_1))])
    assert _upload(leader, data, "a.geojson", code=world.b.commune.code).status_code == 404
    assert _upload(leader, data, "a.geojson", code=world.a.other_commune.code).status_code == 404
