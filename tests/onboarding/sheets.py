"""Real sheets as communes keep them, built with openpyxl: merged title rows above the header, blank
lines, Vietnamese headers in mixed case with spaces, phone numbers the spreadsheet stored as numbers
(leading 0 lost), trailing spaces, names typed in NFD, a citizen ID column."""

import io
import unicodedata

from openpyxl import Workbook

from tests import factories

CCCD = "051234567890"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def area():
    """Phường Cẩm Thành (21025) of Quảng Ngãi with two villages, and Xã Nghĩa Hành beside it."""
    province = factories.ProvinceFactory(code="51", name="Quảng Ngãi", full_name="Tỉnh Quảng Ngãi")
    commune = factories.CommuneFactory(
        code="21025", province=province, name="Cẩm Thành", full_name="Phường Cẩm Thành"
    )
    factories.CommuneFactory(code="21028", province=province, name="Nghĩa Hành", full_name="Xã Nghĩa Hành")
    factories.VillageFactory(commune=commune, code="21025-01", name="Thôn Phú Lộc")
    factories.VillageFactory(commune=commune, code="21025-02", name="Thôn 2")
    return commune


MEMBER_HEADER = ["STT", " Họ và tên ", "Số CCCD", "SĐT", "CHỨC VỤ", "Xã", "Thôn", "Tổ CNSCĐ"]
GOOD_MEMBERS = [
    [1, nfd("Nguyễn Thị Lan"), CCCD, 905111222, "Tổ trưởng", "Cẩm Thành", "Thôn Phú Lộc", "Tổ CNSCĐ Phú Lộc"],
    [2, "Trần Văn Hùng   ", "051000000001", 912345678.0, "Thành viên ", "phuong cam thanh", "Phú Lộc", ""],
    [3, "Lê Thị Mai", None, "0935 123 456", "Trưởng thôn", "21025", "Thôn 2", None],
    [4, "Phạm Quốc Bảo", None, "+84 976 000 111", "tổ phó", "Phường Cẩm Thành", "Thôn 2", "Tổ CNSCĐ Thôn 2"],
]
BAD_MEMBERS = [
    [5, "", None, 905999888, "Thành viên", "Cẩm Thành", "Thôn 2", ""],  # no name
    [6, "Võ Văn Tèo", None, 12345, "Thành viên", "Cẩm Thành", "Thôn 2", ""],  # not a phone
    [7, "Đỗ Thị Hà", None, 905777666, "Thành viên", "Xã Không Có", "Thôn 2", ""],  # unknown commune
    [8, "Bùi Văn Nam", None, 905666555, "Thành viên", "Cẩm Thành", "Thôn 9", ""],  # unknown village
]


def members_workbook(rows, header=MEMBER_HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH THÀNH VIÊN TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG"])
    sheet.merge_cells("A1:H1")
    sheet.append(["Phường Cẩm Thành, tháng 7/2025"])
    sheet.merge_cells("A2:H2")
    sheet.append([])
    sheet.append(header)
    for index, row in enumerate(rows):
        sheet.append(row)
        if index == 1:
            sheet.append([])  # a blank line in the middle
    sheet.append([])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


VILLAGE_HEADER = ["STT", "Xã/Phường", "Tên thôn, tổ dân phố", "Số hộ ", "Tổ CNSCĐ"]


def villages_workbook(rows, header=VILLAGE_HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH THÔN, TỔ DÂN PHỐ"])
    sheet.merge_cells("A1:E1")
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
        sheet.append([])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
