"""What every import shares: a report of what happened, a rejection that says what is wrong and where,
and reading spreadsheets whose headers come in English or Vietnamese."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from field_api.text import search_key

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


def read_table(path: Path) -> "pd.DataFrame":
    """CSV (UTF-8, with or without BOM) or XLSX, every cell as text, blanks as ''."""
    import pandas as pd

    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str, engine="openpyxl")
        elif suffix in (".csv", ".txt"):
            frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
        else:
            raise ImportRejected(
                [_("Không nhận dạng được loại tệp %(name)s (cần .csv hoặc .xlsx).") % {"name": path.name}]
            )
    except ImportRejected:
        raise
    except FileNotFoundError as error:
        raise ImportRejected([_("Không tìm thấy tệp %(name)s.") % {"name": path}]) from error
    except Exception as error:  # pandas raises many kinds; all mean the file cannot be read
        raise ImportRejected(
            [_("Không đọc được tệp %(name)s: %(error)s") % {"name": path.name, "error": error}]
        ) from error
    return frame.fillna("").map(lambda value: str(value).strip())


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
