"""Spreadsheets people upload (CSV or XLSX) read into rows of plain text: the one reader every sheet
goes through (members, villages, campaign targets, sheets given on the command line).

The bytes are read by ``backend.uploads``, the bounded reader of every upload: hostile or broken files
are refused there, before their cost is paid. CSV text is read as offices save it: UTF-8 with or without
a BOM, Windows-1258, UTF-16 (Excel's "Unicode Text": tab-separated, with its BOM, or without one). Each
cell becomes one line of NFC text (``cell_text``); a row that holds nothing is dropped, and every row
keeps its number in the file so a problem can be named where the person will look for it.

Sheets come as communes keep them, and the reader takes what is not data out, saying so row by row
(``SheetRows.skipped``) so the person sees what was left out and why:

- title lines above the table (a merged "DANH SÁCH …" cell, the national motto, "Kèm theo Quyết định …");
  a caller that knows its header words (``header_cell``) has every line above its header left out;
- a two-level header ("Đơn vị hành chính" merged over "Xã/phường" and "Mã xã") read as one row, each
  column named by its lower cell, and the line numbering the columns ("(1) (2) (3)") under a header;
- total lines ("Tổng cộng", "Cộng", "Tổng"), wherever they are, and the example line of our templates.

A workbook with several sheets is read at the sheet the person chose (``sheet``), else at the first one
holding a recognisable table (its header words, when the caller gives them); the names of its sheets
come back (``SheetRows.sheet_names``) so a page can offer the choice.

What the columns mean is the caller's business (``onboarding.sheets`` maps a header to its fields,
``campaigns.sheets`` reads a header or takes the columns in order); ``header_key`` is how every caller
compares a header with the words people write for it.
"""

import codecs
import re
import unicodedata
from collections.abc import Callable
from typing import NamedTuple

from django.utils.translation import gettext as _

from backend.text import clean_text, search_key
from backend.uploads import HEADER_ROWS, UploadRejected, worksheets

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Sheets of a workbook looked at for a table when none is chosen (a guide sheet, a summary, the list…).
MAX_SHEETS = 10
# The cell our downloadable templates put on their example line: that line is never data.
EXAMPLE_MARK = "Dòng ví dụ: xoá hoặc ghi đè dòng này"
# Total lines, as their first cell reads (lower case, ":" and "." dropped); with or without diacritics.
TOTAL_WORDS = frozenset(
    {"tổng cộng", "cộng", "tổng", "tổng số", "tong cong", "tong", "tong so", "total", "grand total"}
)
TOTAL_STARTS = ("tổng cộng ", "tong cong ", "cộng toàn ", "tổng toàn ")
# Lines of an official document's heading: never a table's header, whatever cells they have.
MOTTO_PARTS = ("cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc", "doc lap tu do hanh phuc")
_COLUMN_NUMBER = re.compile(r"^\(?(\d{1,2}|[a-z])\)?$", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?\d[\d.,\s]*$")


class SheetError(Exception):
    """The file cannot be read as a sheet; the message says why, in words the person understands.
    ``sheet_names``: the workbook's sheets, when it has several (a page may offer to choose one)."""

    def __init__(self, message: str, *, sheet_names: list[str] | None = None):
        super().__init__(message)
        self.sheet_names = sheet_names or []


class SheetRow(NamedTuple):
    number: int  # the row's number in the file, as the spreadsheet shows it
    cells: list[str]


class SkippedRow(NamedTuple):
    """A line of the file that is not data, left out: its number, what it holds, and why."""

    number: int
    text: str  # its first cells, for the person to recognise the line
    reason: str

    @property
    def message(self) -> str:
        return _("Dòng %(row)d (“%(text)s”): %(reason)s") % {
            "row": self.number,
            "text": self.text,
            "reason": self.reason,
        }


class SheetRows(list):
    """The rows of data (``SheetRow``), and what the reader left out and from where: a list, so every
    caller reads it as rows."""

    def __init__(
        self,
        rows: list[SheetRow] = (),
        *,
        skipped: list[SkippedRow] | None = None,
        sheet_name: str = "",
        sheet_names: list[str] | None = None,
        header_row: int | None = None,
    ):
        super().__init__(rows)
        self.skipped = skipped or []
        self.sheet_name = sheet_name  # the worksheet read ("" for a CSV)
        self.sheet_names = sheet_names or []  # the worksheets looked at, in the workbook's order
        self.header_row = header_row  # the header's row number, when the caller gave its words


def cell_text(value) -> str:
    """Any cell as trimmed one-line text (``clean_text``: no control or bidi-override characters, NFC),
    runs of spaces made one: 905111222.0 → "905111222", a date → "2025-07-01", TRUE → "1"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return " ".join(clean_text(str(value)).split())


MAX_HEADER_CHARS = 300


def header_key(header: str) -> str:
    """A header folded for comparison with the words people write: no diacritics, lower case, no
    "(ghi chú)" or punctuation, "Xã / Phường" as "xa/phuong"."""
    # No header is this long; a cell that is (a sheet's 32,767 "(" in a row) costs the pattern below
    # time that grows with its square, for every cell tried as a header.
    key = search_key(header[:MAX_HEADER_CHARS]).replace("_", " ")
    key = re.sub(r"\(.*?\)", " ", key)
    key = re.sub(r"[.:*#]", " ", key)
    key = re.sub(r"\s*/\s*", "/", key)
    return " ".join(key.split())


def _utf16_as_utf8(data: bytes, *, max_bytes: int) -> bytes:
    """A UTF-16 text file (with its BOM, or without one when its first characters are plainly UTF-16
    little-endian: a zero byte after most letters) as UTF-8, which the bounded reader reads; anything
    else, or a file already too large (refused by the reader), as it is."""
    if len(data) > max_bytes:
        return data
    codec = "utf-16" if data.startswith(_UTF16_BOMS) else None
    head = data[:512]
    odd, even = head[1::2], head[0::2]
    if codec is None and len(head) >= 8 and odd.count(0) >= len(odd) / 2 and even.count(0) <= len(even) / 20:
        codec = "utf-16-le"  # mostly ASCII letters, each followed by a zero byte
    if codec is None:
        return data
    try:
        return data.decode(codec).encode("utf-8")
    except UnicodeDecodeError as error:
        raise SheetError(_("Tệp văn bản UTF-16 bị hỏng: không đọc được.")) from error


def _text_rows(raw) -> list[SheetRow]:
    rows = []
    for number, values in raw:
        cells = [cell_text(value) for value in values]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            rows.append(SheetRow(number=number, cells=cells))
    return rows


# --- what is not data ------------------------------------------------------------------------------------


def _filled(cells: list[str]) -> list[str]:
    return [cell for cell in cells if cell]


def _shown(cells: list[str]) -> str:
    text = " · ".join(_filled(cells)[:3])
    return text if len(text) <= 60 else text[:59] + "…"


def is_total_row(cells: list[str]) -> bool:
    """A line that adds up the lines above it: its first cell says so ("Tổng cộng", "Cộng:", "TỔNG")."""
    filled = _filled(cells)
    if not filled:
        return False
    first = " ".join(
        unicodedata.normalize("NFC", filled[0]).lower().replace(":", " ").replace(".", " ").split()
    )
    return first in TOTAL_WORDS or first.startswith(TOTAL_STARTS)


def _is_motto(cells: list[str]) -> bool:
    return any(part in search_key(cell) for cell in cells for part in MOTTO_PARTS)


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text))


def _is_column_numbering(cells: list[str]) -> bool:
    """The line under a header numbering its columns: "1 2 3 4", "(1) (2) (3)" or "A B C"."""
    filled = _filled(cells)
    if len(filled) < 3:
        return False
    marks = [_COLUMN_NUMBER.match(cell) for cell in filled]
    if not all(marks):
        return False
    values = [mark.group(1).lower() for mark in marks]
    if all(value.isdigit() for value in values):
        numbers = [int(value) for value in values]
        return numbers == list(range(numbers[0], numbers[0] + len(numbers))) and numbers[0] in (0, 1)
    return values == [chr(ord("a") + index) for index in range(len(values))]


def _is_sub_header(upper: list[str], lower: list[str]) -> bool:
    """Whether ``lower`` names the columns a merged cell of ``upper`` spans ("Đơn vị hành chính" over
    "Xã/phường" and "Mã xã"): every cell of ``lower`` is text standing under a cell of ``upper`` that
    spans several columns (the cells right of it are empty), and ``upper`` has other headers."""
    if len(_filled(upper)) < 2 or not _filled(lower):
        return False
    width = max(len(upper), len(lower))
    upper = upper + [""] * (width - len(upper))
    # Each column's span in ``upper``: from a filled cell up to the next filled one.
    span_start: list[int | None] = []
    current = None
    for index, cell in enumerate(upper):
        if cell:
            current = index
        span_start.append(current)
    span_width = {start: span_start.count(start) for start in set(span_start) if start is not None}
    for index, cell in enumerate(lower):
        if not cell:
            continue
        if _is_number(cell):
            return False
        start = span_start[index]
        if start is None or span_width[start] < 2:
            return False
    return True


def _header_index(rows: list[SheetRow], header_cell: Callable[[str], bool]) -> tuple[int, int]:
    """The row among the first ones with the most cells the caller knows as headers, and that count."""
    best, best_score = 0, 0
    for index, row in enumerate(rows[:HEADER_ROWS]):
        score = sum(1 for cell in row.cells if cell and header_cell(cell))
        if score > best_score:
            best, best_score = index, score
    return best, best_score


def _header_at(rows: list[SheetRow], header_cell: Callable[[str], bool] | None) -> int:
    """Where the header is: the caller's words find it; else it is the first line of a table (two cells
    or more, not the heading of an official document) among the first lines, or the first line."""
    if header_cell is not None:
        index, score = _header_index(rows, header_cell)
        if score >= 2 or (score == 1 and index == 0):
            # A two-level header may score best on its lower line.
            if index > 0 and _is_sub_header(rows[index - 1].cells, rows[index].cells):
                return index - 1
            return index
    for index, row in enumerate(rows[:HEADER_ROWS]):
        if len(_filled(row.cells)) >= 2 and not _is_motto(row.cells):
            return index
    return 0


def _merged(upper: SheetRow, lower: SheetRow) -> SheetRow:
    """A two-level header as one row: each column named by its lower cell, else its upper one."""
    width = max(len(upper.cells), len(lower.cells))
    cells = [
        (lower.cells[i] if i < len(lower.cells) else "") or (upper.cells[i] if i < len(upper.cells) else "")
        for i in range(width)
    ]
    return SheetRow(number=upper.number, cells=cells)


def _tidy(rows: list[SheetRow], *, header_cell: Callable[[str], bool] | None) -> SheetRows:
    """The rows of data, with title, second-header, column-numbering, total and example lines left out
    and noted."""
    skipped: list[SkippedRow] = []

    def skip(row: SheetRow, reason: str) -> None:
        skipped.append(SkippedRow(number=row.number, text=_shown(row.cells), reason=reason))

    header = _header_at(rows, header_cell)
    for row in rows[:header]:
        skip(row, _("dòng tiêu đề phía trên bảng, bỏ qua."))
    body = list(rows[header:])
    header_row = body[0].number if body and header_cell is not None else None
    if len(body) >= 2 and _is_sub_header(body[0].cells, body[1].cells):
        skip(body[1], _("dòng tiêu đề thứ hai, đã gộp vào dòng %(row)d.") % {"row": body[0].number})
        body = [_merged(body[0], body[1]), *body[2:]]
    if len(body) >= 2 and _is_column_numbering(body[1].cells):
        skip(body[1], _("dòng đánh số cột, bỏ qua."))
        body = [body[0], *body[2:]]
    kept = body[:1]
    for row in body[1:]:
        if is_total_row(row.cells):
            skip(row, _("dòng tổng cộng, không phải dữ liệu: bỏ qua."))
        elif any(cell == EXAMPLE_MARK for cell in row.cells):
            skip(row, _("dòng ví dụ của tệp mẫu, bỏ qua."))
        else:
            kept.append(row)
    skipped.sort(key=lambda item: item.number)
    return SheetRows(kept, skipped=skipped, header_row=header_row)


# --- reading -------------------------------------------------------------------------------------------


def _table_score(rows: list[SheetRow], header_cell: Callable[[str], bool] | None) -> int:
    """How much a sheet looks like the table wanted: header words found, else lines of two cells or more."""
    if header_cell is not None:
        return _header_index(rows, header_cell)[1]
    return min(2, sum(1 for row in rows[: HEADER_ROWS + 2] if len(_filled(row.cells)) >= 2))


def sheet_text_rows(
    *,
    data: bytes,
    filename: str,
    max_bytes: int,
    max_rows: int,
    max_columns: int,
    sheet: str | None = None,
    header_cell: Callable[[str], bool] | None = None,
) -> SheetRows:
    """The sheet's rows of data as text (``SheetRows``), trailing blank cells trimmed, rows holding
    nothing and lines that are no data (titles, totals…: ``SheetRows.skipped``) left out; the
    worksheet named ``sheet``, else the first with a table (one whose header has at least two cells
    ``header_cell`` knows, when given). ``SheetError`` naming the problem when the file cannot be read
    or crosses a limit."""
    names: list[str] = []
    chosen: tuple[str, list[SheetRow]] | None = None
    try:
        for index, worksheet in enumerate(
            worksheets(
                data=_utf16_as_utf8(data, max_bytes=max_bytes),
                filename=filename,
                max_bytes=max_bytes,
                max_rows=max_rows,
                max_columns=max_columns,
            )
        ):
            names = worksheet.names
            if (sheet is not None and worksheet.name != sheet) or (sheet is None and index >= MAX_SHEETS):
                continue
            try:
                rows = _text_rows(worksheet.read())
            except UploadRejected as error:
                # A sheet that cannot be read is never passed over for a later one: the person chooses.
                if len(names) > 1:
                    message = _("Trang tính “%(sheet)s”: %(problem)s") % {
                        "sheet": worksheet.name,
                        "problem": error,
                    }
                    raise SheetError(message, sheet_names=names) from error
                raise
            if chosen is None or _table_score(rows, header_cell) > _table_score(chosen[1], header_cell):
                chosen = (worksheet.name, rows)  # the first readable sheet, unless a later one has the table
            if sheet is not None or _table_score(chosen[1], header_cell) >= 2:
                break
    except UploadRejected as error:
        raise SheetError(str(error)) from error
    if sheet is not None and sheet not in names:
        raise SheetError(_("Tệp không có trang tính “%(name)s”.") % {"name": sheet[:100]})
    if chosen is None:
        return SheetRows([], sheet_names=names)
    result = _tidy(chosen[1], header_cell=header_cell)
    result.sheet_name, result.sheet_names = chosen[0], names
    return result
