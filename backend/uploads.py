"""Reading what people upload (spreadsheets, zipped boundary files) with every cost bounded before it
is paid: the one reader behind every sheet and archive the product accepts.

A file can claim anything. A 5 KB workbook declaring its used range as the whole grid (``A1:XFD1048576``)
made a dense reader allocate gigabytes; a zip member declaring 100 bytes can inflate to gigabytes; a
central directory can list a million members. So nothing here sizes an allocation by what a file
declares. Declarations are checked against the limits first (a zip's member count and uncompressed
sizes, a worksheet's ``<dimension>``), then the content is streamed and checked again as it arrives
(each cell's actual row and column, the bytes each member really inflates to, the characters of text
kept), and reading stops at the first limit crossed. Memory is bounded by the limits, not by the file.

Broken archives (bad CRC, a size that lies, encryption, an unknown compression method, a corrupt or
truncated stream) are ``UploadRejected`` with a message naming the problem, never an exception from
deep inside ``zipfile`` or ``zlib``.

XML is read with expat callbacks, chunk by chunk, so no tree is built; a document type declaration
(the door to entity expansion) never belongs in a workbook and is refused.
"""

import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from posixpath import join, normpath
from typing import NamedTuple
from xml.parsers import expat

from django.utils.translation import gettext as _

CHUNK = 64 * 1024
# Rows a sheet may have above its data (titles, the header, blank lines) beyond the data rows allowed.
HEADER_ROWS = 30
# Excel's own limit for the text of one cell.
MAX_CELL_CHARS = 32_767
XLSX_MAX_MEMBERS = 1_000
# The parts of a workbook read besides its first sheet; real ones are far below (styles of a heavily
# formatted workbook: ~1 MB).
XLSX_MAX_PART_BYTES = 16 * 1024 * 1024
# Shared strings hold a sheet's text once: up to the text a sheet may keep, in UTF-8, with its markup.
XLSX_MAX_STRINGS_BYTES = 64 * 1024 * 1024
SUPPORTED_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
SIGNATURES = {"xlsx": b"PK\x03\x04", "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"}

Row = tuple[int, list]


class UploadRejected(Exception):
    """The upload cannot be read; the message says why, in words the person understands. ``not_zip``
    marks a file that is no zip archive at all (or lost its end), which a reader may word its own way."""

    def __init__(self, message: str, *, not_zip: bool = False):
        super().__init__(message)
        self.not_zip = not_zip


# --- zip archives -------------------------------------------------------------------------------------


def _declared_entries(tail: bytes) -> int | None:
    """The member count a zip's end-of-central-directory record declares (ZIP64 too), read before
    ``zipfile`` builds an object per member; None when there is no such record."""
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) < end + 22:
        return None
    entries = struct.unpack("<H", tail[end + 10 : end + 12])[0]
    locator = tail.rfind(b"PK\x06\x07", 0, end)
    if entries == 0xFFFF and locator >= 0:
        record = tail.rfind(b"PK\x06\x06", 0, locator)
        if record >= 0 and len(tail) >= record + 40:
            entries = struct.unpack("<Q", tail[record + 32 : record + 40])[0]
    return entries


def zip_open(source: bytes | Path, *, max_members: int, max_unzipped: int) -> zipfile.ZipFile:
    """The archive, once what it declares is within bounds: member count, total uncompressed size,
    no encryption, only the compression methods every zip tool writes (Deflate or none)."""
    if isinstance(source, Path):
        try:
            with source.open("rb") as handle:
                handle.seek(0, io.SEEK_END)
                size = handle.tell()
                handle.seek(max(0, size - (1 << 16) - 22 - 76))
                tail = handle.read()
        except OSError as error:
            raise UploadRejected(_("Không tìm thấy tệp %(name)s.") % {"name": source.name}) from error
        opened = source
    else:
        tail = source[-((1 << 16) + 22 + 76) :]
        opened = io.BytesIO(source)
    entries = _declared_entries(tail)
    if entries is None:
        raise UploadRejected(
            _("Tệp nén .zip hỏng hoặc bị cắt cụt (không thấy mục lục cuối tệp)."), not_zip=True
        )
    if entries > max_members:
        raise UploadRejected(_("Tệp nén .zip có quá nhiều tệp (tối đa %(count)d).") % {"count": max_members})
    try:
        archive = zipfile.ZipFile(opened)
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as error:
        raise UploadRejected(_("Tệp nén .zip hỏng hoặc bị cắt cụt."), not_zip=True) from error
    if len(members) > max_members:
        raise UploadRejected(_("Tệp nén .zip có quá nhiều tệp (tối đa %(count)d).") % {"count": max_members})
    for member in members:
        if member.flag_bits & 0x1:
            raise UploadRejected(
                _("Tệp nén có đặt mật khẩu (%(name)s): hãy nén lại không mật khẩu.")
                % {"name": member.filename[:100]}
            )
        if member.compress_type not in SUPPORTED_COMPRESSION:
            raise UploadRejected(
                _(
                    "Tệp nén dùng kiểu nén không hỗ trợ (mã %(method)d, ở %(name)s): hãy nén lại kiểu thông thường."
                )
                % {"method": member.compress_type, "name": member.filename[:100]}
            )
    if sum(member.file_size for member in members) > max_unzipped:
        raise UploadRejected(_("Tệp nén giải nén quá lớn: có thể là tệp độc hại."))
    return archive


def zip_chunks(archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, limit: int) -> Iterator[bytes]:
    """The member's content, chunk by chunk, never more than ``limit`` bytes in all; a corrupt, lying
    or truncated member is an ``UploadRejected`` naming it."""
    name = member.filename[:100]
    total = 0
    try:
        with archive.open(member) as source:
            while chunk := source.read(CHUNK):
                total += len(chunk)
                if total > limit:
                    raise UploadRejected(_("Tệp nén giải nén quá lớn: có thể là tệp độc hại."))
                yield chunk
    except UploadRejected:
        raise
    except zipfile.BadZipFile as error:
        if "CRC" in str(error):
            raise UploadRejected(
                _("Tệp nén hỏng: %(name)s không khớp kích thước hoặc mã kiểm tra (CRC) đã khai báo.")
                % {"name": name}
            ) from error
        raise UploadRejected(_("Tệp nén hỏng: không đọc được %(name)s.") % {"name": name}) from error
    except zlib.error as error:
        raise UploadRejected(_("Tệp nén hỏng: dữ liệu nén của %(name)s bị lỗi.") % {"name": name}) from error
    except EOFError as error:
        raise UploadRejected(_("Tệp nén bị cắt cụt: %(name)s không đầy đủ.") % {"name": name}) from error
    except (RuntimeError, NotImplementedError, OSError, ValueError) as error:
        raise UploadRejected(_("Tệp nén hỏng: không đọc được %(name)s.") % {"name": name}) from error


def zip_check(path: Path, *, max_members: int, max_unzipped: int) -> None:
    """A zip file another reader (GDAL) will open: its declarations and every member's real content
    (inflated in bounded chunks, CRC checked) are sound."""
    with zip_open(path, max_members=max_members, max_unzipped=max_unzipped) as archive:
        budget = max_unzipped
        for member in archive.infolist():
            for chunk in zip_chunks(archive, member, limit=budget):
                budget -= len(chunk)


# --- XML, streamed --------------------------------------------------------------------------------------


_LOCAL: dict[str, str] = {}


def _local(name: str) -> str:
    """A tag without its namespace prefix ("x:row" → "row"), remembered: expat names repeat."""
    local = _LOCAL.get(name)
    if local is None:
        local = name.rpartition(":")[2]
        if len(_LOCAL) < 1_000:
            _LOCAL[name] = local
    return local


def _refuse_doctype(*_args) -> None:
    raise UploadRejected(_("Tệp Excel chứa khai báo XML không được phép (DOCTYPE)."))


def _parse(chunks: Iterator[bytes], *, start, end=None, text=None) -> None:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise UploadRejected(_("Tệp Excel hỏng: nội dung XML không hợp lệ.")) from error


_DIGITS = "0123456789"
_COLUMNS: dict[str, int] = {}


def _cell_position(ref: str) -> tuple[int, int] | None:
    """ "B7" → (7, 2); None when it is not a cell reference."""
    letters = ref.rstrip(_DIGITS)
    digits = ref[len(letters) :]
    column = _COLUMNS.get(letters)
    if column is not None and digits and len(digits) < 10:
        return int(digits), column
    if column is None:
        plain = letters.replace("$", "").upper()
        if not (0 < len(plain) <= 3 and plain.isascii() and plain.isalpha()):
            return None
        column = 0
        for letter in plain:
            column = column * 26 + ord(letter) - 64
        if len(_COLUMNS) < 20_000:
            _COLUMNS[letters] = column
    if not digits or len(digits) > 9:
        return None
    return int(digits), column


# Number formats that show a date or a time: Excel's built-in ones, and any custom format with a day,
# month, year, hour or second code outside quoted text, [colour] or escaped characters.
BUILTIN_DATE_FORMATS = {*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)}
_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_DATE_CODE = re.compile(r"[dmyhs]", re.IGNORECASE)


def _excel_date(serial: float, *, date1904: bool):
    """An Excel date serial as a datetime (1900 system with its phantom 29 February 1900, or 1904);
    the number itself when it is no date."""
    if not 0 <= serial < 2_958_466:
        return serial
    if date1904:
        base = datetime(1904, 1, 1)
    elif serial < 60:
        base = datetime(1899, 12, 31)
    else:
        base = datetime(1899, 12, 30)
    return base + timedelta(days=serial)


class _Budget:
    """Characters of text kept from one sheet: a shared string referenced by a million cells is counted
    a million times, as it would be once the rows are stored."""

    def __init__(self, limit: int):
        self.left = limit

    def spend(self, text: str) -> None:
        if len(text) > MAX_CELL_CHARS:
            raise UploadRejected(_("Một ô có quá %(count)d ký tự.") % {"count": MAX_CELL_CHARS})
        self.left -= len(text)
        if self.left < 0:
            raise UploadRejected(_("Bảng có quá nhiều chữ: hãy chia thành nhiều tệp."))


_NOT_WORKSHEETS = ("chartsheets/", "dialogsheets/", "macrosheets/")


class _Workbook:
    """Where the first sheet, the shared strings and the styles live, read from the package's
    relationships as Excel, LibreOffice and Google Sheets write them."""

    def __init__(self, archive: zipfile.ZipFile, *, max_strings: int, budget: _Budget):
        self.archive = archive
        self.names = {member.filename: member for member in archive.infolist()}
        if "xl/workbook.xml" not in self.names:
            raise UploadRejected(
                _(
                    "Tệp không phải bảng tính Excel .xlsx (có thể là .ods hoặc .xlsb): hãy lưu lại dạng .xlsx hoặc .csv."
                )
            )
        self.date1904 = False
        sheet_ids: list[str] = []
        sheet_names: list[str] = []

        def workbook_start(name, attrs):
            name = _local(name)
            if name == "workbookPr" and attrs.get("date1904") in ("1", "true"):
                self.date1904 = True
            elif name == "sheet" and len(sheet_ids) < XLSX_MAX_MEMBERS:
                sheet_ids.append(next((value for key, value in attrs.items() if _local(key) == "id"), ""))
                sheet_names.append(attrs.get("name", "")[:100])

        self._parse_part("xl/workbook.xml", start=workbook_start)
        targets: dict[str, str] = {}
        kinds: dict[str, str] = {}

        def rels_start(name, attrs):
            if _local(name) == "Relationship" and "Target" in attrs:
                target = attrs["Target"]
                target = normpath(target[1:] if target.startswith("/") else join("xl", target))
                targets[attrs.get("Id", "")] = target
                kinds[attrs.get("Type", "").rpartition("/")[2]] = target

        self._parse_part("xl/_rels/workbook.xml.rels", start=rels_start)
        # Every worksheet by its name, in the workbook's order (a chart sheet or a missing part left out).
        self.sheets: list[tuple[str, zipfile.ZipInfo]] = []
        for sheet_id, sheet_name in zip(sheet_ids, sheet_names, strict=True):
            member = self.names.get(targets.get(sheet_id) or "")
            if member is not None and not any(kind in member.filename for kind in _NOT_WORKSHEETS):
                self.sheets.append((sheet_name, member))
        if not self.sheets and "xl/worksheets/sheet1.xml" in self.names:
            self.sheets.append(("", self.names["xl/worksheets/sheet1.xml"]))
        if not self.sheets:
            raise UploadRejected(_("Tệp Excel không có trang tính nào."))
        self.strings = self._shared_strings(
            kinds.get("sharedStrings", "xl/sharedStrings.xml"), max_strings, budget
        )
        self.date_styles = self._date_styles(kinds.get("styles", "xl/styles.xml"))

    def _parse_part(self, name: str, *, limit: int = XLSX_MAX_PART_BYTES, **handlers) -> None:
        member = self.names.get(normpath(name))
        if member is not None:
            _parse(zip_chunks(self.archive, member, limit=limit), **handlers)

    def _shared_strings(self, name: str, max_strings: int, budget: _Budget) -> list[str]:
        strings: list[str] = []
        parts: list[str] = []
        state = {"in_t": False, "skip": 0, "length": 0}

        def start(tag, _attrs):
            tag = _local(tag)
            if tag == "si":
                parts.clear()
                state["length"] = 0
                if len(strings) >= max_strings:
                    raise UploadRejected(_("Tệp Excel có quá nhiều ô chữ: hãy chia thành nhiều tệp."))
            elif tag in ("rPh", "phoneticPr"):
                state["skip"] += 1  # phonetic guides are not the cell's text
            elif tag == "t":
                state["in_t"] = True

        def end(tag):
            tag = _local(tag)
            if tag == "si":
                value = "".join(parts)
                budget.spend(value)
                strings.append(value)
            elif tag in ("rPh", "phoneticPr"):
                state["skip"] -= 1
            elif tag == "t":
                state["in_t"] = False

        def text(data):
            if state["in_t"] and not state["skip"]:
                parts.append(data)
                state["length"] += len(data)
                if state["length"] > MAX_CELL_CHARS:
                    budget.spend("".join(parts))

        self._parse_part(name, limit=XLSX_MAX_STRINGS_BYTES, start=start, end=end, text=text)
        # Shared strings are counted again for each cell that uses them.
        budget.left += sum(map(len, strings))
        return strings

    def _date_styles(self, name: str) -> set[int]:
        formats: dict[int, str] = {}
        styles: list[int] = []
        state = {"in_xfs": False}

        def start(tag, attrs):
            tag = _local(tag)
            if tag == "numFmt":
                try:
                    formats[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")[:256]
                except ValueError:
                    pass
            elif tag == "cellXfs":
                state["in_xfs"] = True
            elif tag == "xf" and state["in_xfs"]:
                if len(styles) > 65_000:
                    raise UploadRejected(_("Tệp Excel hỏng: quá nhiều kiểu định dạng."))
                try:
                    styles.append(int(attrs.get("numFmtId", "0")))
                except ValueError:
                    styles.append(0)

        def end(tag):
            if _local(tag) == "cellXfs":
                state["in_xfs"] = False

        self._parse_part(name, start=start, end=end)
        return {
            index
            for index, number in enumerate(styles)
            if number in BUILTIN_DATE_FORMATS
            or (number in formats and _DATE_CODE.search(_LITERALS.sub("", formats[number])))
        }


def _too_many_rows(last_row: int) -> UploadRejected:
    return UploadRejected(
        _("Bảng có quá %(count)s dòng: hãy chia thành nhiều tệp.") % {"count": last_row - HEADER_ROWS}
    )


def _too_many_columns(max_columns: int) -> UploadRejected:
    return UploadRejected(_("Bảng có quá nhiều cột (tối đa %(count)d).") % {"count": max_columns})


class Worksheet(NamedTuple):
    """One sheet of a file: its name ("" for a CSV), every sheet's name, and ``read`` giving its rows
    (as ``sheet_rows`` does) or raising ``UploadRejected``; call it before taking the next sheet."""

    name: str
    names: list[str]
    read: Callable[[], list[Row]]


def _xlsx_sheets(data: bytes, *, max_rows: int, max_columns: int, max_chars: int) -> Iterator[Worksheet]:
    """The worksheets in order, each read only when asked: the shared strings and styles are read once,
    each sheet within the same limits. A workbook that cannot be opened is refused before any sheet."""
    max_cells = max_rows * max_columns
    # ~45 bytes of XML a cell (<c r="BH20030" s="12" t="s"><v>1234</v></c>): a sheet full to the limits.
    sheet_bytes = max_cells * 48 + (1 << 20)
    try:
        archive = zip_open(
            data,
            max_members=XLSX_MAX_MEMBERS,
            max_unzipped=sheet_bytes + XLSX_MAX_STRINGS_BYTES + 3 * XLSX_MAX_PART_BYTES,
        )
    except UploadRejected as error:
        if error.not_zip:
            raise UploadRejected(
                _("Tệp không phải bảng tính Excel (.xlsx) hợp lệ (tệp nén hỏng hoặc bị cắt cụt).")
            ) from error
        raise
    budget = _Budget(max_chars)
    with archive:
        book = _Workbook(archive, max_strings=max_cells, budget=budget)
        names = [name for name, _member in book.sheets]
        for index, (name, member) in enumerate(book.sheets):

            def read(member=member, fresh=index > 0) -> list[Row]:
                # Each sheet's text within the bound; shared strings were counted once, on the first.
                reader = _SheetReader(
                    book=book,
                    date1904=book.date1904,
                    budget=_Budget(max_chars) if fresh else budget,
                    max_rows=max_rows,
                    max_columns=max_columns,
                )
                _parse(
                    zip_chunks(archive, member, limit=sheet_bytes),
                    start=reader.start,
                    end=reader.end,
                    text=reader.text,
                )
                return reader.rows

            yield Worksheet(name=name, names=names, read=read)


class _SheetReader:
    """expat callbacks turning a worksheet's XML into rows, checking every position as it arrives: each
    row number above the previous one and within ``max_rows``, each cell right of the previous one and
    within ``max_columns``. A sheet can then hold at most ``max_rows × max_columns`` cells, whatever its
    ``<dimension>`` says, and other elements are bounded by the same count."""

    def __init__(self, *, book, date1904: bool, budget: _Budget, max_rows: int, max_columns: int):
        self.book, self.date1904, self.budget = book, date1904, budget
        self.max_rows, self.max_columns = max_rows, max_columns
        self.elements_left = 4 * max_rows * max_columns + 10_000
        self.rows: list[Row] = []
        self.row = self.column = 0
        self.current: list = []
        self.kind, self.style, self.ref = "n", 0, ""
        self.parts: list[str] = []
        self.length = 0
        self.in_value = False

    def start(self, tag, attrs):
        self.elements_left -= 1
        if self.elements_left < 0:
            raise UploadRejected(
                _("Tệp Excel có cấu trúc bất thường (quá nhiều phần tử): có thể là tệp độc hại.")
            )
        if ":" in tag:
            tag = _local(tag)
        if tag == "c":
            self._cell(attrs)
        elif tag == "v" or (tag == "t" and self.kind == "inlineStr"):
            self.in_value = True
        elif tag == "row":
            self._row(attrs)
        elif tag == "dimension":
            _check_dimension(attrs.get("ref", ""), max_rows=self.max_rows, max_columns=self.max_columns)

    def _row(self, attrs) -> None:
        position = attrs.get("r", "")
        number = int(position) if position.isdigit() and len(position) < 9 else self.row + 1
        if number > self.max_rows:
            raise _too_many_rows(self.max_rows)
        if number <= self.row:
            raise UploadRejected(_("Tệp Excel hỏng: dòng %(row)d lặp lại hoặc sai thứ tự.") % {"row": number})
        self.row, self.column = number, 0

    def _cell(self, attrs) -> None:
        self.ref = attrs.get("r", "")
        position = _cell_position(self.ref) if self.ref else None
        row, column = position if position else (self.row, self.column + 1)
        if column > self.max_columns:
            raise _too_many_columns(self.max_columns)
        if row > self.max_rows:
            raise _too_many_rows(self.max_rows)
        if row != self.row or column <= self.column:
            raise UploadRejected(
                _("Tệp Excel hỏng: ô %(cell)s lặp lại hoặc nằm sai chỗ.") % {"cell": self.ref[:12] or "?"}
            )
        self.column = column
        self.kind = attrs.get("t", "n")
        style = attrs.get("s")
        self.style = int(style) if style and style.isdigit() and len(style) < 7 else 0
        self.parts.clear()
        self.length = 0

    def text(self, data):
        if self.in_value:
            self.parts.append(data)
            self.length += len(data)
            if self.length > MAX_CELL_CHARS:
                self.budget.spend("".join(self.parts))

    def end(self, tag):
        if ":" in tag:
            tag = _local(tag)
        if tag == "v" or tag == "t":
            self.in_value = False
        elif tag == "c":
            value = self._value()
            if value is not None and value != "":
                self.current.extend([None] * (self.column - 1 - len(self.current)))
                self.current.append(value)
        elif tag == "row":
            if self.current:
                self.rows.append((self.row, self.current))
                self.current = []

    def _value(self):
        raw = "".join(self.parts)
        if self.kind == "s":
            try:
                value = self.book.strings[int(raw)]
            except (ValueError, IndexError):
                raise UploadRejected(
                    _("Tệp Excel hỏng: ô %(cell)s trỏ tới chữ không có.") % {"cell": self.ref[:12] or "?"}
                ) from None
        elif self.kind in ("inlineStr", "str", "e", "d"):
            value = raw
        elif self.kind == "b":
            return raw.strip() in ("1", "true")
        else:
            return self._number(raw.strip())
        self.budget.spend(value)
        return value

    def _number(self, text: str):
        if not text:
            return None
        try:
            number = int(text) if text.lstrip("-").isdigit() and len(text) < 20 else float(text)
        except ValueError:
            self.budget.spend(text)
            return text
        if self.style in self.book.date_styles:
            return _excel_date(number, date1904=self.date1904)
        return number


def _check_dimension(ref: str, *, max_rows: int, max_columns: int) -> None:
    """A worksheet's declared used range ("A1:XFD1048576"), refused before any cell is read."""
    corner = ref.rpartition(":")[2][:12]
    position = _cell_position(corner) if corner else None
    if position is None:
        return
    rows, columns = position
    if columns > max_columns:
        raise UploadRejected(
            _(
                "Bảng có quá nhiều cột (tối đa %(count)d): vùng dữ liệu khai báo tới ô %(cell)s. Hãy xoá các "
                "cột thừa (kể cả ô trống đã định dạng) rồi lưu lại, hoặc lưu dạng .csv."
            )
            % {"count": max_columns, "cell": corner}
        )
    if rows > max_rows:
        raise UploadRejected(
            _(
                "Bảng có quá %(count)s dòng: vùng dữ liệu khai báo tới ô %(cell)s. Hãy xoá các dòng thừa "
                "(kể cả ô trống đã định dạng) hoặc chia thành nhiều tệp."
            )
            % {"count": max_rows - HEADER_ROWS, "cell": corner}
        )


# --- CSV ------------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Text as Vietnamese offices save it: UTF-8 (with or without BOM), else Windows-1258, else 1252."""
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")


def _lines(text: str, *, delimiter: str, max_columns: int) -> Iterator[str]:
    """The text's lines for ``csv.reader``, refusing a line with delimiters far beyond any real row
    (quoted cells may hold some) before the reader builds a list of millions of empty cells."""
    most = max(1_000, 20 * max_columns)
    for line in io.StringIO(text, newline=""):
        if line.count(delimiter) > most:
            raise _too_many_columns(max_columns)
        yield line


def _delimiter(sample: str) -> str:
    """The delimiter a few lines tell (the sniffer's time grows quickly with its sample), title lines
    above the table (no delimiter at all) set aside; else the one written most; else a comma."""
    lines = [line for line in sample.splitlines() if any(mark in line for mark in ",;\t")]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t").delimiter
    except csv.Error:
        counts = {mark: sample.count(mark) for mark in ",;\t"}
        best = max(counts, key=lambda mark: counts[mark])
        return best if counts[best] else ","


def _csv_rows(data: bytes, *, max_rows: int, max_columns: int) -> list[Row]:
    text = decode_text(data)
    delimiter = _delimiter(text[:4096])
    rows: list[Row] = []
    try:
        reader = csv.reader(_lines(text, delimiter=delimiter, max_columns=max_columns), delimiter=delimiter)
        for number, values in enumerate(reader, start=1):
            if number > max_rows:
                raise _too_many_rows(max_rows)
            values = values[: max_columns + 1]
            while values and not values[-1].strip():
                values.pop()
            if len(values) > max_columns:
                raise _too_many_columns(max_columns)
            if values:
                rows.append((number, values))
    except csv.Error as error:
        raise UploadRejected(
            _(
                'Không đọc được tệp CSV ở dòng %(line)d: một ô quá dài hoặc có dấu ngoặc kép (") không được đóng.'
            )
            % {"line": reader.line_num}
        ) from error
    return rows


# --- any sheet ------------------------------------------------------------------------------------------


def sheet_rows(*, data: bytes, filename: str, max_bytes: int, max_rows: int, max_columns: int) -> list[Row]:
    """The first worksheet (XLSX) or the file (CSV) as (row number in the file, values) for the rows
    holding anything; values are text, numbers, booleans or dates, None where a cell is empty.

    Row numbers beyond ``max_rows`` and ``HEADER_ROWS`` more (titles and a header above the data,
    blank rows: they count, as they do on screen) are refused, as are columns beyond ``max_columns``;
    the text kept is bounded by ``max_bytes`` characters, as a CSV of that size would be.
    """
    for sheet in worksheets(
        data=data, filename=filename, max_bytes=max_bytes, max_rows=max_rows, max_columns=max_columns
    ):
        return sheet.read()
    raise UploadRejected(_("Tệp Excel không có trang tính nào."))


def worksheets(
    *, data: bytes, filename: str, max_bytes: int, max_rows: int, max_columns: int
) -> Iterator[Worksheet]:
    """The worksheets of a workbook in order (a CSV is one, named ""), each read only when asked and
    within the limits of ``sheet_rows``. A file that is no sheet at all is refused at once."""
    max_rows += HEADER_ROWS
    if not data:
        raise UploadRejected(_("Tệp trống."))
    if len(data) > max_bytes:
        raise UploadRejected(
            _("Tệp quá lớn (tối đa %(size)s MB): hãy chia thành nhiều tệp.")
            % {"size": f"{max_bytes / (1024 * 1024):g}"}
        )
    if data.startswith(SIGNATURES["xlsx"]):
        yield from _xlsx_sheets(data, max_rows=max_rows, max_columns=max_columns, max_chars=max_bytes)
        return
    if data.startswith(SIGNATURES["xls"]):
        raise UploadRejected(_("Tệp Excel cũ (.xls) chưa được hỗ trợ: hãy lưu lại dạng .xlsx hoặc .csv."))
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise UploadRejected(_("Tệp không phải bảng tính Excel (.xlsx) hợp lệ."))
    if b"\x00" in data[:4096]:
        raise UploadRejected(_("Tệp không phải bảng tính (cần .csv hoặc .xlsx)."))
    yield Worksheet(
        name="", names=[""], read=lambda: _csv_rows(data, max_rows=max_rows, max_columns=max_columns)
    )
