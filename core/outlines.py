"""A village's outline as a phone draws it offline (issue 22 §7): its outer rings only, simplified until
the whole outline holds at most ``MAX_POINTS`` points, coordinates rounded to ~1 m. Bounded whatever the
boundary file held, so a commune's outlines stay a few kilobytes in the phone's storage."""

import shapely
from shapely.geometry import shape

MAX_POINTS = 400
DIGITS = 5  # 1e-5 degree ≈ 1 m
# Douglas–Peucker tolerances tried in turn (degrees: ~1 m to ~1 km); the first that fits is kept.
TOLERANCES = (0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.003, 0.01)


def _rings(geometry) -> list[list[list[float]]]:
    polygons = getattr(geometry, "geoms", [geometry])
    return [
        [[round(x, DIGITS), round(y, DIGITS)] for x, y in polygon.exterior.coords]
        for polygon in polygons
        if polygon.geom_type == "Polygon" and not polygon.is_empty
    ]


def outline_for_phone(geojson: dict | None) -> list[list[list[float]]] | None:
    """``[[[lon, lat], …], …]``: one closed ring per polygon, or None without a boundary."""
    if not geojson:
        return None
    try:
        geometry = shape(geojson)
    except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException):
        return None
    if geometry.is_empty:
        return None
    rings = _rings(geometry)
    for tolerance in TOLERANCES:
        if sum(len(ring) for ring in rings) <= MAX_POINTS:
            break
        rings = _rings(geometry.simplify(tolerance, preserve_topology=True))
    # Still too many (a village of a thousand islets): its largest rings that fit.
    rings.sort(key=len, reverse=True)
    kept, used = [], 0
    for ring in rings:
        if used + len(ring) > MAX_POINTS:
            continue
        kept.append(ring)
        used += len(ring)
    return kept or None
