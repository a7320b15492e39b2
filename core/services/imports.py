"""What every import shares: a report of what happened, a rejection that says what is wrong and where,
and reading spreadsheets whose headers come in English or Vietnamese."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from backend.text import search_key

if TYPE_CHECKING:  # pandas is imported when a table is read, not by every module that imports this one
    import pandas as pd


class ImportRejected(Exception):
    """The file is wrong; nothing was stored. ``problems`` name rows or features."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return _("%(created)d mới, %(updated)d cập nhật, %(unchanged)d không đổi") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


# A table read from the command line: the same bounds as a sheet uploaded in the browser.
TABLE_MAX_BYTES = 10 * 1024 * 1024
TABLE_MAX_ROWS = 20_000
TABLE_MAX_COLUMNS = 60


def read_table(path: Path) -> "pd.DataFrame":
    """CSV or XLSX, every cell as text, blanks as ''; the first row holding anything is the header.

    Read by ``backend.sheets``, the one sheet reader of every upload."""
    import pandas as pd

    from backend.sheets import SheetError, sheet_text_rows

    if path.suffix.lower() not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise ImportRejected(
            [_("Không nhận dạng được loại tệp %(name)s (cần .csv hoặc .xlsx).") % {"name": path.name}]
        )
    try:
        if path.stat().st_size > TABLE_MAX_BYTES:
            raise ImportRejected(
                [
                    _("Tệp quá lớn (tối đa %(size)s MB): hãy chia thành nhiều tệp.")
                    % {"size": TABLE_MAX_BYTES >> 20}
                ]
            )
        data = path.read_bytes()
    except OSError as error:
        raise ImportRejected([_("Không tìm thấy tệp %(name)s.") % {"name": path}]) from error
    try:
        rows = sheet_text_rows(
            data=data,
            filename=path.name,
            max_bytes=TABLE_MAX_BYTES,
            max_rows=TABLE_MAX_ROWS,
            max_columns=TABLE_MAX_COLUMNS,
        )
    except SheetError as error:
        raise ImportRejected([f"{path.name}: {error}"]) from error
    cells = [row.cells for row in rows]
    if not cells:
        return pd.DataFrame()
    header, body = cells[0], cells[1:]
    width = max(len(row) for row in cells)
    return pd.DataFrame([row + [""] * (width - len(row)) for row in body], columns=_headers(header, width))


def _headers(header: list[str], width: int) -> list[str]:
    """Unique column names as pandas would give them: blanks "Unnamed: 3", repeats "Tên.1"."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for index in range(width):
        name = header[index] if index < len(header) and header[index] else f"Unnamed: {index}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def resolve_columns(
    frame: "pd.DataFrame", aliases: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> dict[str, str]:
    """Map our field names to the sheet's headers, matching headers with diacritics folded.

    Rejects the file when a required column is missing, naming what was expected.
    """
    by_key = {search_key(str(header)).replace(" ", "_"): header for header in frame.columns}
    found: dict[str, str] = {}
    for name, names in aliases.items():
        for alias in (name, *names):
            header = by_key.get(search_key(alias).replace(" ", "_"))
            if header is not None:
                found[name] = header
                break
    missing = [name for name in required if name not in found]
    if missing:
        expected = "; ".join(f"{name} ({' / '.join(aliases[name])})" for name in missing)
        raise ImportRejected([_("Thiếu cột: %(columns)s") % {"columns": expected}])
    return found


def pad_code(value: str, width: int) -> str:
    """Spreadsheets drop leading zeros ("4" for "00004"); put them back for numeric codes."""
    value = str(value).strip()
    if value.endswith(".0"):
        value = value[:-2]
    return value.zfill(width) if value.isdigit() else value
