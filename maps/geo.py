"""Numbers joined to geometry (geopandas), simplified for the zoom a map is seen at, trimmed for the web.

Parsed boundaries are kept per process, keyed by what they were parsed from, so a map request does
not re-read thousands of polygons; a boundary import changes the key.
"""

import json

import geopandas as gpd
import pandas as pd
import shapely
from django.db.models import QuerySet
from shapely.ops import polylabel

# (simplification tolerance in degrees, grid size): ~5 m for villages, ~30 m per commune on a
# province map, ~300 m for 3,321 communes nationally.
ZOOM = {
    "village": (0.00005, 1e-5),
    "commune": (0.0003, 1e-5),
    "national": (0.003, 1e-4),
}
_parsed: dict[tuple, gpd.GeoSeries] = {}


def _boundaries(areas: QuerySet, level: str) -> gpd.GeoSeries:
    """Simplified geometry per area code, parsed once per process and boundary version."""
    rows = list(areas.filter(geometry_simplified__isnull=False).values_list("pk", "bbox_west", "bbox_north"))
    key = (areas.model.__name__, level, tuple(sorted(rows)))
    if key not in _parsed:
        codes_and_geometry = list(
            areas.filter(geometry_simplified__isnull=False).values_list("pk", "geometry_simplified")
        )
        codes = [code for code, _geometry in codes_and_geometry]
        geometries = shapely.from_geojson([json.dumps(geometry) for _code, geometry in codes_and_geometry])
        tolerance, grid = ZOOM[level]
        series = gpd.GeoSeries(geometries, index=codes, crs=4326).simplify(tolerance, preserve_topology=True)
        trimmed = shapely.set_precision(series.values, grid)
        # A sliver can vanish on the grid; keep it unsnapped rather than lose the area.
        series = gpd.GeoSeries(
            [t if not t.is_empty else s for t, s in zip(trimmed, series.values, strict=True)],
            index=codes,
            crs=4326,
        )
        if len(_parsed) > 64:
            _parsed.clear()
        _parsed[key] = series
    return _parsed[key]


def coverage_frame(*, areas: QuerySet, rows: list[dict], level: str) -> gpd.GeoDataFrame:
    """Join rows (with a ``code``) to the areas' boundaries; areas without a boundary get none."""
    numbers = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["code"])
    boundaries = _boundaries(areas, level)
    frame = numbers.merge(
        gpd.GeoDataFrame(geometry=boundaries).rename_axis("code").reset_index(), on="code", how="left"
    )
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


def label_point(geometry) -> tuple[float, float] | None:
    """Where an area's name goes: inside its largest part, as far from its edges as it gets (a concave
    commune's centroid can fall outside it); a point is its own place. (lat, lon) to 3 decimals."""
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        largest = max(shapely.get_parts(geometry), key=lambda part: part.area)
        west, south, east, north = largest.bounds
        try:
            point = polylabel(largest, tolerance=max(east - west, north - south) / 40 or 1e-6)
        except Exception:  # noqa: BLE001 - a degenerate ring: any point on it will do
            point = largest.representative_point()
    else:
        point = geometry.centroid if geometry.geom_type != "Point" else geometry
    # ~100 m: a place for a name, never a household's door (maps.pages' coarse positions, the same rounding).
    return round(point.y, 3), round(point.x, 3)


def feature_collection(frame: gpd.GeoDataFrame, *, label_points: bool = False) -> str:
    """GeoJSON text; GEOS writes the trimmed coordinates, json the properties. With ``label_points``
    (map pages), each area's ``label_lat``/``label_lon`` (``label_point``)."""
    properties = frame.drop(columns="geometry").to_dict("records")
    if label_points:
        for row, geometry in zip(properties, frame.geometry, strict=True):
            point = label_point(geometry)
            if point:
                row["label_lat"], row["label_lon"] = point
    geometries = [
        shapely.to_geojson(g) if g is not None and not g.is_empty else "null" for g in frame.geometry
    ]
    features = (
        f'{{"type":"Feature","properties":{json.dumps(p, ensure_ascii=False, default=str)},"geometry":{g}}}'
        for p, g in zip(properties, geometries, strict=True)
    )
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def bounds(frame: gpd.GeoDataFrame) -> list[list[float]] | None:
    present = frame[~frame.geometry.isna()]
    if present.empty:
        return None
    west, south, east, north = present.total_bounds
    return [[south, west], [north, east]]
