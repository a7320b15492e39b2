"""The sheets to fill in for each import (members, villages): the headers the import reads
(``onboarding.sheets.FIELDS``), an example line that is never imported, and a guide sheet. Written by
the product's one spreadsheet writer (``backend.spreadsheets.template_bytes``).

A page links them with ``{% url 'onboarding:import-template' kind %}`` (kind: ``members`` or ``villages``).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from backend.spreadsheets import XLSX_CONTENT_TYPE, template_bytes
from onboarding.sheets import MEMBERS, VILLAGES

TEMPLATES = {
    MEMBERS: {
        "file": "mau-danh-sach-thanh-vien.xlsx",
        "headers": ("Họ và tên", "Số điện thoại", "Chức vụ", "Xã, phường", "Tổ CNSCĐ", "Thôn phụ trách"),
        "example": (
            "Nguyễn Thị Lan",
            "0905111222",
            "Tổ trưởng",
            "Phường Hạc Thành",
            "Tổ CNSCĐ Thôn 1",
            "Thôn 1; Thôn 2",
        ),
    },
    VILLAGES: {
        "file": "mau-danh-sach-thon.xlsx",
        "headers": ("Xã, phường", "Tên thôn, tổ dân phố", "Mã thôn", "Số hộ", "Tổ CNSCĐ"),
        "example": ("Phường Hạc Thành", "Thôn 1", "", 245, "Tổ CNSCĐ Thôn 1"),
    },
}


def _guide(kind: str) -> list[str]:
    common = [
        _("Giữ nguyên dòng tiêu đề cột; có thể thêm dòng tên bảng phía trên và dòng “Tổng cộng” phía dưới."),
        _("Dòng ví dụ (có ghi chú “Dòng ví dụ”) không bao giờ được nhập: xoá hoặc ghi đè cả ghi chú."),
        _("Lưu dạng .xlsx hoặc .csv. Trước khi lưu, trang nhập cho xem từng dòng và các dòng bị bỏ qua."),
        _("Xã ghi tên trước ngày 1/7/2025 cũng được: trang xem trước cho biết xã mới tương ứng."),
    ]
    if kind == MEMBERS:
        return [
            _("Mỗi dòng một thành viên: họ và tên, số điện thoại, chức vụ, xã, tổ và các thôn phụ trách."),
            _("Nhiều thôn phụ trách: ngăn cách bằng dấu chấm phẩy (Thôn 1; Thôn 2)."),
            _("Không ghi số CCCD: cột CCCD, CMND bị bỏ đi, không bao giờ được lưu."),
            *common,
        ]
    return [
        _("Mỗi dòng một thôn, tổ dân phố: xã, tên thôn (ghi đủ dấu), mã thôn nếu có, số hộ, tổ phụ trách."),
        *common,
    ]


def import_template_bytes(*, kind: str) -> bytes:
    spec = TEMPLATES[kind]
    title = _("Thành viên") if kind == MEMBERS else _("Thôn, tổ dân phố")
    return template_bytes(title=title, headers=spec["headers"], example=spec["example"], guide=_guide(kind))


@login_required
def import_template(request, kind: str):
    """The sheet to fill in for an import, for those who may run it."""
    if not request.user.scope.manages_people or kind not in TEMPLATES:
        raise Http404
    response = HttpResponse(import_template_bytes(kind=kind), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATES[kind]["file"]}"'
    return response
