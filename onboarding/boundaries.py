"""Village boundaries a commune uploads: GeoJSON, KML or a zipped Shapefile, read with geopandas
(pyogrio), matched to the commune's villages by name or code, checked, then stored all or nothing
through ``core.services.boundaries``.

Hostile or broken files get a ``BoundaryFileError`` with a message, never a crash: archives that inflate
beyond reason, hold too many members or are broken (bad CRC, a size that lies, a password, an unknown
compression method, a corrupt or truncated stream: ``backend.uploads``), paths that climb out of the
folder, coordinates that are not degrees (a projected file without its .prj), not a geometry at all. A .prj is honoured (reprojected to
WGS 84). Each feature is checked and every failure is named: no village with that name or code, two
features for one village, not an area, unrepairable, outside the commune (beyond a small tolerance).
"""

import json
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import shape

from backend.text import search_key
from backend.uploads import UploadRejected, zip_chunks, zip_open
from core.models import Commune, Village
from core.services.area_names import VillageNames
from core.services.boundaries import boundary_read_problem, boundary_repair
from core.services.villages import village_ambiguous
from onboarding.limits import MAX_BYTES

MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 50
MAX_FEATURES = 2_000
MAX_VERTICES = 2_000_000
# How far (in degrees, ≈ 300 m) a village may spill over its commune's stored outline: outlines are
# simplified to ~50 m and villages are drawn by hand.
OUTSIDE_TOLERANCE = 0.003
OUTSIDE_SHARE = 0.02


class BoundaryFileError(Exception):
    pass


def _safe_extract(data: bytes, folder: Path) -> Path:
    try:
        archive = zip_open(data, max_members=MAX_MEMBERS, max_unzipped=MAX_UNZIPPED_BYTES)
    except UploadRejected as error:
        raise BoundaryFileError(str(error)) from error
    layers = []
    budget = MAX_UNZIPPED_BYTES
    with archive:
        for member in archive.infolist():
            name = Path(member.filename).name  # never a path: nothing climbs out of the folder
            if member.is_dir() or not name or name.startswith("."):
                continue
            target = folder / name
            try:
                with target.open("wb") as out:
                    for chunk in zip_chunks(archive, member, limit=budget):
                        budget -= len(chunk)
                        out.write(chunk)
            except UploadRejected as error:
                raise BoundaryFileError(str(error)) from error
            if target.suffix.lower() in (".shp", ".geojson", ".json", ".kml"):
                layers.append(target)
    if len(layers) != 1:
        raise BoundaryFileError(
            _("Tệp .zip cần đúng một lớp bản đồ (.shp kèm .dbf, .shx, .prj; hoặc .geojson, .kml).")
        )
    return layers[0]


def _kind(data: bytes, filename: str) -> str:
    head = data[:512].lstrip()
    if data[:4] == b"PK\x03\x04":
        return ".zip"
    if head.startswith(b"{"):
        return ".geojson"
    if head.startswith(b"<") and b"kml" in data[:2048].lower():
        return ".kml"
    raise BoundaryFileError(_("Cần tệp GeoJSON, KML hoặc Shapefile nén .zip."))


def read_boundaries(*, data: bytes, filename: str):
    """The file's features in WGS 84 as a GeoDataFrame; ``BoundaryFileError`` when it is not usable."""
    return read_boundary_file(data=data, filename=filename).frame


@dataclass
class BoundaryFile:
    """A file as read: its features in WGS 84 and, for a Shapefile read with ``raw_text``, the .dbf's
    text as Latin-1 (one character a byte, see ``onboarding.codepages``) and what its .cpg says."""

    frame: object
    raw_text: bool = False
    cpg: str | None = None


def read_boundary_file(
    *, data: bytes, filename: str, raw_text: bool = False, max_features: int = MAX_FEATURES
) -> BoundaryFile:
    """``read_boundaries``, and with ``raw_text`` a Shapefile's text left undecoded (its code page is
    decided afterwards, from its text). ``max_features``: a commune's file has a few dozen villages, a
    province's thousands."""
    import geopandas as gpd

    if not data:
        raise BoundaryFileError(_("Tệp trống."))
    if len(data) > MAX_BYTES:
        raise BoundaryFileError(_("Tệp quá lớn (tối đa %(size)d MB).") % {"size": MAX_BYTES // (1024 * 1024)})
    kind = _kind(data, filename)
    cpg = None
    with tempfile.TemporaryDirectory(prefix="ranh-gioi-") as folder:
        folder = Path(folder)
        if kind == ".zip":
            path = _safe_extract(data, folder)
        else:
            path = folder / f"upload{kind}"
            path.write_bytes(data)
        raw = raw_text and path.suffix.lower() == ".shp"
        if raw:
            cpg_path = next((p for p in folder.iterdir() if p.suffix.lower() == ".cpg"), None)
            cpg = cpg_path.read_bytes()[:100].decode("ascii", errors="replace") if cpg_path else None
        try:
            options = {"encoding": "ISO-8859-1"} if raw else {}
            frame = gpd.read_file(path, engine="pyogrio", **options)
        except Exception as error:  # GDAL: malformed file of any kind
            raise BoundaryFileError(
                _("Không đọc được tệp bản đồ: %(problem)s") % {"problem": boundary_read_problem(error)}
            ) from error
    return BoundaryFile(frame=_usable(frame, max_features=max_features), raw_text=raw, cpg=cpg)


def _usable(frame, *, max_features: int = MAX_FEATURES):
    """The frame in WGS 84 within the bounds a file may have; ``BoundaryFileError`` otherwise."""
    if frame.empty or "geometry" not in frame:
        raise BoundaryFileError(_("Tệp không có đối tượng bản đồ nào."))
    if len(frame) > max_features:
        raise BoundaryFileError(_("Tệp có quá %(count)d đối tượng.") % {"count": max_features})
    if int(shapely.get_num_coordinates(frame.geometry.values).sum()) > MAX_VERTICES:
        raise BoundaryFileError(_("Tệp có quá nhiều điểm tọa độ: hãy đơn giản hóa ranh giới."))
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        try:
            frame = frame.to_crs(4326)
        except Exception as error:  # an unknown projection
            raise BoundaryFileError(_("Không chuyển được hệ tọa độ của tệp (.prj).")) from error
    bounds = frame.geometry.dropna().total_bounds if frame.geometry.notna().any() else None
    if bounds is None or not all(math.isfinite(value) for value in bounds):
        raise BoundaryFileError(_("Tệp không có hình học hợp lệ."))
    west, south, east, north = bounds
    if west < -180 or east > 180 or south < -90 or north > 90:
        raise BoundaryFileError(
            _(
                "Tọa độ không phải kinh độ, vĩ độ (WGS 84): Shapefile cần kèm tệp .prj, hoặc chuyển sang WGS 84."
            )
        )
    return frame


@dataclass
class FeatureCheck:
    number: int
    value: str
    village: str = ""
    village_name: str = ""
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def attribute_columns(frame) -> list[dict]:
    columns = []
    for column in frame.columns:
        if column == "geometry":
            continue
        values = [str(v) for v in frame[column].head(3).tolist() if v is not None and str(v) != "nan"]
        columns.append({"name": str(column), "samples": values})
    return columns


def guess_column(columns: list[dict]) -> str:
    for wanted in ("ten thon", "ten", "name", "thon", "village", "ma thon", "code", "ma"):
        for column in columns:
            if search_key(column["name"]).replace("_", " ") == wanted:
                return column["name"]
    return columns[0]["name"] if columns else ""


def features_of(frame) -> list[dict]:
    """Properties (as text) and 2-D geometry (GeoJSON) of each feature, kept between preview and store."""

    def text(value) -> str:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return ""
        return str(value).strip()

    rows = []
    records = frame.drop(columns="geometry").to_dict("records")
    for number, (properties, geometry) in enumerate(zip(records, frame.geometry, strict=True), start=1):
        flat = shapely.force_2d(geometry) if geometry is not None else None
        rows.append(
            {
                "number": number,
                "properties": {str(key): text(value) for key, value in properties.items()},
                "geometry": json.loads(shapely.to_geojson(flat)) if flat is not None else None,
            }
        )
    return rows


def areal_geometry(raw: dict | None, check: FeatureCheck):
    """A feature's geometry as an area (repaired when invalid, noted on ``check``); None, with the
    error on ``check``, when it is not one."""
    try:
        geometry = shape(raw) if raw else None
    except Exception:  # shapely: malformed coordinates
        geometry = None
    if geometry is None or geometry.is_empty:
        check.errors.append(_("không có hình học."))
        return None
    if geometry.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        check.errors.append(_("không phải vùng (là %(type)s).") % {"type": geometry.geom_type})
        return None
    valid = geometry.is_valid
    reason = "" if valid else shapely.is_valid_reason(geometry)
    geometry = boundary_repair(geometry)
    if geometry is None:
        check.errors.append(_("hình học hỏng, không sửa được (%(reason)s).") % {"reason": reason})
        return None
    if not valid:
        check.notes.append(_("đã sửa hình học (%(reason)s).") % {"reason": reason})
    return geometry


def check_boundaries(
    *, commune: Commune, features: list[dict], column: str
) -> tuple[list[FeatureCheck], dict]:
    """Each feature matched to a village (by code or name) and checked; the geometries to store."""
    names = VillageNames(
        Village.objects.filter(commune=commune).only("code", "name", "commune_id"), commune=commune.code
    )
    outline = None
    if commune.geometry:
        outline = shape(commune.geometry).buffer(OUTSIDE_TOLERANCE)
    checks: list[FeatureCheck] = []
    geometries: dict[str, object] = {}
    seen: dict[str, int] = {}
    for feature in features:
        value = str(feature["properties"].get(column, "")).strip()
        check = FeatureCheck(number=feature["number"], value=value if value not in ("None", "nan") else "")
        checks.append(check)
        match = names.match(check.value)
        if match.ambiguous:
            check.errors.append(village_ambiguous(match))
            continue
        village = match.area
        if village is None:
            check.errors.append(
                _("không khớp thôn nào của xã (giá trị “%(value)s”).") % {"value": check.value or "—"}
            )
            continue
        check.village, check.village_name = village.code, village.name
        if village.code in seen:
            check.errors.append(_("thôn này đã có ở đối tượng #%(other)d.") % {"other": seen[village.code]})
            continue
        seen[village.code] = check.number
        geometry = areal_geometry(feature["geometry"], check)
        if geometry is None:
            continue
        if outline is not None:
            outside = geometry.difference(outline).area
            if geometry.area and outside / geometry.area > OUTSIDE_SHARE:
                check.errors.append(
                    _("nằm ngoài %(commune)s (%(share)s%% diện tích).")
                    % {"commune": commune.full_name, "share": round(100 * outside / geometry.area)}
                )
                continue
        geometries[village.code] = geometry
    return checks, geometries
