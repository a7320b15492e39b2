"""Synthetic demo data for one province: villages, teams, members, households and a few visits.

No public list of villages or households exists, so the demo makes them up — always marked
``is_demo`` and deterministic for a given seed. Villages are Voronoi cells of random points inside each
commune polygon. Where no real boundary was imported, communes get approximate cells first: the
Voronoi diagram of the province's commune centres, each clipped to a disc of the commune's real area.
Running it again replaces the province's previous demo rows, so the result is the same.
"""

import datetime as dt
import math
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field

import shapely
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from shapely.geometry import MultiPoint, Point, shape
from shapely.geometry.base import BaseGeometry

from backend.text import search_key
from core.models import (
    Commune,
    FollowUp,
    HelpItem,
    HelpResult,
    Household,
    Outcome,
    Province,
    Role,
    Service,
    Team,
    User,
    Village,
    Visit,
    VisitKey,
)
from core.projections import field_records_batch, field_records_project
from core.services.boundaries import BOUNDARY_FIELDS, PRECISION, _as_geojson
from core.services.changes import change_stamp
from core.services.imports import ImportRejected
from core.services.villages import village_numbering

DEMO_PASSWORD = "demo12345"  # noqa: S105 - demo accounts only, printed on purpose
DEMO_NAMESPACE = uuid.UUID("6f1c1d1e-51de-4d0a-9c1a-0c0ffee00051")
KM_PER_DEGREE = 111.32
FAMILY_NAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Hoàng",
    "Võ",
    "Phan",
    "Trương",
    "Bùi",
    "Đặng",
    "Đỗ",
    "Ngô",
]
MIDDLE_NAMES = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Hữu", "Kim", "Quang"]
GIVEN_NAMES = [
    "An",
    "Ba",
    "Bình",
    "Cường",
    "Dũng",
    "Hà",
    "Hải",
    "Hạnh",
    "Hoa",
    "Hùng",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Ngân",
    "Phúc",
    "Quý",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trung",
    "Tư",
    "Vy",
    "Xuân",
    "Yến",
]


@dataclass
class DemoReport:
    villages: int = 0
    teams: int = 0
    members: int = 0
    households: int = 0
    visits: int = 0
    approximated_communes: int = 0
    campaign: object | None = None  # the running demo campaign (maps' dashboard is alive on `make run`)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role label, scope


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY_NAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"


def _demo_id(*parts) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, "/".join(str(part) for part in parts))


def _random_points_in(polygon: BaseGeometry, count: int, rng: random.Random) -> list[Point]:
    west, south, east, north = polygon.bounds
    prepared = shapely.prepared.prep(polygon)
    points: list[Point] = []
    for _attempt in range(count * 200):
        candidate = Point(rng.uniform(west, east), rng.uniform(south, north))
        if prepared.contains(candidate):
            points.append(candidate)
            if len(points) == count:
                break
    if not points:  # a sliver: fall back to a point that is surely inside
        points = [polygon.representative_point()]
    return points


def _approximate_communes(communes: list[Commune]) -> int:
    """Give communes without a boundary a plausible cell, so the demo map still has shapes."""
    missing = [c for c in communes if c.geometry is None and c.lat is not None]
    if not missing:
        return 0
    centres = MultiPoint([(c.lon, c.lat) for c in communes if c.lat is not None])
    cells = shapely.voronoi_polygons(centres, extend_to=centres.envelope.buffer(1.0))
    by_centre = {}
    for cell in cells.geoms:
        for commune in missing:
            if cell.contains(Point(commune.lon, commune.lat)):
                by_centre[commune.code] = cell
    for commune in missing:
        area_km2 = commune.area_km2 or 20.0
        radius_deg = math.sqrt(area_km2 / math.pi) / KM_PER_DEGREE
        disc = Point(commune.lon, commune.lat).buffer(
            radius_deg / max(math.cos(math.radians(commune.lat)), 0.3)
        )
        cell = by_centre.get(commune.code, disc).intersection(disc)
        cell = shapely.set_precision(cell, PRECISION)
        west, south, east, north = cell.bounds
        commune.geometry = commune.geometry_simplified = _as_geojson(cell)
        commune.bbox_west, commune.bbox_south, commune.bbox_east, commune.bbox_north = (
            west,
            south,
            east,
            north,
        )
        commune.boundary_source = "xấp xỉ từ tâm và diện tích xã (dữ liệu mẫu)"
    Commune.objects.bulk_update(missing, BOUNDARY_FIELDS)
    return len(missing)


DEMO_CAMPAIGN_PREFIX = "Chiến dịch mẫu"
DEMO_CAMPAIGN_SERVICES = ("vneid_level2", "public_service_account", "cashless_payment")


def _demo_campaigns(province: str):
    from campaigns.models import Campaign

    return Campaign.objects.filter(province_id=province, name__startswith=DEMO_CAMPAIGN_PREFIX)


def _clear_previous_demo(province: str) -> None:
    _demo_campaigns(province).delete()
    villages = Village.objects.filter(commune__province_id=province, is_demo=True)
    Visit.objects.filter(village__in=villages).delete()
    Household.objects.filter(village__in=villages).delete()
    User.objects.filter(is_demo=True, province_id=province).delete()
    villages.delete()
    Team.objects.filter(commune__province_id=province, is_demo=True).delete()


@transaction.atomic
def demo_seed(*, province: str, households: int, seed: int, visit_share: float = 0.35) -> DemoReport:
    if not Province.objects.filter(code=province).exists():
        raise ImportRejected([f"Chưa có tỉnh {province}: chạy import_units --province {province} trước."])
    services = list(Service.objects.filter(is_active=True).values_list("code", "followup_days"))
    if not services:
        raise ImportRejected(["Chưa có danh mục dịch vụ: chạy manage.py migrate trước."])
    rng = random.Random(seed)
    report = DemoReport()
    _clear_previous_demo(province)
    communes = list(Commune.objects.filter(province_id=province).order_by("code"))
    # A commune's own villages keep their codes: demo villages are numbered after them.
    kept_villages = set(Village.objects.filter(commune__province_id=province).values_list("code", flat=True))
    report.approximated_communes = _approximate_communes(communes)
    password_hash = make_password(DEMO_PASSWORD)

    # Households per commune follow its population share when known, else are spread evenly.
    per_commune = max(households // max(len(communes), 1), 1)
    villages: list[Village] = []
    teams: list[Team] = []
    users: list[User] = []
    household_rows: list[Household] = []
    village_cells: dict[str, BaseGeometry] = {}
    team_of_village: dict[str, Team] = {}
    for commune in communes:
        polygon = shape(commune.geometry) if commune.geometry else None
        if polygon is None or polygon.is_empty:
            continue
        village_count = rng.randint(4, 8)
        seeds = _random_points_in(polygon, village_count, rng)
        cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=polygon.envelope)
        cell_list = [cell.intersection(polygon) for cell in cells.geoms] if len(seeds) > 1 else [polygon]
        cell_list = [cell for cell in cell_list if not cell.is_empty] or [polygon]
        commune_villages = []
        numbering = village_numbering(commune=commune.code, taken=kept_villages)
        for numbered, cell in zip(
            numbering, sorted(cell_list, key=lambda c: (-c.centroid.y, c.centroid.x)), strict=False
        ):
            cell = shapely.set_precision(cell, PRECISION)
            west, south, east, north = cell.bounds
            code = numbered.code
            village = Village(
                code=code,
                commune=commune,
                name=numbered.name,
                search_name=search_key(numbered.name),
                geometry=_as_geojson(cell),
                geometry_simplified=_as_geojson(shapely.simplify(cell, 0.0001, preserve_topology=True)),
                bbox_west=west,
                bbox_south=south,
                bbox_east=east,
                bbox_north=north,
                boundary_source="Voronoi (dữ liệu mẫu)",
                is_demo=True,
            )
            village_cells[code] = cell
            commune_villages.append(village)
        villages.extend(commune_villages)
        # One team per one or two villages, as communes organise them.
        index = 0
        team_number = 1
        while index < len(commune_villages):
            size = rng.choice((1, 2)) if len(commune_villages) - index > 1 else 1
            team = Team(
                commune=commune,
                name=f"Tổ CNSCĐ số {team_number}",
                search_name=search_key(f"To CNSCD so {team_number}"),
                is_demo=True,
            )
            teams.append(team)
            for village in commune_villages[index : index + size]:
                team_of_village[village.code] = team
            index += size
            team_number += 1

    Village.objects.bulk_create(villages)
    Team.objects.bulk_create(teams)  # ids are needed below (both SQLite and PostgreSQL return them)
    for village in villages:
        village.team = team_of_village[village.code]
    Village.objects.bulk_update(villages, ["team"])

    province_obj = Province.objects.get(code=province)
    if not User.objects.filter(username="admin").exists():  # shared by every seeded province; never replaced
        users.append(
            User(
                username="admin",
                full_name="Quản trị hệ thống (mẫu)",
                role=Role.ADMIN,
                is_staff=True,
                is_superuser=True,
                is_demo=True,
                password=password_hash,
            )
        )
    users.append(
        User(
            username=f"tinh-{province}",
            full_name=f"Cán bộ Sở KH&CN {province_obj.name} (mẫu)",
            role=Role.PROVINCE_OFFICER,
            province=province_obj,
            is_demo=True,
            password=password_hash,
        )
    )
    for commune in communes:
        users.append(
            User(
                username=f"xa-{commune.code}",
                full_name=f"Lãnh đạo {commune.full_name} (mẫu)",
                role=Role.COMMUNE_LEADER,
                province=province_obj,
                commune=commune,
                is_demo=True,
                password=password_hash,
            )
        )
    members_of_team: dict[int, list[User]] = {}
    team_counter: dict[str, int] = {}
    for team in teams:
        team_counter[team.commune_id] = team_counter.get(team.commune_id, 0) + 1
        prefix = f"{team.commune_id}-{team_counter[team.commune_id]}"
        size = rng.randint(4, 9)
        members = []
        for k in range(size):
            role = Role.TEAM_LEADER if k == 0 else Role.VOLUNTEER
            username = f"tt-{prefix}" if k == 0 else f"tv-{prefix}-{k}"
            members.append(
                User(
                    username=username,
                    full_name=_name(rng),
                    phone=f"09{rng.randint(10_000_000, 99_999_999)}",
                    role=role,
                    province=province_obj,
                    commune_id=team.commune_id,
                    team=team,
                    is_demo=True,
                    password=password_hash,
                )
            )
        members_of_team[team.id] = members
        users.extend(members)
    User.objects.bulk_create(users, batch_size=1000)
    created_users = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
    for team_id, members in members_of_team.items():
        members_of_team[team_id] = [created_users[m.username] for m in members]

    # Households, spread over the villages, inside their cells.
    for commune in communes:
        commune_villages = [v for v in villages if v.commune_id == commune.code]
        if not commune_villages:
            continue
        for number in range(per_commune):
            village = commune_villages[number % len(commune_villages)]
            point = _random_points_in(village_cells[village.code], 1, rng)[0]
            members = rng.randint(1, 7)
            head = _name(rng)
            household_rows.append(
                Household(
                    id=_demo_id(province, seed, "household", commune.code, number),
                    village=village,
                    label=f"Nhà {head.split()[-1]}, số {number + 1}",
                    head_name=head,
                    phone=f"09{rng.randint(10_000_000, 99_999_999)}",
                    members=members,
                    working_age=rng.randint(0, members),
                    lat=round(point.y, 6),
                    lon=round(point.x, 6),
                    consent=True,
                    is_demo=True,
                )
            )
    for village in villages:
        registered = sum(1 for h in household_rows if h.village_id == village.code)
        village.declared_households = int(registered * rng.uniform(1.0, 1.6)) or None
    Village.objects.bulk_update(villages, ["declared_households"])
    stamp = change_stamp()
    for household in household_rows:
        household.change_seq = stamp
        household.search_name = search_key(f"{household.label} {household.head_name}")
    Household.objects.bulk_create(household_rows, batch_size=2000)

    # A few visits: about a third of the households, some with two knocks and pending help.
    now = timezone.now()
    visits, items, followups = [], [], []
    for household in household_rows:
        if rng.random() > visit_share:
            continue
        team = team_of_village[household.village_id]
        volunteer = rng.choice(members_of_team[team.id])
        for knock in range(rng.choice((1, 1, 1, 2))):
            visited_at = now - dt.timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600) + 60 * knock)
            outcome = rng.choices(
                [Outcome.MET, Outcome.NOT_HOME, Outcome.COME_BACK, Outcome.REFUSED, Outcome.MOVED],
                weights=[70, 15, 8, 5, 2],
            )[0]
            visit = Visit(
                id=_demo_id(province, seed, "visit", household.id, knock),
                province_id=province,
                household_id=household.id,
                village_id=household.village_id,
                volunteer=volunteer,
                team=team,
                device_id="demo",
                visited_at=visited_at,
                lat=household.lat + rng.uniform(-0.0003, 0.0003),
                lon=household.lon + rng.uniform(-0.0003, 0.0003),
                accuracy_m=rng.choice((5, 8, 12, 20, 35)),
                outcome=outcome,
                content_hash=uuid.uuid4().hex,
                is_demo=True,
            )
            visits.append(visit)
            if outcome == Outcome.MOVED:
                household.moved = True
            if outcome != Outcome.MET:
                continue
            for code, followup_days in rng.sample(services, rng.randint(1, 2)):
                result = rng.choices(
                    [HelpResult.DONE, HelpResult.PENDING, HelpResult.FAILED], weights=[70, 20, 10]
                )[0]
                items.append(
                    HelpItem(
                        visit=visit,
                        province_id=province,
                        service_id=code,
                        result=result,
                        people=rng.randint(1, max(household.members, 1)),
                    )
                )
                if result == HelpResult.PENDING:
                    followups.append(
                        FollowUp(
                            household_id=household.id,
                            service_id=code,
                            team=team,
                            opened_by=visit,
                            since=visited_at,
                            due=(visited_at + dt.timedelta(days=followup_days)).date(),
                        )
                    )
            if household.last_visited_at is None or visited_at > household.last_visited_at:
                household.last_visited_at = visited_at
                household.last_outcome = outcome
    # Seeding again reuses the ids (they are derived from the seed), which stay claimed.
    VisitKey.objects.bulk_create([VisitKey(id=v.id) for v in visits], batch_size=2000, ignore_conflicts=True)
    Visit.objects.bulk_create(visits, batch_size=2000)
    HelpItem.objects.bulk_create(items, batch_size=2000)
    # One open follow-up per household and service (the constraint): keep the first of each.
    unique_followups = {}
    for followup in followups:
        unique_followups.setdefault((followup.household_id, followup.service_id), followup)
    FollowUp.objects.bulk_create(unique_followups.values(), batch_size=2000)
    done_by_household: dict = {}
    for item in items:
        if item.result == HelpResult.DONE:
            done_by_household.setdefault(item.visit.household_id, set()).add(item.service_id)
    for household in household_rows:
        household.services_done = sorted(done_by_household.get(household.id, ()))
    Household.objects.bulk_update(
        household_rows, ["moved", "last_visited_at", "last_outcome", "services_done"], batch_size=2000
    )

    # Every village is new to the rollup: all of them are counted from their visits.
    field_records_project(field_records_batch(village_codes={v.code for v in villages}))
    report.campaign = _seed_running_campaign(
        province=province_obj,
        officer=created_users[f"tinh-{province}"],
        registered=Counter(household.village.commune_id for household in household_rows),
    )
    report.villages, report.teams, report.members = len(villages), len(teams), len(users)
    report.households, report.visits = len(household_rows), len(visits)
    first_commune = next((c for c in communes if any(v.commune_id == c.code for v in villages)), None)
    report.logins.append(("admin", "Quản trị hệ thống", "toàn quốc"))
    report.logins.append((f"tinh-{province}", "Cán bộ tỉnh", province_obj.full_name))
    if first_commune:
        showcase = next((c for c in communes if c.code == "21025"), first_commune)
        report.logins.append((f"xa-{showcase.code}", "Lãnh đạo xã", showcase.full_name))
        report.logins.append((f"tt-{showcase.code}-1", "Tổ trưởng", f"Tổ CNSCĐ số 1, {showcase.full_name}"))
        report.logins.append(
            (f"tv-{showcase.code}-1-1", "Thành viên tổ", f"Tổ CNSCĐ số 1, {showcase.full_name}")
        )
    return report


def _seed_running_campaign(*, province: Province, officer: User, registered: dict[str, int]):
    """A campaign running today (the demo's visits fall inside it) with a target per commune, created by
    the demo province officer through the same service as the form and the API."""
    from campaigns.services import campaign_create

    today = timezone.localdate()
    communes = sorted(code for code, count in registered.items() if count)
    if not communes:
        return None
    services = [
        code for code in DEMO_CAMPAIGN_SERVICES if Service.objects.filter(code=code, is_active=True).exists()
    ]
    return campaign_create(
        user=officer,
        data={
            "name": f"{DEMO_CAMPAIGN_PREFIX}: Tháng chuyển đổi số {province.name}",
            "province": province.code,
            "starts_on": today - dt.timedelta(days=14),
            "ends_on": today + dt.timedelta(days=16),
            "communes": communes,
            "services": services,
            "targets": [
                {
                    "commune": code,
                    "village": None,
                    "households": max(1, round(registered[code] * 0.8)),
                    "people": 0,
                }
                for code in communes
            ],
        },
    )
