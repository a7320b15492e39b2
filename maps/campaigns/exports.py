"""Campaign exports for reports and the provincial operations centre: aggregates only, never a
household's name or phone. CSV is UTF-8 with a BOM so Excel shows Vietnamese; XLSX has one sheet
per breakdown with Vietnamese headers and number formats; GeoJSON gives one feature per commune."""

import csv
import io
import json

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from field_api.models import Commune
from field_api.scope import Scope
from maps.campaigns.models import Campaign
from maps.campaigns.tally import BREAKDOWNS, campaign_tally

SHEET_TITLES = {
    "commune": "Theo xã",
    "village": "Theo thôn",
    "team": "Theo tổ",
    "service": "Theo dịch vụ",
    "day": "Theo ngày",
}


def columns() -> list[tuple[str, str, str]]:
    """(key, Vietnamese header, number format)."""
    return [
        ("key", _("Mã"), "@"),
        ("name", _("Tên"), "@"),
        ("households_visited", _("Số hộ đã tiếp cận"), "#,##0"),
        ("target", _("Chỉ tiêu hộ"), "#,##0"),
        ("progress", _("Tiến độ"), "0.0%"),
        ("visits", _("Lượt thăm"), "#,##0"),
        ("flagged_visits", _("Lượt thăm có cảnh báo"), "#,##0"),
        ("people_helped", _("Lượt người được hướng dẫn"), "#,##0"),
        ("unique_people", _("Số người (không trùng)"), "#,##0"),
        ("services_done", _("Dịch vụ hoàn thành"), "#,##0"),
    ]


def export_csv(*, campaign: Campaign, scope: Scope, by: str = "commune") -> bytes:
    rows = campaign_tally(campaign=campaign, by=by, scope=scope)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for _key, header, _format in columns()])
    for row in rows:
        writer.writerow(["" if row.get(key) is None else row.get(key) for key, _header, _format in columns()])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(sheets: dict[str, list[dict]], progress=None) -> bytes:
    workbook = Workbook(write_only=False)
    workbook.remove(workbook.active)
    spec = columns()
    for index, (title, rows) in enumerate(sheets.items()):
        sheet = workbook.create_sheet(title)
        sheet.append([header for _key, header, _format in spec])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([row.get(key) for key, _header, _format in spec])
        for column, (_key, header, number_format) in enumerate(spec, start=1):
            letter = get_column_letter(column)
            sheet.column_dimensions[letter].width = max(12, len(header) + 2)
            if number_format != "@":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                    cell.number_format = number_format
        sheet.freeze_panes = "A2"
        if progress:
            progress(int(100 * (index + 1) / len(sheets)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_xlsx(*, campaign: Campaign, scope: Scope, progress=None) -> bytes:
    sheets = {SHEET_TITLES[by]: campaign_tally(campaign=campaign, by=by, scope=scope) for by in BREAKDOWNS}
    return write_xlsx(sheets, progress=progress)


def export_geojson(*, campaign: Campaign, scope: Scope) -> bytes:
    rows = campaign_tally(campaign=campaign, by="commune", scope=scope)
    shapes = dict(
        Commune.objects.filter(code__in=[r["key"] for r in rows]).values_list("code", "geometry_simplified")
    )
    features = [
        {
            "type": "Feature",
            "properties": {key: row.get(key) for key, _h, _f in columns()},
            "geometry": shapes.get(row["key"]),
        }
        for row in rows
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")


FORMATS = {
    "csv": ("text/csv; charset=utf-8", export_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", export_xlsx),
    "geojson": ("application/geo+json", export_geojson),
}
