"""Integrity flags: warnings computed when a visit is stored. The visit is kept; leaderboards and
tallies count flagged visits separately. Codes are stable (the phone and exports show them)."""

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

import shapely
from django.utils.translation import gettext_noop
from shapely.geometry import Point, shape

from core.models import Commune

FAR_FROM_HOUSEHOLD = "far_from_household"  # 100–300 m from the household's recorded location
VERY_FAR_FROM_HOUSEHOLD = "very_far_from_household"  # more than 300 m
GPS_MISSING = "gps_missing"  # no coordinates at all
GPS_ACCURACY_MISSING = "gps_accuracy_missing"
GPS_MOCK_SUSPECTED = "gps_mock_suspected"  # accuracy exactly 0: what mock-location apps report
OUTSIDE_COMMUNE = "outside_commune"  # outside the commune polygon (when its boundary is known)
TIME_IN_FUTURE = "time_in_future"
TIME_TOO_OLD = "time_too_old"  # more than 30 days before the push
TOO_CLOSE_IN_TIME = "too_close_in_time"  # same volunteer, another household, under 60 s apart

# Marked for the catalogue (pages translate them when shown); the values stay plain Vietnamese strings.
FLAG_DESCRIPTIONS = {
    FAR_FROM_HOUSEHOLD: gettext_noop("Vị trí thăm cách vị trí hộ 100–300 m"),
    VERY_FAR_FROM_HOUSEHOLD: gettext_noop("Vị trí thăm cách vị trí hộ hơn 300 m"),
    GPS_MISSING: gettext_noop("Không có tọa độ GPS"),
    GPS_ACCURACY_MISSING: gettext_noop("Thiếu độ chính xác GPS"),
    GPS_MOCK_SUSPECTED: gettext_noop("Độ chính xác GPS bằng 0 (nghi giả lập vị trí)"),
    OUTSIDE_COMMUNE: gettext_noop("Vị trí thăm nằm ngoài ranh giới xã"),
    TIME_IN_FUTURE: gettext_noop("Thời điểm thăm ở tương lai"),
    TIME_TOO_OLD: gettext_noop("Thời điểm thăm trước lúc gửi hơn 30 ngày"),
    TOO_CLOSE_IN_TIME: gettext_noop("Hai lượt thăm của một người ở hai hộ cách nhau dưới 60 giây"),
}

NEAR_M, FAR_M = 100.0, 300.0
CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_AGE = dt.timedelta(days=30)
MIN_GAP = dt.timedelta(seconds=60)
# Boundaries are simplified (~50 m); do not flag a door on the line.
BOUNDARY_TOLERANCE_DEG = 0.0005
EARTH_RADIUS_M = 6_371_000.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


_polygons: dict[tuple[str, tuple], object] = {}


def commune_polygons(codes: Iterable[str]) -> dict[str, object]:
    """Prepared commune polygons, kept per process; re-read when a boundary import changes the box."""
    codes = set(codes)
    rows = Commune.objects.filter(code__in=codes, geometry__isnull=False).values_list(
        "code", "bbox_west", "bbox_south", "bbox_east", "bbox_north"
    )
    result = {}
    missing = []
    for code, *bbox in rows:
        key = (code, tuple(bbox))
        if key in _polygons:
            result[code] = _polygons[key]
        else:
            missing.append(code)
    if missing:
        for code, geometry, *bbox in Commune.objects.filter(code__in=missing).values_list(
            "code", "geometry", "bbox_west", "bbox_south", "bbox_east", "bbox_north"
        ):
            polygon = shape(geometry).buffer(BOUNDARY_TOLERANCE_DEG)
            shapely.prepare(polygon)
            _polygons[(code, tuple(bbox))] = polygon
            result[code] = polygon
    return result


@dataclass(slots=True)
class VisitFacts:
    """What the flags look at, for one visit."""

    id: object
    household_id: object
    volunteer_id: int
    visited_at: dt.datetime
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    household_lat: float | None
    household_lon: float | None
    commune: str


def visit_flags(
    facts: VisitFacts, *, now: dt.datetime, polygons: dict[str, object]
) -> tuple[list[str], float | None]:
    flags: list[str] = []
    distance = None
    if facts.lat is None or facts.lon is None:
        flags.append(GPS_MISSING)
    else:
        if facts.household_lat is not None and facts.household_lon is not None:
            distance = distance_m(facts.lat, facts.lon, facts.household_lat, facts.household_lon)
            if distance > FAR_M:
                flags.append(VERY_FAR_FROM_HOUSEHOLD)
            elif distance > NEAR_M:
                flags.append(FAR_FROM_HOUSEHOLD)
        polygon = polygons.get(facts.commune)
        if polygon is not None and not polygon.contains(Point(facts.lon, facts.lat)):
            flags.append(OUTSIDE_COMMUNE)
    if facts.accuracy_m is None:
        flags.append(GPS_ACCURACY_MISSING)
    elif facts.accuracy_m == 0:
        flags.append(GPS_MOCK_SUSPECTED)
    if facts.visited_at > now + CLOCK_SKEW:
        flags.append(TIME_IN_FUTURE)
    elif facts.visited_at < now - MAX_AGE:
        flags.append(TIME_TOO_OLD)
    return flags, distance


def too_close_in_time(
    new: list[VisitFacts], stored: Iterable[tuple[object, int, object, dt.datetime]]
) -> set[object]:
    """Ids of new visits that sit under 60 s from another visit of the same volunteer elsewhere.

    ``stored`` holds (id, volunteer_id, household_id, visited_at) of visits already in the database.
    """
    by_volunteer: dict[int, list[tuple[dt.datetime, object, object, bool]]] = {}
    for visit_id, volunteer_id, household_id, visited_at in stored:
        by_volunteer.setdefault(volunteer_id, []).append((visited_at, household_id, visit_id, False))
    for facts in new:
        by_volunteer.setdefault(facts.volunteer_id, []).append(
            (facts.visited_at, facts.household_id, facts.id, True)
        )
    flagged: set[object] = set()
    for visits in by_volunteer.values():
        visits.sort(key=lambda item: item[0])
        for index, (time, household, visit_id, is_new) in enumerate(visits):
            # Look back over every visit within the window, not only the neighbour: A(h1) B(h1) C(h2)
            # within a minute flags A and C as well as B and C.
            earlier = index - 1
            while earlier >= 0 and time - visits[earlier][0] < MIN_GAP:
                _time, other_household, other_id, other_is_new = visits[earlier]
                if other_household != household:
                    if is_new:
                        flagged.add(visit_id)
                    if other_is_new:
                        flagged.add(other_id)
                earlier -= 1
    return flagged
