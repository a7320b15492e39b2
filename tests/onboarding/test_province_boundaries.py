"""Village boundaries of a whole province in one file: villages of many communes, assigned by a commune
code or name column or by where they lie; a village outside its commune flagged with the distance; a
file shifted by a wrong datum (~224 m) warned before saving; a .dbf without .cpg decoded (code page
guessed, or chosen); scope (province officers only, other provinces 404); bounded size."""

import io
import json
import math
import unicodedata
import zipfile

import geopandas as gpd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from shapely import affinity
from shapely.geometry import box, mapping

from core.models import Role, Village
from onboarding.codepages import TCVN3, guess_codepage
from onboarding.models import ProvinceBoundaryUpload
from tests import factories

pytestmark = pytest.mark.django_db

COMMUNE_1 = box(108.80, 15.10, 108.90, 15.20)
COMMUNE_2 = box(108.90, 15.10, 109.00, 15.20)
# Villages tiling their communes, as a district's survey draws them.
V1 = box(108.80, 15.10, 108.85, 15.20)  # 51001 Thôn 1
V2 = box(108.85, 15.10, 108.90, 15.20)  # 51001 Thôn 2
V3 = box(108.90, 15.10, 108.95, 15.20)  # 51002 Thôn Đông Hòa
V4 = box(108.95, 15.10, 109.00, 15.20)  # 51002 Thôn 2


@pytest.fixture
def province(world):
    for commune, outline in ((world.a.commune, COMMUNE_1), (world.a.other_commune, COMMUNE_2)):
        commune.geometry = commune.geometry_simplified = mapping(outline)
        commune.save()
    factories.VillageFactory(commune=world.a.other_commune, code="51002-01", name="Thôn Đông Hòa")
    factories.VillageFactory(commune=world.a.other_commune, code="51002-02", name="Thôn 2")
    return world


@pytest.fixture
def officer(client, province):
    client.force_login(province.a.users[Role.PROVINCE_OFFICER])
    return client


def _geojson(features) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": props, "geometry": mapping(geometry)}
                for props, geometry in features
            ],
        }
    ).encode()


def _upload(client, data, name="thon.geojson", province="51"):
    return client.post(f"/setup/provinces/{province}/boundaries/", {"file": SimpleUploadedFile(name, data)})


def _follow(client, response):
    assert response.status_code == 302, response.content.decode()[:3000]
    return client.get(response["Location"]), response["Location"]


def _bounded() -> dict[str, str]:
    return dict(Village.objects.filter(geometry__isnull=False).values_list("code", "boundary_source"))


def test_setup_page_links_to_the_province_upload(officer):
    assert "/setup/provinces/51/boundaries/" in officer.get("/setup/?province=51").content.decode()


def test_many_communes_by_position_previewed_on_a_map_and_stored(officer):
    data = _geojson(
        [
            ({"ten": "Thôn 1"}, V1),
            ({"ten": "Thôn 2"}, V2),
            ({"ten": "thon dong hoa"}, V3),
            ({"ten": "Thôn 2"}, V4),
        ]
    )
    page, url = _follow(officer, _upload(officer, data))
    html = page.content.decode()
    upload = ProvinceBoundaryUpload.objects.get()
    assert upload.commune_column == "" and upload.column == "ten"
    # "Thôn 2" is a village of both communes: where it lies decides which.
    assert [(c["commune"], c["village"]) for c in upload.checks] == [
        ("51001", "51001-01"),
        ("51001", "51001-02"),
        ("51002", "51002-01"),
        ("51002", "51002-02"),
    ]
    counts = {row["code"]: (row["features"], row["ok"], row["bad"]) for row in upload.summary["communes"]}
    assert counts == {"51001": (2, 2, 0), "51002": (2, 2, 0)}
    assert 'id="boundary-map"' in html and "folium-map" in html and 'id="commune-counts"' in html
    assert "có thể sai hệ toạ độ" not in html and 'id="confirm"' not in html
    assert officer.post(url + "store/").status_code == 302
    assert _bounded() == dict.fromkeys(("51001-01", "51001-02", "51002-01", "51002-02"), "thon.geojson")
    upload.refresh_from_db()
    assert upload.status == "stored" and upload.stored == 4 and upload.features == []
    assert officer.post(url + "store/").status_code == 409
    # The set-up table counts the villages with a boundary.
    assert 'data-commune="51002"' in officer.get("/setup/?province=51").content.decode()


def test_commune_code_column(officer):
    data = _geojson(
        [
            ({"ma_xa": "51001", "ten_thon": "Thôn 2"}, V2),
            ({"ma_xa": "51002", "ten_thon": "Thôn 2"}, V4),
            ({"ma_xa": "52001", "ten_thon": "Thôn 1"}, V1),  # another province's commune
        ]
    )
    page, url = _follow(officer, _upload(officer, data))
    upload = ProvinceBoundaryUpload.objects.get()
    assert (upload.commune_column, upload.column) == ("ma_xa", "ten_thon")
    assert [c["village"] for c in upload.checks[:2]] == ["51001-02", "51002-02"]
    assert "không có xã “52001” trong tỉnh" in page.content.decode()
    assert officer.post(url + "store/").status_code == 400
    assert _bounded() == {}


def test_commune_name_column_chosen_by_the_person(officer):
    data = _geojson(
        [
            ({"don_vi": "Nghĩa Lộ A", "thon": "Thôn Đông Hoà"}, V3),  # tone placed the other way
            ({"don_vi": "phường cẩm thành a", "thon": "Thôn 1"}, V1),
        ]
    )
    page, url = _follow(officer, _upload(officer, data))
    assert ProvinceBoundaryUpload.objects.get().commune_column == ""  # not guessed: by position
    assert officer.post(url + "check/", {"commune_column": "don_vi", "column": "thon"}).status_code == 302
    upload = ProvinceBoundaryUpload.objects.get()
    assert [(c["commune"], c["village"], c["errors"]) for c in upload.checks] == [
        ("51002", "51002-01", []),
        ("51001", "51001-01", []),
    ]
    assert officer.post(url + "check/", {"commune_column": "<x>", "column": "thon"}).status_code == 400
    assert officer.post(url + "store/").status_code == 302
    assert set(_bounded()) == {"51002-01", "51001-01"}


def test_village_outside_its_commune_is_flagged_with_the_distance(officer):
    far = box(109.10, 15.10, 109.12, 15.12)  # ~10.7 km east of the province's communes
    data = _geojson(
        [
            ({"ma_xa": "51001", "ten": "Thôn 1"}, V3),  # named commune 51001, lies in 51002
            ({"ma_xa": "51002", "ten": "Thôn 2"}, V4),
        ]
    )
    page, url = _follow(officer, _upload(officer, data))
    check = ProvinceBoundaryUpload.objects.get().checks[0]
    assert check["outside_m"] == 0 and "nằm ngoài Phường Cẩm Thành A" in check["errors"][0]
    assert officer.post(url + "store/").status_code == 400 and _bounded() == {}

    page, url = _follow(
        officer, _upload(officer, _geojson([({"ten": "Thôn 2"}, far), ({"ten": "Thôn 1"}, V1)]))
    )
    check = ProvinceBoundaryUpload.objects.order_by("created_at").last().checks[0]
    assert check["commune"] == "51002" and 10_000 < check["outside_m"] < 11_500
    html = page.content.decode()
    assert "nằm ngoài Phường Nghĩa Lộ A, cách" in html and 'id="store-form"' not in html


def _shifted(geometry, east_m, north_m):
    latitude = 15.15
    return affinity.translate(
        geometry, east_m / (111_320 * math.cos(math.radians(latitude))), north_m / 111_320
    )


def test_a_file_shifted_224_m_is_warned_before_saving(officer):
    east, north = 150, 166  # 224 m: a VN-2000 file read as WGS 84
    data = _geojson(
        [
            ({"ten": "Thôn 1"}, _shifted(V1, east, north)),
            ({"ten": "Thôn 2"}, _shifted(V2, east, north)),
            ({"ten": "Thôn Đông Hòa"}, _shifted(V3, east, north)),
            ({"ten": "Thôn 2"}, _shifted(V4, east, north)),
        ]
    )
    page, url = _follow(officer, _upload(officer, data))
    html = page.content.decode()
    upload = ProvinceBoundaryUpload.objects.get()
    # Every village passes the commune upload's tolerance: only the consistent shift tells.
    assert not any(check["errors"] for check in upload.checks)
    (warning,) = upload.summary["warnings"]
    assert warning["kind"] == "offset" and 200 <= warning["metres"] <= 250
    assert abs(warning["east"] - east) <= 20 and abs(warning["north"] - north) <= 20
    assert "lệch đều khoảng 2" in html and "về phía đông bắc" in html and "có thể sai hệ toạ độ" in html
    assert 'id="confirm"' in html
    assert officer.post(url + "store/").status_code == 400 and _bounded() == {}
    assert officer.post(url + "store/", {"confirm": "1"}).status_code == 302
    assert len(_bounded()) == 4


def test_most_villages_outside_their_communes_is_warned(officer):
    data = _geojson(
        [({"ten": "Thôn 1"}, _shifted(V1, 0, 20_000)), ({"ten": "Thôn 2"}, _shifted(V2, 0, 20_000))]
        + [({"ten": "Thôn 2"}, _shifted(V4, 0, 20_000))]
    )
    page, _url = _follow(officer, _upload(officer, data))
    assert ProvinceBoundaryUpload.objects.get().summary["warnings"][0]["kind"] == "outside"
    assert "3 trên 3 thôn nằm ngoài xã của mình: có thể sai hệ toạ độ" in page.content.decode()


def _zipped_shapefile(tmp_path, frame, *, encoding, cpg=False) -> bytes:
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "thon.shp", engine="pyogrio", encoding=encoding)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in folder.glob("thon.*"):
            if part.suffix == ".cpg" and not cpg:
                continue
            archive.write(part, part.name)
    return buffer.getvalue()


def test_dbf_in_cp1258_without_cpg_is_decoded_and_the_code_page_can_be_chosen(officer, tmp_path):
    frame = gpd.GeoDataFrame(
        {"ten_xa": ["Nghĩa Lộ A", "Cẩm Thành A"], "ten_thon": ["Thôn Đông Hòa", "Thôn 1"]},
        geometry=[V3, V1],
        crs=4326,
    )
    data = _zipped_shapefile(tmp_path, frame, encoding="cp1258")
    page, url = _follow(officer, _upload(officer, data, name="thon.zip"))
    upload = ProvinceBoundaryUpload.objects.get()
    assert upload.raw_text and upload.cpg == "" and upload.codepage == "cp1258"
    assert upload.commune_column == "ten_xa"
    assert [c["village"] for c in upload.checks] == ["51002-01", "51001-01"]
    html = page.content.decode()
    assert 'id="codepage"' in html and '<option value="cp1258" selected>' in html and "Thôn Đông Hòa" in html
    # Read as Latin-1 (what GDAL does without a .cpg), the names are garbled and match nothing.
    assert officer.post(url + "check/", {"codepage": "cp1252"}).status_code == 302
    upload.refresh_from_db()
    assert upload.checks[0]["errors"] and "Ðông" in upload.checks[0]["value"]
    assert officer.post(url + "check/", {"codepage": "koi8-r"}).status_code == 400
    assert officer.post(url + "check/", {"codepage": "cp1258"}).status_code == 302
    assert officer.post(url + "store/").status_code == 302
    assert set(_bounded()) == {"51002-01", "51001-01"}


def test_dbf_in_utf8_with_its_cpg_reads_as_utf8(officer, tmp_path):
    frame = gpd.GeoDataFrame({"ten_thon": ["Thôn Đông Hòa"]}, geometry=[V3], crs=4326)
    _follow(
        officer, _upload(officer, _zipped_shapefile(tmp_path, frame, encoding="utf-8", cpg=True), "t.zip")
    )
    upload = ProvinceBoundaryUpload.objects.get()
    assert upload.codepage == "utf-8" and upload.checks[0]["village"] == "51002-01"


def test_code_page_guessed_from_the_text():
    def raw(text, codepage):
        if codepage == "utf-8":
            return text.encode(codepage).decode("latin-1")
        data = b""
        for char in text:  # Windows-1258 has some letters whole, others as a letter and its tone
            try:
                data += char.encode("cp1258")
            except UnicodeEncodeError:
                parts = unicodedata.normalize("NFD", char)
                tone = "".join(c for c in parts if c in "\u0300\u0301\u0303\u0309\u0323")
                base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tone))
                data += base.encode("cp1258") + tone.encode("cp1258")
        return data.decode("latin-1")

    tcvn3 = {letter: chr(byte) for byte, letter in TCVN3.items()}
    names = ["Thôn Đông Hòa", "Xóm Trường Sơn", "Làng Phú Lộc"]
    assert guess_codepage([raw(n, "utf-8") for n in names]) == "utf-8"
    assert guess_codepage([raw(n, "cp1258") for n in names]) == "cp1258"
    assert guess_codepage(["".join(tcvn3.get(ch, ch) for ch in n) for n in names]) == "tcvn3"
    assert guess_codepage([raw(n, "cp1258") for n in names], cpg="1252") == "cp1252"  # the .cpg, when given
    assert guess_codepage(["Thon 1"]) == "utf-8"


def test_scope_commune_leader_and_other_province_get_404(client, province, officer):
    _follow(officer, _upload(officer, _geojson([({"ten": "Thôn 1"}, V1)])))
    upload = ProvinceBoundaryUpload.objects.get()
    client.force_login(province.a.users[Role.COMMUNE_LEADER])
    assert client.get("/setup/provinces/51/boundaries/").status_code == 404
    assert client.get(f"/setup/provinces/51/boundaries/{upload.pk}/").status_code == 404
    assert _upload(client, _geojson([({"ten": "Thôn 1"}, V1)])).status_code == 404
    client.force_login(province.b.users[Role.PROVINCE_OFFICER])
    assert client.get("/setup/provinces/51/boundaries/").status_code == 404
    assert client.get(f"/setup/provinces/52/boundaries/{upload.pk}/").status_code == 404
    assert client.post(f"/setup/provinces/52/boundaries/{upload.pk}/store/").status_code == 404
    client.force_login(province.a.users[Role.VOLUNTEER])
    assert client.get("/setup/provinces/51/boundaries/").status_code == 404
    client.force_login(province.admin)
    assert client.get(f"/setup/provinces/51/boundaries/{upload.pk}/").status_code == 200
    assert _bounded() == {}


def test_bounded_size_and_a_large_file_stored_by_the_worker(
    officer, monkeypatch, django_capture_on_commit_callbacks
):
    from onboarding import boundaries, province_boundaries

    # A province's file may hold far more villages than a commune's, within its own bound.
    assert province_boundaries.MAX_FEATURES > boundaries.MAX_FEATURES
    monkeypatch.setattr(province_boundaries, "MAX_FEATURES", 3)
    too_many = _geojson([({"ten": f"Thôn {n}"}, V1) for n in range(4)])
    response = _upload(officer, too_many)
    assert response.status_code == 400 and "quá 3 đối tượng" in response.content.decode()
    assert officer.post("/setup/provinces/51/boundaries/").status_code == 400  # no file

    monkeypatch.setattr(province_boundaries, "STORE_INLINE", 1)
    page, url = _follow(
        officer, _upload(officer, _geojson([({"ten": "Thôn 1"}, V1), ({"ten": "Thôn 2"}, V2)]))
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(url + "store/")
    assert response.status_code == 302
    upload = ProvinceBoundaryUpload.objects.get()
    assert upload.status == "stored" and upload.stored == 2 and set(_bounded()) == {"51001-01", "51001-02"}
    assert "Đã lưu ranh giới của 2 thôn" in officer.get(url).content.decode()
