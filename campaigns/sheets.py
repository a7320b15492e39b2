"""Targets per commune from a sheet a province officer uploads (XLSX or CSV).

One row per commune: the commune by code ("21025") or by name ("Cẩm Thành", "Phường Cẩm Thành", or
"cam thanh" typed without diacritics), matched by ``core.services.area_names``, the rule every sheet
naming communes follows; then the households to reach and, optionally, the people to guide. The header
is found by its words (mã xã, tên xã, số hộ, số người…) among the first lines, so title lines above it
are never read as communes; without one the columns are read in that order. The file is read by
``backend.sheets``, the one sheet reader of every upload (bounded; any encoding offices save; title,
total and second-header lines left out and noted; the first sheet of a workbook holding the table).

``target_sheet_read`` gives what the officer confirms before anything is stored (``TargetSheet``): the
communes found with their targets, the rows that match no commune (each with its row number and why),
and the lines left out. A row naming a commune with no number at all is left out too, and said so: an
empty line of a list of communes is not a target of 0 that would put the commune into the campaign.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from backend import sheets
from backend.formats import number
from backend.sheets import SheetRow, SheetRows, header_key, sheet_text_rows
from backend.spreadsheets import template_bytes
from campaigns.models import MAX_TARGET_HOUSEHOLDS, MAX_TARGET_PEOPLE
from core.services.area_names import AreaMatch, AreaNames

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Code, name, households, people, and room for the notes and figures people keep beside them.
MAX_COLUMNS = 60
MAX_ERRORS_SHOWN = 20
# Rows named in a preview (rows it cannot use, lines left out): a sheet of thousands of bad rows is said
# in a few and a count.
MAX_LINES_SHOWN = 50
# Words of the headers, diacritics folded (backend.sheets.header_key): which column is which.
HEADERS = {
    "code": ("ma xa", "ma", "ma don vi", "ma xa/phuong", "code", "commune code"),
    "name": (
        "xa",
        "ten xa",
        "ten",
        "xa, phuong",
        "xa phuong",
        "xa/phuong",
        "xa/phuong/dac khu",
        "ten xa, phuong",
        "ten xa/phuong",
        "ten don vi",
        "commune",
        "name",
    ),
    "households": ("so ho", "ho", "chi tieu ho", "chi tieu so ho", "households", "target"),
    "people": (
        "so nguoi",
        "nguoi",
        "luot nguoi",
        "so luot nguoi",
        "chi tieu nguoi",
        "chi tieu so nguoi",
        "people",
    ),
}
# Headers people keep beside the targets: they tell a header line, and are not read.
OTHER_HEADERS = ("stt", "tt", "so tt", "so thu tu", "ghi chu", "note", "tinh", "huyen", "don vi hanh chinh")
# Without a header: the commune (code or name), the households, the people.
ORDERED = {"area": 0, "households": 1, "people": 2}
GROUPED = re.compile(r"^\d{1,3}([.,\s]\d{3})+$")


class SheetError(Exception):
    def __init__(self, messages: list[str], *, sheet_names: list[str] | None = None):
        super().__init__("; ".join(messages))
        self.messages = messages
        self.sheet_names = sheet_names or []  # a workbook's sheets, when one could be chosen


@dataclass(frozen=True)
class SheetTarget:
    commune: str
    households: int
    people: int
    former: str = ""  # the commune's pre-2025 name, when the sheet named it so (shown in the preview)


@dataclass(frozen=True)
class TargetRow:
    """One row of a targets sheet, checked: the commune's target it gives, or its problem."""

    line: int
    target: SheetTarget | None = None
    problem: str = ""
    empty: bool = False  # a commune named with no number at all: left out, not a target of 0


@dataclass(frozen=True)
class TargetSheet:
    """What a targets sheet gives, to show before it is used: the targets found (in the sheet's order),
    the rows that give none (``problems``: unknown commune, bad number, a commune given twice), and the
    lines left out (``skipped``: titles, totals, rows without numbers), each naming its row."""

    targets: list[SheetTarget]
    problems: list[str]
    skipped: list[str]
    sheet_name: str = ""
    sheet_names: tuple[str, ...] = ()
    problem_count: int = 0  # before ``problems`` was cut to what a page shows


def _header_cell(cell: str) -> bool:
    """Whether a cell is a header a targets sheet has (its own words, or the ones kept beside them)."""
    key = header_key(cell)
    return key in OTHER_HEADERS or _meaning(key) is not None


def _meaning(key: str) -> str | None:
    """The column a folded header names: one of its words, or a longer header starting with one of
    more than one word ("số hộ cần tiếp cận")."""
    for meaning, words in HEADERS.items():
        if key in words:
            return meaning
    for meaning, words in HEADERS.items():
        if any(" " in word and key.startswith(word + " ") for word in words):
            return meaning
    return None


def _rows(upload, *, sheet: str | None = None) -> SheetRows:
    """The rows holding data, read by the product's one sheet reader (titles and totals left out)."""
    name = (upload.name or "").lower()
    if not name.endswith((".xlsx", ".csv", ".txt")):
        raise SheetError([_("Chỉ nhận tệp .xlsx hoặc .csv.")])
    if upload.size > MAX_BYTES:
        raise SheetError([_("Tệp lớn quá 2 MB.")])
    try:
        return sheet_text_rows(
            data=upload.read(),
            filename=name,
            max_bytes=MAX_BYTES,
            max_rows=MAX_ROWS,
            max_columns=MAX_COLUMNS,
            sheet=sheet or None,
            header_cell=_header_cell,
        )
    except sheets.SheetError as error:
        raise SheetError([str(error)], sheet_names=error.sheet_names) from error


def _number(text: str) -> int | None:
    """A whole number ≥ 0 from a cell ("12", "1.200", "1 200"), else None; blank is 0."""
    if not text:
        return 0
    if GROUPED.match(text):
        text = re.sub(r"[.,\s]", "", text)
    return int(text) if text.isascii() and text.isdigit() else None


def _columns(first_row: list[str]) -> tuple[dict[str, int], bool]:
    """Column index per meaning, and whether the first row is a header."""
    found: dict[str, int] = {}
    for index, cell in enumerate(first_row):
        meaning = _meaning(header_key(cell))
        if meaning is not None and meaning not in found:
            found[meaning] = index
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
        if match.former_split:
            return _(
                "Dòng %(line)d: “%(name)s” là tên trước 2025, nay thuộc nhiều xã (%(codes)s): hãy ghi mã xã."
            ) % {
                "line": line,
                "name": match.former,
                "codes": ", ".join(f"{c.full_name} {c.code}" for c in match.candidates[:5]),
            }
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
    households_text = _cell(row.cells, columns, "households")
    people_text = _cell(row.cells, columns, "people")
    if not households_text and not people_text:
        return TargetRow(line=row.number, empty=True)
    households, people = _number(households_text), _number(people_text)
    if households is None or people is None:
        return TargetRow(
            line=row.number,
            problem=_("Dòng %(line)d: số hộ và số người phải là số nguyên không âm.") % {"line": row.number},
        )
    if households > MAX_TARGET_HOUSEHOLDS or people > MAX_TARGET_PEOPLE:
        return TargetRow(
            line=row.number,
            problem=_("Dòng %(line)d: số hộ tối đa %(households)s, số người tối đa %(people)s.")
            % {
                "line": row.number,
                "households": number(MAX_TARGET_HOUSEHOLDS),
                "people": number(MAX_TARGET_PEOPLE),
            },
        )
    return TargetRow(
        line=row.number,
        target=SheetTarget(
            commune=commune.area.code, households=households, people=people, former=commune.former
        ),
    )


def _fold(rows: list[TargetRow]) -> tuple[list[SheetTarget], list[str]]:
    """The rows in order: a commune given twice is a problem of the later row."""
    targets: list[SheetTarget] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for row in rows:
        if row.empty:
            continue
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


def _capped(lines: list[str]) -> list[str]:
    more = len(lines) - MAX_LINES_SHOWN
    return lines[:MAX_LINES_SHOWN] + ([_("… và %(count)d dòng khác.") % {"count": more}] if more > 0 else [])


def target_sheet_read(*, upload, communes: list, sheet: str | None = None) -> TargetSheet:
    """What a sheet gives for ``communes`` (the province's, with code/name/full_name): its targets, the
    rows that give none and the lines left out; ``SheetError`` when the file is no targets sheet."""
    rows = _rows(upload, sheet=sheet)
    if not rows:
        raise SheetError([_("Tệp không có dòng nào.")])
    columns, has_header = _columns(rows[0].cells)
    body = rows[1:] if has_header else list(rows)
    if len(body) > MAX_ROWS:
        raise SheetError([_("Tệp có quá %(count)d dòng.") % {"count": MAX_ROWS}])
    names = AreaNames(communes)
    checked = [_target_row(row=row, columns=columns, names=names) for row in body]
    targets, problems = _fold(checked)
    skipped = [line.message for line in rows.skipped] + [
        _("Dòng %(row)d: chưa ghi số hộ, số người: bỏ qua.") % {"row": row.line}
        for row in checked
        if row.empty
    ]
    return TargetSheet(
        targets=targets,
        problems=_capped(problems),
        skipped=_capped(skipped),
        problem_count=len(problems),
        sheet_name=rows.sheet_name,
        sheet_names=tuple(rows.sheet_names) if len(rows.sheet_names) > 1 else (),
    )


def targets_from_sheet(*, upload, communes: list) -> list[SheetTarget]:
    """The targets a sheet gives for ``communes``; ``SheetError`` naming every row that gives none."""
    read = target_sheet_read(upload=upload, communes=communes)
    if read.problems:
        more = read.problem_count - MAX_ERRORS_SHOWN
        raise SheetError(
            read.problems[:MAX_ERRORS_SHOWN]
            + ([_("… và %(count)d lỗi khác.") % {"count": more}] if more > 0 else [])
        )
    return read.targets


TEMPLATE_HEADERS = ("Mã xã", "Tên xã, phường", "Số hộ", "Số người")
TEMPLATE_EXAMPLE = ("38001", "Phường Hạc Thành", 1200, 300)


def targets_template() -> bytes:
    """The targets sheet to fill in: the headers this module reads, an example line, and the guide."""
    guide = [
        _("Mỗi dòng một xã: ghi mã xã hoặc tên xã (có dấu hay không dấu đều được), số hộ, số người."),
        _("Xã ghi tên trước ngày 1/7/2025 cũng được: trang xem trước cho biết xã mới tương ứng."),
        _("Chỉ các xã có trong tệp được đưa vào chiến dịch (cùng các xã bạn đánh dấu trên trang)."),
        _("Dòng tiêu đề phía trên bảng và dòng “Tổng cộng” được bỏ qua; dòng chưa ghi số nào cũng vậy."),
        _("Dòng ví dụ (có ghi chú “Dòng ví dụ”) không bao giờ được nhập: xoá hoặc ghi đè cả ghi chú."),
        _(
            "Sau khi tải lên, trang hiện các xã, chỉ tiêu và dòng không khớp để bạn xem; chỉ lưu khi bạn xác nhận."
        ),
    ]
    return template_bytes(
        title=_("Chỉ tiêu"), headers=TEMPLATE_HEADERS, example=TEMPLATE_EXAMPLE, guide=guide
    )
