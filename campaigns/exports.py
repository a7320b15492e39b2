"""Campaign exports for reports and the provincial operations centre: aggregates only, never a
household's name or phone. CSV is UTF-8 with a BOM so Excel shows Vietnamese; XLSX has one sheet
per breakdown with Vietnamese headers and number formats (both through the product's one spreadsheet
writer, backend/spreadsheets.py); GeoJSON gives one feature per commune."""

import json

from django.utils.translation import gettext as _

from backend.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, Column, Sheet, csv_bytes, xlsx_bytes
from campaigns.models import Campaign
from campaigns.tally import BREAKDOWNS, campaign_tally
from core.models import Commune
from core.scope import Scope

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
        ("households_reached", _("Số hộ đã gặp"), "#,##0"),
        ("target", _("Chỉ tiêu hộ"), "#,##0"),
        ("progress", _("Tiến độ"), "0.0%"),
        ("target_people", _("Chỉ tiêu lượt người"), "#,##0"),
        ("people_progress", _("Tiến độ lượt người"), "0.0%"),
        ("visits", _("Lượt thăm"), "#,##0"),
        ("flagged_visits", _("Lượt thăm có cảnh báo nhẹ"), "#,##0"),
        ("held_visits", _("Lượt thăm bị giữ lại chờ xem xét"), "#,##0"),
        ("people_helped", _("Lượt người được hướng dẫn"), "#,##0"),
        ("unique_people", _("Số người (không trùng)"), "#,##0"),
        ("services_done", _("Dịch vụ hoàn thành"), "#,##0"),
    ]


def export_csv(*, campaign: Campaign, scope: Scope, by: str = "commune") -> bytes:
    rows = campaign_tally(campaign=campaign, by=by, scope=scope)
    spec = columns()
    return csv_bytes(
        header=[header for _key, header, _format in spec],
        rows=([row.get(key) for key, _header, _format in spec] for row in rows),
    )


def write_xlsx(sheets: dict[str, list[dict]], progress=None) -> bytes:
    spec = columns()
    return xlsx_bytes(
        [
            Sheet(
                title,
                [
                    Column(header, number_format, width=max(12, len(header) + 2))
                    for _k, header, number_format in spec
                ],
                ([row.get(key) for key, _header, _format in spec] for row in rows),
            )
            for title, rows in sheets.items()
        ],
        progress=progress,
    )


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
    "csv": (CSV_CONTENT_TYPE, export_csv),
    "xlsx": (XLSX_CONTENT_TYPE, export_xlsx),
    "geojson": ("application/geo+json", export_geojson),
}
