"""Every list of the commune leader's pages as an XLSX sheet, with Vietnamese headers, through the
product's one spreadsheet writer (backend/spreadsheets.py: no stored text becomes a formula).

Household names and phones are columns only for scopes that see identity (commune leaders, admins):
a province officer's file has no such column at all.
"""

from django.utils.translation import gettext as _

from backend.spreadsheets import DATE, DATETIME, INTEGER, PERCENT, TEXT, Column, Sheet, xlsx_bytes
from core.scope import Scope


def _workbook(title: str, columns: list[tuple[str, str]], rows) -> bytes:
    spec = [Column(header, number_format) for header, number_format in columns]
    return xlsx_bytes([Sheet(title, spec, rows)])


def villages_xlsx(rows: list[dict], *, totals: dict | None = None) -> bytes:
    """One row per village, then (when given) the commune's totals row."""
    columns = [
        (_("Hạng"), INTEGER),
        (_("Thôn, tổ dân phố"), TEXT),
        (_("Tổ phụ trách"), TEXT),
        (_("Số hộ"), INTEGER),
        (_("Số hộ đã gặp"), INTEGER),
        (_("Số hộ đã đến, chưa gặp"), INTEGER),
        (_("Độ phủ"), PERCENT),
        (_("Hộ chưa thăm lần nào"), INTEGER),
        (_("Việc cần theo dõi đang mở"), INTEGER),
        (_("Lượt người được hướng dẫn"), INTEGER),
        (_("Dịch vụ hoàn thành"), INTEGER),
    ]
    return _workbook(
        _("Thôn theo độ phủ"),
        columns,
        [
            [
                row["rank"],
                row["name"],
                row["team"],
                row["households"],
                row["households_reached"],
                row["households_tried"],
                row["coverage"],
                row["never_visited"],
                row["open_followups"],
                row["people_helped"],
                row["services_done"],
            ]
            for row in rows
        ]
        + ([_totals_row(totals)] if totals else []),
    )


def _totals_row(totals: dict) -> list:
    return [
        None,
        _("Tổng"),
        None,
        totals["households"],
        totals["households_reached"],
        totals["households_tried"],
        totals["coverage"],
        totals["never_visited"],
        totals["open_followups"],
        totals["people_helped"],
        totals["services_done"],
    ]


def visits_xlsx(rows, *, scope: Scope) -> bytes:
    """The visit table (leaders/visit_table.py) as the page shows it, every filtered row."""
    identity = scope.sees_identity
    columns = [(_("Thời điểm thăm"), DATETIME), (_("Thôn"), TEXT)]
    if identity:
        columns.append((_("Hộ"), TEXT))
    columns += [
        (_("Thành viên"), TEXT),
        (_("Tổ"), TEXT),
        (_("Kết quả"), TEXT),
        (_("Hỗ trợ đã làm"), TEXT),
        (_("Cảnh báo"), TEXT),
        (_("Tính vào số liệu"), TEXT),
    ]

    def lines():
        for row in rows:
            line = [row["visited_at"], row["village"]]
            if identity:
                line.append(row["household"])
            line += [row["volunteer"], row["team"], row["outcome"], row["help"], row["flags"], row["counted"]]
            yield line

    return _workbook(_("Lượt thăm"), columns, lines())


def followups_xlsx(groups: list[dict], *, scope: Scope) -> bytes:
    identity = scope.sees_identity
    columns = [
        (_("Tổ"), TEXT),
        (_("Tình trạng"), TEXT),
        (_("Hạn"), DATE),
        (_("Số ngày đến hạn"), INTEGER),
        (_("Dịch vụ"), TEXT),
        (_("Thôn"), TEXT),
    ]
    if identity:
        columns += [(_("Hộ"), TEXT), (_("Số điện thoại"), TEXT)]
    rows = []
    for group in groups:
        for state, items in ((_("Quá hạn"), group["overdue"]), (_("Sắp đến hạn"), group["upcoming"])):
            for item in items:
                row = [group["team"], state, item["due"], item["days"], item["service"], item["village"]]
                if identity:
                    row += [item["household"], item["phone"]]
                rows.append(row)
    return _workbook(_("Việc cần theo dõi"), columns, rows)


def never_visited_xlsx(rows: list[dict], *, scope: Scope) -> bytes:
    identity = scope.sees_identity
    columns = [(_("Thôn"), TEXT), (_("Tổ phụ trách"), TEXT)]
    if identity:
        columns += [(_("Hộ"), TEXT), (_("Số điện thoại"), TEXT)]
    columns += [(_("Số nhân khẩu"), INTEGER), (_("Ngày đăng ký"), DATE), (_("Lần thăm gần nhất"), DATE)]
    out = []
    for row in rows:
        line = [row["village"], row["team"]]
        if identity:
            line += [row["household"], row["phone"]]
        line += [row["members"], row["registered"], row["last_visit"]]
        out.append(line)
    return _workbook(_("Hộ chưa được thăm"), columns, out)


def flagged_xlsx(groups: list[dict], *, scope: Scope) -> bytes:
    identity = scope.sees_identity
    columns = [
        (_("Thành viên"), TEXT),
        (_("Tổ"), TEXT),
        (_("Thời điểm thăm"), DATETIME),
        (_("Thôn"), TEXT),
    ]
    if identity:
        columns.append((_("Hộ"), TEXT))
    columns += [(_("Lý do cảnh báo"), TEXT), (_("Cách vị trí hộ (m)"), INTEGER)]
    rows = []
    for group in groups:
        for visit in group["visits"]:
            row = [group["volunteer"], group["team"], visit["visited_at"], visit["village"]]
            if identity:
                row.append(visit["household"])
            distance = visit["distance_m"]
            row += [visit["reasons"], round(distance) if distance is not None else None]
            rows.append(row)
    return _workbook(_("Lượt thăm có cảnh báo"), columns, rows)


def households_xlsx(rows: list[dict], *, scope: Scope) -> bytes:
    identity = scope.sees_identity
    columns = [(_("Hộ"), TEXT)]
    if identity:
        columns += [(_("Tên chủ hộ"), TEXT), (_("Số điện thoại"), TEXT)]
    columns += [
        (_("Số nhân khẩu"), INTEGER),
        (_("Lần thăm gần nhất"), DATE),
        (_("Kết quả"), TEXT),
        (_("Dịch vụ đã hoàn thành"), TEXT),
        (_("Dịch vụ còn thiếu"), TEXT),
        (_("Việc cần theo dõi"), TEXT),
    ]
    out = []
    for row in rows:
        line = [row["label"]]
        if identity:
            line += [row["head_name"], row["phone"]]
        followups = [f"{service} ({due:%d/%m/%Y})" for service, due in row["followups"]]
        line += [
            row["members"],
            row["last_visit"],
            row["outcome"],
            row["services_done"],
            row["services_missing"],
            followups,
        ]
        out.append(line)
    return _workbook(_("Hộ gia đình"), columns, out)
