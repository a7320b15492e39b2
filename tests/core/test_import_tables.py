"""Tables given on the command line (core/services/imports.py ``read_table``) are read by the one sheet
reader (backend/sheets.py): the encodings and cell text of every upload, the same limits' messages."""

import io

import pytest
from openpyxl import Workbook

from core.services.imports import ImportRejected, read_table

TEXT = "Mã xã,Tên thôn,Tên thôn,Số hộ\n21025,  Thôn   Phú Lộc ,,1.200\n\n21025,Thôn 2,x,\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_csv_in_any_encoding(tmp_path, encoding):
    path = tmp_path / "thon.csv"
    path.write_bytes(TEXT.encode(encoding))
    frame = read_table(path)
    assert list(frame.columns) == ["Mã xã", "Tên thôn", "Tên thôn.1", "Số hộ"]
    assert frame.to_dict("records") == [
        {"Mã xã": "21025", "Tên thôn": "Thôn Phú Lộc", "Tên thôn.1": "", "Số hộ": "1.200"},
        {"Mã xã": "21025", "Tên thôn": "Thôn 2", "Tên thôn.1": "x", "Số hộ": ""},
    ]


def test_xlsx_cells_are_text_as_every_sheet_reads_them(tmp_path):
    workbook = Workbook()
    workbook.active.append(["Mã xã", "Số hộ", None, "Ghi chú"])
    workbook.active.append([21025.0, 12, None, "a\u202eb"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "thon.xlsx"
    path.write_bytes(buffer.getvalue())
    frame = read_table(path)
    assert list(frame.columns) == ["Mã xã", "Số hộ", "Unnamed: 2", "Ghi chú"]
    assert frame.to_dict("records") == [{"Mã xã": "21025", "Số hộ": "12", "Unnamed: 2": "", "Ghi chú": "ab"}]


def test_a_file_that_is_no_sheet_is_rejected_naming_it(tmp_path):
    path = tmp_path / "thon.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(ImportRejected, match="thon.xlsx: Tệp không phải bảng tính Excel"):
        read_table(path)
    with pytest.raises(ImportRejected, match="cần .csv hoặc .xlsx"):
        read_table(tmp_path / "thon.pdf")
