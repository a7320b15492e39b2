"""Map speed on a big province: 1 M visits over 500 k households in Quảng Ngãi, real boundaries.

Run by hand (not part of the tests); the first run builds the data (a few minutes):

    uv run python bench/maps.py

Prints: province map cold / cached, commune map with 5,000 households (time, size), national
3,321-commune map (time, size), coverage API for one commune. "Cold" means the rendered page is not
cached (the data version changed); the process has read boundaries before, as a running server has.
"""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(function, runs=5):
    times, result = [], None
    for _run in range(runs):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return times, result


def main():
    from bench.bigdata import SHOWCASE_COMMUNE, ensure_big_province, use_bench_database

    use_bench_database()
    from django.core.cache import cache
    from django.test import Client

    from core.models import Household, Role, User

    began = time.perf_counter()
    sizes = ensure_big_province()
    print(f"data: {sizes} (ready in {time.perf_counter() - began:.0f} s)")
    officer, _created = User.objects.get_or_create(
        username="bench-tinh", defaults={"role": Role.PROVINCE_OFFICER, "province_id": "51"}
    )
    leader, _created = User.objects.get_or_create(
        username="bench-xa", defaults={"role": Role.COMMUNE_LEADER, "commune_id": SHOWCASE_COMMUNE}
    )
    admin, _created = User.objects.get_or_create(
        username="bench-admin", defaults={"role": Role.ADMIN, "is_superuser": True}
    )
    households = Household.objects.filter(village__commune_id=SHOWCASE_COMMUNE).count()

    def client_for(user):
        client = Client()
        client.force_login(user)
        return client

    def get(client, url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    def cold(client, url):
        def run():
            cache.clear()
            return get(client, url)

        return run

    officer_client, leader_client, admin_client = client_for(officer), client_for(leader), client_for(admin)
    get(officer_client, "/maps/province/51/")  # a running server has parsed the boundaries once
    get(admin_client, "/maps/national/")

    times, _response = timed(cold(officer_client, "/maps/province/51/"))
    print(f"province map, cold      : median {1000 * statistics.median(times):6.0f} ms (target ≤ 500 ms)")
    times, response = timed(lambda: get(officer_client, "/maps/province/51/"), runs=50)
    print(f"province map, cached    : median {1000 * statistics.median(times):6.1f} ms (target ≤ 20 ms)")
    times, response = timed(cold(leader_client, f"/maps/commune/{SHOWCASE_COMMUNE}/"))
    print(
        f"commune map, {households} households: median {1000 * statistics.median(times):6.0f} ms, "
        f"{len(response.content) / 1024:.0f} KB (targets ≤ 300 ms, ≤ 500 KB)"
    )
    times, response = timed(cold(admin_client, "/maps/national/"), runs=3)
    print(
        f"national map, 3,321 communes, cold: median {1000 * statistics.median(times):6.0f} ms, "
        f"{len(response.content) / 1024 / 1024:.2f} MB (targets ≤ 2 s, ≤ 5 MB)"
    )
    url = f"/api/v1/coverage/?level=village&commune={SHOWCASE_COMMUNE}"
    times, _response = timed(cold(leader_client, url), runs=20)
    print(
        f"coverage API, one commune, cold: median {1000 * statistics.median(times):5.1f} ms (target ≤ 30 ms)"
    )
    times, _response = timed(lambda: get(leader_client, url), runs=50)
    print(f"coverage API, one commune, cached: median {1000 * statistics.median(times):5.1f} ms")


if __name__ == "__main__":
    main()
