"""Sync ingest speed: gunicorn (2 workers) on loopback, PostgreSQL, 200-visit batches with 2 help items each.

Run by hand (not part of the tests):

    uv run python bench/sync_ingest.py [--seconds 20] [--clients 4] [--embedded] [--shape village-day]

Two shapes: ``spread`` (default) sends each client's visits to its own 4,000 households over ten villages,
a visit every 97 s; ``village-day`` is a volunteer's day each: a door every 3 minutes, all the clients
into the same village of 400 households (their pushes meet on the same households and the same
village's rollup locks). ``BENCH_DB``, ``BENCH_PORT`` and ``BENCH_BROKER`` choose the database, port and
queue (defaults below), so two people can measure on one machine.

It creates (or reuses) the database ``cnscd_bench_sync``, seeds one commune with a team, volunteers and
households, starts gunicorn, and prints: fresh-id ingest (visits/s, p50/p95 per batch), re-sending the
same batches (items/s), and pull of 500 households (p50/p95). With ``--embedded`` no broker is set, so
what a push leaves for Celery runs eagerly in the web process, as on ``make run``: compare the two runs.

Machines differ and this one's speed varies from day to day, so a figure is worth most beside the code
it is compared with, measured by turns on the same machine. The script also runs from a checkout of the
code the layout issue measured (``git worktree add /tmp/filing 5ca7c95``, copy this file into its
``bench/``, ``uv sync`` there and run it with that checkout's Python): docs/SCALING.md has the figures.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = os.environ.get("BENCH_DB", "cnscd_bench_sync")
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
PORT = int(os.environ.get("BENCH_PORT", "8101"))
BATCH = 200
HOUSEHOLDS_PER_CLIENT = 4000
PASSWORD = "bench-pass-123"  # noqa: S105


def _ensure_database():
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


DAY_VILLAGE = "21025-50"
DAY_HOUSEHOLDS = 400
DOOR_EVERY_SECONDS = 180


def _seed(clients: int, shape: str = "spread") -> dict:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    try:
        from core.models import Commune, Household, Province, Role, Team, User, Village
        from core.services.changes import change_stamp
    except ImportError:  # a checkout before the apps were named for what they hold (see module docstring)
        from field_api.models import Commune, Household, Province, Role, Team, User, Village
        from field_api.services.changes import change_stamp

    call_command("migrate", verbosity=0)
    call_command("loaddata", str(ROOT / "fixtures/services.json"), verbosity=0)
    province, _created = Province.objects.get_or_create(
        code="51", defaults={"name": "Quảng Ngãi", "full_name": "Tỉnh Quảng Ngãi"}
    )
    commune, _created = Commune.objects.get_or_create(
        code="21025", defaults={"province": province, "name": "Cẩm Thành", "full_name": "Phường Cẩm Thành"}
    )
    team, _created = Team.objects.get_or_create(
        commune=commune, name="Tổ một thôn" if shape == "village-day" else "Tổ đo tốc độ"
    )
    villages = []
    numbers = [50] if shape == "village-day" else range(1, 11)
    for number in numbers:
        village, _created = Village.objects.get_or_create(
            code=f"21025-{number:02d}", defaults={"commune": commune, "name": f"Thôn {number}", "team": team}
        )
        villages.append(village.code)
    users = []
    run = uuid.uuid4().hex[:6]  # fresh volunteers each run: their visit timelines start empty, as a day's do
    for index in range(clients):
        user, created = User.objects.get_or_create(
            username=f"bench-{run}-{index}",
            defaults={"role": Role.VOLUNTEER, "team": team, "full_name": f"Đo {index}"},
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
        users.append(user.username)
    wanted = DAY_HOUSEHOLDS if shape == "village-day" else clients * HOUSEHOLDS_PER_CLIENT
    have = Household.objects.filter(village__team=team).count()
    if have < wanted:
        stamp = change_stamp()
        Household.objects.bulk_create(
            [
                Household(
                    id=uuid.uuid4(),
                    village_id=villages[i % len(villages)],
                    label=f"Nhà số {i}",
                    members=4,
                    working_age=2,
                    lat=15.12 + (i % 100) * 1e-4,
                    lon=108.80 + (i // 100 % 100) * 1e-4,
                    consent=False,
                    change_seq=stamp,
                )
                for i in range(have, wanted)
            ],
            batch_size=5000,
        )
    households = [
        str(h)
        for h in Household.objects.filter(village__team=team).order_by("id").values_list("id", flat=True)
    ]

    # A team of its own with 500 households: what one phone downloads on a full pull.
    pull_team, _created = Team.objects.get_or_create(commune=commune, name="Tổ đo tải về")
    pull_village, _created = Village.objects.get_or_create(
        code="21025-90", defaults={"commune": commune, "name": "Thôn 90", "team": pull_team}
    )
    puller, created = User.objects.get_or_create(
        username="bench-pull", defaults={"role": Role.VOLUNTEER, "team": pull_team, "full_name": "Đo tải về"}
    )
    if created:
        puller.set_password(PASSWORD)
        puller.save()
    missing = 500 - Household.objects.filter(village=pull_village).count()
    if missing > 0:
        stamp = change_stamp()
        Household.objects.bulk_create(
            [
                Household(
                    id=uuid.uuid4(),
                    village=pull_village,
                    label=f"Nhà số {i}",
                    head_name="Nguyễn Văn Ba",
                    phone="0905123456",
                    members=4,
                    working_age=2,
                    lat=15.12,
                    lon=108.80,
                    consent=True,
                    services_done=["vneid_level2"],
                    change_seq=stamp,
                )
                for i in range(missing)
            ]
        )
    _vacuum()
    return {"users": users, "households": households[:wanted], "puller": puller.username}


def _vacuum() -> None:
    """Planner statistics and visibility maps as autovacuum keeps them in production: the PostgreSQL
    of this workplace runs with ``autovacuum = off``, and without statistics the planner scans whole
    tables for a batch's 200 ids."""
    import psycopg

    with psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        if conn.execute("SHOW autovacuum").fetchone()[0] != "on":
            print("note: autovacuum is off on this server; the bench runs VACUUM ANALYZE itself")
        conn.execute("VACUUM ANALYZE")


def _rollups_exact() -> bool:
    """Every bench village's stored coverage rollup equals its recount from all visits."""
    try:
        from coverage.models import VillageCoverage
        from coverage.numbers import CoverageFilter, compute_village_numbers
    except ImportError:  # before the layout, as above
        from maps.coverage import CoverageFilter, compute_village_numbers
        from maps.models import VillageCoverage

    stored = {
        row["village_id"]: row
        for row in VillageCoverage.objects.filter(village__code__startswith="21025-").values()
    }
    counted = compute_village_numbers(village_codes=sorted(stored), filters=CoverageFilter())
    return all(stored[code][name] == numbers[name] for code, numbers in counted.items() for name in numbers)


def _batches(
    households: list[str], client_index: int, count: int, shape: str = "spread", offset: int = 0
) -> list[bytes]:
    """``offset`` batches already sent by this client (the warm-up): the timeline goes on after them."""
    if shape == "village-day":
        # Each client starts at another door of the same village, a door every 3 minutes; a batch is a
        # day's work (200 doors = 10 hours), the next batch the next day.
        mine = households[client_index * 100 :] + households[: client_index * 100]
        gap, day = DOOR_EVERY_SECONDS, dt.timedelta(days=1)
        start = dt.datetime.now(dt.UTC).replace(hour=0, minute=30) - dt.timedelta(days=400)
    else:
        mine = households[client_index * HOUSEHOLDS_PER_CLIENT : (client_index + 1) * HOUSEHOLDS_PER_CLIENT]
        gap, day = 97, dt.timedelta(seconds=97 * BATCH)
        start = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)
    bodies = []
    for number in range(offset, offset + count):
        visits = []
        for i in range(BATCH):
            moment = start + number * day + dt.timedelta(seconds=i * gap)
            visits.append(
                {
                    "id": str(uuid.uuid4()),
                    "household": mine[(number * BATCH + i) % len(mine)],
                    "visited_at": moment.isoformat(),
                    "lat": 15.125,
                    "lon": 108.805,
                    "accuracy_m": 10,
                    "outcome": "met",
                    "help": [
                        {"service": "vneid_level2", "result": "done", "people": 2},
                        {"service": "online_safety", "result": "done", "people": 1},
                    ],
                    "notes": "",
                }
            )
        bodies.append(json.dumps({"device_id": f"bench-{client_index}", "visits": visits}).encode())
    return bodies


def _request(
    conn: http.client.HTTPConnection, method: str, path: str, token: str | None, body: bytes | None = None
):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"{method} {path} → {response.status}: {data[:300]!r}")
    return data


def _login(username: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    body = json.dumps({"username": username, "password": PASSWORD}).encode()
    return json.loads(_request(conn, "POST", "/api/v1/auth/login/", None, body))["token"]


def _run_clients(
    tokens: list[str], work: list[list[bytes]], seconds: float | None
) -> tuple[int, float, list[float]]:
    latencies: list[float] = []
    sent = [0] * len(tokens)
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds if seconds else None

    def client(index):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        for body in work[index]:
            if deadline and time.perf_counter() > deadline:
                break
            began = time.perf_counter()
            _request(conn, "POST", "/api/v1/sync/push/", tokens[index], body)
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
            sent[index] += 1

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(sent), time.perf_counter() - began, latencies


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="no broker: Celery runs tasks in the push's own process, as `make run` does (issue 13 item 0)",
    )
    parser.add_argument("--shape", choices=("spread", "village-day"), default="spread")
    args = parser.parse_args()

    _ensure_database()
    seeded = _seed(args.clients, args.shape)
    print(f"shape: {args.shape}")
    # As in production, coverage and campaign refreshes after a push go to a Redis queue for the
    # workers (not run here: the two cores serve pushes); the queue is emptied afterwards.
    broker = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/13")
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "backend.settings.base",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "" if args.embedded else broker,
    }
    print("embedded default: Celery eager, in the push's process" if args.embedded else f"broker: {broker}")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "backend.wsgi:application",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _attempt in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/api/schema/")
                break
            except OSError:
                time.sleep(0.1)
        tokens = [_login(username) for username in seeded["users"]]
        per_client = int(12_000 * args.seconds / BATCH / args.clients) + 2
        day = args.shape == "village-day"
        work = [
            _batches(seeded["households"], i, per_client, args.shape, offset=2 if day else 0)
            for i in range(args.clients)
        ]
        warm = [_batches(seeded["households"], i, 2, args.shape) for i in range(args.clients)]
        _run_clients(tokens, warm, None)

        batches, elapsed, latencies = _run_clients(tokens, work, args.seconds)
        visits = batches * BATCH
        print(
            f"fresh ids : {visits:>7} visits in {elapsed:5.1f} s = {visits / elapsed:8.0f} visits/s; "
            f"per batch p50 {1000 * statistics.median(latencies):.0f} ms, p95 {1000 * _percentile(latencies, 0.95):.0f} ms "
            f"(targets: ≥ 8000 visits/s, p95 ≤ 250 ms)"
        )

        sent_work = [body_list[: len(body_list)] for body_list in work]
        done = [0] * args.clients
        resend = [
            sent_work[i][: max(1, min(len(sent_work[i]), batches // args.clients))]
            for i in range(args.clients)
        ]
        del done
        batches2, elapsed2, latencies2 = _run_clients(tokens, resend, None)
        items = batches2 * BATCH
        print(
            f"re-send   : {items:>7} items  in {elapsed2:5.1f} s = {items / elapsed2:8.0f} items/s; "
            f"p95 {1000 * _percentile(latencies2, 0.95):.0f} ms (target: ≥ 8000 items/s)"
        )

        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        pull_token = _login(seeded["puller"])
        pulls = []
        for _attempt in range(60):
            began = time.perf_counter()
            body = json.loads(_request(conn, "GET", "/api/v1/sync/pull/?limit=500", pull_token))
            pulls.append(time.perf_counter() - began)
        assert len(body["households"]) == 500
        print(
            f"pull 500  : p50 {1000 * statistics.median(pulls):.1f} ms, p95 {1000 * _percentile(pulls, 0.95):.1f} ms "
            f"(target: p95 ≤ 50 ms)"
        )
        print(f"rollups exact: {_rollups_exact()}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        import redis

        redis.Redis.from_url(broker).flushdb()


if __name__ == "__main__":
    main()
