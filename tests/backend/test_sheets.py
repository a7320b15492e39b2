"""The one sheet reader (backend/sheets.py): every encoding offices save CSV in, XLSX, cells as text."""

import datetime as dt
import io
import unicodedata

import pytest
from openpyxl import Workbook

from backend.sheets import SheetError, cell_text, header_key, sheet_text_rows

TEXT = "STT;Họ và tên;Xã\n1;Nguyễn Thị Lan;Phường Cẩm Thành\n\n2;Trần Văn Hùng;Xã Nghĩa Hành\n"
LIMITS = {"max_bytes": 1 << 20, "max_rows": 100, "max_columns": 10}


def _windows_1258(text: str) -> bytes:
    """Text as a Vietnamese Windows saves it: letters such as ơ, â, đ are one byte, tone marks combining
    characters after them."""
    letters = []
    for letter in text:
        decomposed = unicodedata.normalize("NFD", letter)
        tones = "".join(ch for ch in decomposed if ch in "\u0300\u0301\u0303\u0309\u0323")
        base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in tones))
        letters.append(base + tones)
    return "".join(letters).encode("cp1258")


def _read(data: bytes, filename: str = "a.csv"):
    return sheet_text_rows(data=data, filename=filename, **LIMITS)


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom", "cp1258"]
)
def test_every_encoding_offices_save_reads_the_same_rows(encoding):
    if encoding == "cp1258":
        data = _windows_1258(TEXT)
    elif encoding.endswith("-bom"):
        codec = encoding.removesuffix("-bom")
        bom = "\ufeff".encode(codec)
        data = bom + TEXT.encode(codec)
    else:
        data = TEXT.encode(encoding)
    rows = _read(data)
    assert [row.number for row in rows] == [1, 2, 4]  # the blank line is left out, numbers kept
    assert rows[1].cells == ["1", "Nguyễn Thị Lan", "Phường Cẩm Thành"]
    assert all(unicodedata.is_normalized("NFC", cell) for row in rows for cell in row.cells)


def test_a_broken_utf16_file_is_refused_with_a_message():
    with pytest.raises(SheetError, match="UTF-16"):
        _read(b"\xff\xfe" + "Họ và tên".encode("utf-16-le") + b"\x00\xd8")  # a lone surrogate at the end


def test_xlsx_cells_become_one_line_text():
    workbook = Workbook()
    workbook.active.append(["Họ và tên", "SĐT", "Ngày", "Có"])
    workbook.active.append(["  Lan \n  Nguyễn ", 905111222.0, dt.date(2025, 7, 1), True])
    workbook.active.append([None, None])
    workbook.active.append(["Hùng", 12.5, None, False, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = _read(buffer.getvalue(), "ds.xlsx")
    assert rows[1].cells == ["Lan Nguyễn", "905111222", "2025-07-01", "1"]
    assert rows[2].number == 4 and rows[2].cells == ["Hùng", "12.5", "", "0"]  # trailing blanks trimmed


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (7, "7"), (7.0, "7"), ("a\u202eb\x00c", "abc"), (dt.datetime(2025, 7, 1, 8), "2025-07-01")],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_limits_and_broken_files_are_a_sheet_error():
    with pytest.raises(SheetError, match="quá lớn"):
        sheet_text_rows(data=b"a" * 100, filename="a.csv", max_bytes=10, max_rows=10, max_columns=10)
    with pytest.raises(SheetError, match="không phải bảng tính Excel"):
        _read(b"not a zip", "a.xlsx")


def test_header_key_folds_what_people_write():
    assert header_key(" Xã / Phường (ghi rõ) ") == "xa/phuong"
    assert header_key("SỐ HỘ:") == "so ho"
