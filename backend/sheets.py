"""Spreadsheets people upload (CSV or XLSX) read into rows of plain text: the one reader every sheet
goes through (members, villages, campaign targets, sheets given on the command line).

The bytes are read by ``backend.uploads.sheet_rows``, the bounded reader of every upload: hostile or
broken files are refused there, before their cost is paid. CSV text is read as offices save it: UTF-8
with or without a BOM, Windows-1258, UTF-16 with its BOM (Excel's "Unicode Text"). Each cell becomes one
line of NFC text (``cell_text``); a row that holds nothing is dropped, and every row keeps its number in
the file so a problem can be named where the person will look for it.

What the columns mean is the caller's business (``onboarding.sheets`` finds a header among titles,
``campaigns.sheets`` reads a header or takes the columns in order); ``header_key`` is how every caller
compares a header with the words people write for it.
"""

import codecs
import re
from typing import NamedTuple

from django.utils.translation import gettext as _

from backend.text import clean_text, search_key
from backend.uploads import UploadRejected, sheet_rows

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class SheetError(Exception):
    """The file cannot be read as a sheet; the message says why, in words the person understands."""


class SheetRow(NamedTuple):
    number: int  # the row's number in the file, as the spreadsheet shows it
    cells: list[str]


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


def header_key(header: str) -> str:
    """A header folded for comparison with the words people write: no diacritics, lower case, no
    "(ghi chú)" or punctuation, "Xã / Phường" as "xa/phuong"."""
    key = search_key(header).replace("_", " ")
    key = re.sub(r"\(.*?\)", " ", key)
    key = re.sub(r"[.:*#]", " ", key)
    key = re.sub(r"\s*/\s*", "/", key)
    return " ".join(key.split())


def _utf16_as_utf8(data: bytes, *, max_bytes: int) -> bytes:
    """A UTF-16 text file (it starts with its BOM) as UTF-8, which the bounded reader reads; anything
    else, or a file already too large (refused by the reader), as it is."""
    if len(data) > max_bytes or not data.startswith(_UTF16_BOMS):
        return data
    try:
        return data.decode("utf-16").encode("utf-8")
    except UnicodeDecodeError as error:
        raise SheetError(_("Tệp văn bản UTF-16 bị hỏng: không đọc được.")) from error


def sheet_text_rows(
    *, data: bytes, filename: str, max_bytes: int, max_rows: int, max_columns: int
) -> list[SheetRow]:
    """The first worksheet (XLSX) or the file (CSV) as rows of text, trailing blank cells trimmed and
    rows holding nothing left out; ``SheetError`` naming the problem when the file cannot be read or
    crosses a limit."""
    try:
        raw = sheet_rows(
            data=_utf16_as_utf8(data, max_bytes=max_bytes),
            filename=filename,
            max_bytes=max_bytes,
            max_rows=max_rows,
            max_columns=max_columns,
        )
    except UploadRejected as error:
        raise SheetError(str(error)) from error
    rows = []
    for number, values in raw:
        cells = [cell_text(value) for value in values]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            rows.append(SheetRow(number=number, cells=cells))
    return rows
