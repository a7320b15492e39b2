"""Campaign speed: tally of a 1 M-visit campaign by commune; XLSX export of all 3,321 communes.

Run by hand (not part of the tests), after or instead of bench/maps.py (same database):

    uv run python bench/campaigns.py

Prints the rollup time (nightly job), the tally by commune through the API (target ≤ 100 ms), the
province officer's campaign dashboard with its 96 communes ranked against the pace line (target
≤ 200 ms warm), a commune's table by village, the campaign map, the IOC feed, and the XLSX export of a
national campaign with 3,321 commune rows (target ≤ 5 s).
"""

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    from bench.bigdata import ensure_big_province, use_bench_database

    use_bench_database()
    from django.db.models import Sum
    from django.test import Client
    from django.utils import timezone

    from campaigns.exports import SHEET_TITLES, write_xlsx
    from campaigns.models import Campaign, CampaignTarget
    from campaigns.rollup import campaign_rollup_refresh
    from core.models import Commune, Role, User

    print(f"data: {ensure_big_province()}")
    today = timezone.localdate()
    campaign, _created = Campaign.objects.get_or_create(
        name="Đo tốc độ: 30 ngày đêm",
        province_id="51",
        defaults={"starts_on": today - dt.timedelta(days=29), "ends_on": today + dt.timedelta(days=1)},
    )
    began = time.perf_counter()
    campaign_rollup_refresh(campaign=campaign)
    print(f"rollup of the campaign (nightly job): {time.perf_counter() - began:.1f} s")

    if not CampaignTarget.objects.filter(campaign=campaign).exists():
        # A target for every commune: two thirds of its villages' declared households.
        CampaignTarget.objects.bulk_create(
            CampaignTarget(campaign=campaign, commune_id=code, households=max(1, (households or 0) * 2 // 3))
            for code, households in Commune.objects.filter(province_id="51")
            .annotate(households=Sum("villages__declared_households"))
            .values_list("code", "households")
        )

    officer, _created = User.objects.get_or_create(
        username="bench-tinh", defaults={"role": Role.PROVINCE_OFFICER, "province_id": "51"}
    )
    client = Client()
    client.force_login(officer)

    def timed(label: str, url: str, target: str = "", runs: int = 20, client=client, **headers) -> None:
        started = time.perf_counter()
        first = client.get(url, **headers)
        cold = time.perf_counter() - started
        assert first.status_code == 200, (url, first.status_code)
        times = []
        for _run in range(runs):
            started = time.perf_counter()
            assert client.get(url, **headers).status_code == 200
            times.append(time.perf_counter() - started)
        p95 = sorted(times)[int(0.95 * len(times))]
        print(
            f"{label}: first {1000 * cold:.0f} ms, warm median {1000 * statistics.median(times):.0f} ms, "
            f"p95 {1000 * p95:.0f} ms{f' (target {target})' if target else ''}"
        )

    timed(
        "campaign dashboard, 96 communes ranked by pace (page)", f"/campaigns/{campaign.pk}/", "≤ 200 ms warm"
    )
    timed("one commune by village (page)", f"/campaigns/{campaign.pk}/communes/21025/")
    timed("campaign map (page, cached after the first)", f"/campaigns/{campaign.pk}/map/", runs=5)
    timed("campaign list (page)", "/campaigns/")
    from ioc.services import feed_key_issue

    _key, secret = feed_key_issue(
        name="bench", province=Commune.objects.get(code="21025").province, user=None
    )
    feed = Client()
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {secret}"}
    timed(
        "IOC feed: campaign progress per commune (JSON)",
        f"/api/v1/ioc/campaigns/{campaign.pk}/",
        client=feed,
        **auth,
    )
    timed(
        "IOC feed: campaign GeoJSON with boundaries",
        f"/api/v1/ioc/campaigns/{campaign.pk}/geojson/",
        client=feed,
        **auth,
    )
    timed("IOC feed: coverage per commune (JSON)", "/api/v1/ioc/coverage/", client=feed, **auth)
    body = client.get(f"/api/v1/campaigns/{campaign.pk}/tally/?by=commune").json()
    print(f"campaign visits: {body['totals']['visits']:,}, communes: {len(body['rows'])}")
    times = []
    for _run in range(30):
        started = time.perf_counter()
        response = client.get(f"/api/v1/campaigns/{campaign.pk}/tally/?by=commune")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    p95 = sorted(times)[int(0.95 * len(times))]
    print(
        f"tally by commune (API): median {1000 * statistics.median(times):.0f} ms, p95 {1000 * p95:.0f} ms (target ≤ 100 ms)"
    )

    # A national export: one row per commune of Vietnam (3,321), as the IOC would ask for.
    rows = [
        {
            "key": code,
            "name": name,
            "households_reached": i % 500,
            "target": 500,
            "progress": (i % 500) / 500,
            "visits": i,
            "flagged_visits": i % 7,
            "people_helped": 2 * i,
            "unique_people": i,
            "services_done": i // 2,
        }
        for i, (code, name) in enumerate(Commune.objects.order_by("code").values_list("code", "name"))
    ]
    started = time.perf_counter()
    data = write_xlsx({SHEET_TITLES["commune"]: rows})
    print(
        f"XLSX export of {len(rows):,} communes: {time.perf_counter() - started:.2f} s, {len(data) / 1024:.0f} KB (target ≤ 5 s)"
    )
    started = time.perf_counter()
    response = client.get(f"/api/v1/campaigns/{campaign.pk}/export/?format=xlsx")
    print(
        f"XLSX export of the campaign, all five sheets (API): {time.perf_counter() - started:.2f} s, {len(response.content) / 1024:.0f} KB"
    )


if __name__ == "__main__":
    main()
