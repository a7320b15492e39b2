"""Sheets as communes keep them (backend/sheets.py, the one reader of every import): title lines, the
national motto, two-level merged headers, a line numbering the columns, total lines, Excel's "Unicode
text", workbooks with several sheets, our templates' example line. Each is read as data or left out
with a note naming its row and why; the limits stay."""

import io
import unicodedata

import pytest
from openpyxl import Workbook

from backend.sheets import EXAMPLE_MARK, SheetError, header_key, is_total_row, sheet_text_rows
from backend.spreadsheets import template_bytes

LIMITS = {"max_bytes": 1 << 20, "max_rows": 100, "max_columns": 20}


def _xlsx(*sheets: tuple[str, list[list], list[str]]) -> bytes:
    """A workbook: (title, rows, merged ranges) per sheet, in order."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows, merges in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for merge in merges:
            sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _read(data: bytes, filename: str = "ds.xlsx", **options):
    return sheet_text_rows(data=data, filename=filename, **LIMITS, **options)


def _windows_1258(text: str) -> bytes:
    letters = []
    for letter in text:
        decomposed = unicodedata.normalize("NFD", letter)
        tones = "".join(ch for ch in decomposed if ch in "\u0300\u0301\u0303\u0309\u0323")
        base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in tones))
        letters.append(base + tones)
    return "".join(letters).encode("cp1258")


# What a commune's office sends: the motto, a title, a two-level header, a line numbering the columns,
# the data with a blank line, a subtotal and a total.
COMMUNE_SHEET = [
    ["UBND PHƯỜNG HẠC THÀNH", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    [None, None, None, "Độc lập - Tự do - Hạnh phúc"],
    ["DANH SÁCH THÔN, TỔ DÂN PHỐ NĂM 2026"],
    ["STT", "Đơn vị hành chính", None, "Số hộ"],
    [None, "Xã/phường", "Tên thôn", None],
    ["(1)", "(2)", "(3)", "(4)"],
    [1, "Phường Hạc Thành", "Thôn Đông", 120],
    [2, "Phường Hạc Thành", "Thôn Đồng", 95],
    [],
    [None, "Cộng:", None, 215],
    [3, "Xã Cộng Hòa", "Thôn 1", 40],
    ["Tổng cộng", None, None, 255],
]
COMMUNE_MERGES = ["A1:C1", "A3:D3", "A4:A5", "B4:C4", "D4:D5", "A12:C12"]


def test_a_commune_sheet_is_read_as_its_table_with_every_line_left_out_named():
    rows = _read(_xlsx(("Sheet1", COMMUNE_SHEET, COMMUNE_MERGES)))
    assert [row.cells for row in rows] == [
        ["STT", "Xã/phường", "Tên thôn", "Số hộ"],  # the two-level header, read as its lower cells
        ["1", "Phường Hạc Thành", "Thôn Đông", "120"],
        ["2", "Phường Hạc Thành", "Thôn Đồng", "95"],
        ["3", "Xã Cộng Hòa", "Thôn 1", "40"],  # a commune named "Cộng Hòa" is no total line
    ]
    assert rows[0].number == 4 and [row.number for row in rows[1:]] == [7, 8, 11]
    assert [(line.number, line.reason) for line in rows.skipped] == [
        (1, "dòng tiêu đề phía trên bảng, bỏ qua."),
        (2, "dòng tiêu đề phía trên bảng, bỏ qua."),
        (3, "dòng tiêu đề phía trên bảng, bỏ qua."),
        (5, "dòng tiêu đề thứ hai, đã gộp vào dòng 4."),
        (6, "dòng đánh số cột, bỏ qua."),
        (10, "dòng tổng cộng, không phải dữ liệu: bỏ qua."),
        (12, "dòng tổng cộng, không phải dữ liệu: bỏ qua."),
    ]
    assert (
        rows.skipped[-1].message == "Dòng 12 (“Tổng cộng · 255”): dòng tổng cộng, không phải dữ liệu: bỏ qua."
    )
    assert rows.sheet_name == "Sheet1" and rows.sheet_names == ["Sheet1"]


def test_the_members_import_maps_a_two_level_header_without_knowing_it_was_one():
    from onboarding.sheets import VILLAGES, read_sheet

    sheet = read_sheet(data=_xlsx(("DS", COMMUNE_SHEET, COMMUNE_MERGES)), filename="thon.xlsx")
    assert sheet.header_row == 4
    assert set(sheet.detected_mapping(VILLAGES).values()) == {"commune", "name", "households"}
    assert [cells[2] for _number, cells in sheet.rows] == ["Thôn Đông", "Thôn Đồng", "Thôn 1"]


def test_a_caller_knowing_its_header_words_skips_every_line_above_it():
    rows = [
        ["Sở Khoa học và Công nghệ", "Chỉ tiêu chiến dịch"],  # two cells, still a title
        ["Tên xã", "Số hộ", "Số người"],
        ["Cẩm Thành", 80, 150],
    ]

    def known(cell: str) -> bool:
        return header_key(cell) in ("ten xa", "so ho", "so nguoi")

    read = _read(_xlsx(("Chỉ tiêu", rows, [])), header_cell=known)
    assert [row.cells for row in read] == [["Tên xã", "Số hộ", "Số người"], ["Cẩm Thành", "80", "150"]]
    assert read.header_row == 2 and [line.number for line in read.skipped] == [1]
    # The lower line of a two-level header may score best: the header still starts at its upper line.
    merged = [
        ["Đơn vị", None, "Chỉ tiêu", None],
        ["Tên xã", "Mã", "Số hộ", "Số người"],
        ["Cẩm Thành", "", 1, 2],
    ]
    read = _read(_xlsx(("A", merged, ["A1:B1", "C1:D1"])), header_cell=known)
    assert read[0].cells == ["Tên xã", "Mã", "Số hộ", "Số người"] and read.header_row == 1


@pytest.mark.parametrize(
    ("cells", "total"),
    [
        (["Tổng cộng", "", "255"], True),
        (["", "TỔNG CỘNG:", "255"], True),
        (["Cộng", "215"], True),
        (["Tổng", "215"], True),
        (["tong cong", "1"], True),
        (["Tổng cộng toàn phường", "9"], True),
        (["", "Tổng số", "9"], True),
        (["Xã Cộng Hòa", "40"], False),
        (["Cộng Hòa", "40"], False),
        (["Thôn Tổng Lĩnh", "40"], False),
        (["1", "Tổng cộng"], False),  # the first cell says what the line is
    ],
)
def test_total_lines_are_told_by_their_first_cell(cells, total):
    assert is_total_row(cells) is total


UNICODE_TEXT = "Danh sách thành viên\n\nHọ và tên\tSố điện thoại\tXã\nNguyễn Thị Lan\t0905111222\tCẩm Thành\nTổng cộng\t1\t\n"


@pytest.mark.parametrize(
    "data",
    [
        UNICODE_TEXT.encode("utf-16"),  # Excel's "Unicode text": UTF-16 with its BOM, tabs
        UNICODE_TEXT.encode("utf-16-le"),  # the same without its BOM
        "\ufeff".encode("utf-16-be") + UNICODE_TEXT.encode("utf-16-be"),
        UNICODE_TEXT.encode("utf-8-sig"),
        UNICODE_TEXT.encode("utf-8"),
        _windows_1258(UNICODE_TEXT),
    ],
    ids=["utf-16", "utf-16-le-no-bom", "utf-16-be", "utf-8-bom", "utf-8", "cp1258"],
)
def test_unicode_text_and_every_encoding_give_the_table_without_title_or_total(data):
    rows = _read(data, "ds.txt")
    assert [row.cells for row in rows] == [
        ["Họ và tên", "Số điện thoại", "Xã"],
        ["Nguyễn Thị Lan", "0905111222", "Cẩm Thành"],
    ]
    assert [row.number for row in rows] == [3, 4]
    assert [(line.number, line.text) for line in rows.skipped] == [
        (1, "Danh sách thành viên"),
        (5, "Tổng cộng · 1"),
    ]


GUIDE = ("Hướng dẫn", [["Điền mỗi dòng một thành viên."], ["Không ghi số CCCD."]], [])
TABLE = ("Danh sách", [["DANH SÁCH"], ["Họ và tên", "Xã"], ["Lan", "Cẩm Thành"]], ["A1:B1"])
SUMMARY = ("Tổng hợp", [["Xã", "Số thành viên"], ["Cẩm Thành", 1]], [])


def test_a_workbook_is_read_at_its_first_sheet_holding_a_table_and_names_its_sheets():
    rows = _read(_xlsx(GUIDE, TABLE, SUMMARY))
    assert rows.sheet_name == "Danh sách" and rows.sheet_names == ["Hướng dẫn", "Danh sách", "Tổng hợp"]
    assert [row.cells for row in rows] == [["Họ và tên", "Xã"], ["Lan", "Cẩm Thành"]]
    # The person may choose another sheet by its name.
    chosen = _read(_xlsx(GUIDE, TABLE, SUMMARY), sheet="Tổng hợp")
    assert chosen.sheet_name == "Tổng hợp" and chosen[1].cells == ["Cẩm Thành", "1"]
    with pytest.raises(SheetError, match="không có trang tính “Không có”"):
        _read(_xlsx(GUIDE, TABLE), sheet="Không có")


def test_a_caller_knowing_its_header_words_gets_the_sheet_with_them():
    def known(cell: str) -> bool:
        return header_key(cell) in ("xa", "so thanh vien")

    rows = _read(_xlsx(GUIDE, TABLE, SUMMARY), header_cell=known)
    assert rows.sheet_name == "Tổng hợp"


def test_a_sheet_crossing_a_limit_is_refused_by_name_never_passed_over():
    big = ("Danh sách", [["Họ và tên", "Xã"], *[[f"Người {i}", "Cẩm Thành"] for i in range(140)]], [])
    with pytest.raises(SheetError, match="Trang tính “Danh sách”: Bảng có quá 100 dòng") as refused:
        _read(_xlsx(GUIDE, big, SUMMARY))
    assert refused.value.sheet_names == ["Hướng dẫn", "Danh sách", "Tổng hợp"]
    assert _read(_xlsx(GUIDE, big, SUMMARY), sheet="Tổng hợp").sheet_name == "Tổng hợp"
    with pytest.raises(SheetError, match="quá 100 dòng"):
        _read(_xlsx(big))


def test_a_one_column_sheet_keeps_its_lines_and_a_blank_sheet_is_empty():
    rows = _read(_xlsx(("A", [["Họ và tên"], ["Lan"], ["Hùng"]], [])))
    assert [row.cells for row in rows] == [["Họ và tên"], ["Lan"], ["Hùng"]] and not rows.skipped
    assert list(_read(_xlsx(("A", [], [])))) == []


def test_a_data_line_under_a_header_is_never_taken_for_a_second_header():
    rows = _read(_xlsx(("A", [["Họ và tên", "Chức vụ", "Xã"], ["Lan", "Tổ trưởng", "Cẩm Thành"]], [])))
    assert len(rows) == 2 and not rows.skipped
    # A header with an unnamed column, and text under it: still data (it fills a one-column header too).
    rows = _read(_xlsx(("A", [["Xã", None, "Số hộ"], ["Cẩm Thành", "ghi chú", "Tổ 1"]], [])))
    assert len(rows) == 2 and not rows.skipped


def test_a_templates_example_line_is_never_data():
    data = template_bytes(
        title="Thành viên",
        headers=["Họ và tên", "Số điện thoại"],
        example=["Nguyễn Thị Lan", "0905111222"],
        guide=["x"],
    )
    rows = _read(data)
    assert rows.sheet_names == ["Thành viên", "Hướng dẫn"] and rows.sheet_name == "Thành viên"
    assert [row.cells for row in rows] == [["Họ và tên", "Số điện thoại", "Ghi chú"]]
    assert rows.skipped[0].number == 2 and rows.skipped[0].reason == "dòng ví dụ của tệp mẫu, bỏ qua."
    filled = _xlsx(("A", [["Họ và tên", "Ghi chú"], ["Lan", EXAMPLE_MARK], ["Hùng", ""]], []))
    assert [row.cells for row in _read(filled)][1:] == [["Hùng"]]


def test_only_the_first_sheets_are_looked_at_unless_one_is_chosen():
    guides = [(f"Trang {index}", [["Ghi chú"]], []) for index in range(1, 12)]
    data = _xlsx(*guides, ("Danh sách", [["Họ và tên", "Xã"], ["Lan", "Cẩm Thành"]], []))
    rows = _read(data)
    assert rows.sheet_name == "Trang 1" and len(rows.sheet_names) == 12  # every name offered
    assert _read(data, sheet="Danh sách")[1].cells == ["Lan", "Cẩm Thành"]
