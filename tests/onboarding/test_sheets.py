"""Reading real sheets: header found below merged titles, any header spelling, messy cells, hostile files."""

import io
import unicodedata
import zipfile

import pytest
from openpyxl import Workbook

from onboarding.sheets import MEMBERS, SheetError, phone_number, read_sheet, safe_cell
from tests.onboarding.sheets import BAD_MEMBERS, CCCD, GOOD_MEMBERS, members_workbook


def test_header_below_merged_titles_and_messy_cells():
    sheet = read_sheet(data=members_workbook(GOOD_MEMBERS), filename="ds.xlsx")
    assert sheet.header_row == 4
    assert sheet.dropped == ["Số CCCD"]
    assert "Số CCCD" not in sheet.headers and CCCD not in str(sheet.rows)
    mapping = sheet.detected_mapping(MEMBERS)
    assert sorted(mapping.values()) == ["commune", "full_name", "phone", "role", "team", "villages"]
    assert len(sheet.rows) == 4  # blank lines skipped
    numbers = [number for number, _cells in sheet.rows]
    assert numbers == [5, 6, 8, 9]  # the file's own row numbers, past the blank line
    name_column = next(i for i, f in mapping.items() if f == "full_name")
    names = [cells[name_column] for _n, cells in sheet.rows]
    assert names[0] == "Nguyễn Thị Lan" and unicodedata.is_normalized("NFC", names[0])
    assert names[1] == "Trần Văn Hùng"
    phone_column = next(i for i, f in mapping.items() if f == "phone")
    assert sheet.rows[0][1][phone_column] == "905111222"
    assert phone_number(sheet.rows[0][1][phone_column]) == "0905111222"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Họ và tên", "full_name"),
        ("HO VA TEN", "full_name"),
        ("  họ tên  ", "full_name"),
        ("Số điện thoại liên hệ", "phone"),
        ("SĐT", "phone"),
        ("Điện thoại", "phone"),
        ("Vai trò", "role"),
        ("Chức vụ", "role"),
        ("Xã / Phường", "commune"),
        ("Đặc khu", "commune"),
        ("Thôn/Tổ dân phố", "villages"),
        ("Ấp", "villages"),
        ("Bản", "villages"),
        ("Khu phố", "villages"),
        ("Tổ CNSCĐ", "team"),
        ("Tổ", "team"),
        ("Tên đăng nhập", "username"),
    ],
)
def test_headers_people_write(header, field):
    from onboarding.sheets import header_field

    assert header_field(header, MEMBERS) == field


@pytest.mark.parametrize(
    "header", ["Số CCCD", "CMND", "Căn cước công dân", "Số định danh cá nhân", "cccd/cmnd"]
)
def test_citizen_id_columns_are_dropped(header):
    data = f"Họ và tên,{header},SĐT\nLan,{CCCD},0905111222\n".encode()
    sheet = read_sheet(data=data, filename="a.csv")
    assert sheet.dropped == [header] and CCCD not in str(sheet.rows)


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("905111222", "0905111222"),
        ("0905.111.222", "0905111222"),
        ("+84 905 111 222", "0905111222"),
        ("84905111222", "0905111222"),
        ("02553822222", "02553822222"),
        ("12345", None),
        ("abc", None),
    ],
)
def test_phone_numbers(text, phone):
    assert phone_number(text) == phone


def test_csv_encodings_and_delimiters():
    text = "STT;Họ và tên;SĐT;Xã\n1;Nguyễn Thị Lan;905111222;Cẩm Thành\n"
    for data in (
        text.encode("utf-8"),
        text.encode("utf-8-sig"),
        text.encode("utf-16"),  # Excel's "Unicode Text"
        text.encode("cp1258", errors="strict") if _encodable(text, "cp1258") else text.encode("utf-8"),
    ):
        sheet = read_sheet(data=data, filename="a.csv")
        assert sheet.rows[0][1][1] == "Nguyễn Thị Lan"


def _encodable(text, encoding):
    try:
        unicodedata.normalize("NFD", text).encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.csv", "trống"),
        (b"\x00\x01\x02binary", "a.csv", "không phải bảng tính"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "không phải bảng tính Excel"),
        (b"not a zip", "a.xlsx", "không phải bảng tính Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.xls", ".xls"),
        (b"a,b\n1,2\n", "a.csv", "tiêu đề"),
        (b"\n\n\n", "a.csv", "không có dữ liệu"),
    ],
)
def test_bad_files_are_refused_with_a_message(data, name, message):
    with pytest.raises(SheetError, match=message):
        read_sheet(data=data, filename=name)


def test_too_many_columns_and_zip_bombs_are_refused():
    wide = ",".join(["Họ và tên", "SĐT", *[f"c{i}" for i in range(100_000)]]).encode()
    with pytest.raises(SheetError, match="nhiều cột"):
        read_sheet(data=wide, filename="wide.csv")
    with pytest.raises(SheetError, match="nhiều cột"):
        read_sheet(data=_xlsx([["Họ và tên", "SĐT", *range(200)]]), filename="wide.xlsx")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (300 * 1024 * 1024))
    assert len(bomb.getvalue()) < 1024 * 1024
    with pytest.raises(SheetError, match="giải nén"):
        read_sheet(data=bomb.getvalue(), filename="bomb.xlsx")


def test_formula_cells_are_defused_on_export():
    assert [safe_cell(v) for v in ["=1+1", "+84", "-x", "@SUM(A1)", "Lan"]] == [
        "'=1+1",
        "'+84",
        "'-x",
        "'@SUM(A1)",
        "Lan",
    ]


def test_rows_with_errors_are_also_read():
    sheet = read_sheet(data=members_workbook(GOOD_MEMBERS + BAD_MEMBERS), filename="ds.xlsx")
    assert len(sheet.rows) == 8
