"""The one writer for every spreadsheet the product hands out (XLSX and CSV).

Whatever a cell holds, the file is built and opens as data:

- Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or
  a carriage return: OWASP's list; also after leading blanks or invisible characters) is written with a leading apostrophe, and every text cell is typed
  as a string, so a label typed by a volunteer never runs in a leader's or a province officer's Excel.
- Characters that XML cannot hold, or that make a name display reversed, are removed by
  ``backend.text.clean_text`` (the rule every input applies too); line breaks inside a cell are kept.
  Stored text should already be clean: this is the guarantee for rows stored before that rule, and
  for anything a future door forgets.
- Numbers that are not finite become empty cells, aware datetimes are written in local time (XLSX has
  no time zones), lists become "a; b", and text is cut to the 32,767 characters a cell can hold.

XLSX is written with openpyxl's write-only workbook (rows streamed, memory flat in the row count);
CSV is UTF-8 with a BOM so that Excel shows Vietnamese.
"""

import csv
import datetime as dt
import decimal
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from backend.sheets import EXAMPLE_MARK
from backend.text import clean_text, visible_start

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

INTEGER, PERCENT, DATE, DATETIME, TEXT = "#,##0", "0.0%", "DD/MM/YYYY", "DD/MM/YYYY HH:MM", "@"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_CHARACTERS = 32_767  # Excel's limit; a longer cell makes Excel "repair" the file
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    header: str
    number_format: str = TEXT
    width: int | None = None  # characters; from the header when not given


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]


def _writable(text: str, *, multiline: bool) -> str:
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")  # a lone surrogate cannot be written
    return clean_text(text, multiline=multiline)


def safe_text(text: str) -> str:
    """Text as a cell shows it: clean, never a formula."""
    text = _writable(text, multiline=True)[:MAX_CELL_CHARACTERS]
    # Also after blanks: an importer that trims the cell, or a reader, would see the formula.
    if text.startswith(FORMULA_START) or visible_start(text).startswith(FORMULA_START):
        text = ("'" + text)[:MAX_CELL_CHARACTERS]
    return text


def cell_value(value):
    """Any value as a cell holds it: text made safe, numbers finite, datetimes naive local time."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return value if value.is_finite() else None
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date | dt.time):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return safe_text("; ".join(str(item) for item in value))
    return safe_text(str(value))


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _SHEET_TITLE_FORBIDDEN.sub(" ", _writable(title, multiline=False)).strip("' ")[:31] or "Sheet"
    candidate, number = base, 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(candidate.lower())
    return candidate


def _natural_format(value) -> str:
    """The format of a value in a column declared as text (a date must not show as a serial number)."""
    if isinstance(value, dt.datetime):
        return DATETIME
    if isinstance(value, dt.date):
        return DATE
    return "General"


def _text_cell(sheet, text: str, **style) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # a string, whatever it looks like: openpyxl guesses formulas from "="
    for name, value in style.items():
        setattr(cell, name, value)
    return cell


def xlsx_bytes(sheets: Iterable[Sheet], *, progress: Callable[[int], None] | None = None) -> bytes:
    """One workbook, a sheet per ``Sheet``: bold frozen header, each column's number format."""
    sheets = list(sheets)
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    titles: set[str] = set()
    for index, spec in enumerate(sheets):
        sheet = workbook.create_sheet(_sheet_title(spec.title, titles))
        for number, column in enumerate(spec.columns, start=1):
            width = column.width or max(10, min(48, len(column.header) + 4))
            sheet.column_dimensions[get_column_letter(number)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([_text_cell(sheet, safe_text(column.header), font=bold) for column in spec.columns])
        formats = [column.number_format for column in spec.columns]
        for row in spec.rows:
            cells = []
            for position, raw in enumerate(row):
                value = cell_value(raw)
                number_format = formats[position] if position < len(formats) else TEXT
                if isinstance(value, str):
                    cells.append(_text_cell(sheet, value, number_format=number_format))
                else:
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = number_format if number_format != TEXT else _natural_format(value)
                    cells.append(cell)
            sheet.append(cells)
        if progress is not None:
            progress(int(100 * (index + 1) / len(sheets)))
    if not sheets:
        workbook.create_sheet("Sheet")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_cell(value) -> str:
    value = cell_value(value)
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value if isinstance(value, str) else str(value)


def csv_write(handle, *, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Rows into an open text file (opened with ``newline=""``), every cell made safe."""
    writer = csv.writer(handle)
    writer.writerow([_csv_cell(value) for value in header])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])


def csv_bytes(*, header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A CSV file in UTF-8 with a BOM (Excel then reads Vietnamese), every cell made safe."""
    buffer = io.StringIO(newline="")
    csv_write(buffer, header=header, rows=rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_bytes(*, title: str, headers: Sequence[str], example: Sequence, guide: Sequence[str]) -> bytes:
    """A sheet to fill in, as one of our imports reads it: the header, one example line (marked in a
    last "Ghi chú" column, so that an example left in place is never read as data: the sheet reader
    leaves that line out and says so), and a second sheet with the guide, one line a row."""
    note = "Ghi chú"
    return xlsx_bytes(
        [
            Sheet(
                title=title,
                columns=[Column(header, width=max(14, len(header) + 6)) for header in [*headers, note]],
                rows=[[*example, EXAMPLE_MARK]],
            ),
            Sheet(
                title="Hướng dẫn", columns=[Column("Hướng dẫn", width=110)], rows=[[line] for line in guide]
            ),
        ]
    )
