"""Nationwide scale (issue 13): every commune of the country on its real boundary, millions of households
and visits loaded with COPY, then the operations that must stay fast, timed.

Run by hand (not part of the tests), on PostgreSQL:

    uv run python bench/national.py --households 5000000 --visits 20000000      # the issue's size
    uv run python bench/national.py --households 250000 --visits 1000000        # a quick look

The database (``cnscd_bench_national_<visits>``) is created and filled once; later runs reuse it. It
loads the 34 provinces and 3,321 communes with their boundaries from fixtures/, ten villages and three
teams per commune (33,210 villages, 9,963 teams, a volunteer each, a leader per commune), households
spread evenly over the villages, and visits (one help item each) over the last 29 days, a fifth of
households never visited; then it rebuilds every rollup as the nightly jobs do, and times:

- a push of 200 visits with its rollups (coverage and the running campaign, in the request), and what
  the worker does when households moved or were counted again (a team's villages recounted);
- one phone's pull of 500 households;
- the coverage API for a commune (its villages) and for a province (its communes), cold and warm;
- the national map, cold (nothing cached) and warm;
- a province campaign: its tally by commune and its XLSX;
- the nightly rebuild (coverage, then the running campaign): total, and its longest transaction;
- the memory (peak RSS) of this process, which plays web and worker in turn.
"""

import argparse
import datetime as dt
import random
import resource
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VILLAGES_PER_COMMUNE = 10
TEAMS_PER_COMMUNE = 3
SERVICES = ["vneid_level2", "public_service_account", "online_procedure", "cashless_payment", "online_safety"]
PROVINCE = "51"  # Quảng Ngãi: the province whose campaign, pushes and pages are timed


def _household_id(village_number: int, n: int) -> uuid.UUID:
    return uuid.UUID(int=(0x4 << 124) | (village_number << 32) | n)


def _visit_id(village_number: int, n: int, k: int) -> uuid.UUID:
    return uuid.UUID(int=(0x5 << 124) | (village_number << 40) | (n << 8) | k)


def _timed(label: str, function, *, runs: int = 1):
    times, result = [], None
    for _run in range(runs):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return label, times, result


def _ms(times: list[float]) -> str:
    if len(times) == 1:
        return f"{1000 * times[0]:,.0f} ms"
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {1000 * statistics.median(times):,.0f} ms, p95 {1000 * p95:,.0f} ms"


# --- loading ------------------------------------------------------------------------------------


def load(*, households: int, visits: int, seed: int) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from core.models import Commune, Role, Team, User, Village, Visit
    from core.services.changes import change_stamp

    call_command("migrate", verbosity=0)
    if Visit.objects.count() >= visits:
        return {"loaded": "already"}
    figures = {}
    began = time.perf_counter()
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    call_command("import_units", verbosity=0)
    call_command("import_boundaries", "--level", "commune", verbosity=0)
    call_command("import_boundaries", "--level", "province", verbosity=0)
    figures["units and boundaries"] = time.perf_counter() - began

    began = time.perf_counter()
    communes = list(
        Commune.objects.order_by("code").values_list(
            "code", "province_id", "bbox_west", "bbox_south", "bbox_east", "bbox_north"
        )
    )
    Team.objects.bulk_create(
        [
            Team(commune_id=c[0], name=f"Tổ CNSCĐ số {t + 1}")
            for c in communes
            for t in range(TEAMS_PER_COMMUNE)
        ],
        batch_size=5000,
    )
    teams = {}
    for team_id, commune in Team.objects.values_list("id", "commune_id").order_by("id"):
        teams.setdefault(commune, []).append(team_id)
    village_rows = []
    for code, _province, west, south, east, north in communes:
        for number in range(VILLAGES_PER_COMMUNE):
            village_rows.append(
                Village(
                    code=f"{code}-{number + 1:02d}",
                    commune_id=code,
                    name=f"Thôn {number + 1}",
                    team_id=teams[code][number % TEAMS_PER_COMMUNE],
                    bbox_west=west,
                    bbox_south=south,
                    bbox_east=east,
                    bbox_north=north,
                )
            )
    Village.objects.bulk_create(village_rows, batch_size=5000)
    password = make_password("bench-pass-123")
    province_of = {c[0]: c[1] for c in communes}
    users = [  # bulk_create skips User.save: the wider areas are written as the database requires
        User(
            username=f"tv-{team_id}",
            role=Role.VOLUNTEER,
            team_id=team_id,
            commune_id=commune,
            province_id=province_of[commune],
            password=password,
        )
        for commune, commune_teams in teams.items()
        for team_id in commune_teams
    ]
    users += [
        User(
            username=f"xa-{c[0]}",
            role=Role.COMMUNE_LEADER,
            commune_id=c[0],
            province_id=c[1],
            password=password,
        )
        for c in communes
    ]
    provinces = sorted({c[1] for c in communes})
    users += [
        User(username=f"tinh-{p}", role=Role.PROVINCE_OFFICER, province_id=p, password=password)
        for p in provinces
    ]
    User.objects.bulk_create(users, batch_size=5000)
    volunteer_of = dict(User.objects.filter(role=Role.VOLUNTEER).values_list("team_id", "id"))
    figures["villages, teams, people"] = time.perf_counter() - began

    rng = random.Random(seed)
    now = timezone.now()
    stamp = change_stamp()
    per_village = max(1, households // len(village_rows))
    visits_per_visited = visits / (per_village * len(village_rows) * 0.8)
    villages = [
        (v.code, v.team_id, v.bbox_west, v.bbox_south, v.bbox_east, v.bbox_north) for v in village_rows
    ]
    province_of_commune = {c[0]: c[1] for c in communes}

    def visit_plan():
        """(village number, household n, visit k, …) for every visit, the same on every pass."""
        plan_rng = random.Random(seed + 1)
        for number, (code, team, *_bbox) in enumerate(villages):
            for n in range(per_village):
                if n % 5 == 4:
                    continue  # never visited
                count = int(visits_per_visited) + (plan_rng.random() < visits_per_visited % 1)
                for k in range(count):
                    yield number, code, team, n, k, plan_rng.randint(0, 60 * 24 * 29)

    with connection.cursor() as cursor:
        raw = cursor.cursor
        began = time.perf_counter()
        with raw.copy(
            "COPY field_api_household (id, village_id, label, head_name, phone, members, working_age, lat, lon, "
            "consent, version, moved, last_outcome, services_done, content_hash, search_name, change_seq, "
            "device_id, created_at, updated_at, is_demo) FROM STDIN"
        ) as copy:
            for number, (code, _team, west, south, east, north) in enumerate(villages):
                for n in range(per_village):
                    copy.write_row(
                        (
                            _household_id(number, n),
                            code,
                            f"Nhà số {n + 1}",
                            "",
                            "",
                            4,
                            2,
                            rng.uniform(south, north),
                            rng.uniform(west, east),
                            False,
                            1,
                            False,
                            "",
                            "[]",
                            "",
                            f"nha so {n + 1}",
                            stamp,
                            "bench",
                            now,
                            now,
                            True,
                        )
                    )
        figures["households (COPY)"] = time.perf_counter() - began
        began = time.perf_counter()
        loaded = 0
        # Straight into the partitioned tables: COPY routes each row to its province's partition.
        with raw.copy("COPY field_api_visitkey (id) FROM STDIN") as copy:
            for number, _code, _team, n, k, _minutes in visit_plan():
                copy.write_row((_visit_id(number, n, k),))
        figures["visit keys (COPY)"] = time.perf_counter() - began
        began = time.perf_counter()
        with raw.copy(
            "COPY field_api_visit (id, province_id, household_id, village_id, volunteer_id, team_id, device_id, "
            "visited_at, lat, lon, accuracy_m, outcome, notes, flags, is_flagged, content_hash, received_at, "
            "is_demo) FROM STDIN"
        ) as copy:
            for number, code, team, n, k, minutes in visit_plan():
                flagged = (n + k) % 17 == 0
                copy.write_row(
                    (
                        _visit_id(number, n, k),
                        province_of_commune[code.split("-")[0]],
                        _household_id(number, n),
                        code,
                        volunteer_of[team],
                        team,
                        "bench",
                        now - dt.timedelta(minutes=minutes),
                        None,
                        None,
                        None,
                        "met",
                        "",
                        '["far_from_household"]' if flagged else "[]",
                        flagged,
                        "x",
                        now,
                        True,
                    )
                )
                loaded += 1
        figures["visits (COPY)"] = time.perf_counter() - began
        began = time.perf_counter()
        with raw.copy(
            "COPY field_api_helpitem (visit_id, province_id, service_id, result, people) FROM STDIN"
        ) as copy:
            for number, code, _team, n, k, _minutes in visit_plan():
                item = n + k
                copy.write_row(
                    (
                        _visit_id(number, n, k),
                        province_of_commune[code.split("-")[0]],
                        SERVICES[item % 5],
                        "done" if item % 5 else "pending",
                        1 + item % 3,
                    )
                )
        figures["help items (COPY)"] = time.perf_counter() - began
        began = time.perf_counter()
        cursor.execute(
            "UPDATE field_api_household h SET last_visited_at = v.at, last_outcome = 'met' "
            "FROM (SELECT household_id, max(visited_at) AS at FROM field_api_visit GROUP BY household_id) v "
            "WHERE h.id = v.household_id"
        )
        figures["households' last visit"] = time.perf_counter() - began
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    figures["VACUUM ANALYZE"] = time.perf_counter() - began
    figures["visits loaded"] = loaded
    return figures


# --- the nightly rebuild ------------------------------------------------------------------------


def nightly(campaign) -> dict:
    from campaigns import rollup as campaign_rollup
    from campaigns import tasks as campaign_tasks
    from core.models import Village
    from coverage.numbers import coverage_refresh
    from coverage.tasks import COVERAGE_VILLAGES_PER_TRANSACTION

    longest = {"coverage": 0.0, "campaign": 0.0}
    codes = list(Village.objects.order_by("code").values_list("code", flat=True))
    began = time.perf_counter()
    step = COVERAGE_VILLAGES_PER_TRANSACTION
    for start in range(0, len(codes), step):  # as coverage.tasks.refresh_all_coverage
        chunk_began = time.perf_counter()
        coverage_refresh(village_codes=codes[start : start + step])
        longest["coverage"] = max(longest["coverage"], time.perf_counter() - chunk_began)
    coverage_total = time.perf_counter() - began

    original = campaign_rollup.campaign_rollup_refresh

    def measured(**kwargs):
        chunk_began = time.perf_counter()
        original(**kwargs)
        longest["campaign"] = max(longest["campaign"], time.perf_counter() - chunk_began)

    campaign_rollup.campaign_rollup_refresh = measured
    try:
        began = time.perf_counter()
        campaign_tasks.nightly_rollup()
        campaign_total = time.perf_counter() - began
    finally:
        campaign_rollup.campaign_rollup_refresh = original
    return {
        "coverage": coverage_total,
        "coverage longest transaction": longest["coverage"],
        "campaigns": campaign_total,
        "campaign longest transaction": longest["campaign"],
    }


# --- timings ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=5_000_000)
    parser.add_argument("--visits", type=int, default=20_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-nightly", action="store_true")
    args = parser.parse_args()

    import os

    os.environ.setdefault(
        "CELERY_BROKER_URL", "redis://127.0.0.1:6379/13"
    )  # the worker's recount is timed apart
    from bench.bigdata import use_bench_database

    use_bench_database(f"cnscd_bench_national_{args.visits}")
    from django.core.cache import cache
    from django.utils import timezone
    from rest_framework.test import APIClient

    from campaigns.exports import export_xlsx
    from campaigns.models import Campaign
    from campaigns.services import campaign_create
    from campaigns.tally import campaign_tally
    from campaigns.tasks import recount_asked
    from core.models import Commune, Household, User, Village, Visit
    from core.scope import Kind, Scope
    from field_api.push import sync_push
    from maps import pages

    began = time.perf_counter()
    figures = load(households=args.households, visits=args.visits, seed=args.seed)
    print(f"loading: {time.perf_counter() - began:,.0f} s")
    for label, value in figures.items():
        print(f"  {label:<28} " + (f"{value:,.1f} s" if isinstance(value, float) else f"{value}"))
    print(
        f"data: {Commune.objects.count():,} communes, {Village.objects.count():,} villages, "
        f"{Household.objects.count():,} households, {Visit.objects.count():,} visits"
    )

    today = timezone.localdate()
    officer = User.objects.get(username=f"tinh-{PROVINCE}")
    campaign = Campaign.objects.filter(province_id=PROVINCE, name="Đo tốc độ toàn quốc").first()
    if campaign is None:
        campaign = campaign_create(
            user=officer,
            data={
                "name": "Đo tốc độ toàn quốc",
                "province": PROVINCE,
                "communes": [],
                "starts_on": today - dt.timedelta(days=29),
                "ends_on": today + dt.timedelta(days=1),
                "services": [],
                "targets": [
                    {"commune": code, "households": 100, "people": 200}
                    for code in Commune.objects.filter(province_id=PROVINCE).values_list("code", flat=True)
                ],
            },
        )
    rows = _Printed()  # each figure printed as it comes: a failure later loses none
    if not args.skip_nightly:
        for label, value in nightly(campaign).items():
            rows.append((f"nightly rebuild: {label}", f"{value:,.1f} s"))

    # A push of 200 visits with its rollups (coverage, and the province's running campaign), by one
    # volunteer of the province, 20 times.
    # A different team each run: its households carry the history the load gave them (a few visits in
    # the campaign's window), not every earlier run's pushes as well.
    volunteer = random.Random().choice(
        list(User.objects.filter(team__commune__province_id=PROVINCE, role="volunteer").order_by("id"))
    )
    print(f"pushing as {volunteer.username} (team {volunteer.team_id})", flush=True)
    homes = [
        str(h) for h in Household.objects.filter(village__team=volunteer.team_id).values_list("id", flat=True)
    ]
    # 4,600 visits a minute apart, all in the past and in the campaign's window (each push adds to it).
    start = timezone.now() - dt.timedelta(days=4)
    batches = []
    for number in range(23):  # two to warm up, twenty timed, one for the plans
        batches.append(
            {
                "device_id": "bench",
                "visits": [
                    {
                        "id": str(uuid.uuid4()),
                        "household": homes[(number * 200 + i) % len(homes)],
                        "visited_at": (start + dt.timedelta(seconds=(number * 200 + i) * 61)).isoformat(),
                        "lat": None,
                        "lon": None,
                        "accuracy_m": None,
                        "outcome": "met",
                        "help": [{"service": "vneid_level2", "result": "done", "people": 2}],
                        "notes": "",
                    }
                    for i in range(200)
                ],
            }
        )
    for batch in batches[:2]:
        sync_push(user=volunteer, payload=batch)
    rows.append(
        _row(
            _timed(
                "push of 200 visits with its coverage and campaign rollups",
                _pusher(sync_push, volunteer, batches[2:22]),
                runs=20,
            )
        )
    )
    villages = list(Village.objects.filter(team=volunteer.team_id).values_list("code", flat=True))
    rows.append(
        _row(
            _timed(
                "worker: a team's villages recounted for the campaign (households moved or recounted)",
                lambda: recount_asked(villages),
                runs=5,
            )
        )
    )

    phone = APIClient()
    phone.force_authenticate(volunteer)
    _ok(phone.get("/api/v1/me/"))  # the process's first request imports the API; phones meet a warm one
    rows.append(
        _row(
            _timed(
                "one phone's pull of 500 households",
                lambda: _ok(phone.get("/api/v1/sync/pull/?limit=500")),
                runs=20,
            )
        )
    )

    leader_commune = volunteer.team.commune_id
    officer_client, national_client = APIClient(), APIClient()
    officer_client.force_authenticate(officer)
    national_client.force_authenticate(User.objects.filter(is_superuser=True).first() or officer)
    commune_url = f"/api/v1/coverage/?level=village&commune={leader_commune}"
    province_url = f"/api/v1/coverage/?level=commune&province={PROVINCE}"
    national = Scope(Kind.NATIONAL)
    # The API's first request in a process imports what it serves; "cold" below means an empty cache
    # in a process that has served before, as readers meet it.
    _ok(officer_client.get(province_url))
    # A process's first map pulls in folium and geopandas (imported on first use): timed apart.
    cache.clear()
    rows.append(
        _row(_timed("national map, first in a new process", lambda: pages.national_page(scope=national)))
    )
    rows.append(_row(_cold("coverage of a commune, cold", lambda: _ok(officer_client.get(commune_url)))))
    rows.append(
        _row(_timed("coverage of a commune, warm", lambda: _ok(officer_client.get(commune_url)), runs=20))
    )
    rows.append(_row(_cold("coverage of a province, cold", lambda: _ok(officer_client.get(province_url)))))
    rows.append(
        _row(_timed("coverage of a province, warm", lambda: _ok(officer_client.get(province_url)), runs=20))
    )
    rows.append(_row(_cold("national map, cold", lambda: pages.national_page(scope=national), runs=3)))
    rows.append(_row(_timed("national map, warm", lambda: pages.national_page(scope=national), runs=20)))
    province_scope = officer.scope

    def tally():
        return campaign_tally(campaign=campaign, by="commune", scope=province_scope)

    rows.append(_row(_cold("province campaign tally by commune, cold", tally)))
    rows.append(_row(_timed("province campaign tally by commune, warm", tally, runs=20)))
    rows.append(
        _row(_timed("province campaign XLSX", lambda: export_xlsx(campaign=campaign, scope=province_scope)))
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("peak memory of this process (web and worker in turn)", f"{peak:,.0f} MB"))

    from coverage.numbers import CoverageFilter, compute_village_numbers
    from leaders.dashboard import LeaderFilter, flagged_visits

    leader = User.objects.get(username=f"xa-{leader_commune}")
    print("\nhistory partitions and the plans of what reads them (EXPLAIN ANALYZE, BUFFERS):")
    _partition_sizes()
    _plans("a push of 200 visits (its reads of history)", _pusher(sync_push, volunteer, batches[-1:]))
    _plans(
        "a team's villages recounted from their visits (coverage)",
        lambda: compute_village_numbers(village_codes=villages, filters=CoverageFilter()),
    )
    _plans("a team's villages recounted for the campaign", lambda: recount_asked(villages))
    _plans(
        "a commune leader's flagged visits",
        lambda: flagged_visits(scope=leader.scope, commune=leader_commune, filters=LeaderFilter()),
    )
    # The same recount without naming the province: what every query would cost unpartitioned-aware.
    _explain(
        "the coverage recount's visits without the province (every partition)",
        "SELECT village_id, count(DISTINCT household_id), count(*) FROM field_api_visit "
        "WHERE village_id = ANY(%s) GROUP BY 1",
        [villages],
    )


def _pusher(sync_push, volunteer, batches):
    remaining = iter(batches)

    def push():
        answer = sync_push(user=volunteer, payload=next(remaining))
        assert {r["status"] for r in answer["results"]} == {"created"}, answer["results"][:2]

    return push


def _partition_sizes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.relname, count(*), sum(c.reltuples)::bigint, "
            "pg_size_pretty(sum(pg_total_relation_size(c.oid))), "
            "pg_size_pretty(max(pg_total_relation_size(c.oid))) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname IN ('field_api_visit', 'field_api_helpitem') GROUP BY 1 ORDER BY 1"
        )
        for table, partitions, rows, total, largest in cursor.fetchall():
            print(
                f"  {table}: {partitions} partitions, {rows:,} rows, {total} with indexes (largest {largest})"
            )


def _explain(label: str, sql: str, params) -> None:
    import re

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    partitions = sorted(
        set(re.findall(r"field_api_(?:visit|helpitem)_(p[0-9a-z]+|default)", "\n".join(plan)))
    )
    executed = next((line for line in plan if line.startswith("Execution Time")), "")
    print(f"\n  {label}\n    partitions read: {', '.join(partitions) or '-'}; {executed}")
    for line in plan:
        print(f"      {line}")


def _plans(label: str, function) -> None:
    """Runs ``function``, then shows the plan of every statement it sent that reads visits or help items."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        function()
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT")
        and re.search(r"field_api_(visit|helpitem)\b", q["sql"])
    ]
    print(f"\n  {label}: {len(reads)} statements read history")
    for number, sql in enumerate(reads, 1):
        _explain(f"{number}. {sql[:150]}…", sql, None)


class _Printed(list):
    def append(self, row: tuple[str, str]) -> None:
        super().append(row)
        label, value = row
        print(f"{label:<58} {value}", flush=True)


def _cold(label: str, function, *, runs: int = 5):
    """Timed with the page cache emptied before each run."""
    from django.core.cache import cache

    def emptied_then():
        cache.clear()
        began = time.perf_counter()
        function()
        return time.perf_counter() - began

    return label, [emptied_then() for _run in range(runs)], None


def _ok(response):
    assert response.status_code == 200, response.content[:300]
    return response


def _row(timed) -> tuple[str, str]:
    label, times, _result = timed
    return label, _ms(times)


if __name__ == "__main__":
    main()
