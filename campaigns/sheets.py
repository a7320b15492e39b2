"""Targets per commune from a sheet a province officer uploads (XLSX or CSV).

One row per commune: the commune by code ("21025") or by name, with or without diacritics and the
"Xã"/"Phường" word ("Cam Thanh", "Phường Cẩm Thành"); then the households to reach and, optionally,
the people to guide. A first row of headers is recognised by its words (mã xã, tên xã, số hộ, số
người…); without one the columns are read in that order. Every problem is reported with its row
number, and nothing is taken from a sheet that has any. The file is read by ``backend.uploads``,
the bounded reader of every upload: a sheet declaring a huge range is refused before it is read.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from backend.text import clean_text, search_key
from backend.uploads import UploadRejected, sheet_rows

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Code, name, households, people, and room for the notes and figures people keep beside them.
MAX_COLUMNS = 60
# Words of the headers, diacritics folded (backend/text.py): which column is which.
HEADERS = {
    "code": ("ma xa", "ma", "code", "commune code"),
    "name": ("xa", "ten xa", "ten", "xa, phuong", "xa phuong", "commune", "name"),
    "households": ("so ho", "ho", "chi tieu ho", "chi tieu so ho", "households", "target"),
    "people": ("so nguoi", "nguoi", "luot nguoi", "chi tieu nguoi", "people"),
}
GROUPED = re.compile(r"^\d{1,3}([.,\s]\d{3})+$")


class SheetError(Exception):
    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class SheetTarget:
    commune: str
    households: int
    people: int


def _rows(upload) -> list[tuple[int, list]]:
    """(row number, values) of the rows holding anything, read by the product's one bounded reader."""
    name = (upload.name or "").lower()
    if not name.endswith((".xlsx", ".csv")):
        raise SheetError([_("Chỉ nhận tệp .xlsx hoặc .csv.")])
    if upload.size > MAX_BYTES:
        raise SheetError([_("Tệp lớn quá 2 MB.")])
    try:
        return sheet_rows(
            data=upload.read(), filename=name, max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS
        )
    except UploadRejected as error:
        raise SheetError([str(error)]) from error


def _number(value) -> int | None:
    """A whole number ≥ 0 from a cell (12, 12.0, "1.200", "1 200"), else None; blank is 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if value >= 0 and float(value).is_integer() else None
    text = str(value).strip()
    if GROUPED.match(text):
        text = re.sub(r"[.,\s]", "", text)
    return int(text) if text.isdigit() else None


def _columns(first_row: list) -> tuple[dict[str, int], bool]:
    """Column index per meaning, and whether the first row is a header."""
    folded = [search_key(str(cell)) if cell is not None else "" for cell in first_row]
    found: dict[str, int] = {}
    for meaning, words in HEADERS.items():
        for index, text in enumerate(folded):
            if text in words and index not in found.values():
                found.setdefault(meaning, index)
    if "households" in found and ("code" in found or "name" in found):
        return found, True
    return {"area": 0, "households": 1, "people": 2}, False


def targets_from_sheet(*, upload, communes: list) -> list[SheetTarget]:
    """The targets a sheet gives for ``communes`` (the province's, with code/name/full_name)."""
    rows = [(line, row) for line, row in _rows(upload) if any(cell not in (None, "") for cell in row)]
    if not rows:
        raise SheetError([_("Tệp không có dòng nào.")])
    columns, has_header = _columns(rows[0][1])
    body = rows[1:] if has_header else rows
    if len(body) > MAX_ROWS:
        raise SheetError([_("Tệp có quá %(count)d dòng.") % {"count": MAX_ROWS}])
    by_code = {c.code: c.code for c in communes}
    by_name: dict[str, set[str]] = {}
    for commune in communes:
        for label in {commune.name, commune.full_name}:
            by_name.setdefault(search_key(label), set()).add(commune.code)

    def cell(row, meaning):
        index = columns.get(meaning)
        return row[index] if index is not None and index < len(row) else None

    errors, targets, seen = [], [], {}
    for line, row in body:
        raw = [cell(row, meaning) for meaning in ("code", "name", "area")]
        labels = [clean_text(str(value)) for value in raw if value not in (None, "")]
        code = None
        for label in labels:
            if isinstance(label, str) and label.endswith(".0") and label[:-2].isdigit():
                label = label[:-2]
            if label in by_code:
                code = label
                break
            matches = by_name.get(search_key(label), set())
            if len(matches) == 1:
                code = next(iter(matches))
                break
            if len(matches) > 1:
                errors.append(
                    _("Dòng %(line)d: có nhiều xã tên “%(name)s”, hãy ghi mã xã.")
                    % {"line": line, "name": label}
                )
                code = ""
                break
        if code == "":
            continue
        if code is None:
            errors.append(
                _("Dòng %(line)d: không tìm thấy xã “%(name)s” trong tỉnh.")
                % {"line": line, "name": labels[0] if labels else ""}
            )
            continue
        households, people = _number(cell(row, "households")), _number(cell(row, "people"))
        if households is None or people is None:
            errors.append(_("Dòng %(line)d: số hộ và số người phải là số nguyên không âm.") % {"line": line})
            continue
        if code in seen:
            errors.append(
                _("Dòng %(line)d: xã %(code)s đã có ở dòng %(first)d.")
                % {"line": line, "code": code, "first": seen[code]}
            )
            continue
        seen[code] = line
        targets.append(SheetTarget(commune=code, households=households, people=people))
    if errors:
        raise SheetError(
            errors[:20]
            + ([_("… và %(count)d lỗi khác.") % {"count": len(errors) - 20}] if len(errors) > 20 else [])
        )
    return targets
