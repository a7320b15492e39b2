"""Villages (thôn, tổ dân phố) per commune: the writes (create, rename, declared households, team) that
sheets, pages and commands share, and villages from a GeoJSON the commune keeps (sheets of villages are
read by ``onboarding``).

Villages have no national code list. A row may carry its own code (``21025-03``); otherwise the village
is matched by name within its commune by the one rule for area names (``core.services.area_names``:
names with their marks, unit word optional only where it tells no villages apart), and new ones get the
next free number (``village_numbering``, the one numbering every way in uses, demo data included). A
name that means a village of the commune is that village: it is never given to a second one.
"""

import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backend.text import clean_text
from core.models import Commune, Team, Village
from core.projections import field_records_batch, field_records_project
from core.services.area_names import AreaMatch, VillageNames
from core.services.assignments import village_assign_team
from core.services.imports import ImportRejected, ImportReport, pad_code, read_table, resolve_columns

COLUMNS = {
    "commune": ("commune_code", "ma_xa", "Mã xã", "xa", "Xã"),
    "name": ("village", "ten", "Tên thôn", "Tên thôn, tổ dân phố", "thon", "Thôn"),
    "code": ("village_code", "ma_thon", "Mã thôn"),
    "households": ("household_count", "so_ho", "Số hộ"),
}
VILLAGE_CODE = re.compile(r"^\d{5}-[0-9A-Za-z]{1,10}$")
VILLAGE_NAME_MAX = Village._meta.get_field("name").max_length
_NUMBER = re.compile(r"[0-9]+")
# Far above any village (a few thousand households at most), far below the column's limit.
HOUSEHOLDS_MAX = 1_000_000


@dataclass(frozen=True)
class VillageNumber:
    """A new village's code in its commune, and the name it goes by until the commune gives one."""

    code: str
    name: str


def village_numbering(*, commune: str, taken: Collection[str]) -> Iterator[VillageNumber]:
    """The commune's free village numbers after the highest taken now: 21025-07 taken → 21025-08
    "Thôn 8", 21025-09 "Thôn 9"… ``taken`` holds village codes (other communes' are ignored); a caller
    that plans several villages passes the set it keeps adding to, and a code added later is skipped."""
    prefix = f"{commune}-"
    numbers = (code[len(prefix) :] for code in taken if code.startswith(prefix))
    highest = max((int(text) for text in numbers if _NUMBER.fullmatch(text)), default=0)
    return _numbers_after(prefix=prefix, number=highest, taken=taken)


def _numbers_after(*, prefix: str, number: int, taken: Collection[str]) -> Iterator[VillageNumber]:
    while True:
        number += 1
        code = f"{prefix}{number:02d}"
        if code not in taken:
            yield VillageNumber(code=code, name=f"Thôn {number}")


@dataclass(frozen=True)
class PlannedVillage:
    """A village a file or sheet names, as ``VillageNames`` indexes it: the row that names it first."""

    code: str
    name: str
    row: int


@dataclass(frozen=True)
class VillagePlace:
    """Where a row naming a village lands: the stored ``village`` it means (or None: a new one, under
    ``code``, or numbered when ``code`` is empty) and the ``name`` to store; or the ``problem`` with its
    name."""

    village: Village | None = None
    code: str = ""
    name: str = ""
    problem: str = ""


def village_name_taken(*, commune: str, name: str, code: str = "") -> Village | None:
    """Another village of the commune (not ``code``) that ``name`` means: no village may take it."""
    names = VillagesPlanned(lambda commune: Village.objects.filter(commune_id=commune).only("code", "name"))
    return names.taken(commune=commune, name=name, code=code)


def village_ambiguous(match: AreaMatch) -> str:
    """Why a name that means several villages names none."""
    return _("tên “%(name)s” trùng nhiều thôn (%(codes)s): hãy ghi mã thôn.") % {
        "name": match.text,
        "codes": ", ".join(f"{v.name} {v.code}" for v in match.candidates[:5]),
    }


def village_taken_text(*, name: str, village: Village) -> str:
    return _("tên “%(name)s” là thôn %(village)s (%(code)s) đã có.") % {
        "name": name,
        "village": village.name,
        "code": village.code,
    }


def _refuse_taken(*, commune: str, name: str, code: str = "") -> None:
    taken = village_name_taken(commune=commune, name=name, code=code)
    if taken is not None:
        raise ValidationError(
            {
                "name": _("Xã đã có thôn %(village)s (%(code)s): tên “%(name)s” là thôn đó.")
                % {"village": taken.name, "code": taken.code, "name": " ".join(name.split())}
            }
        )


@transaction.atomic
def village_create(
    *,
    commune: str,
    name: str,
    declared_households: int | None = None,
    code: str | None = None,
    team: Team | None = None,
) -> Village:
    if not code:
        taken = set(Village.objects.filter(commune_id=commune).values_list("code", flat=True))
        code = next(village_numbering(commune=commune, taken=taken)).code
    village = Village(code=code, commune_id=commune, name=" ".join(name.split()))
    village.declared_households = declared_households
    village.full_clean(exclude=["team"])
    _refuse_taken(commune=commune, name=village.name)
    village.save()
    field_records_project(field_records_batch(village_codes={village.code}, recount_village_codes=set()))
    if team is not None:
        village_assign_team(village=village, team=team)
    return village


@transaction.atomic
def village_update(*, village: Village, **fields) -> bool:
    """Rename, change the declared household count or the team; whether anything changed. A new name
    that means another village of the commune is refused (``ValidationError`` on ``name``)."""
    if "name" in fields and " ".join(fields["name"].split()) != village.name:
        _refuse_taken(commune=village.commune_id, name=fields["name"], code=village.code)
    changed = False
    if "team" in fields:
        team = fields.pop("team")
        if village.team_id != (team.id if team else None):
            village_assign_team(village=village, team=team)
            changed = True
    if "name" in fields:
        fields["name"] = " ".join(fields["name"].split())
    dirty = [name for name, value in fields.items() if getattr(village, name) != value]
    for name in dirty:
        setattr(village, name, fields[name])
    if dirty:
        village.save(update_fields=[*dirty, "search_name"] if "name" in dirty else dirty)
        # Its name and declared household count show on maps and in coverage: both follow at once.
        field_records_project(field_records_batch(village_codes={village.code}, recount_village_codes=set()))
    return changed or bool(dirty)


@transaction.atomic
def village_store(
    *,
    village: Village | None,
    commune: str,
    code: str,
    name: str,
    declared_households: int | None = None,
    team: Team | None = None,
) -> str:
    """A row of a village list stored: the village created, or the stored one given the row's name and,
    when the row has them, its household count and team. "create", "update" or "unchanged"."""
    if village is None:
        village_create(
            commune=commune, code=code, name=name, declared_households=declared_households, team=team
        )
        return "create"
    fields: dict = {"name": name}
    if declared_households is not None:
        fields["declared_households"] = declared_households
    if team is not None:
        fields["team"] = team
    return "update" if village_update(village=village, **fields) else "unchanged"


def _read(path: Path):
    import geopandas as gpd
    import pandas as pd

    if path.suffix.lower() in (".geojson", ".json", ".gpkg", ".shp"):
        try:
            frame = gpd.read_file(path)
        except Exception as error:  # GDAL: unreadable file
            raise ImportRejected(
                [_("Không đọc được tệp %(name)s: %(error)s") % {"name": path.name, "error": error}]
            ) from error
        table = pd.DataFrame(frame.drop(columns="geometry")).fillna("").astype(str)
        return table.map(clean_text), True  # the one rule for stored text (backend/text.py)
    return read_table(path), False


OUTCOME_COUNTS = {"create": "created", "update": "updated", "unchanged": "unchanged"}


def report_count(*, report: ImportReport, outcome: str) -> None:
    """Count one stored row (``village_store``'s outcome) in the import's report."""
    name = OUTCOME_COUNTS[outcome]
    setattr(report, name, getattr(report, name) + 1)


@dataclass(frozen=True)
class GeoVillageRow:
    """One feature's properties, checked: the village it names (``code``, and the stored ``village``
    once planned), or the problem with it."""

    number: int
    commune: str
    name: str
    code: str = ""  # as written until planned; then the code it is stored under
    households: int | None = None
    village: Village | None = None
    problem: str = ""


def _geo_households(text: str) -> int:
    households = int(float(text))
    if not 0 <= households <= HOUSEHOLDS_MAX:
        raise ValueError(text)
    return households


def _geo_problem(*, row: GeoVillageRow, households: str, communes: set[str]) -> str:
    where = _("dòng %(row)d") % {"row": row.number}
    if row.commune not in communes:
        return _("%(where)s: không có xã mã %(code)s.") % {"where": where, "code": row.commune or "?"}
    if not row.name:
        return _("%(where)s: thiếu tên thôn.") % {"where": where}
    if len(row.name) > VILLAGE_NAME_MAX:
        return _("%(where)s: tên thôn dài quá %(count)d ký tự.") % {"where": where, "count": VILLAGE_NAME_MAX}
    if households:
        try:
            _geo_households(households)
        except (ValueError, OverflowError):
            return _('%(where)s: số hộ "%(value)s" không hợp lệ.') % {"where": where, "value": households}
    if row.code and (not VILLAGE_CODE.match(row.code) or not row.code.startswith(f"{row.commune}-")):
        return _("%(where)s: mã thôn %(code)s phải có dạng %(commune)s-NN.") % {
            "where": where,
            "code": row.code,
            "commune": row.commune,
        }
    return ""


def _geo_village_row(
    *, number: int, cells: dict, columns: dict[str, str], communes: set[str]
) -> GeoVillageRow:
    """One feature's properties checked on their own (numbering and repeats are the plan's)."""
    row = GeoVillageRow(
        number=number,
        commune=pad_code(cells[columns["commune"]], 5),
        name=str(cells[columns["name"]]),
        code=str(cells.get(columns.get("code"), "")).strip(),
    )
    households = str(cells.get(columns.get("households"), ""))
    problem = _geo_problem(row=row, households=households, communes=communes)
    if problem:
        return replace(row, problem=problem)
    return replace(row, households=_geo_households(households)) if households else row


class VillagesPlanned:
    """The villages a sheet or file names, folded in row order, per commune: each row's name matched
    against the commune's stored villages (``stored`` gives them, fetched once) and against the rows
    above it, by the one rule (``VillageNames``)."""

    def __init__(self, stored: Callable[[str], Iterable[Village]]):
        self._stored_villages = stored
        self.stored: dict[str, VillageNames[Village]] = {}
        self.planned: dict[str, VillageNames[PlannedVillage]] = {}

    def stored_of(self, commune: str) -> VillageNames[Village]:
        if commune not in self.stored:
            self.stored[commune] = VillageNames(self._stored_villages(commune), commune=commune)
        return self.stored[commune]

    def place(self, *, commune: str, name: str, code: str = "") -> VillagePlace:
        """The stored village a row means: by its code, the row's name then being the village's (new)
        name; else by its name, the village keeping its own (a new name comes with the code)."""
        stored = self.stored_of(commune)
        village = stored.by_code.get(code) if code else None
        if village is not None:
            other = self.taken(commune=commune, name=name, code=code)
            if other is not None:
                return VillagePlace(problem=village_taken_text(name=name, village=other))
            return VillagePlace(village=village, code=code, name=name)
        named = stored.match(name, codes=False)
        if named.ambiguous:
            return VillagePlace(problem=village_ambiguous(named))
        if named.area is not None:
            return VillagePlace(village=named.area, code=named.area.code, name=named.area.name)
        return VillagePlace(code=code, name=name)

    def taken(self, *, commune: str, name: str, code: str) -> Village | None:
        """Another stored village (not ``code``) the name means: a row with a code cannot give it."""
        match = self.stored_of(commune).match(name, codes=False)
        return next((village for village in match.candidates if village.code != code), None)

    def repeated(self, *, commune: str, name: str, code: str) -> int | None:
        """The row above that names this village (by code or by name), if any."""
        planned = self.planned.get(commune)
        if planned is None:
            return None
        if code in planned.by_code:
            return planned.by_code[code].row
        match = planned.match(name, codes=False)
        return match.candidates[0].row if match.candidates else None

    def plan(self, *, commune: str, name: str, code: str, row: int) -> None:
        planned = self.planned.setdefault(commune, VillageNames((), commune=commune))
        planned.add(PlannedVillage(code=code, name=name, row=row))


class _GeoPlan:
    """The rows folded in file order: a row names a stored village by code or name, or gets the next free
    number; a village named twice is a problem."""

    def __init__(self, *, communes: set[str]):
        self.existing = {v.code: v for v in Village.objects.filter(commune_id__in=communes)}
        self.names = VillagesPlanned(
            lambda commune: [v for v in self.existing.values() if v.commune_id == commune]
        )
        self.taken = set(self.existing)
        self.numbering: dict[str, Iterator[VillageNumber]] = {}
        self.rows: dict[str, GeoVillageRow] = {}
        self.problems: list[str] = []

    def add(self, row: GeoVillageRow) -> None:
        if row.problem:
            self.problems.append(row.problem)
            return
        if row.commune not in self.numbering:  # numbered after the commune's stored villages
            self.numbering[row.commune] = village_numbering(commune=row.commune, taken=self.taken)
        place = self.names.place(commune=row.commune, name=row.name, code=row.code)
        first = self.names.repeated(commune=row.commune, name=place.name, code=place.code)
        if place.problem or first is not None:
            problem = place.problem or _("thôn “%(name)s” lặp lại dòng %(other)d.") % {
                "name": row.name,
                "other": first,
            }
            self.problems.append(_("dòng %(row)d: %(problem)s") % {"row": row.number, "problem": problem})
            return
        code = place.code or next(self.numbering[row.commune]).code
        row = replace(row, code=code, name=place.name, village=place.village)
        self.names.plan(commune=row.commune, name=row.name, code=row.code, row=row.number)
        self.rows[row.code] = row
        self.taken.add(row.code)


@transaction.atomic
def villages_geo_import(*, path: Path) -> ImportReport:
    """Villages from a GeoJSON (or GeoPackage, shapefile) with their boundaries: every feature stored
    through ``village_store`` as a sheet's rows are, or nothing."""
    path = Path(path)
    frame, has_geometry = _read(path)
    columns = resolve_columns(frame, COLUMNS, required=("commune", "name"))
    commune_codes = {pad_code(value, 5) for value in frame[columns["commune"]]}
    communes = set(Commune.objects.filter(code__in=commune_codes).values_list("code", flat=True))
    plan = _GeoPlan(communes=communes)
    for number, cells in enumerate(frame.to_dict("records"), start=2):  # row 1 is the header
        plan.add(_geo_village_row(number=number, cells=cells, columns=columns, communes=communes))
    if plan.problems:
        raise ImportRejected(plan.problems)
    report = ImportReport()
    for row in plan.rows.values():
        outcome = village_store(
            village=row.village,
            commune=row.commune,
            code=row.code,
            name=row.name,
            declared_households=row.households,
        )
        report_count(report=report, outcome=outcome)
    if has_geometry:
        report.notes.append(_geo_boundaries(path=path, columns=columns))
    return report


def _geo_boundaries(*, path: Path, columns: dict[str, str]) -> str:
    """Geometry goes through the same checks and repairs as any boundary file."""
    from core.services.boundaries import boundaries_import

    if "code" not in columns:
        raise ImportRejected([_("Tệp GeoJSON thôn cần cột mã thôn để gắn ranh giới.")])
    boundary = boundaries_import(path=path, level="village", code_field=None, skip_unmatched=False)
    return _("%(count)d ranh giới thôn") % {"count": boundary.created + boundary.updated}
