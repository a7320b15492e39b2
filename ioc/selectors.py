"""What the feed reads: a province's campaigns and coverage, as aggregates per commune.

A key reads as a province officer would (``Scope.province_officer``): figures per commune, never a
household, a name or a phone.
"""

from django.db.models import Prefetch, QuerySet

from campaigns.models import Campaign
from campaigns.selectors import campaigns_for
from campaigns.tally import campaign_totals, communes_by_pace, elapsed_share, expected_reached
from core.models import Commune, Service
from core.scope import Scope
from coverage.numbers import CoverageFilter, commune_rows
from ioc.models import FeedKey

# Only these figures leave through the feed (the tally has more, all aggregates too).
COMMUNE_FIGURES = (
    "households_reached",
    "target",
    "progress",
    "target_people",
    "people_progress",
    "expected",
    "pace",
    "visits",
    "flagged_visits",
    "held_visits",
    "people_helped",
    "unique_people",
    "services_done",
)
COVERAGE_FIGURES = (
    "households",
    "households_reached",
    "households_tried",
    "coverage",
    "people_helped",
    "services_done",
)


def feed_scope(feed_key: FeedKey) -> Scope:
    return Scope.province_officer(province=feed_key.province_id)


def feed_campaigns(*, feed_key: FeedKey) -> QuerySet[Campaign]:
    # Codes only: a commune row carries its boundary, which a list has no use for.
    return campaigns_for(scope=feed_scope(feed_key)).prefetch_related(
        Prefetch("communes", queryset=Commune.objects.only("code")),
        Prefetch("services", queryset=Service.objects.only("code")),
    )


def feed_campaign_progress(*, feed_key: FeedKey, campaign: Campaign) -> dict:
    scope = feed_scope(feed_key)
    share = elapsed_share(campaign=campaign)
    totals = campaign_totals(campaign=campaign, scope=scope)
    expected = expected_reached(target=totals["target"], share=share)
    return {
        "elapsed_share": round(share, 4),
        "totals": {
            **{key: totals[key] for key in COMMUNE_FIGURES if key in totals},
            "expected": expected,
            "pace": round(totals["households_reached"] / expected, 4) if expected else None,
        },
        "communes": [
            {"code": row["key"], "name": row["name"], **{key: row[key] for key in COMMUNE_FIGURES}}
            for row in communes_by_pace(campaign=campaign, scope=scope)
        ],
    }


def feed_coverage(*, feed_key: FeedKey) -> list[dict]:
    scope = feed_scope(feed_key)
    communes = Commune.objects.filter(scope.communes())
    return [
        {"code": row["code"], "name": row["name"], **{key: row[key] for key in COVERAGE_FIGURES}}
        for row in commune_rows(communes=communes, filters=CoverageFilter(), scope=scope)
    ]


def commune_shapes(codes: list[str]) -> dict[str, dict | None]:
    """Each commune's simplified boundary (GeoJSON geometry), None where none is loaded."""
    return dict(Commune.objects.filter(code__in=codes).values_list("code", "geometry_simplified"))


def as_feature_collection(rows: list[dict]) -> dict:
    shapes = commune_shapes([row["code"] for row in rows])
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": row["code"], "properties": row, "geometry": shapes.get(row["code"])}
            for row in rows
        ],
    }
