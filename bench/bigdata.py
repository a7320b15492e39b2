"""A big synthetic province in PostgreSQL, built fast with COPY, for the map and campaign benchmarks.

``ensure_big_province(households=500_000, visits=1_000_000)`` loads the 34 provinces / 3,321 communes
with their real boundaries (~50 m, from the repository's fixtures/), demo villages and teams for Quảng Ngãi (51),
then households and visits (one help item each) with COPY. One commune (Cẩm Thành, 21025) gets
exactly ``commune_households`` households. Idempotent: a filled database is left as it is.
Run inside a Django process configured for the bench database (see bench/maps.py).
"""

import datetime as dt
import random
import uuid
from pathlib import Path

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

SHOWCASE_COMMUNE = "21025"


# BENCH_DATABASE=… gives a run its own database (e.g. beside another checkout's).
BENCH_DATABASE = __import__("os").environ.get("BENCH_DATABASE", "cnscd_bench_maps")


def use_bench_database(name: str = BENCH_DATABASE) -> None:
    """Point this process's Django at the bench database (created if missing) and set Django up."""
    import os

    import django

    os.chdir(Path(__file__).resolve().parent.parent)
    ensure_database(name)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")
    os.environ["DJANGO_DEBUG"] = "false"
    django.setup()


def ensure_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
        # Planned as production's PostgreSQL plans (docker-compose.yml: SSD storage).
        conn.execute(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1')


def ensure_big_province(
    *, households: int = 500_000, visits: int = 1_000_000, commune_households: int = 5000, seed: int = 1
) -> dict:
    from core.models import Commune, Household, User, Village, Visit

    call_command("migrate", verbosity=0)
    if Visit.objects.count() >= visits:
        return {"households": Household.objects.count(), "visits": Visit.objects.count()}
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    call_command("import_units", verbosity=0)
    call_command("import_boundaries", "--level", "commune", verbosity=0)
    call_command("import_boundaries", "--level", "province", verbosity=0)
    call_command("seed_demo", "--province", "51", "--households", "96", "--seed", str(seed), verbosity=0)

    rng = random.Random(seed)
    villages = list(
        Village.objects.filter(commune__province_id="51").values_list(
            "code", "commune_id", "team_id", "bbox_west", "bbox_south", "bbox_east", "bbox_north"
        )
    )
    members = {}
    for user_id, team_id in User.objects.filter(team__isnull=False, province_id="51").values_list(
        "id", "team_id"
    ):
        members.setdefault(team_id, []).append(user_id)
    showcase = [v for v in villages if v[1] == SHOWCASE_COMMUNE]
    others = [v for v in villages if v[1] != SHOWCASE_COMMUNE]
    plan = [showcase[i % len(showcase)] for i in range(commune_households)]
    plan += [others[i % len(others)] for i in range(households - commune_households)]
    now = timezone.now()
    household_rows, visit_rows, item_rows = [], [], []
    for village in plan:
        code, _commune, team, west, south, east, north = village
        household_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        household_rows.append((household_id, code, lat, lon))
    visited = rng.sample(range(len(household_rows)), k=min(len(household_rows), int(visits / 2)))
    per_household = [visited[i % len(visited)] for i in range(visits)]
    services = [
        "vneid_level2",
        "public_service_account",
        "online_procedure",
        "cashless_payment",
        "online_safety",
    ]
    for number, index in enumerate(per_household):
        household_id, code, lat, lon = household_rows[index]
        team = next(v[2] for v in [plan[index]])
        visit_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        visited_at = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 29))
        flagged = number % 17 == 0
        visit_rows.append(
            (visit_id, household_id, code, rng.choice(members[team]), team, visited_at, lat, lon, flagged)
        )
        item_rows.append(
            (visit_id, services[number % len(services)], "done" if number % 5 else "pending", 1 + number % 3)
        )

    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            "COPY field_api_household (id, village_id, label, head_name, phone, members, working_age, lat, lon, consent, "
            "version, moved, last_outcome, services_done, content_hash, search_name, change_seq, device_id, created_at, "
            "updated_at, is_demo) FROM STDIN"
        ) as copy:
            for household_id, code, lat, lon in household_rows:
                copy.write_row(
                    (
                        household_id,
                        code,
                        "Nhà mẫu",
                        "",
                        "",
                        4,
                        2,
                        lat,
                        lon,
                        False,
                        1,
                        False,
                        "",
                        "[]",
                        "",
                        "nha mau",
                        1,
                        "bench",
                        now,
                        now,
                        True,
                    )
                )
        with raw.copy(
            "COPY field_api_visit (id, province_id, household_id, village_id, volunteer_id, team_id, device_id, "
            "visited_at, lat, lon, accuracy_m, outcome, notes, flags, is_flagged, content_hash, received_at, "
            "is_demo) FROM STDIN"
        ) as copy:
            for visit_id, household_id, code, volunteer, team, visited_at, lat, lon, flagged in visit_rows:
                copy.write_row(
                    (
                        visit_id,
                        "51",
                        household_id,
                        code,
                        volunteer,
                        team,
                        "bench",
                        visited_at,
                        lat,
                        lon,
                        10,
                        "met",
                        "",
                        '["far_from_household"]' if flagged else "[]",
                        flagged,
                        "x",
                        now,
                        True,
                    )
                )
        with raw.copy("COPY field_api_visitkey (id) FROM STDIN") as copy:
            for visit_row in visit_rows:
                copy.write_row((visit_row[0],))
        with raw.copy(
            "COPY field_api_helpitem (visit_id, service_id, result, people, province_id) FROM STDIN"
        ) as copy:
            for row in item_rows:
                copy.write_row((*row, "51"))
        cursor.execute(
            "UPDATE field_api_household h SET last_visited_at = v.at, last_outcome = 'met' "
            "FROM (SELECT household_id, max(visited_at) AS at FROM field_api_visit GROUP BY household_id) v "
            "WHERE h.id = v.household_id"
        )
        cursor.execute("ANALYZE")
    from coverage.numbers import coverage_refresh

    codes = list(Village.objects.values_list("code", flat=True))
    for start in range(0, len(codes), 200):
        coverage_refresh(village_codes=codes[start : start + 200])
    return {
        "households": Household.objects.count(),
        "visits": Visit.objects.count(),
        "communes": Commune.objects.count(),
    }
