"""Rebuild fixtures/vn_communes_2025.geojson.zip, fixtures/vn_provinces_2025.geojson.zip and
fixtures/vn_communes_before_2025.csv.gz.

Run by hand when the source admin-units data set changes; nothing at run time or in tests calls it:

    uv run python scripts/build_admin_fixtures.py <admin-units folder>
    uv run python scripts/build_admin_fixtures.py <admin-units folder> --former-names-only

Input: the per-province files of that folder (`provinces/<code>_<slug>_communes.geojson` and
`..._province.geojson`, ~50 m topology-preserving simplification, 5 decimals, all valid). Output: one
national file per level, only the columns the product reads (code, names, type, province code),
coordinates kept at 5 decimals, zipped GeoJSON. Zipped GeoJSON, not GeoParquet: geopandas reads it
with the GDAL it already has (`gpd.read_file("x.geojson.zip")`), and GeoParquet would need pyarrow.
The zip carries a fixed timestamp, so rebuilding from the same input gives the same bytes.

The pre-2025 names (``former_names``) come from each commune's ``before_merger`` text: the units merged
into it, comma-separated, each "Xã Nghĩa Hà", sometimes with its old district in parentheses
("Xã Tân Dân (huyện Phú Xuyên)", "Phường 15 (Quận 10)", "(thuộc huyện Đăk Hà)"), sometimes marked as
only part of the old unit ("(phần còn lại sau khi sáp nhập vào phường Hồng Hà, phường Long Biên)",
"(phần còn lại)", "(một phần)"), a few without a unit word ("Phổ Hòa") or lower case ("xã Bà Gia"), and
"giữ nguyên" for a commune kept as it was (its old name is its name). One row per (new commune, old unit):
``code, commune, province, name, district, partial`` (``commune``: the 2025 commune's full name, so
that a sheet's 2025 name can be told from an old name even for communes outside the caller's scope). A unit "phần còn lại sau khi sáp nhập vào X, Y" also gets a
partial row for X and Y (the 2025 communes of that name in the province), so that a split unit is listed
under every commune that took a part of it. Non-units ("Trường bắn TB1", "Khu vực bãi bồi …") are left out.
"""

import csv
import gzip
import io
import json
import re
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
COMMUNE_COLUMNS = ["code", "name", "fullName", "type", "provinceCode"]
PROVINCE_COLUMNS = ["code", "name", "fullName"]
PROVINCES, COMMUNES = 34, 3321
FIXED_TIME = (2025, 7, 1, 0, 0, 0)  # the reform's date; any constant keeps the zip reproducible
FORMER_FILE = "vn_communes_before_2025.csv.gz"
FORMER_COLUMNS = ["code", "commune", "province", "name", "district", "partial"]
OLD_UNITS = ("Xã", "Phường", "Thị trấn", "Huyện", "Đặc khu")
NOT_UNITS = ("Trường bắn", "Khu vực")  # land merged into a commune that was no commune before
DISTRICT = re.compile(r"^(?:thuộc\s+)?((?:huyện|quận|thị xã|thành phố)\s+.+)$", re.IGNORECASE)
PARTIAL = re.compile(r"^(?:phần còn lại|một phần)", re.IGNORECASE)
RECEIVERS = re.compile(r"sáp nhập vào\s+(.+)$", re.IGNORECASE)


def _national(source: Path, pattern: str, columns: list[str]) -> gpd.GeoDataFrame:
    files = sorted((source / "provinces").glob(pattern))
    frames = [gpd.read_file(path, columns=columns) for path in files]
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    frame = frame[[*columns, "geometry"]].sort_values("code", ignore_index=True)
    return frame


def _check(frame: gpd.GeoDataFrame, *, expected: int, what: str) -> None:
    problems = []
    if len(frame) != expected:
        problems.append(f"{what}: {len(frame)} features, expected {expected}")
    if frame["code"].duplicated().any():
        problems.append(f"{what}: duplicate codes {sorted(frame.loc[frame['code'].duplicated(), 'code'])}")
    invalid = frame.loc[~frame.is_valid, "code"].tolist()
    if invalid:
        problems.append(f"{what}: invalid geometries {invalid}")
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        problems.append(f"{what}: CRS {frame.crs}, expected EPSG:4326")
    if problems:
        sys.exit("\n".join(problems))


def _write_zip(frame: gpd.GeoDataFrame, name: str) -> Path:
    inner = f"{name}.geojson"
    target = FIXTURES / f"{inner}.zip"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / inner
        frame.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=5, WRITE_NAME="NO")
        # The round trip must keep every geometry valid and every vertex (the source is on a 1e-5 grid).
        back = gpd.read_file(path)
        vertices = shapely.get_num_coordinates(frame.geometry.values).sum()
        if not back.is_valid.all() or shapely.get_num_coordinates(back.geometry.values).sum() != vertices:
            sys.exit(f"{inner}: writing at 5 decimals changed the geometry")
        info = zipfile.ZipInfo(inner, date_time=FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with zipfile.ZipFile(target, "w") as archive:
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return target


def _top_level(text: str, separator: str = ",") -> list[str]:
    """``text`` split at ``separator`` outside parentheses."""
    parts, depth, current = [], 0, []
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == separator and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


def _unit(entry: str) -> tuple[str, str, str] | None:
    """One entry of ``before_merger``: (name with its unit word capitalised, district, why partial)."""
    notes = re.findall(r"\(([^()]*)\)", entry)
    name = " ".join(re.sub(r"\([^()]*\)", " ", entry).split())
    if not name or name.startswith(NOT_UNITS):
        return None
    for unit in OLD_UNITS:
        if name.lower().startswith(unit.lower() + " "):
            name = unit + name[len(unit) :]
    district = partial = ""
    for note in (" ".join(note.split()) for note in notes):
        if found := DISTRICT.match(note):
            district = found.group(1)
        elif PARTIAL.match(note):
            partial = note
        # anything else ("bao gồm cụm đảo Hòn Chuối") describes the land, not which unit it was
    return name, district, partial


def former_names(source: Path) -> list[dict[str, str]]:
    sys.path.insert(0, str(ROOT))
    from core.services.area_names import name_key  # the product's identity rule for names

    communes, rows = [], {}
    for path in sorted((source / "provinces").glob("*_communes.geojson")):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            props = {
                k: unicodedata.normalize("NFC", v) if isinstance(v, str) else v
                for k, v in feature["properties"].items()
            }
            communes.append(props)

    def loose(name: str) -> str:
        # "Văn Miếu - Quốc Tử Giám" is written "Văn Miếu Quốc Tử Giám" there, "Tạ An Khương" "Tạ An Khương mới"
        return name_key(re.sub(r"\s+mới$", "", name.replace("-", " ")))

    by_name = {
        (c["provinceCode"], loose(label)): c["code"] for c in communes for label in (c["name"], c["fullName"])
    }

    full_names = {c["code"]: c["fullName"] for c in communes}

    def add(code: str, province: str, name: str, district: str, partial: bool) -> None:
        key = (code, name_key(name), name_key(district))
        row = rows.setdefault(
            key,
            {
                "code": code,
                "commune": full_names[code],
                "province": province,
                "name": name,
                "district": district,
                "partial": "0",
            },
        )
        if partial:
            row["partial"] = "1"

    for commune in communes:
        code, province, text = commune["code"], commune["provinceCode"], commune["before_merger"].strip()
        if text.lower() == "giữ nguyên":
            add(code, province, commune["fullName"], "", False)
            continue
        for entry in _top_level(text):
            unit = _unit(entry)
            if unit is None:
                continue
            name, district, partial = unit
            add(code, province, name, district, bool(partial))
            receivers = RECEIVERS.search(partial)
            for receiver in _top_level(receivers.group(1).replace(" và ", ", ")) if receivers else ():
                other = by_name.get((province, loose(receiver)))
                if other is None:
                    sys.exit(
                        f"{code}: “{receiver}” (in “{entry}”) names no 2025 commune of province {province}"
                    )
                add(other, province, name, district, True)
    return sorted(rows.values(), key=lambda row: (row["code"], name_key(row["name"]), row["district"]))


def _write_former(rows: list[dict[str, str]]) -> Path:
    target = FIXTURES / FORMER_FILE
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=FORMER_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with (
        open(target, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as out,
    ):
        out.write(text.getvalue().encode("utf-8"))
    return target


def main() -> None:
    args = [arg for arg in sys.argv[1:] if arg != "--former-names-only"]
    if len(args) != 1:
        sys.exit("usage: build_admin_fixtures.py <admin-units folder> [--former-names-only]")
    source = Path(args[0])
    rows = former_names(source)
    provinces_named = {row["province"] for row in rows}
    if len(provinces_named) != PROVINCES:
        sys.exit(f"pre-2025 names for {len(provinces_named)} provinces, expected {PROVINCES}")
    target = _write_former(rows)
    print(f"{target.relative_to(ROOT)}: {len(rows)} rows, {target.stat().st_size / 1e3:.0f} KB")
    if "--former-names-only" in sys.argv:
        return
    communes = _national(source, "*_communes.geojson", COMMUNE_COLUMNS)
    _check(communes, expected=COMMUNES, what="communes")
    provinces = _national(source, "*_province.geojson", PROVINCE_COLUMNS)
    _check(provinces, expected=PROVINCES, what="provinces")
    per_province = communes.groupby("provinceCode").size()
    if set(per_province.index) != set(provinces["code"]):
        sys.exit("communes and province outlines name different provinces")
    for frame, name in ((communes, "vn_communes_2025"), (provinces, "vn_provinces_2025")):
        target = _write_zip(frame, name)
        print(f"{target.relative_to(ROOT)}: {len(frame)} features, {target.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
