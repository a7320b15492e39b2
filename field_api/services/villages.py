"""Villages (thôn, tổ dân phố) per commune: the writes (create, rename, declared households, team) that
sheets, pages and commands share, and villages from a GeoJSON the commune keeps (sheets of villages are
read by ``onboarding``).

Villages have no national code list. A row may carry its own code (``21025-03``); otherwise the village
is matched by name within its commune (diacritics folded), and new ones get the next free number.
"""

import re
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from field_api.models import Commune, Team, Village
from field_api.services.assignments import village_assign_team
from field_api.services.imports import ImportRejected, ImportReport, pad_code, read_table, resolve_columns
from field_api.signals import announce_field_records_stored
from field_api.text import search_key

COLUMNS = {
    "commune": ("commune_code", "ma_xa", "Mã xã", "xa", "Xã"),
    "name": ("village", "ten", "Tên thôn", "Tên thôn, tổ dân phố", "thon", "Thôn"),
    "code": ("village_code", "ma_thon", "Mã thôn"),
    "households": ("household_count", "so_ho", "Số hộ"),
}
VILLAGE_CODE = re.compile(r"^\d{5}-[0-9A-Za-z]{1,10}$")


def village_next_numbers(*, commune: str) -> int:
    """The next free number of a commune's village codes (21025-07 → 8)."""
    numbers = [
        int(code.split("-")[1])
        for code in Village.objects.filter(commune_id=commune).values_list("code", flat=True)
        if code.split("-")[1].isdigit()
    ]
    return max(numbers, default=0) + 1


@transaction.atomic
def village_create(
    *,
    commune: str,
    name: str,
    declared_households: int | None = None,
    code: str | None = None,
    team: Team | None = None,
) -> Village:
    code = code or f"{commune}-{village_next_numbers(commune=commune):02d}"
    village = Village(code=code, commune_id=commune, name=" ".join(name.split()))
    village.declared_households = declared_households
    village.full_clean(exclude=["team"])
    village.save()
    announce_field_records_stored(village_codes={village.code}, recount_village_codes=set())
    if team is not None:
        village_assign_team(village=village, team=team)
    return village


@transaction.atomic
def village_update(*, village: Village, **fields) -> bool:
    """Rename, change the declared household count or the team; whether anything changed."""
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
        announce_field_records_stored(village_codes={village.code}, recount_village_codes=set())
    return changed or bool(dirty)


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
        return table.map(str.strip), True
    return read_table(path), False


@transaction.atomic
def villages_geo_import(*, path: Path) -> ImportReport:
    from field_api.services.boundaries import boundaries_import

    path = Path(path)
    frame, has_geometry = _read(path)
    columns = resolve_columns(frame, COLUMNS, required=("commune", "name"))

    commune_codes = {pad_code(value, 5) for value in frame[columns["commune"]]}
    known_communes = set(Commune.objects.filter(code__in=commune_codes).values_list("code", flat=True))
    existing = {v.code: v for v in Village.objects.filter(commune_id__in=known_communes)}
    by_name = {(v.commune_id, v.search_name): v for v in existing.values()}

    problems: list[str] = []
    planned: dict[str, Village] = {}
    next_number: dict[str, int] = {}
    report = ImportReport()
    for row_number, row in enumerate(frame.to_dict("records"), start=2):  # row 1 is the header
        commune = pad_code(row[columns["commune"]], 5)
        name = row[columns["name"]]
        code = row.get(columns.get("code", ""), "").strip() if "code" in columns else ""
        households_text = row.get(columns["households"], "") if "households" in columns else ""
        where = _("dòng %(row)d") % {"row": row_number}
        if commune not in known_communes:
            problems.append(
                _("%(where)s: không có xã mã %(code)s.") % {"where": where, "code": commune or "?"}
            )
            continue
        if not name:
            problems.append(_("%(where)s: thiếu tên thôn.") % {"where": where})
            continue
        households = None
        if households_text:
            try:
                households = int(float(households_text))
                if households < 0:
                    raise ValueError
            except ValueError:
                problems.append(
                    _('%(where)s: số hộ "%(value)s" không hợp lệ.')
                    % {"where": where, "value": households_text}
                )
                continue
        if code:
            if not VILLAGE_CODE.match(code) or not code.startswith(f"{commune}-"):
                problems.append(
                    _("%(where)s: mã thôn %(code)s phải có dạng %(commune)s-NN.")
                    % {"where": where, "code": code, "commune": commune}
                )
                continue
            village = existing.get(code)
        else:
            village = by_name.get((commune, search_key(name)))
            if village is None:
                if commune not in next_number:
                    numbers = [
                        int(c.split("-")[1])
                        for c in existing
                        if c.startswith(f"{commune}-") and c.split("-")[1].isdigit()
                    ]
                    next_number[commune] = max(numbers, default=0) + 1
                code = f"{commune}-{next_number[commune]:02d}"
                next_number[commune] += 1
            else:
                code = village.code
        if code in planned:
            problems.append(_("%(where)s: thôn %(code)s lặp lại trong tệp.") % {"where": where, "code": code})
            continue
        if village is None:
            village = Village(code=code, commune_id=commune)
            report.created += 1
        elif village.name != name or (households is not None and village.declared_households != households):
            report.updated += 1
        else:
            report.unchanged += 1
        village.name = name
        if households is not None:
            village.declared_households = households
        planned[code] = village
    if problems:
        raise ImportRejected(problems)

    for village in planned.values():
        village.save()
    if has_geometry:
        # Geometry goes through the same checks and repairs as any boundary file.
        boundary = (
            boundaries_import(path=path, level="village", code_field=None, skip_unmatched=False)
            if "code" in columns
            else None
        )
        if boundary is None:
            raise ImportRejected([_("Tệp GeoJSON thôn cần cột mã thôn để gắn ranh giới.")])
        report.notes.append(_("%(count)d ranh giới thôn") % {"count": boundary.created + boundary.updated})
    return report
