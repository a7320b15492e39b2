"""Village boundaries of a whole province in one file: each feature goes to a commune of the province,
by a column naming the commune (its code or its name, ``core.services.area_names``) or, without one, by
where it lies (the commune whose stored outline holds the village's representative point), then to a
village of that commune by name or code (``VillageNames``), and is checked as a commune's upload is
(``onboarding.boundaries``). A village outside its commune (beyond the commune upload's tolerance) is
flagged with how far it lies.

A file whose .prj lacks its datum, or names the wrong one, lands a few hundred metres off: most
villages then fall outside their communes, or they all spill over their communes' edges the same way.
Both are told before saving (``offset_warning``), with the shift that puts them back.
"""

import math
from dataclasses import dataclass, field

import shapely
from django.utils.translation import gettext as _
from shapely import affinity
from shapely.geometry import shape
from shapely.strtree import STRtree

from backend.formats import number
from backend.text import search_key
from core.models import Commune, Province, Village
from core.services.area_names import AreaNames, VillageNames, area_shown
from core.services.villages import village_ambiguous
from onboarding.boundaries import OUTSIDE_SHARE, OUTSIDE_TOLERANCE, FeatureCheck, areal_geometry, guess_column
from onboarding.codepages import decode

# One file for a whole province: about 80,000 villages in the 34 provinces, some 2,400 on average, so
# 8,000 holds the largest with room. The vertex bound (onboarding.boundaries.MAX_VERTICES) still holds.
MAX_FEATURES = 8_000

METRES_PER_DEGREE = 111_320
# A consistent shift: at least this many villages spill over their commune's edge, mostly the same way
# (the resultant of their spills' directions; north on a top edge, east on a right one: 0.76 for a
# north-east shift), and moving them all back by one shift of at least OFFSET_MIN_METRES leaves less
# than a third of the spill.
OFFSET_MIN_VILLAGES = 3
OFFSET_AGREEMENT = 0.5
OFFSET_MIN_METRES = 50
OFFSET_SAMPLE = 60
SPILL_SHARE = 0.01


@dataclass
class ProvinceFeatureCheck(FeatureCheck):
    commune_value: str = ""
    commune: str = ""
    commune_name: str = ""
    outside_m: int | None = None
    geometry: object = field(default=None, repr=False)


def storable(text: str) -> str:
    """Text read from an uploaded file as the upload's record can keep it: no NUL (PostgreSQL text and
    jsonb cannot hold one; in a .dbf or a .cpg it is padding) and no lone surrogate (not Unicode). Every
    text of a file that reaches the database (its name, its .cpg, its columns and cells) passes here."""
    text = text.replace("\x00", "")
    if not text.isascii():
        text = text.encode("utf-8", errors="replace").decode("utf-8")
    return text


def storable_features(features: list[dict]) -> list[dict]:
    """``features_of``'s features with every property name and value ``storable``."""
    return [
        {
            **feature,
            "properties": {storable(key): storable(value) for key, value in feature["properties"].items()},
        }
        for feature in features
    ]


def decoded_features(*, features: list[dict], raw_text: bool, codepage: str) -> list[dict]:
    """The features with their text decoded with ``codepage`` when the file's text was kept raw."""
    if not raw_text:
        return features
    return [
        {
            **feature,
            "properties": {
                decode(key, codepage): decode(value, codepage) for key, value in feature["properties"].items()
            },
        }
        for feature in features
    ]


def columns_of(features: list[dict]) -> list[dict]:
    """The features' columns with up to three sample values each (as ``attribute_columns``)."""
    names: dict[str, list[str]] = {}
    for feature in features:
        for key, value in feature["properties"].items():
            samples = names.setdefault(key, [])
            if value and len(samples) < 3:
                samples.append(value)
    return [{"name": name, "samples": samples} for name, samples in names.items()]


def guess_commune_column(columns: list[dict]) -> str:
    """A column that names the commune ("" when none does: villages go by where they lie)."""
    for wanted in ("ma xa", "ten xa", "xa", "xa phuong", "commune", "ma dvhc xa", "commune code"):
        for column in columns:
            if search_key(column["name"]).replace("_", " ") == wanted:
                return column["name"]
    return ""


def guess_village_column(columns: list[dict], *, commune_column: str) -> str:
    return guess_column([column for column in columns if column["name"] != commune_column])


def _metres(geometry, latitude: float):
    """A geometry in metres east and north of (0°, 0°) at the file's latitude (a local approximation,
    good to a few metres across a province)."""
    return affinity.scale(
        geometry, METRES_PER_DEGREE * math.cos(math.radians(latitude)), METRES_PER_DEGREE, origin=(0, 0)
    )


class _Communes:
    """The province's communes: their names (one matcher), outlines and villages, looked up once."""

    def __init__(self, province: Province):
        self.communes = list(Commune.objects.filter(province=province).order_by("code"))
        self.by_code = {commune.code: commune for commune in self.communes}
        self.names = AreaNames(self.communes)
        self.outlines = {c.code: shape(c.geometry) for c in self.communes if c.geometry}
        self._codes = list(self.outlines)
        self.tree = STRtree([self.outlines[code] for code in self._codes]) if self._codes else None
        self._villages: dict[str, VillageNames] = {}
        self._buffered: dict[str, object] = {}

    def buffered(self, code: str):
        """The commune's outline widened by the commune upload's tolerance (computed once)."""
        if code not in self._buffered:
            self._buffered[code] = self.outlines[code].buffer(OUTSIDE_TOLERANCE)
        return self._buffered[code]

    def containing(self, point) -> Commune | None:
        if self.tree is None:
            return None
        found = self.tree.query(point, predicate="within")
        return self.by_code[self._codes[int(found[0])]] if len(found) else None

    def nearest(self, point) -> Commune | None:
        if self.tree is None:
            return None
        return self.by_code[self._codes[int(self.tree.nearest(point))]]

    def villages(self, commune: Commune) -> VillageNames:
        if commune.code not in self._villages:
            self._villages[commune.code] = VillageNames(
                Village.objects.filter(commune=commune).only("code", "name", "commune_id"),
                commune=commune.code,
            )
        return self._villages[commune.code]


def _commune_by_column(communes: _Communes, check: ProvinceFeatureCheck) -> Commune | None:
    match = communes.names.match(check.commune_value)
    if match.ambiguous:
        check.errors.append(
            _("“%(value)s” có thể là nhiều xã (%(names)s): hãy ghi mã xã.")
            % {"value": check.commune_value, "names": ", ".join(c.full_name for c in match.candidates[:5])}
        )
        return None
    if match.area is None:
        check.errors.append(_("không có xã “%(value)s” trong tỉnh.") % {"value": check.commune_value or "—"})
    elif match.former:  # named as before the 2025 merger: say which commune that is now
        check.notes.append(area_shown(match))
    return match.area


def _outside(communes: _Communes, check: ProvinceFeatureCheck, commune: Commune, geometry) -> None:
    """Flags a village outside its commune (beyond the commune upload's tolerance), with the distance."""
    outline = communes.outlines.get(commune.code)
    if outline is None:
        check.notes.append(_("xã chưa có ranh giới: chưa kiểm tra được vị trí."))
        return
    buffered = communes.buffered(commune.code)
    share = geometry.difference(buffered).area / geometry.area if geometry.area else 0
    if buffered.contains(geometry.representative_point()) and share <= OUTSIDE_SHARE:
        return
    latitude = geometry.centroid.y
    metres = round(_metres(geometry, latitude).distance(_metres(outline, latitude)))
    check.outside_m = metres
    if metres:
        check.errors.append(
            _("nằm ngoài %(commune)s, cách %(metres)s m.")
            % {"commune": commune.full_name, "metres": number(metres)}
        )
    else:
        check.errors.append(
            _("nằm ngoài %(commune)s (%(share)s%% diện tích).")
            % {"commune": commune.full_name, "share": round(100 * share)}
        )


def _village(
    communes: _Communes, check: ProvinceFeatureCheck, commune: Commune, seen: dict
) -> Village | None:
    match = communes.villages(commune).match(check.value)
    if match.ambiguous:
        check.errors.append(village_ambiguous(match))
        return None
    village = match.area
    if village is None:
        check.errors.append(
            _("không khớp thôn nào của %(commune)s (giá trị “%(value)s”).")
            % {"commune": commune.full_name, "value": check.value or "—"}
        )
        return None
    check.village, check.village_name = village.code, village.name
    if village.code in seen:
        check.errors.append(_("thôn này đã có ở đối tượng #%(other)d.") % {"other": seen[village.code]})
        return None
    seen[village.code] = check.number
    return village


def _check_one(communes: _Communes, feature: dict, *, commune_column: str, column: str, seen: dict):
    properties = feature["properties"]
    check = ProvinceFeatureCheck(
        number=feature["number"],
        value=str(properties.get(column, "")).strip(),
        commune_value=str(properties.get(commune_column, "")).strip() if commune_column else "",
    )
    geometry = areal_geometry(feature["geometry"], check)
    if geometry is None:
        return check
    check.geometry = geometry
    if commune_column:
        commune = _commune_by_column(communes, check)
    else:
        point = geometry.representative_point()
        commune = communes.containing(point) or communes.nearest(point)
    if commune is None:
        if not check.errors:
            check.errors.append(_("tỉnh chưa có ranh giới xã: hãy thêm cột mã hoặc tên xã."))
        return check
    check.commune, check.commune_name = commune.code, commune.full_name
    _outside(communes, check, commune, geometry)
    _village(communes, check, commune, seen)
    return check


def offset_warning(pairs: list[tuple[object, object]]) -> dict | None:
    """Whether the villages (each with its commune's outline) look shifted as a wrong datum shifts
    them: ``{"metres": …, "east": …, "north": …, "villages": n}`` when they all spill over their
    communes' edges the same way and moving them back by that much puts them inside."""
    if not pairs:
        return None
    latitude = sum(geometry.centroid.y for geometry, _outline in pairs) / len(pairs)
    spills = []
    for geometry, outline in pairs:
        g, o = _metres(geometry, latitude), _metres(outline, latitude)
        spill = g.difference(o)
        if g.area and spill.area / g.area > SPILL_SHARE:
            dx, dy = spill.centroid.x - g.centroid.x, spill.centroid.y - g.centroid.y
            length = math.hypot(dx, dy) or 1
            spills.append((g, o, spill.area, dx / length, dy / length))
    if len(spills) < OFFSET_MIN_VILLAGES:
        return None
    weight = sum(area for _g, _o, area, _x, _y in spills)
    east = sum(area * x for _g, _o, area, x, _y in spills) / weight
    north = sum(area * y for _g, _o, area, _x, y in spills) / weight
    if math.hypot(east, north) < OFFSET_AGREEMENT:
        return None
    # An even sample (the largest spills alone would measure the villages drawn furthest off).
    sample = [(g, o) for g, o, *_rest in spills[:: max(1, len(spills) // OFFSET_SAMPLE)][:OFFSET_SAMPLE]]
    shift = _best_shift(sample)
    metres = round(math.hypot(*shift))
    if metres < OFFSET_MIN_METRES or _outside_after(sample, shift) > _outside_after(sample, (0, 0)) / 3:
        return None
    return {"metres": metres, "east": round(shift[0]), "north": round(shift[1]), "villages": len(spills)}


def _outside_after(sample, shift) -> float:
    """The villages' area outside their communes once moved back by ``shift`` (metres east, north)."""
    return sum(affinity.translate(g, -shift[0], -shift[1]).difference(o).area for g, o in sample)


def _best_shift(sample) -> tuple[float, float]:
    """The shift (metres east, north) that puts the villages most inside their communes: each axis in
    turn, 50 m steps up to 1.5 km then 10 m steps, twice round."""
    shift = [0.0, 0.0]
    for _round in range(2):
        for axis in (0, 1):

            def outside(value, axis=axis):
                moved = list(shift)
                moved[axis] = value
                return _outside_after(sample, moved)

            coarse = min(range(-1500, 1501, 50), key=outside)
            shift[axis] = min(range(coarse - 50, coarse + 51, 10), key=outside)
    return shift[0], shift[1]


def check_province(*, province: Province, features: list[dict], commune_column: str, column: str):
    """Each feature given a commune and a village and checked; the geometries to store (commune code →
    village code → geometry) and the summary: counts per commune and the file-wide warnings."""
    communes = _Communes(province)
    seen: dict[str, int] = {}
    checks = [
        _check_one(communes, feature, commune_column=commune_column, column=column, seen=seen)
        for feature in features
    ]
    geometries: dict[str, dict] = {}
    per_commune: dict[str, dict] = {}
    for check in checks:
        row = per_commune.setdefault(
            check.commune,
            {"code": check.commune, "name": check.commune_name, "features": 0, "ok": 0, "bad": 0},
        )
        row["features"] += 1
        row["bad" if check.errors else "ok"] += 1
        if not check.errors:
            geometries.setdefault(check.commune, {})[check.village] = check.geometry
    located = [c for c in checks if c.geometry is not None and c.commune in communes.outlines]
    outside = sum(1 for c in located if c.outside_m is not None)
    warnings = []
    if len(located) >= OFFSET_MIN_VILLAGES and outside * 2 > len(located):
        warnings.append({"kind": "outside", "count": outside, "total": len(located)})
    offset = offset_warning([(c.geometry, communes.outlines[c.commune]) for c in located])
    if offset:
        warnings.append({"kind": "offset", **offset})
    summary = {
        "communes": sorted(per_commune.values(), key=lambda row: (not row["code"], row["name"], row["code"])),
        "warnings": warnings,
        "communes_in_province": len(communes.communes),
        "outlines": len(communes.outlines),
    }
    return checks, geometries, summary


def check_record(check: ProvinceFeatureCheck) -> dict:
    """A check as stored on the upload (no geometry: the features keep theirs)."""
    record = dict(check.__dict__)
    record.pop("geometry")
    return record


def _simplified(raw: dict):
    try:
        return shapely.simplify(shape(raw), 0.0001, preserve_topology=True)
    except Exception:  # shapely: malformed coordinates (the check said so)
        return None


def preview_geojson(*, features: list[dict], checks: list[dict]) -> dict:
    """The villages as the preview map draws them (simplified to ~10 m), with what the check found."""
    by_number = {check["number"]: check for check in checks}
    rows = []
    for feature in features:
        check = by_number.get(feature["number"], {})
        if not feature.get("geometry"):
            continue
        geometry = _simplified(feature["geometry"])
        if geometry is None:
            continue
        errors = check.get("errors") or []
        rows.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(geometry),
                "properties": {
                    "name": check.get("village_name") or check.get("value") or f"#{feature['number']}",
                    "commune_name": check.get("commune_name") or "—",
                    "result": errors[0] if errors else "✓",
                    "ok": not errors,
                },
            }
        )
    return {"type": "FeatureCollection", "features": rows}


STORE_TASK = "onboarding.store_province_boundaries"
# Up to this many features the store runs in the request; more go to the worker (a few seconds each
# hundred: the checks run again, then every commune's villages are written and their maps told).
STORE_INLINE = 300


def upload_checked(upload) -> tuple[list[ProvinceFeatureCheck], dict]:
    """Checks the upload again (its columns and code page as chosen) and records the checks and summary."""
    features = decoded_features(features=upload.features, raw_text=upload.raw_text, codepage=upload.codepage)
    checks, geometries, summary = check_province(
        province=upload.province,
        features=features,
        commune_column=upload.commune_column,
        column=upload.column,
    )
    upload.checks = [check_record(check) for check in checks]
    upload.summary = summary
    upload.save(update_fields=["codepage", "commune_column", "column", "checks", "summary"])
    return checks, geometries


def province_boundaries_store(*, upload_id) -> int:
    """Store a checked upload (every feature must pass; all or nothing) through the services a commune's
    upload uses; the upload keeps only its counts afterwards."""
    from django.db import transaction

    from core.services.boundaries import village_boundaries_store_many
    from core.services.imports import ImportRejected
    from onboarding.models import ProvinceBoundaryUpload

    upload = ProvinceBoundaryUpload.objects.select_related("province").get(pk=upload_id)
    if upload.status == ProvinceBoundaryUpload.Status.STORED:
        return upload.stored or 0
    checks, geometries = upload_checked(upload)
    if not checks or any(check.errors for check in checks):
        raise ImportRejected([_("Còn đối tượng lỗi: không có gì được lưu.")])
    with transaction.atomic():
        stored = village_boundaries_store_many(by_commune=geometries, source=upload.file_name)
        ProvinceBoundaryUpload.objects.filter(pk=upload.pk).update(
            status=ProvinceBoundaryUpload.Status.STORED, stored=stored, features=[], error=""
        )
    return stored
