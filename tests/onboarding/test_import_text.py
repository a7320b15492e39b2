"""Issue 19 §2: village sheets read from the command line (CSV, XLSX, GeoJSON) store names by the one rule
for stored text: control and bidi-override characters out, NFC, trimmed."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.text import clean_text, has_unsafe_characters
from core.models import Village
from onboarding.services import villages_import
from tests import factories

pytestmark = pytest.mark.django_db

CONTROLS = "".join(
    chr(code) for code in [*range(0x01, 0x20), 0x7F, *range(0x80, 0xA0)] if chr(code) not in '\n\r"'
)
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
NOISE = st.text(st.sampled_from([*CONTROLS, *BIDI, "\u0301"]), max_size=4)


@pytest.fixture
def commune(db):
    province = factories.ProvinceFactory(code="51", name="Quảng Ngãi", full_name="Tỉnh Quảng Ngãi")
    return factories.CommuneFactory(code="21025", province=province, name="Cẩm Thành")


def _geojson(name: str) -> str:
    properties = {"code": "21025-01", "commune": "21025", "name": name}
    square = [[[108.8, 15.1], [108.81, 15.1], [108.81, 15.11], [108.8, 15.11], [108.8, 15.1]]]
    feature = {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Polygon", "coordinates": square},
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]})


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=NOISE, middle=NOISE, after=NOISE, kind=st.sampled_from(["csv", "geojson"]))
def test_village_names_from_files_are_stored_clean(commune, tmp_path, before, middle, after, kind):
    name = f"{before}Thôn{middle} Phú Lộc{after}"
    path = tmp_path / f"thon.{kind}"
    if kind == "csv":
        path.write_text(f'Mã xã,Mã thôn,Tên thôn\n21025,21025-01,"{name}"\n', encoding="utf-8-sig")
    else:
        path.write_text(_geojson(name), encoding="utf-8")
    villages_import(path=path)
    stored = Village.objects.get(code="21025-01").name
    assert not has_unsafe_characters(stored)
    assert stored == " ".join(clean_text(name).split())
