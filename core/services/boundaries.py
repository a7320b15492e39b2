"""Area boundaries from any file geopandas reads (GeoJSON, Shapefile, GeoPackage, zipped GeoJSON).

Without a file, the official 2025 boundaries the repository carries in fixtures/ are read (see
fixtures/README.md for their provenance); ``province`` then picks one province from the national file.
Features are matched to already imported units by code. Geometry is reprojected to EPSG:4326, repaired
when invalid (real data is messy: 57 of the national communes are invalid as shipped), trimmed to
~1 m precision, and stored with a simplified copy for web maps and a bounding box.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import shapely
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from backend.uploads import UploadRejected, zip_check
from core.models import Commune, Province, Village
from core.projections import areas_reassigned_project
from core.services.imports import ImportRejected, ImportReport, pad_code

if TYPE_CHECKING:
    import geopandas as gpd

LEVELS = {"province": Province, "commune": Commune, "village": Village}
CODE_COLUMNS = {
    "province": ("code", "provinceCode", "province_code", "ma_tinh", "ma"),
    "commune": ("code", "wardCode", "ward_code", "commune_code", "ma_xa", "ma"),
    "village": ("code", "village_code", "ma_thon", "ma"),
}
# National files of all 34 provinces and 3,321 communes, built by scripts/build_admin_fixtures.py.
OFFICIAL_FILES = {"province": "vn_provinces_2025.geojson.zip", "commune": "vn_communes_2025.geojson.zip"}
CODE_WIDTH = {"province": 2, "commune": 5, "village": 0}
# Grid for stored coordinates (~1 m) and simplification for web maps, coarser for bigger areas.
PRECISION = 1e-5
SIMPLIFY_TOLERANCE = {"province": 0.002, "commune": 0.0005, "village": 0.0001}
BOUNDARY_FIELDS = [
    "geometry",
    "geometry_simplified",
    "bbox_west",
    "bbox_south",
    "bbox_east",
    "bbox_north",
    "boundary_source",
]


@dataclass
class BoundaryReport(ImportReport):
    repaired: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    outside_province: int = 0


def official_boundaries_path(level: str) -> Path:
    """The repository's own boundary file for a level (villages have none: communes draw them)."""
    if level not in OFFICIAL_FILES:
        raise ImportRejected(
            [_("Không có ranh giới chính thức cho cấp %(level)s: hãy chỉ ra tệp.") % {"level": level}]
        )
    return Path(settings.BASE_DIR) / "fixtures" / OFFICIAL_FILES[level]


# A zipped boundary file is checked (declared sizes, then every member inflated in bounded chunks) before
# GDAL opens it; the official national communes inflate to ~13 MB.
ZIP_MAX_MEMBERS = 50
ZIP_MAX_UNZIPPED_BYTES = 256 * 1024 * 1024


def boundary_read_problem(error: Exception) -> str:
    """What is wrong with a boundary file GDAL (pyogrio) could not read, as a phrase for people (callers
    say which file). GDAL's own message is English and names the server's temporary path: never shown."""
    text = str(error).lower()
    if "parsing kml" in text:  # not well-formed XML, cut short, or a DOCTYPE/entity (expat stops there)
        return _(
            "tệp KML bị hỏng, không phải XML hợp lệ (thiếu thẻ đóng, bị cắt ngang, hoặc có khai báo DOCTYPE)."
        )
    if "geojson" in text:
        return _("tệp GeoJSON bị hỏng, không phải JSON hợp lệ.")
    if "not recognized as being in a supported file format" in text:
        return _("không nhận ra định dạng tệp; cần GeoJSON, KML hoặc Shapefile (.shp kèm .shx, .dbf).")
    if ".shx" in text or ".dbf" in text or "shapefile" in text:
        return _("Shapefile hỏng hoặc thiếu phần; cần đủ .shp, .shx, .dbf (và .prj) trong tệp .zip.")
    return _("tệp bị hỏng hoặc không đúng định dạng.")


def _read(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        raise ImportRejected([_("Không tìm thấy tệp %(name)s.") % {"name": path}])
    if zipfile.is_zipfile(path) or path.suffix.lower() in (".zip", ".kmz"):
        try:
            zip_check(path, max_members=ZIP_MAX_MEMBERS, max_unzipped=ZIP_MAX_UNZIPPED_BYTES)
        except UploadRejected as error:
            raise ImportRejected([f"{path.name}: {error}"]) from error
    import geopandas as gpd  # pandas and GDAL load when a file is read, not with every page's imports

    try:
        frame = gpd.read_file(path)
    except Exception as error:  # pyogrio/GDAL errors: unreadable or malformed file
        raise ImportRejected(
            [
                _("Không đọc được tệp ranh giới %(name)s: %(problem)s")
                % {"name": path.name, "problem": boundary_read_problem(error)}
            ]
        ) from error
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        try:
            frame = frame.to_crs(4326)
        except Exception as error:  # an unknown projection
            raise ImportRejected([_("Không chuyển được hệ tọa độ của tệp (.prj).")]) from error
    return frame


def _code_column(frame: gpd.GeoDataFrame, level: str, code_field: str | None) -> str:
    if code_field:
        if code_field not in frame.columns:
            raise ImportRejected([_("Tệp không có cột mã %(column)s.") % {"column": code_field}])
        return code_field
    for column in CODE_COLUMNS[level]:
        if column in frame.columns:
            return column
    raise ImportRejected(
        [
            _("Không tìm thấy cột mã đơn vị (một trong: %(columns)s); dùng --code-field.")
            % {"columns": ", ".join(CODE_COLUMNS[level])}
        ]
    )


def _polygonal(geometry: BaseGeometry) -> BaseGeometry | None:
    """Keep only the areas: make_valid may return lines or points alongside the polygons."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    if geometry.geom_type == "GeometryCollection":
        parts = [part for part in geometry.geoms if part.geom_type in ("Polygon", "MultiPolygon")]
        if parts:
            return shapely.unary_union(parts)
    return None


def _repair(geometry: BaseGeometry) -> BaseGeometry | None:
    # "structure" rebuilds rings as areas (the right model for boundaries); buffer(0) is GEOS's older
    # fallback for inputs the structured repair cannot take.
    try:
        repaired = shapely.make_valid(geometry, method="structure", keep_collapsed=False)
    except shapely.errors.GEOSException:
        repaired = geometry.buffer(0)
    return _polygonal(repaired)


def _as_geojson(geometry: BaseGeometry) -> dict:
    return json.loads(shapely.to_geojson(geometry))


def _boundary_object(model, level: str, code: str, geometry: BaseGeometry, source: str):
    """An unsaved row carrying a boundary: ~1 m precision, a simplified copy for web maps, its box."""
    geometry = shapely.set_precision(geometry, PRECISION)
    simplified = shapely.simplify(geometry, SIMPLIFY_TOLERANCE[level], preserve_topology=True)
    west, south, east, north = geometry.bounds
    return model(
        pk=code,
        geometry=_as_geojson(geometry),
        geometry_simplified=_as_geojson(simplified),
        bbox_west=west,
        bbox_south=south,
        bbox_east=east,
        bbox_north=north,
        boundary_source=source[:200],
    )


def boundary_repair(geometry: BaseGeometry) -> BaseGeometry | None:
    """The polygonal part of a geometry, repaired when invalid; None when nothing areal remains."""
    if geometry is None or geometry.is_empty:
        return None
    if not geometry.is_valid:
        geometry = _repair(geometry)
        if geometry is None or geometry.is_empty:
            return None
    return _polygonal(geometry)


@transaction.atomic
def village_boundaries_store(*, commune: str, geometries: dict[str, BaseGeometry], source: str) -> int:
    """Store checked boundaries of a commune's villages (all or none); maps of the commune redraw."""
    return village_boundaries_store_many(by_commune={commune: geometries}, source=source)


@transaction.atomic
def village_boundaries_store_many(*, by_commune: dict[str, dict[str, BaseGeometry]], source: str) -> int:
    """Store checked boundaries of villages of several communes (commune code → village code →
    geometry), all or none; maps of those communes redraw, told once."""
    objects = []
    for commune, geometries in by_commune.items():
        known = set(
            Village.objects.filter(commune_id=commune, code__in=list(geometries)).values_list("pk", flat=True)
        )
        missing = sorted(set(geometries) - known)
        if missing:
            raise ImportRejected([_("Không có thôn %(codes)s trong xã.") % {"codes": ", ".join(missing)}])
        objects += [_boundary_object(Village, "village", code, g, source) for code, g in geometries.items()]
    Village.objects.bulk_update(objects, BOUNDARY_FIELDS, batch_size=200)
    areas_reassigned_project(commune_codes=set(by_commune))
    return len(objects)


def _codes_in_province(level: str, province: str) -> set[str]:
    # Commune codes do not embed the province code (21025 is in 51), so ask the units we hold.
    scope = {"province": {"code": province}, "commune": {"province_id": province}}
    scope["village"] = {"commune__province_id": province}
    return set(LEVELS[level].objects.filter(**scope[level]).values_list("pk", flat=True))


def _feature_label(number: int, code: str) -> str:
    return _("đối tượng #%(number)d (mã %(code)s)") % {"number": number, "code": code or "?"}


@transaction.atomic
def boundaries_import(
    *,
    path: Path | None = None,
    level: str,
    code_field: str | None = None,
    province: str | None = None,
    skip_unmatched: bool = False,
    source: str = "",
) -> BoundaryReport:
    """Store boundaries; reject the whole file (nothing stored) on unreadable or unknown features.

    Without ``path``, the official file of fixtures/ for the level is read.
    ``province`` keeps only that province's features (a national file for a one-province install);
    ``skip_unmatched`` stores the matched features and lists the rest instead of rejecting.
    """
    model = LEVELS[level]
    path = Path(path) if path is not None else official_boundaries_path(level)
    frame = _read(path)
    column = _code_column(frame, level, code_field)
    codes = [pad_code(value, CODE_WIDTH[level]) if value is not None else "" for value in frame[column]]

    report = BoundaryReport()
    in_province = _codes_in_province(level, province) if province else None
    problems: list[str] = []
    seen: dict[str, int] = {}
    features: list[tuple[str, BaseGeometry]] = []
    for index, (code, geometry) in enumerate(zip(codes, frame.geometry, strict=True), start=1):
        if in_province is not None and code not in in_province:
            report.outside_province += 1
            continue
        label = _feature_label(index, code)
        if not code:
            problems.append(_("%(feature)s: thiếu mã đơn vị.") % {"feature": label})
            continue
        if code in seen:
            problems.append(
                _("%(feature)s: mã trùng với đối tượng #%(other)d.") % {"feature": label, "other": seen[code]}
            )
            continue
        seen[code] = index
        if geometry is None or geometry.is_empty:
            problems.append(_("%(feature)s: không có hình học.") % {"feature": label})
            continue
        if not geometry.is_valid:
            reason = shapely.is_valid_reason(geometry)
            geometry = _repair(geometry)
            if geometry is None or geometry.is_empty:
                problems.append(
                    _("%(feature)s: hình học hỏng, không sửa được (%(reason)s).")
                    % {"feature": label, "reason": reason}
                )
                continue
            report.repaired.append(f"{label}: {reason}")
        geometry = _polygonal(geometry)
        if geometry is None:
            problems.append(_("%(feature)s: không phải vùng (polygon).") % {"feature": label})
            continue
        features.append((code, geometry))

    known = set(
        model.objects.filter(pk__in=[code for code, _geometry in features]).values_list("pk", flat=True)
    )
    report.unmatched = sorted(code for code, _geometry in features if code not in known)
    if report.unmatched and not skip_unmatched:
        problems.append(
            _(
                "%(count)d mã không khớp đơn vị nào đã nhập: %(codes)s (nhập đơn vị trước, hoặc dùng --skip-unmatched)."
            )
            % {"count": len(report.unmatched), "codes": ", ".join(report.unmatched[:20])}
        )
    if problems:
        raise ImportRejected(problems)

    objects = [
        _boundary_object(model, level, code, geometry, source or path.name)
        for code, geometry in features
        if code in known
    ]
    already = set(model.objects.filter(pk__in=known, geometry__isnull=False).values_list("pk", flat=True))
    model.objects.bulk_update(objects, BOUNDARY_FIELDS, batch_size=200)
    report.created = len(objects) - len(already)
    report.updated = len(already)
    return report
