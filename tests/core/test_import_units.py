import pytest
from django.core.management import CommandError, call_command

from core.models import Commune, Province
from core.services.units import units_import

pytestmark = pytest.mark.django_db


def test_all_provinces_and_communes():
    report = units_import()
    assert Province.objects.count() == 34
    assert Commune.objects.count() == 3321
    assert report.created == 3321
    quang_ngai = Province.objects.get(code="51")
    assert quang_ngai.full_name == "Tỉnh Quảng Ngãi"
    ly_son = Commune.objects.get(code="21548")
    assert (ly_son.name, ly_son.full_name, ly_son.unit_type, ly_son.province_id) == (
        "Lý Sơn",
        "Đặc khu Lý Sơn",
        "Đặc khu",
        "51",
    )
    assert ly_son.search_name.startswith("ly son")


def test_official_code_where_the_package_differs():
    units_import(province="22")
    assert Commune.objects.filter(code="06978", name="Ba Chẽ").exists()
    assert not Commune.objects.filter(code="06970").exists()


def test_one_province_and_idempotent():
    first = units_import(province="51")
    second = units_import(province="51")
    assert (first.created, second.created, second.updated) == (96, 0, 96)
    assert Commune.objects.count() == 96 and Province.objects.count() == 1


def test_unknown_province_is_an_error():
    with pytest.raises(CommandError, match="99"):
        call_command("import_units", "--province", "99")
    assert Province.objects.count() == 0
