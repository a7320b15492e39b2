"""Reading the spreadsheets people actually keep (CSV or XLSX) into plain rows of text.

Real sheets have a merged title ("DANH SÁCH THÀNH VIÊN TỔ CNSCĐ …") above the header, blank lines,
headers in Vietnamese with or without diacritics in any order and case, phone numbers the spreadsheet
turned into numbers (the leading 0 lost), trailing spaces, and names typed on a Mac (NFD). This module
turns any of that into a ``Sheet``: the header row found, every cell as NFC text, each column mapped to
one of our fields when its header is one people write. Citizen ID columns (CCCD, CMND) are dropped here,
before anything else sees them: they are never stored (Decree 13/2023).

Hostile or broken files are refused with a ``SheetError`` naming the problem: not a sheet, too large,
too many columns or rows, a zip that inflates beyond reason or is broken. The file is read by
``backend.sheets``, the one sheet reader every upload goes through; what is here is what members and
villages sheets mean.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from backend.sheets import SheetError, header_key, sheet_text_rows
from backend.spreadsheets import safe_text
from backend.uploads import HEADER_ROWS

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_COLUMNS = 60
MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = HEADER_ROWS

MEMBERS = "members"
VILLAGES = "villages"

# Our field → the headers people write, folded (search_key: no diacritics, lower case).
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    MEMBERS: {
        "username": ("username", "ten dang nhap", "tai khoan", "tai khoan dang nhap"),
        "full_name": ("ho va ten", "ho ten", "ho va ten thanh vien", "ten thanh vien", "full name", "name"),
        "phone": ("so dien thoai", "sdt", "dien thoai", "so dt", "dt", "phone", "so dien thoai lien he"),
        "role": ("chuc vu", "vai tro", "chuc danh", "nhiem vu", "vi tri", "role"),
        "province": ("tinh", "ma tinh", "tinh/thanh pho", "tinh, thanh pho", "province"),
        "commune": (
            "xa",
            "phuong",
            "dac khu",
            "xa/phuong",
            "xa, phuong",
            "xa/phuong/dac khu",
            "xa, phuong, dac khu",
            "ma xa",
            "don vi",
            "commune",
        ),
        "team": ("to cnscd", "to", "ten to", "to cong nghe so", "to cong nghe so cong dong", "team"),
        "villages": (
            "thon",
            "thon/to dan pho",
            "thon, to dan pho",
            "to dan pho",
            "thon/to",
            "ap",
            "ban",
            "khu pho",
            "thon/ap/ban",
            "dia ban",
            "dia ban phu trach",
            "thon phu trach",
            "cac thon",
            "village",
            "villages",
        ),
    },
    VILLAGES: {
        "commune": (
            "xa",
            "phuong",
            "dac khu",
            "xa/phuong",
            "xa, phuong",
            "xa/phuong/dac khu",
            "xa, phuong, dac khu",
            "ma xa",
            "commune",
            "commune code",
        ),
        "name": (
            "thon",
            "ten thon",
            "thon/to dan pho",
            "thon, to dan pho",
            "ten thon, to dan pho",
            "ten thon/to dan pho",
            "to dan pho",
            "ap",
            "ban",
            "khu pho",
            "thon/ap/ban",
            "ten",
            "name",
            "village",
        ),
        "code": ("ma thon", "ma", "code", "village code"),
        "households": ("so ho", "so ho dan", "tong so ho", "so ho gia dinh", "households", "household count"),
        "team": ("to cnscd", "to", "ten to", "to cong nghe so", "to cong nghe so cong dong", "team"),
    },
}
IGNORED_HEADERS = ("stt", "tt", "so tt", "so thu tu", "ghi chu", "note")
# Any header containing one of these is a citizen ID number: the column is dropped unread.
ID_HEADER_PARTS = (
    "cccd",
    "cmnd",
    "can cuoc",
    "dinh danh",
    "chung minh",
    "citizen id",
    "id number",
    "passport",
)

FIELD_LABELS = {
    "username": _lazy("Tên đăng nhập"),
    "full_name": _lazy("Họ và tên"),
    "phone": _lazy("Số điện thoại"),
    "role": _lazy("Chức vụ"),
    "province": _lazy("Tỉnh"),
    "commune": _lazy("Xã, phường"),
    "team": _lazy("Tổ CNSCĐ"),
    "villages": _lazy("Thôn phụ trách"),
    "name": _lazy("Tên thôn, tổ dân phố"),
    "code": _lazy("Mã thôn"),
    "households": _lazy("Số hộ"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


@dataclass
class Sheet:
    headers: list[str]  # as written, ID columns removed
    rows: list[tuple[int, list[str]]]  # (row number in the file, cells), blank lines skipped
    header_row: int = 1
    dropped: list[str] = field(default_factory=list)  # citizen ID headers, dropped unread
    # Lines of the file that are no data, left out by the reader: (row number, its first cells, why).
    skipped: list[tuple[int, str, str]] = field(default_factory=list)
    sheet_name: str = ""  # the worksheet read ("" for a CSV)
    sheet_names: list[str] = field(default_factory=list)  # the workbook's worksheets

    def without(self, numbers: Iterable[int]) -> "Sheet":
        """The sheet less the rows numbered ``numbers`` (those the person left out at preview)."""
        left_out = set(numbers)
        if not left_out:
            return self
        return replace(self, rows=[(number, cells) for number, cells in self.rows if number not in left_out])

    def detected_mapping(self, kind: str) -> dict[int, str]:
        """Column index → our field, for the headers we recognise (each field taken once)."""
        mapping: dict[int, str] = {}
        for index, header in enumerate(self.headers):
            name = header_field(header, kind)
            if name and name not in mapping.values():
                mapping[index] = name
        return mapping


def is_id_header(header: str) -> bool:
    key = header_key(header)
    return any(part in key for part in ID_HEADER_PARTS)


def header_field(header: str, kind: str) -> str | None:
    key = header_key(header)
    if not key or key in IGNORED_HEADERS:
        return None
    for name, aliases in FIELDS[kind].items():
        if key in aliases:
            return name
    # "Số điện thoại liên hệ", "Họ và tên thành viên": a longer header starting with a known one.
    for name, aliases in FIELDS[kind].items():
        for alias in aliases:
            if " " in alias and key.startswith(alias + " "):
                return name
    return None


def header_cell_for(kind: str | None = None) -> Callable[[str], bool]:
    """How an import recognises a header cell: one of its fields (``kind``'s, or any import's), a column
    it knowingly leaves out (STT, Ghi chú) or a citizen ID column it drops. The reader finds the header,
    and the worksheet holding it, by these words."""
    kinds = [kind] if kind else list(FIELDS)

    def known(cell: str) -> bool:
        if not cell:
            return False
        if is_id_header(cell) or header_key(cell) in IGNORED_HEADERS:
            return True
        return any(header_field(cell, name) for name in kinds)

    return known


def read_sheet(*, data: bytes, filename: str, kind: str | None = None, sheet: str | None = None) -> Sheet:
    """The file (CSV) or a worksheet (XLSX) as a ``Sheet``: the one named ``sheet``, else the first whose
    header has the words ``kind``'s import reads; title, total and example lines left out and noted
    (``Sheet.skipped``). ``SheetError`` when it is not one (with the workbook's sheets, to choose
    another)."""
    known = header_cell_for(kind)
    rows = sheet_text_rows(
        data=data,
        filename=filename,
        max_bytes=MAX_UPLOAD_BYTES,
        max_rows=MAX_ROWS,
        max_columns=MAX_COLUMNS,
        sheet=sheet,
        header_cell=known,
    )
    names = list(rows.sheet_names)
    if not rows:
        raise SheetError(_("Tệp không có dữ liệu."), sheet_names=names)
    if any(len(cells) > MAX_COLUMNS for _number, cells in rows):
        raise SheetError(_("Bảng có quá nhiều cột (tối đa %(count)d).") % {"count": MAX_COLUMNS})

    # The header is the row, among the first ones, where most cells are headers we know; merged titles
    # above it have one cell and score at most one.
    best, best_score = 0, 0
    for index, (_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = sum(1 for cell in cells if known(cell))
        if score > best_score:
            best, best_score = index, score
    if best_score < 2 and not (best_score == 1 and best == 0):
        raise SheetError(
            _(
                "Không tìm thấy dòng tiêu đề (ví dụ: Họ và tên, Số điện thoại, Xã, Thôn) trong %(count)d dòng đầu."
            )
            % {"count": HEADER_SEARCH_ROWS},
            sheet_names=names,
        )
    skipped = [(line.number, line.text, line.reason) for line in rows.skipped]
    skipped += [
        (number, " · ".join(filter(None, cells))[:60], _("dòng tiêu đề phía trên bảng, bỏ qua."))
        for number, cells in rows[:best]
    ]
    header_number, headers = rows[best]
    keep = [index for index, header in enumerate(headers) if not is_id_header(header)]
    dropped = [header for header in headers if is_id_header(header)]
    body = []
    for number, cells in rows[best + 1 :]:
        cells = [cells[index] if index < len(cells) else "" for index in keep]
        if any(cells):
            body.append((number, cells))
    if len(body) > MAX_ROWS:
        raise SheetError(_("Bảng có quá %(count)s dòng: hãy chia thành nhiều tệp.") % {"count": MAX_ROWS})
    return Sheet(
        headers=[headers[index] for index in keep],
        rows=body,
        header_row=header_number,
        dropped=dropped,
        skipped=sorted(skipped),
        sheet_name=rows.sheet_name,
        sheet_names=names,
    )


# --- cell values ----------------------------------------------------------------------------------------

PHONE_DIGITS = re.compile(r"[\s.\-()]")


def phone_number(text: str) -> str | None:
    """A Vietnamese phone number as 0XXXXXXXXX, or None when it is not one. "905111222" (the sheet made
    it a number and lost the 0), "+84 905 111 222", "0905.111.222" all give "0905111222"."""
    digits = PHONE_DIGITS.sub("", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not digits.isdigit():
        return None
    if len(digits) in (9, 10) and not digits.startswith("0"):
        digits = "0" + digits
    if len(digits) not in (10, 11) or not digits.startswith("0"):
        return None
    return digits


def safe_cell(text: str) -> str:
    """A cell for a sheet we hand out: the product's one rule (backend/spreadsheets.py)."""
    return safe_text(text)
