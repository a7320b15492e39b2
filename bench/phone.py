"""Phone app speed on a low-end phone: Chromium with the CPU slowed 4× and a slow 3G link (issue 10).

Run by hand (not part of the tests), after `make setup` built the app:

    uv run python bench/phone.py [--households 1000] [--visits 200] [--broker redis://127.0.0.1:6379/13]

It creates (or reuses) the PostgreSQL database ``cnscd_bench_phone``, seeds a fresh team with villages,
one volunteer and N households (a tenth already visited, with follow-ups), starts gunicorn (2 workers) on
loopback, and drives Debian's Chromium (Playwright, 360 × 740 phone screen) through CDP:
``Emulation.setCPUThrottlingRate`` 4 and ``Network.emulateNetworkConditions`` at slow 3G (400 ms round
trip, 400 kbit/s each way: WebPageTest's "3G Slow", the usual low-end baseline). It prints:

- first load: navigation to the sign-in screen drawn, and the JS + CSS bytes on the wire (compressed);
- opening the app with no network at all (service worker + IndexedDB), to the household list drawn;
- the list of N households: coach order + drawing at app open, and again when returning to the tab;
- search ("nguyen thi huong" and a common word), input to results drawn;
- the walk map of the N households and their villages' outlines, offline: opening the screen to drawn;
- syncing M visits queued offline: back online to queue empty, and to the whole sync done (push + pull).

The broker (``--broker``, a Redis database that is emptied afterwards) only collects the coverage
refreshes the pushes enqueue; no worker runs, as the two cores serve the app.
"""

import argparse
import http.client
import os
import random
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = os.environ.get("BENCH_PHONE_DB", "cnscd_bench_phone")  # another name keeps parallel runs apart
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
PORT = int(os.environ.get("BENCH_PHONE_PORT", "8102"))
PASSWORD = "bench-pass-123"  # noqa: S105
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
CPU_SLOWDOWN = 4
BUDGETS = {
    "first_load_ms": 3000,
    "js_css_kb": 200,
    "offline_open_ms": 1000,
    "render_ms": 100,
    "search_ms": 50,
    "sync_ms": 5000,
    "map_ms": 300,
}
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hữu", "Đức", "Thu"]
GIVEN = [
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hoa",
    "Hùng",
    "Lan",
    "Long",
    "Mai",
    "Nam",
]


def _ensure_database():
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def _village_outline(n: int) -> dict:
    """Five side-by-side strips over the households' square, each edge with many points (a real outline
    from a boundary file has hundreds; the villages call bounds them)."""
    west, east = 108.80 + n * 0.002, 108.80 + (n + 1) * 0.002
    south, north = 15.12, 15.13
    steps = 80
    ring = (
        [[west + (east - west) * i / steps, south] for i in range(steps)]
        + [[east, south + (north - south) * i / steps] for i in range(steps)]
        + [[east - (east - west) * i / steps, north] for i in range(steps)]
        + [[west, north - (north - south) * i / steps] for i in range(steps)]
    )
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _seed(households: int) -> dict:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")
    os.environ["CELERY_BROKER_URL"] = ""  # the seed's own pushes refresh nothing in the background
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from backend.text import search_key
    from core.models import Commune, Household, Province, Role, Team, User, Village
    from core.services.changes import change_stamp
    from field_api.push import sync_push

    call_command("migrate", verbosity=0)
    call_command("loaddata", str(ROOT / "fixtures/services.json"), verbosity=0)
    province, _ = Province.objects.get_or_create(
        code="51", defaults={"name": "Quảng Ngãi", "full_name": "Tỉnh Quảng Ngãi"}
    )
    commune, _ = Commune.objects.get_or_create(
        code="21025", defaults={"province": province, "name": "Cẩm Thành", "full_name": "Phường Cẩm Thành"}
    )
    run = uuid.uuid4().hex[:6]  # a fresh team each run: the volunteer sees exactly N households
    team = Team.objects.create(commune=commune, name=f"Tổ đo tốc độ {run}")
    villages = [
        Village.objects.create(
            code=f"21025-{run}-{n}",
            commune=commune,
            name=f"Thôn {n + 1}",
            team=team,
            geometry_simplified=_village_outline(n),
        )
        for n in range(5)
    ]
    user = User.objects.create(username=f"bench-phone-{run}", role=Role.VOLUNTEER, team=team, full_name="Đo")
    user.set_password(PASSWORD)
    user.save()
    rng = random.Random(1)
    stamp = change_stamp()
    rows = []
    for index in range(households):
        head = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        if index == households // 2:
            head = "Nguyễn Thị Hường"
        label = f"Nhà số {index + 1}, xóm {index % 12 + 1}"
        rows.append(
            Household(
                village=villages[index % len(villages)],
                label=label,
                head_name=head,
                phone=f"09{rng.randrange(10**8):08d}",
                members=rng.randint(1, 8),
                working_age=1,
                lat=15.12 + rng.random() / 100,
                lon=108.80 + rng.random() / 100,
                consent=True,
                search_name=search_key(f"{label} {head}"),
                change_seq=stamp,
            )
        )
    Household.objects.bulk_create(rows, batch_size=1000)
    # A tenth already visited, some with a service waiting on an outside step (follow-ups).
    now = timezone.localtime()
    visits = [
        {
            "id": str(uuid.uuid4()),
            "household": str(household.id),
            "visited_at": (now - timezone.timedelta(days=3, minutes=index * 7)).isoformat(),
            "outcome": "met",
            "help": [
                {"service": "vneid_level2", "result": "pending" if index % 3 == 0 else "done", "people": 1}
            ],
        }
        for index, household in enumerate(rows[: households // 10])
    ]
    sync_push(user=user, payload={"visits": visits})
    return {
        "username": user.username,
        "households": [str(h.id) for h in rows],
    }


# In-page measurements (the app runs under script-src 'self': Playwright gets functions, never strings).
MARK = "name => (performance.getEntriesByName(name)[0] || {}).startTime ?? null"
WIRE = """() => performance.getEntriesByType('resource')
  .filter(e => /\\.(js|css)$/.test(new URL(e.name).pathname))
  .map(e => [new URL(e.name).pathname, e.encodedBodySize, e.decodedBodySize])"""
RETURN_TO_LIST = """async () => {
  location.hash = '#/guide';
  await new Promise(done => setTimeout(done, 300));
  const start = performance.now();
  const drawn = new Promise(done => {
    const observer = new MutationObserver(() => {
      if (document.querySelector('[data-testid=households] li')) { observer.disconnect(); done(); }
    });
    observer.observe(document.getElementById('app'), { childList: true, subtree: true });
  });
  location.hash = '#/';
  await drawn;
  void document.body.offsetHeight;  // layout included
  return performance.now() - start;
}"""
SEARCH = """async query => {
  const input = document.querySelector('input[name=q]');
  const count = document.querySelector('[data-testid=list-count]');
  const before = count.textContent;
  const start = performance.now();
  const drawn = new Promise(done => {
    const observer = new MutationObserver(() => {
      if (count.textContent !== before) { observer.disconnect(); done(); }
    });
    observer.observe(count, { childList: true, characterData: true, subtree: true });
  });
  input.value = query;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await drawn;
  void document.body.offsetHeight;
  const elapsed = performance.now() - start;
  const found = document.querySelectorAll('[data-household]').length;
  const text = count.textContent;
  input.value = '';
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await new Promise(done => setTimeout(done, 200));
  return [elapsed, text, found];
}"""
# The walk map (issue 22 §7): from leaving the list to every outline and household drawn, offline.
MAP_DRAW = """async () => {
  location.hash = '#/guide';
  await new Promise(done => setTimeout(done, 300));
  performance.clearMarks('map-drawn');
  const start = performance.now();
  location.hash = '#/map';
  for (;;) {
    const [mark] = performance.getEntriesByName('map-drawn');
    if (mark) {
      const canvas = document.querySelector('[data-testid=walk-map]');
      return [mark.startTime - start, Number(canvas.dataset.drawMs), Number(canvas.dataset.points)];
    }
    await new Promise(done => setTimeout(done, 2));
  }
}"""
QUEUE_VISITS = """async ([ids, owner, deviceNow]) => {
  const db = await new Promise((ok, fail) => {
    const request = indexedDB.open('cnscd-phone');
    request.onsuccess = () => ok(request.result);
    request.onerror = () => fail(request.error);
  });
  const tx = db.transaction('outbox', 'readwrite');
  const store = tx.objectStore('outbox');
  const made = [];
  ids.forEach((household, index) => {
    const id = crypto.randomUUID();
    made.push(id);
    store.put({
      key: `visit:${id}`, id, kind: 'visit', owner, state: 'waiting', errors: null, current: null, rev: 1,
      seq: Date.now() * 1000 + index, createdAt: new Date().toISOString(),
      body: {
        id, household, visited_at: new Date(deviceNow - index * 60000).toISOString(),
        lat: 15.1205, lon: 108.8085, accuracy_m: 12, outcome: 'met', notes: '',
        help: [{ service: 'online_safety', result: 'done', people: 2 },
               { service: 'cashless_payment', result: index % 4 ? 'done' : 'pending', people: 1 }],
      },
    });
  });
  await new Promise((ok, fail) => { tx.oncomplete = ok; tx.onerror = () => fail(tx.error); });
  db.close();
  return made;
}"""


def _throttle(page, network: dict | None):
    session = page.context.new_cdp_session(page)
    session.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    if network is not None:
        session.send("Network.enable")
        session.send("Network.emulateNetworkConditions", network)
    return session


def _verdict(name: str, value: float, unit: str, budget_key: str) -> str:
    budget = BUDGETS[budget_key]
    return (
        f"{name:<58} {value:8.0f} {unit:<3} (budget ≤ {budget} {unit}) {'ok' if value <= budget else 'OVER'}"
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--settings", default="backend.settings.base", help="the server's settings module")
    args = parser.parse_args()
    if not (ROOT / "phone" / "dist" / "index.html").exists():
        sys.exit("phone/dist is missing: run `make setup` first")

    _ensure_database()
    seeded = _seed(args.households)
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": args.settings,
        "LOG_LEVEL": "WARNING",
        # Coverage refreshes after a push queue up for workers that are not run here.
        "CELERY_BROKER_URL": args.broker,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "backend.wsgi:application", "-w", "2", "-b", f"127.0.0.1:{PORT}"]
        + ["--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://localhost:{PORT}"
    lines = []
    try:

        def get(path: str) -> int:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
            connection.request("GET", path)
            return connection.getresponse().status

        for _attempt in range(100):
            try:
                get("/app/sw.js")
                break
            except OSError:
                time.sleep(0.1)
        # Each gunicorn worker imports the whole product on its first request (seconds): not the app's
        # cost, so every worker is warmed before anything is measured.
        with ThreadPoolExecutor(4) as pool:
            for _round in range(3):
                list(pool.map(get, ["/app/", "/api/v1/services/", "/app/i18n/vi.json", "/app/sw.js"]))
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--no-first-run",
                ],
            )
            context = browser.new_context(
                viewport={"width": 360, "height": 740},
                is_mobile=True,
                has_touch=True,
                locale="vi-VN",
                timezone_id="Asia/Ho_Chi_Minh",
            )
            page = context.new_page()
            _throttle(page, SLOW_3G)

            # 1. First load, nothing cached.
            page.goto(f"{base}/app/")
            page.wait_for_selector("input[name=username]")
            first_load = page.evaluate(MARK, "app-ready")
            wire = page.evaluate(WIRE)
            js_css = sum(encoded for _path, encoded, _decoded in wire) / 1024
            lines.append(
                _verdict("first load (navigation → sign-in screen drawn)", first_load, "ms", "first_load_ms")
            )
            files = ", ".join(
                f"{path.rsplit('/', 1)[-1]} {e / 1024:.1f}/{d / 1024:.1f} KB" for path, e, d in wire
            )
            lines.append(
                _verdict("JS + CSS on the wire, compressed", js_css, "KB", "js_css_kb") + f"  [{files}]"
            )
            # Every script and stylesheet of the app, screens fetched later (the walk map) included.
            built = sorted((ROOT / "phone" / "dist" / "assets").glob("*.[jc]s*.gz"))
            whole = sum(path.stat().st_size for path in built) / 1024
            lines.append(
                _verdict("  … the whole app's JS + CSS (every chunk), gzip", whole, "KB", "js_css_kb")
                + f"  [{', '.join(f'{p.name.split(chr(45))[0]} {p.stat().st_size / 1024:.1f} KB' for p in built)}]"
            )

            # Sign in and the first download of every household (informative).
            page.fill("input[name=username]", seeded["username"])
            page.fill("input[name=password]", PASSWORD)
            started = time.perf_counter()
            page.click("form button[type=submit]")
            page.wait_for_selector("[data-household]", timeout=120_000)
            page.wait_for_function(
                "() => { const n = document.querySelector('[data-testid=list-count]');"
                f" return n && n.textContent.startsWith('{args.households} '); }}",
                timeout=120_000,
            )
            lines.append(
                f"{'sign in + first download of ' + str(args.households) + ' households (slow 3G)':<58} "
                f"{(time.perf_counter() - started) * 1000:8.0f} ms  (informative)"
            )
            page.wait_for_function("() => navigator.serviceWorker.controller !== null")
            page.wait_for_timeout(1500)  # let the service worker finish precaching on the slow link

            # 2. Open the app with no network at all.
            context.set_offline(True)
            page.close()
            page = context.new_page()
            _throttle(page, None)
            opens, renders = [], []
            for attempt in range(4):  # a fresh start each time; the first also warms the disk cache
                if attempt:
                    page.reload()
                else:
                    page.goto(f"{base}/app/")
                page.wait_for_selector("[data-household]")
                opens.append(page.evaluate(MARK, "list-rendered"))
                renders.append(page.evaluate(MARK, "list-rendered") - page.evaluate(MARK, "data-loaded"))
            lines.append(
                _verdict(
                    "offline open (navigation → household list drawn), median of 4",
                    median(opens),
                    "ms",
                    "offline_open_ms",
                )
                + f"  [{', '.join(f'{v:.0f}' for v in opens)}]"
            )
            lines.append(
                _verdict(
                    f"list of {args.households} households: coach order + draw at open",
                    median(renders),
                    "ms",
                    "render_ms",
                )
                + f"  [{', '.join(f'{v:.0f}' for v in renders)}]"
            )
            again = min(page.evaluate(RETURN_TO_LIST) for _ in range(3))
            lines.append(
                _verdict("list drawn again on returning to the tab (best of 3)", again, "ms", "render_ms")
            )
            for query in ("nguyen thi huong", "van"):
                times = [page.evaluate(SEARCH, query) for _ in range(3)]
                best = min(t[0] for t in times)
                lines.append(
                    _verdict(
                        f'search "{query}" ({times[0][1]}, {times[0][2]} drawn)', best, "ms", "search_ms"
                    )
                )

            # The walk map, still offline: screen opened and drawn, and the canvas drawing alone.
            maps = [page.evaluate(MAP_DRAW) for _ in range(3)]
            lines.append(
                _verdict(
                    f"walk map: {maps[0][2]} households + outlines, open → drawn (best of 3)",
                    min(m[0] for m in maps),
                    "ms",
                    "map_ms",
                )
                + f"  [canvas alone {min(m[1] for m in maps):.0f} ms]"
            )
            page.evaluate("() => { location.hash = '#/'; }")
            page.wait_for_selector("input[name=q]")

            # 3. Visits queued offline, then back into (slow) coverage.
            owner = page.evaluate(
                "async () => { const r = indexedDB.open('cnscd-phone'); await new Promise(ok => r.onsuccess = ok);"
                " const q = r.result.transaction('sessions').objectStore('sessions').getAll();"
                " await new Promise(ok => q.onsuccess = ok); r.result.close(); return q.result[0].userId; }"
            )
            targets = random.Random(2).sample(seeded["households"], args.visits)
            queued = page.evaluate(QUEUE_VISITS, [targets, owner, int(time.time() * 1000)])
            page.close()
            # A fresh start of the app, offline through our own CDP session (Playwright's offline switch
            # would reset the slow-3G profile when it turns the network back on).
            page = context.new_page()
            session = _throttle(page, {**SLOW_3G, "offline": True})
            context.set_offline(False)
            session.send("Network.emulateNetworkConditions", {**SLOW_3G, "offline": True})
            page.goto(f"{base}/app/#/sync")
            page.wait_for_selector("[data-testid=waiting-summary]")
            assert f"{args.visits} lượt thăm" in page.inner_text("[data-testid=waiting-summary]")
            started = time.perf_counter()
            session.send("Network.emulateNetworkConditions", SLOW_3G)
            page.wait_for_selector("[data-testid=nothing-waiting]", timeout=120_000)
            queue_empty = (time.perf_counter() - started) * 1000
            page.wait_for_function(
                "() => !document.querySelector('[data-testid=sync-now]').disabled", timeout=120_000
            )
            whole = (time.perf_counter() - started) * 1000
            lines.append(
                _verdict(
                    f"sync of {args.visits} queued visits: online → queue empty", queue_empty, "ms", "sync_ms"
                )
            )
            lines.append(
                _verdict("  … and the whole sync done (push + pull of what changed)", whole, "ms", "sync_ms")
            )
            browser.close()
        from core.models import Visit

        stored = Visit.objects.filter(id__in=queued).count()
        lines.append(f"{'visits stored on the server (each once)':<58} {stored:8d}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        import redis

        redis.Redis.from_url(args.broker).flushdb()  # the refreshes nobody ran
    print(f"Chromium, CPU ×{CPU_SLOWDOWN} slower, slow 3G (400 ms RTT, 400 kbit/s), 360 × 740 phone screen")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
