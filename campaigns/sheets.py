"""Targets per commune from a sheet a province officer uploads (XLSX or CSV).

One row per commune: the commune by code ("21025") or by name ("Cẩm Thành", "Phường Cẩm Thành", or
"cam thanh" typed without diacritics), matched by ``core.services.area_names``, the rule every sheet
naming communes follows; then the households to reach and, optionally, the people to guide. A first
row of headers is recognised by its words (mã xã, tên xã, số hộ, số người…); without one the columns
are read in that order. Every problem is reported with its row number, and nothing is taken from a
sheet that has any. The file is read by ``backend.sheets``, the one sheet reader of every upload
(bounded: a sheet declaring a huge range is refused before it is read; any encoding offices save).
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from backend import sheets
from backend.sheets import SheetRow, header_key, sheet_text_rows
from core.services.area_names import AreaMatch, AreaNames

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Code, name, households, people, and room for the notes and figures people keep beside them.
MAX_COLUMNS = 60
MAX_ERRORS_SHOWN = 20
# Words of the headers, diacritics folded (backend.sheets.header_key): which column is which.
HEADERS = {
    "code": ("ma xa", "ma", "code", "commune code"),
    "name": ("xa", "ten xa", "ten", "xa, phuong", "xa phuong", "xa/phuong", "commune", "name"),
    "households": ("so ho", "ho", "chi tieu ho", "chi tieu so ho", "households", "target"),
    "people": ("so nguoi", "nguoi", "luot nguoi", "chi tieu nguoi", "people"),
}
# Without a header: the commune (code or name), the households, the people.
ORDERED = {"area": 0, "households": 1, "people": 2}
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


@dataclass(frozen=True)
class TargetRow:
    """One row of a targets sheet, checked: the commune's target it gives, or its problem."""

    line: int
    target: SheetTarget | None = None
    problem: str = ""


def _rows(upload) -> list[SheetRow]:
    """The rows holding anything, read by the product's one sheet reader."""
    name = (upload.name or "").lower()
    if not name.endswith((".xlsx", ".csv")):
        raise SheetError([_("Chỉ nhận tệp .xlsx hoặc .csv.")])
    if upload.size > MAX_BYTES:
        raise SheetError([_("Tệp lớn quá 2 MB.")])
    try:
        return sheet_text_rows(
            data=upload.read(), filename=name, max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS
        )
    except sheets.SheetError as error:
        raise SheetError([str(error)]) from error


def _number(text: str) -> int | None:
    """A whole number ≥ 0 from a cell ("12", "1.200", "1 200"), else None; blank is 0."""
    if not text:
        return 0
    if GROUPED.match(text):
        text = re.sub(r"[.,\s]", "", text)
    return int(text) if text.isascii() and text.isdigit() else None


def _columns(first_row: list[str]) -> tuple[dict[str, int], bool]:
    """Column index per meaning, and whether the first row is a header."""
    folded = [header_key(cell) for cell in first_row]
    found: dict[str, int] = {}
    for meaning, words in HEADERS.items():
        for index, text in enumerate(folded):
            if text in words and index not in found.values():
                found.setdefault(meaning, index)
    if "households" in found and ("code" in found or "name" in found):
        return found, True
    return ORDERED, False


def _cell(cells: list[str], columns: dict[str, int], meaning: str) -> str:
    index = columns.get(meaning)
    return cells[index] if index is not None and index < len(cells) else ""


def _commune(*, line: int, labels: list[str], names: AreaNames) -> AreaMatch | str:
    """The commune the row names (its code cell, else its name cell), or the problem with it."""
    matches = [names.match(label) for label in labels]
    for match in matches:
        if match.area is not None:
            return match
        if match.ambiguous:
            return _("Dòng %(line)d: có nhiều xã tên “%(name)s”, hãy ghi mã xã.") % {
                "line": line,
                "name": match.text,
            }
    problem = _("Dòng %(line)d: không tìm thấy xã “%(name)s” trong tỉnh.") % {
        "line": line,
        "name": labels[0] if labels else "",
    }
    similar = next((match.similar for match in matches if match.similar), ())
    if similar:
        problem += " " + _("Có phải: %(communes)s?") % {
            "communes": ", ".join(f"{c.full_name} ({c.code})" for c in similar[:5])
        }
    return problem


def _target_row(*, row: SheetRow, columns: dict[str, int], names: AreaNames) -> TargetRow:
    """One row checked on its own: the commune it names and its numbers."""
    labels = [text for meaning in ("code", "name", "area") if (text := _cell(row.cells, columns, meaning))]
    commune = _commune(line=row.number, labels=labels, names=names)
    if isinstance(commune, str):
        return TargetRow(line=row.number, problem=commune)
    households = _number(_cell(row.cells, columns, "households"))
    people = _number(_cell(row.cells, columns, "people"))
    if households is None or people is None:
        return TargetRow(
            line=row.number,
            problem=_("Dòng %(line)d: số hộ và số người phải là số nguyên không âm.") % {"line": row.number},
        )
    return TargetRow(
        line=row.number, target=SheetTarget(commune=commune.area.code, households=households, people=people)
    )


def _fold(rows: list[TargetRow]) -> tuple[list[SheetTarget], list[str]]:
    """The rows in order: a commune given twice is a problem of the later row."""
    targets: list[SheetTarget] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for row in rows:
        if row.target is None:
            problems.append(row.problem)
        elif row.target.commune in seen:
            problems.append(
                _("Dòng %(line)d: xã %(code)s đã có ở dòng %(first)d.")
                % {"line": row.line, "code": row.target.commune, "first": seen[row.target.commune]}
            )
        else:
            seen[row.target.commune] = row.line
            targets.append(row.target)
    return targets, problems


def targets_from_sheet(*, upload, communes: list) -> list[SheetTarget]:
    """The targets a sheet gives for ``communes`` (the province's, with code/name/full_name)."""
    rows = _rows(upload)
    if not rows:
        raise SheetError([_("Tệp không có dòng nào.")])
    columns, has_header = _columns(rows[0].cells)
    body = rows[1:] if has_header else rows
    if len(body) > MAX_ROWS:
        raise SheetError([_("Tệp có quá %(count)d dòng.") % {"count": MAX_ROWS}])
    names = AreaNames(communes)
    targets, problems = _fold([_target_row(row=row, columns=columns, names=names) for row in body])
    if problems:
        more = len(problems) - MAX_ERRORS_SHOWN
        raise SheetError(
            problems[:MAX_ERRORS_SHOWN]
            + ([_("… và %(count)d lỗi khác.") % {"count": more}] if more > 0 else [])
        )
    return targets
