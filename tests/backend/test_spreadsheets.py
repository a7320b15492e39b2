"""The one spreadsheet writer (backend/spreadsheets.py) with any value at all: the file is built, opens,
holds no formula and no character XML or a reader chokes on; ordinary text and numbers come out as they
went in."""

import csv
import datetime as dt
import decimal
import io
from io import BytesIO

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from backend.spreadsheets import FORMULA_START, Column, Sheet, csv_bytes, safe_text, xlsx_bytes
from backend.text import has_unsafe_characters

CONTROLS = "".join(map(chr, [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]))
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
TEXT = st.text(st.characters(exclude_categories=()), max_size=20) | st.builds(
    "".join,
    st.lists(
        st.sampled_from([*FORMULA_START, *CONTROLS, *BIDI, "\ufffe", "\uffff", "\ud800", "e\u0301", "x"])
    ),
)
VALUES = (
    TEXT
    | st.none()
    | st.booleans()
    | st.integers(min_value=-(10**15), max_value=10**15)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.decimals(allow_nan=True, allow_infinity=True, places=2)
    | st.dates()
    | st.datetimes(timezones=st.none() | st.timezones())
    | st.lists(TEXT, max_size=3)
    | st.sampled_from(["=" + "x" * 40_000, "-" * 33_000])
)
ROWS = st.lists(st.lists(VALUES, max_size=6), max_size=6)
FAST = settings(max_examples=60, deadline=None)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _cell_is_safe(value) -> None:
    if isinstance(value, str):
        # A CSV cell is text whatever went in: a negative number is the one thing that may start with "-".
        assert not value.startswith(FORMULA_START) or _is_number(value), value[:40]
        assert not has_unsafe_characters(value.replace("\n", " "))
        assert len(value) <= 32_767


@FAST
@given(title=TEXT, headers=st.lists(TEXT, min_size=1, max_size=4), rows=ROWS)
def test_any_rows_make_an_xlsx_that_opens_without_formulas(title, headers, rows):
    body = xlsx_bytes([Sheet(title, [Column(header) for header in headers], rows), Sheet(title, [], rows)])
    book = load_workbook(BytesIO(body))
    assert len(book.sheetnames) == 2
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                _cell_is_safe(cell.value)


@FAST
@given(headers=st.lists(TEXT, max_size=4), rows=ROWS)
def test_any_rows_make_a_csv_without_formulas(headers, rows):
    body = csv_bytes(header=headers, rows=rows)
    assert body.startswith("\ufeff".encode())
    parsed = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    for row in parsed:
        for value in row:
            _cell_is_safe(value)


def test_ordinary_values_come_out_as_they_went_in():
    when = dt.datetime(2026, 11, 20, 9, 15)
    rows = [["Nhà ông Ba, số 12", 4, 0.25, dt.date(2026, 11, 20), when, None, ["VNeID", "ví điện tử"]]]
    columns = [Column("Hộ"), Column("Số", "#,##0"), Column("Tỉ lệ", "0.0%")]
    sheet = load_workbook(BytesIO(xlsx_bytes([Sheet("Hộ gia đình", columns, rows)]))).active
    assert sheet.title == "Hộ gia đình"
    assert [cell.value for cell in sheet[1]][:3] == ["Hộ", "Số", "Tỉ lệ"]
    values = [cell.value for cell in sheet[2]]
    assert values[:5] == ["Nhà ông Ba, số 12", 4, 0.25, dt.datetime(2026, 11, 20), when]
    assert values[6] == "VNeID; ví điện tử"
    assert sheet["B2"].number_format == "#,##0" and sheet["C2"].number_format == "0.0%"
    assert sheet.freeze_panes == "A2"


def test_formula_text_gets_an_apostrophe_and_stays_text():
    for text in ["=1+1", "+84905", "-x", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x")']:
        assert safe_text(text).startswith("'") or not safe_text(text).startswith(FORMULA_START)
    assert safe_text("=1+1") == "'=1+1" and safe_text("Lan") == "Lan"
    assert safe_text("a\x07b\u202ec\nd") == "abc\nd"  # a line break inside a cell is kept
    sheet = load_workbook(
        BytesIO(xlsx_bytes([Sheet("x", [Column("=A1")], [["=1+1", decimal.Decimal("1.5")]])]))
    )
    assert sheet.active["A1"].value == "'=A1" and sheet.active["A2"].value == "'=1+1"
    assert sheet.active["A2"].data_type == "s"
