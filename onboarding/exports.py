"""Sheets we hand out: one-time passwords. Every cell that a spreadsheet would run as a formula is
written as text with a leading apostrophe (a name like "=HYPERLINK(…)" stays a name)."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from onboarding.sheets import safe_cell


def passwords_xlsx(rows: list[tuple[str, str, str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Mật khẩu")
    sheet.append([_("Tên đăng nhập"), _("Họ và tên"), _("Mật khẩu dùng một lần")])
    for row in rows:
        sheet.append([safe_cell(str(value)) for value in row])
    for column, width in zip("ABC", (24, 32, 24), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
