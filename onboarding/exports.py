"""Sheets we hand out: one-time passwords, through the product's one spreadsheet writer
(backend/spreadsheets.py), so a name like "=HYPERLINK(…)" stays a name."""

from django.utils.translation import gettext as _

from backend.spreadsheets import Column, Sheet, xlsx_bytes


def passwords_xlsx(rows: list[tuple[str, ...]]) -> bytes:
    """(username, full name, password, commune, team) rows."""
    columns = [
        Column(_("Tên đăng nhập"), width=24),
        Column(_("Họ và tên"), width=32),
        Column(_("Mật khẩu dùng một lần"), width=24),
        Column(_("Xã, phường"), width=28),
        Column(_("Tổ"), width=28),
    ]
    return xlsx_bytes([Sheet(_("Mật khẩu"), columns, rows)])
