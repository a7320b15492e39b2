"""A boundary file GDAL cannot read is answered in Vietnamese, naming the problem, and never shows the
server's internals (issue 19, tester's follow-up §6): no temporary path, no GDAL English. Both doors: the
commune's upload page (onboarding/boundaries.py) and the import service the commands and the village
sheet use (core/services/boundaries.py); both go through ``boundary_read_problem``."""

import io
import tempfile
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Role, Village
from core.services.boundaries import boundaries_import
from core.services.imports import ImportRejected

pytestmark = pytest.mark.django_db

KML_HEAD = b'<?xml version="1.0"?>'
KML_NS = b'<kml xmlns="http://www.opengis.net/kml/2.2">'


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


BROKEN = {
    "garbage shapefile": (
        "thon.zip",
        _zip({"thon.shp": b"garbage" * 50, "thon.shx": b"x" * 100, "thon.dbf": b"y" * 100}),
        "không nhận ra định dạng",
    ),
    "shapefile alone": ("thon.zip", _zip({"a.shp": b"\x00" * 200}), "Không đọc được tệp bản đồ"),
    "broken kml": (
        "thon.kml",
        KML_HEAD + KML_NS + b"<Document><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>1,2",
        "tệp KML bị hỏng",
    ),
    "xxe kml": (
        "thon.kml",
        KML_HEAD
        + b'<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        + KML_NS
        + b"<Document><Placemark><name>&xxe;</name><Point><coordinates>108,15</coordinates></Point>"
        + b"</Placemark></Document></kml>",
        "tệp KML bị hỏng",
    ),
    "entity bomb kml": (
        "thon.kml",
        KML_HEAD
        + b'<!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        + KML_NS
        + b"<Document><name>&b;</name></Document></kml>",
        "tệp KML bị hỏng",
    ),
    "unclosed kml": ("thon.kml", b"<kml><garbage", "tệp KML bị hỏng"),
    "broken geojson": (
        "thon.geojson",
        b'{"type": "FeatureCollection", "features": [ {',
        "tệp GeoJSON bị hỏng",
    ),
    "kml in a zip": ("thon.zip", _zip({"doc.kml": b"<kml><Document><Placemark"}), "tệp KML bị hỏng"),
}
TEMP = tempfile.gettempdir()  # "/tmp" here: where the upload is written for GDAL
INTERNALS = [TEMP, "ranh-gioi-", "not recognized", "ERROR", "parsing", "driver", "GDAL", "Failed"]


@pytest.fixture
def leader(client, world):
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    return client


@pytest.mark.parametrize("case", BROKEN)
def test_the_upload_page_names_the_problem_in_vietnamese(leader, world, case):
    name, data, problem = BROKEN[case]
    response = leader.post(
        f"/setup/communes/{world.a.commune.code}/boundaries/", {"file": SimpleUploadedFile(name, data)}
    )
    assert 400 <= response.status_code < 500
    page = response.content.decode()
    assert problem in page
    shown = response.context["error"]
    assert not [word for word in INTERNALS if word.lower() in shown.lower()], shown
    assert TEMP not in page and "ranh-gioi-" not in page
    assert not Village.objects.filter(geometry__isnull=False).exists()


@pytest.mark.parametrize("case", BROKEN)
def test_the_import_service_names_the_problem_in_vietnamese(world, tmp_path, case):
    name, data, problem = BROKEN[case]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ImportRejected) as refused:
        boundaries_import(path=path, level="village")
    text = " ".join(str(message) for message in refused.value.problems)
    assert str(tmp_path) not in text
    assert not [word for word in INTERNALS if word.lower() in text.lower()], text
    assert "Không đọc được tệp ranh giới" in text, text
