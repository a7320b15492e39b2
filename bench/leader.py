"""The commune leader's page for a commune of 5,000 households (target ≤ 300 ms server time).

Run by hand (not part of the tests) against PostgreSQL; the first run builds the data (about a minute):

    uv run python bench/leader.py            # database cnscd_shell_bench, or BENCH_DB=name

Data: Quảng Ngãi's units and commune boundaries from fixtures/, the demo (villages, teams, a running
campaign), then Cẩm Thành (21025) filled to 5,000 households, ~6,000 visits (1 in 17 flagged), open
follow-ups from 10 days overdue to 20 days ahead, and half its villages without a boundary (drawn from
their households). Prints the median server time of /communes/21025/ with the map built ("cold": the
cache emptied first) and cached ("warm"), with a filter (never cached), a village page and an export.
"""

import datetime as dt
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMMUNE = "21025"
HOUSEHOLDS = 5000


def timed(function, runs=7):
    times = []
    for _run in range(runs):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return 1000 * statistics.median(times)


def build():
    from django.core.management import call_command
    from django.utils import timezone

    from core.models import FollowUp, Household, User, Village, Visit, VisitKey

    call_command("migrate", verbosity=0)
    if Household.objects.filter(village__commune_id=COMMUNE).count() >= HOUSEHOLDS:
        return
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    call_command("import_units", "--province", "51", verbosity=0)
    call_command("import_boundaries", "--level", "commune", "--province", "51", verbosity=0)
    call_command("seed_demo", "--province", "51", "--households", "960", "--seed", "1", verbosity=0)
    rng = random.Random(1)
    villages = list(Village.objects.filter(commune_id=COMMUNE).order_by("code"))
    # Most villages have no published boundary: drop half of them here.
    for village in villages[::2]:
        village.geometry = village.geometry_simplified = None
        village.bbox_west = village.bbox_south = village.bbox_east = village.bbox_north = None
    Village.objects.bulk_update(
        villages[::2],
        ["geometry", "geometry_simplified", "bbox_west", "bbox_south", "bbox_east", "bbox_north"],
    )
    members = {}
    for user_id, team_id in User.objects.filter(team__commune_id=COMMUNE).values_list("id", "team_id"):
        members.setdefault(team_id, []).append(user_id)
    now = timezone.now()
    existing = Household.objects.filter(village__commune_id=COMMUNE).count()
    households, visits, followups = [], [], []
    services = ["vneid_level2", "public_service_account", "cashless_payment", "online_safety"]
    for number in range(HOUSEHOLDS - existing):
        village = villages[number % len(villages)]
        household = Household(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            village=village,
            label=f"Nhà số {number + 1}",
            head_name=f"Chủ hộ {number + 1}",
            phone=f"09{rng.randint(10_000_000, 99_999_999)}",
            lat=15.12 + rng.uniform(-0.01, 0.01) + (number % len(villages)) * 0.002,
            lon=108.80 + rng.uniform(-0.01, 0.01),
            consent=True,
            is_demo=True,
        )
        households.append(household)
        if rng.random() < 0.55:
            team = village.team_id
            for knock in range(rng.choice((1, 1, 2))):
                visited_at = now - dt.timedelta(days=rng.randint(0, 25), minutes=rng.randint(0, 600) + knock)
                visit = Visit(
                    id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    province_id="51",
                    household=household,
                    village=village,
                    volunteer_id=rng.choice(members[team]),
                    team_id=team,
                    visited_at=visited_at,
                    lat=household.lat,
                    lon=household.lon,
                    accuracy_m=10,
                    outcome="met",
                    content_hash=uuid.uuid4().hex,
                    is_flagged=len(visits) % 17 == 0,
                    flags=["very_far_from_household"] if len(visits) % 17 == 0 else [],
                    # bulk_create skips Visit.save, which sets this by core.counting: a strong flag holds.
                    held=len(visits) % 17 == 0,
                    distance_m=350 if len(visits) % 17 == 0 else 5,
                    is_demo=True,
                )
                visits.append(visit)
                household.last_visited_at, household.last_outcome = visited_at, "met"
                household.services_done = rng.sample(services, rng.randint(0, 3))
            if rng.random() < 0.2:
                followups.append(
                    FollowUp(
                        household=household,
                        service_id=rng.choice(services),
                        team_id=team,
                        opened_by=visit,
                        since=visit.visited_at,
                        due=timezone.localdate() + dt.timedelta(days=rng.randint(-10, 20)),
                    )
                )
    Household.objects.bulk_create(households, batch_size=2000)
    VisitKey.objects.bulk_create([VisitKey(id=visit.id) for visit in visits], batch_size=2000)
    Visit.objects.bulk_create(visits, batch_size=2000)
    FollowUp.objects.bulk_create(followups, batch_size=2000)
    from django.db import transaction

    from core.projections import field_records_batch, field_records_project

    # Every village is new to the rollup: all of them are counted from their visits (in a transaction:
    # the pipeline takes the villages' rollup locks).
    with transaction.atomic():
        field_records_project(field_records_batch(village_codes={v.code for v in villages}))


def main():
    from bench.bigdata import use_bench_database

    use_bench_database(os.environ.get("BENCH_DB", "cnscd_shell_bench"))
    began = time.perf_counter()
    build()
    from django.core.cache import cache
    from django.test import Client

    from core.models import Household, User, Village

    households = Household.objects.filter(village__commune_id=COMMUNE).count()
    print(f"data ready in {time.perf_counter() - began:.0f} s: commune {COMMUNE}, {households} households")
    leader = User.objects.get(username=f"xa-{COMMUNE}")
    officer = User.objects.get(username="tinh-51")
    village = Village.objects.filter(commune_id=COMMUNE).order_by("code").first()

    def client_for(user):
        client = Client()
        client.force_login(user)
        return client

    leader_client, officer_client = client_for(leader), client_for(officer)

    def get(client, url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    page = f"/communes/{COMMUNE}/"
    get(leader_client, page)  # a running server has read the boundaries once

    def cold():
        cache.clear()
        get(leader_client, page)

    print(f"leader page, map built (cold)     : {timed(cold):6.0f} ms   (target ≤ 300 ms)")
    print(
        f"leader page, map cached (warm)    : {timed(lambda: get(leader_client, page)):6.0f} ms   (target ≤ 300 ms)"
    )
    size = len(get(leader_client, page).content)
    print(f"leader page size                  : {size / 1024:6.0f} KB")
    filtered = f"{page}?service=vneid_level2"
    print(f"leader page, filtered (cached)    : {timed(lambda: get(leader_client, filtered)):6.0f} ms")
    print(f"province officer, same page (warm): {timed(lambda: get(officer_client, page)):6.0f} ms")
    village_url = f"/villages/{village.code}/"
    print(
        f"village page ({Household.objects.filter(village=village).count()} households)       : "
        f"{timed(lambda: get(leader_client, village_url)):6.0f} ms"
    )
    export = f"/communes/{COMMUNE}/xlsx/never-visited/"
    print(f"XLSX never visited                : {timed(lambda: get(leader_client, export), runs=3):6.0f} ms")


if __name__ == "__main__":
    main()
