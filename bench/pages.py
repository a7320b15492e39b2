"""Every browser page of the commune leader and the province officer, to usable in Chromium (issue 11:
≤ 1 s on this machine), on the data of bench/leader.py (a commune of 5,000 households, a running
campaign, Quảng Ngãi's 96 communes).

Run by hand (not part of the tests), after `make setup`:

    uv run python bench/pages.py            # database cnscd_shell_bench (built by bench/leader.py if empty)

gunicorn (2 workers) serves the pages on loopback; Debian's Chromium (Playwright) signs in as each role
and opens each page twice at a desktop size: "first" right after the page cache was emptied (the map
is built), "again" from the cache. "Usable" is the page's load event: the shell, the tables and the
map's scripts have run, so the map is drawn and the tables sort.
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = 8102
PASSWORD = "demo12345"  # noqa: S105 - the demo's documented password


def _pages(campaign: int) -> dict[str, list[str]]:
    return {
        "xa-21025": [
            "/",
            "/communes/21025/",
            "/villages/21025-01/",
            "/maps/commune/21025/",
            "/campaigns/",
            f"/campaigns/{campaign}/",
            "/setup/communes/21025/",
        ],
        "tinh-51": [
            "/",
            "/maps/province/51/",
            "/campaigns/",
            f"/campaigns/{campaign}/",
            f"/campaigns/{campaign}/map/",
            f"/campaigns/{campaign}/communes/21025/",
            "/campaigns/new/",
            "/communes/21025/",
            "/setup/",
        ],
    }


def main() -> None:
    from bench import leader
    from bench.bigdata import use_bench_database

    use_bench_database(os.environ.get("BENCH_DB", "cnscd_shell_bench"))
    leader.build()
    from django.core.cache import cache

    from campaigns.models import Campaign

    campaign = (
        Campaign.objects.filter(province_id="51").order_by("-starts_on").values_list("pk", flat=True).first()
    )
    env = {
        **os.environ,
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "DJANGO_SETTINGS_MODULE": "backend.settings.base",
        "DJANGO_DEBUG": "false",
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
    }
    server = subprocess.Popen(  # noqa: S603 - our interpreter running our own app
        [
            sys.executable,
            "-m",
            "gunicorn",
            "backend.wsgi:application",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    rows = []
    try:
        time.sleep(4)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            for username, urls in _pages(campaign).items():
                context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{PORT}/accounts/login/")
                page.fill("input[name=username]", username)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state("load")
                for url in urls:
                    import redis

                    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
                    times = []
                    for _run in range(3):
                        began = time.perf_counter()
                        response = page.goto(f"http://127.0.0.1:{PORT}{url}", wait_until="load")
                        times.append(time.perf_counter() - began)
                        assert response.status == 200, (url, response.status)
                    rows.append((username, url, times[0], statistics.median(times[1:])))
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        cache.clear()
    print(f"{'who':<10} {'page':<36} {'first':>8} {'again':>8}   (budget ≤ 1000 ms to usable)")
    for username, url, first, again in rows:
        mark = "ok" if max(first, again) <= 1 else "OVER"
        print(f"{username:<10} {url:<36} {1000 * first:>6.0f} ms {1000 * again:>6.0f} ms   {mark}")


if __name__ == "__main__":
    main()
