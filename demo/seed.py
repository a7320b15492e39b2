"""Synthetic demo data for one province: villages, teams, members, households and a few visits.

No public list of villages or households exists, so the demo makes them up — always marked ``is_demo``
and deterministic for a given seed — and stores them the way real data arrives: teams, villages and
members through the core services a sheet uses (``teams_create``, ``members_create``), households and
visits pushed from a phone (``field_api.push.sync_push``), so coverage, follow-ups, the households' last
visits and the audit trail are what that writer makes of them; the running campaign is created by the
province officer through ``campaigns.services.campaign_create``. Villages are written at once with their
drawn cells (see ``_create_villages``).

Villages are Voronoi cells of random points inside each commune polygon. Where no real boundary was
imported, communes get approximate cells first: the Voronoi diagram of the province's commune centres,
each clipped to a disc of the commune's real area. Running it again replaces the province's previous
demo rows (and only those), so the result is the same.
"""

import datetime as dt
import math
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

import shapely
from django.db import transaction
from django.utils import timezone
from shapely.geometry import MultiPoint, Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

from backend.text import search_key
from campaigns.models import Campaign
from campaigns.services import campaign_create
from core.models import (
    Commune,
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
)
from core.projections import field_records_batch, field_records_project
from core.services.boundaries import BOUNDARY_FIELDS, PRECISION, _as_geojson
from core.services.imports import ImportRejected
from core.services.members import members_create, teams_create
from core.services.villages import village_numbering
from demo.removal import DEMO_CAMPAIGN_PREFIX, DemoInUse, demo_remove
from field_api.push import MAX_ITEMS, sync_push

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


class DemoLogin(NamedTuple):
    username: str
    role: str  # as people read it
    scope: str


@dataclass
class DemoReport:
    villages: int = 0
    teams: int = 0
    members: int = 0
    households: int = 0
    visits: int = 0
    approximated_communes: int = 0
    campaign: Campaign | None = None  # the running demo campaign (maps' dashboard is alive on `make run`)
    logins: list[DemoLogin] = field(default_factory=list)


@dataclass
class PlannedTeam:
    commune: str
    number: int  # "Tổ CNSCĐ số <number>" in its commune
    size: int  # how many villages it works: one or two
    villages: list[str] = field(default_factory=list)
    team: Team | None = None

    @property
    def name(self) -> str:
        return f"Tổ CNSCĐ số {self.number}"


@dataclass
class PlannedVillage:
    code: str
    name: str
    commune: str
    cell: BaseGeometry
    team: PlannedTeam
    households: list[dict] = field(default_factory=list)  # as a phone pushes them


@dataclass
class DemoPlan:
    """What the demo will store, drawn from the seed before anything is written."""

    villages: list[PlannedVillage] = field(default_factory=list)
    teams: list[PlannedTeam] = field(default_factory=list)

    @property
    def households(self) -> list[dict]:
        return [home for village in self.villages for home in village.households]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY_NAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"


def _phone(rng: random.Random) -> str:
    return f"09{rng.randint(10_000_000, 99_999_999)}"


def _demo_id(*parts) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, "/".join(str(part) for part in parts))


def _random_points_in(polygon: BaseGeometry, count: int, rng: random.Random) -> list[Point]:
    west, south, east, north = polygon.bounds
    prepared = prep(polygon)
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


DEMO_CAMPAIGN_SERVICES = ("vneid_level2", "public_service_account", "cashless_payment")
OUTCOMES = [
    o.value for o in (Outcome.MET, Outcome.NOT_HOME, Outcome.COME_BACK, Outcome.REFUSED, Outcome.MOVED)
]
RESULTS = [r.value for r in (HelpResult.DONE, HelpResult.PENDING, HelpResult.FAILED)]


def _clear_previous_demo(province: str) -> None:
    """Only rows the demo made (``is_demo``) go; real villages, teams and people are never touched. Demo
    rows real ones have come to depend on stop the seed, before anything changes."""
    removal = demo_remove(province=province)
    if removal.kept:
        raise DemoInUse(removal.kept)


@transaction.atomic
def demo_seed(*, province: str, households: int, seed: int, visit_share: float = 0.35) -> DemoReport:
    province_obj, services = _demo_ready(province)
    rng = random.Random(seed)
    _clear_previous_demo(province)
    communes = list(Commune.objects.filter(province_id=province).order_by("code"))
    report = DemoReport(approximated_communes=_approximate_communes(communes))
    plan = _plan_villages(communes=communes, rng=rng)
    _plan_households(plan=plan, communes=communes, households=households, rng=rng, key=(province, seed))
    _create_teams(plan)
    _create_villages(plan, rng=rng)
    people = _create_people(plan=plan, province=province_obj, communes=communes, rng=rng)
    visits = _plan_visits(
        plan=plan, services=services, rng=rng, visit_share=visit_share, key=(province, seed)
    )
    _push_from_phones(plan=plan, visits=visits, people=people)
    _mark_as_demo(plan=plan, province=province)
    report.campaign = _seed_running_campaign(
        province=province_obj,
        officer=people[f"tinh-{province}"],
        registered=Counter(village.commune for village in plan.villages for _home in village.households),
    )
    report.villages, report.teams, report.members = len(plan.villages), len(plan.teams), len(people)
    report.households, report.visits = len(plan.households), sum(len(sent) for sent in visits.values())
    report.logins = _showcase_logins(plan=plan, province=province_obj, communes=communes)
    return report


def _demo_ready(province: str) -> tuple[Province, dict[str, int]]:
    """The province and its active services (code → follow-up days), or why the demo cannot be made."""
    province_obj = Province.objects.filter(code=province).first()
    if province_obj is None:
        raise ImportRejected([f"Chưa có tỉnh {province}: chạy import_units --province {province} trước."])
    services = dict(Service.objects.filter(is_active=True).values_list("code", "followup_days"))
    if not services:
        raise ImportRejected(["Chưa có danh mục dịch vụ: chạy manage.py migrate trước."])
    return province_obj, services


def _village_cells(polygon: BaseGeometry, rng: random.Random) -> list[BaseGeometry]:
    """A commune cut into 4 to 8 villages, north to south."""
    seeds = _random_points_in(polygon, rng.randint(4, 8), rng)
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=polygon.envelope)
    cell_list = [cell.intersection(polygon) for cell in cells.geoms] if len(seeds) > 1 else [polygon]
    cell_list = [cell for cell in cell_list if not cell.is_empty] or [polygon]
    return sorted(cell_list, key=lambda c: (-c.centroid.y, c.centroid.x))


def _plan_villages(*, communes: list[Commune], rng: random.Random) -> DemoPlan:
    plan = DemoPlan()
    # A commune's own villages keep their codes: demo villages are numbered after them.
    taken = set(Village.objects.filter(commune__in=communes).values_list("code", flat=True))
    for commune in communes:
        polygon = shape(commune.geometry) if commune.geometry else None
        if polygon is None or polygon.is_empty:
            continue
        cells = _village_cells(polygon, rng)
        numbering = village_numbering(commune=commune.code, taken=taken)
        # One team per one or two villages, as communes organise them.
        teams: list[PlannedTeam] = []
        for numbered, cell in zip(numbering, cells, strict=False):
            if not teams or len(teams[-1].villages) == teams[-1].size:
                teams.append(
                    PlannedTeam(commune=commune.code, number=len(teams) + 1, size=rng.choice((1, 2)))
                )
            teams[-1].villages.append(numbered.code)
            cell = shapely.set_precision(cell, PRECISION)
            plan.villages.append(
                PlannedVillage(
                    code=numbered.code, name=numbered.name, commune=commune.code, cell=cell, team=teams[-1]
                )
            )
        plan.teams.extend(teams)
    return plan


def _plan_households(
    *, plan: DemoPlan, communes: list[Commune], households: int, rng: random.Random, key: tuple
) -> None:
    """Households spread evenly over the communes, then over their villages, inside their cells."""
    per_commune = max(households // max(len(communes), 1), 1)
    for commune, villages in _by_commune(plan).items():
        for number in range(per_commune):
            village = villages[number % len(villages)]
            point = _random_points_in(village.cell, 1, rng)[0]
            members = rng.randint(1, 7)
            head = _name(rng)
            village.households.append(
                {
                    "id": str(_demo_id(*key, "household", commune, number)),
                    "village": village.code,
                    "label": f"Nhà {head.split()[-1]}, số {number + 1}",
                    "head_name": head,
                    "phone": _phone(rng),
                    "members": members,
                    "working_age": rng.randint(0, members),
                    "lat": round(point.y, 6),
                    "lon": round(point.x, 6),
                    "consent": True,
                    "base_version": None,
                }
            )


def _create_teams(plan: DemoPlan) -> None:
    created = teams_create(teams=[(team.commune, team.name) for team in plan.teams])
    for planned, team in zip(plan.teams, created, strict=True):
        planned.team = team


def _create_villages(plan: DemoPlan, *, rng: random.Random) -> None:
    """The villages with their drawn cells, teams and declared household counts, written at once: the
    core's ``village_create`` takes one village at a time with its own rollup (about 70 ms each, for
    some 600 villages); the rollup of all of them then starts from one projection, as it does there."""
    villages = []
    for planned in plan.villages:
        cell = planned.cell
        west, south, east, north = cell.bounds
        villages.append(
            Village(
                code=planned.code,
                commune_id=planned.commune,
                name=planned.name,
                team=planned.team.team,
                declared_households=int(len(planned.households) * rng.uniform(1.0, 1.6)) or None,
                geometry=_as_geojson(cell),
                geometry_simplified=_as_geojson(shapely.simplify(cell, 0.0001, preserve_topology=True)),
                bbox_west=west,
                bbox_south=south,
                bbox_east=east,
                bbox_north=north,
                boundary_source="Voronoi (dữ liệu mẫu)",
                is_demo=True,
            )
        )
    for village in villages:
        village.search_name = search_key(village.name)
    Village.objects.bulk_create(villages, batch_size=500)
    field_records_project(
        field_records_batch(village_codes={v.code for v in villages}, recount_village_codes=set())
    )


def _create_people(
    *, plan: DemoPlan, province: Province, communes: list[Commune], rng: random.Random
) -> dict[str, User]:
    """The accounts a demo needs, as a members sheet creates them, all with the demo password."""
    people = []
    if not User.objects.filter(username="admin").exists():  # shared by every seeded province; never replaced
        people.append(User(username="admin", full_name="Quản trị hệ thống (mẫu)", role=Role.ADMIN))
        people[-1].is_superuser = True
    people.append(
        User(
            username=f"tinh-{province.code}",
            full_name=f"Cán bộ Sở KH&CN {province.name} (mẫu)",
            role=Role.PROVINCE_OFFICER,
            province=province,
        )
    )
    people += [
        User(
            username=f"xa-{commune.code}",
            full_name=f"Lãnh đạo {commune.full_name} (mẫu)",
            role=Role.COMMUNE_LEADER,
            province=province,
            commune=commune,
        )
        for commune in communes
    ]
    for team in plan.teams:
        prefix = f"{team.commune}-{team.number}"
        people += [
            User(
                username=f"tt-{prefix}" if k == 0 else f"tv-{prefix}-{k}",
                full_name=_name(rng),
                phone=_phone(rng),
                role=Role.TEAM_LEADER if k == 0 else Role.VOLUNTEER,
                province=province,
                commune_id=team.commune,
                team=team.team,
            )
            for k in range(rng.randint(4, 9))
        ]
    for person in people:
        person.is_demo = True
    members_create(members=people, passwords={p.username: DEMO_PASSWORD for p in people}, actor=None)
    return {person.username: person for person in people}


def _plan_visits(
    *, plan: DemoPlan, services: dict[str, int], rng: random.Random, visit_share: float, key: tuple
) -> dict[str, list[dict]]:
    """About a third of the households visited, some knocked on twice, with help given and pending:
    each commune's visits, as its phone records them."""
    now = timezone.now()
    visits = defaultdict(list)
    for village in plan.villages:
        for home in village.households:
            if rng.random() > visit_share:
                continue
            for knock in range(rng.choice((1, 1, 1, 2))):
                ago = dt.timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600) + 60 * knock)
                outcome = rng.choices(OUTCOMES, weights=[70, 15, 8, 5, 2])[0]
                helped = rng.sample(sorted(services), rng.randint(1, 2)) if outcome == Outcome.MET else []
                item = {
                    "id": str(_demo_id(*key, "visit", home["id"], knock)),
                    "household": home["id"],
                    "visited_at": (now - ago).isoformat(),
                    "lat": home["lat"] + rng.uniform(-0.0003, 0.0003),
                    "lon": home["lon"] + rng.uniform(-0.0003, 0.0003),
                    "accuracy_m": rng.choice((5, 8, 12, 20, 35)),
                    "outcome": outcome,
                    "help": [
                        {
                            "service": code,
                            "result": rng.choices(RESULTS, weights=[70, 20, 10])[0],
                            "people": rng.randint(1, home["members"]),
                        }
                        for code in helped
                    ],
                    "notes": "",
                }
                visits[village.commune].append(item)
    return visits


def _push_from_phones(*, plan: DemoPlan, visits: dict[str, list[dict]], people: dict[str, User]) -> None:
    """Each commune's households, then its visits, sent from its leader's phone (a commune leader works
    in the field too), in one push per commune: a phone per team would cost some 400 pushes, several
    times the seed's time."""
    for commune, villages in _by_commune(plan).items():
        items = [("households", home) for village in villages for home in village.households]
        items += [("visits", visit) for visit in visits[commune]]
        for start in range(0, len(items), MAX_ITEMS):
            payload = defaultdict(list, device_id="demo")
            for kind, item in items[start : start + MAX_ITEMS]:
                payload[kind].append(item)
            _push(user=people[f"xa-{commune}"], payload=dict(payload))


def _push(*, user: User, payload: dict) -> None:
    answer = sync_push(user=user, payload=payload)
    refused = [result for result in answer["results"] if result["status"] != "created"]
    if refused:  # the demo's own data: a refusal is a bug in the demo, never skipped
        raise ImportRejected([f"{result['type']} {result['id']}: {result}" for result in refused])


def _by_commune(plan: DemoPlan) -> dict[str, list[PlannedVillage]]:
    villages = defaultdict(list)
    for village in plan.villages:
        villages[village.commune].append(village)
    return villages


def _mark_as_demo(*, plan: DemoPlan, province: str) -> None:
    """What the services stored for the demo carries the demo's mark, so it can be told and cleared."""
    Team.objects.filter(pk__in=[team.team.pk for team in plan.teams]).update(is_demo=True)
    codes = [village.code for village in plan.villages]
    Village.objects.filter(code__in=codes).update(is_demo=True)
    Household.objects.filter(village_id__in=codes).update(is_demo=True)
    Visit.objects.filter(province_id=province, village_id__in=codes).update(is_demo=True)


def _showcase_logins(*, plan: DemoPlan, province: Province, communes: list[Commune]) -> list[DemoLogin]:
    logins = [
        DemoLogin("admin", "Quản trị hệ thống", "toàn quốc"),
        DemoLogin(f"tinh-{province.code}", "Cán bộ tỉnh", province.full_name),
    ]
    seeded = {village.commune for village in plan.villages}
    showcase = next((c for c in communes if c.code == "21025" and c.code in seeded), None)
    showcase = showcase or next((c for c in communes if c.code in seeded), None)
    if showcase:
        team = f"Tổ CNSCĐ số 1, {showcase.full_name}"
        logins.append(DemoLogin(f"xa-{showcase.code}", "Lãnh đạo xã", showcase.full_name))
        logins.append(DemoLogin(f"tt-{showcase.code}-1", "Tổ trưởng", team))
        logins.append(DemoLogin(f"tv-{showcase.code}-1-1", "Thành viên tổ", team))
    return logins


def _seed_running_campaign(
    *, province: Province, officer: User, registered: dict[str, int]
) -> Campaign | None:
    """A campaign running today (the demo's visits fall inside it) with a target per commune, created by
    the demo province officer through the same service as the form and the API."""
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
