"""Rebuild fixtures/vn_communes_2025.geojson.zip and fixtures/vn_provinces_2025.geojson.zip.

Run by hand when the source admin-units data set changes; nothing at run time or in tests calls it:

    uv run python scripts/build_admin_fixtures.py <admin-units folder>

Input: the per-province files of that folder (`provinces/<code>_<slug>_communes.geojson` and
`..._province.geojson`, ~50 m topology-preserving simplification, 5 decimals, all valid). Output: one
national file per level, only the columns the product reads (code, names, type, province code),
coordinates kept at 5 decimals, zipped GeoJSON. Zipped GeoJSON, not GeoParquet: geopandas reads it
with the GDAL it already has (`gpd.read_file("x.geojson.zip")`), and GeoParquet would need pyarrow.
The zip carries a fixed timestamp, so rebuilding from the same input gives the same bytes.
"""

import sys
import tempfile
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


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: build_admin_fixtures.py <admin-units folder>")
    source = Path(sys.argv[1])
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
