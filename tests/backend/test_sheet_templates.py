"""The sheets to fill in for each import (onboarding/sheet_templates.py): Vietnamese headers that the
import reads, one example line that is never imported, a guide; downloadable by those who import."""

import io

import pytest
from openpyxl import load_workbook

from core.models import Role
from onboarding.sheets import FIELDS, MEMBERS, VILLAGES, read_sheet


@pytest.mark.parametrize("kind", [MEMBERS, VILLAGES])
def test_each_import_has_a_template_its_reader_maps_whole(world, client, kind):
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    response = client.get(f"/setup/imports/{kind}/template.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[1] == "Hướng dẫn"
    header = [cell.value for cell in workbook.worksheets[0][1]]
    example = [cell.value for cell in workbook.worksheets[0][2]]
    assert header[-1] == "Ghi chú" and example[-1].startswith("Dòng ví dụ")
    sheet = read_sheet(data=response.content, filename="mau.xlsx")
    mapped = set(sheet.detected_mapping(kind).values())
    assert mapped == set(FIELDS[kind]) - {"username", "province"}
    assert sheet.rows == []  # the example line is never data


def test_templates_are_for_those_who_import(world, client):
    client.force_login(world.a.users[Role.VOLUNTEER])
    assert client.get(f"/setup/imports/{MEMBERS}/template.xlsx").status_code == 404
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    assert client.get("/setup/imports/households/template.xlsx").status_code == 404
