import json

import pytest
from openpyxl import Workbook

from core.models import Village
from core.services.imports import ImportRejected
from onboarding.services import villages_import
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def communes():
    province = factories.ProvinceFactory(code="51", name="Quảng Ngãi", full_name="Tỉnh Quảng Ngãi")
    return [
        factories.CommuneFactory(code="21025", province=province, name="Cẩm Thành"),
        factories.CommuneFactory(code="21028", province=province, name="Nghĩa Lộ"),
    ]


def test_csv_with_vietnamese_headers_numbers_new_villages(communes, tmp_path):
    path = tmp_path / "thon.csv"
    path.write_text(
        "Mã xã,Tên thôn,Số hộ\n21025,Thôn Phú Lộc,120\n21025,Tổ dân phố 3,\n21028,Thôn An Hòa,80\n",
        encoding="utf-8-sig",
    )
    report = villages_import(path=path)
    assert report.created == 3
    assert list(Village.objects.order_by("code").values_list("code", "name", "declared_households")) == [
        ("21025-01", "Thôn Phú Lộc", 120),
        ("21025-02", "Tổ dân phố 3", None),
        ("21028-01", "Thôn An Hòa", 80),
    ]
    again = villages_import(path=path)
    assert (again.created, again.unchanged) == (0, 3)
    assert Village.objects.count() == 3


def test_xlsx_with_codes(communes, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["commune", "code", "name", "households"])
    sheet.append([21025, "21025-07", "Thôn 7", 55])
    workbook.save(tmp_path / "thon.xlsx")
    villages_import(path=tmp_path / "thon.xlsx")
    assert Village.objects.get(code="21025-07").declared_households == 55


def test_geojson_with_geometry(communes, tmp_path):
    path = tmp_path / "thon.geojson"
    square = [[[108.8, 15.1], [108.81, 15.1], [108.81, 15.11], [108.8, 15.11], [108.8, 15.1]]]
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {
                            "code": "21025-01",
                            "commune": "21025",
                            "name": "Thôn 1",
                            "households": 40,
                        },
                        "geometry": {"type": "Polygon", "coordinates": square},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    villages_import(path=path)
    village = Village.objects.get(code="21025-01")
    assert village.geometry["type"] == "Polygon" and village.declared_households == 40


def test_bad_rows_are_named_and_nothing_stored(communes, tmp_path):
    path = tmp_path / "thon.csv"
    path.write_text(
        "commune,name,households\n21025,Thôn 1,10\n99999,Thôn X,5\n21028,,3\n21028,Thôn 4,nhiều\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as error:
        villages_import(path=path)
    problems = error.value.problems
    assert any("dòng 3" in p and "99999" in p for p in problems)
    assert any("dòng 4" in p and "tên thôn" in p for p in problems)
    assert any("dòng 5" in p and "nhiều" in p for p in problems)
    assert Village.objects.count() == 0


def test_missing_column_is_named(communes, tmp_path):
    path = tmp_path / "thon.csv"
    path.write_text("Mã xã,Số hộ\n21025,3\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="Tên thôn"):
        villages_import(path=path)
