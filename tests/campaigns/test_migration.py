"""Moving Campaign and CampaignTarget to the campaigns app keeps every row: a campaign stored before the
move (field_api 0010, maps 0004) is found afterwards with its targets, communes, services, rollups, and
the content type its audit trail and permissions hang on."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from campaigns.models import Campaign, CampaignTarget, CampaignVillageDay

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("field_api", "0010_last_visit_never_in_future"),
    ("maps", "0004_service_tally_visits"),
    ("campaigns", None),
]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def test_a_campaign_stored_before_the_move_is_found_after_it():
    executor = _migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE[:2]).apps
        province = old.get_model("field_api", "Province").objects.create(
            code="51", name="Quảng Ngãi", full_name="Tỉnh Quảng Ngãi"
        )
        commune = old.get_model("field_api", "Commune").objects.create(
            code="51001", name="Cẩm Thành", full_name="Phường Cẩm Thành", province=province
        )
        village = old.get_model("field_api", "Village").objects.create(
            code="51001-01", name="Thôn 1", commune=commune
        )
        service, _created = old.get_model("field_api", "Service").objects.get_or_create(
            code="vneid_level2", defaults={"name": "VNeID mức 2", "category": "identity"}
        )
        campaign = old.get_model("field_api", "Campaign").objects.create(
            name="30 ngày đêm",
            province=province,
            starts_on=dt.date(2026, 11, 5),
            ends_on=dt.date(2026, 12, 4),
        )
        campaign.communes.add(commune)
        campaign.services.add(service)
        Target = old.get_model("field_api", "CampaignTarget")
        Target.objects.create(campaign=campaign, commune=commune, households=120, people=300)
        Target.objects.create(campaign=campaign, village=village, households=40)
        old.get_model("maps", "CampaignVillageDay").objects.create(
            campaign=campaign, village=village, day=dt.date(2026, 11, 6), visits=3, households_reached=2
        )
        # A database made before the move names the model's content type after field_api.
        OldContentType = old.get_model("contenttypes", "ContentType")
        OldContentType.objects.filter(app_label="campaigns").delete()
        old_type, _created = OldContentType.objects.get_or_create(app_label="field_api", model="campaign")
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        ContentType.objects.clear_cache()

    moved = Campaign.objects.get(pk=campaign.pk)
    assert moved.name == "30 ngày đêm" and moved.starts_on == dt.date(2026, 11, 5)
    assert list(moved.communes.values_list("code", flat=True)) == ["51001"]
    assert list(moved.services.values_list("code", flat=True)) == ["vneid_level2"]
    assert set(
        CampaignTarget.objects.filter(campaign=moved).values_list("commune_id", "village_id", "households")
    ) == {("51001", None, 120), (None, "51001-01", 40)}
    # The rollup row moved with the rest, then campaigns 0004 dropped every rollup counted by the old
    # rule (any visit reached; held visits counted): each campaign's first reader rebuilds its own.
    assert not CampaignVillageDay.objects.filter(campaign=moved).exists()
    assert ContentType.objects.get_for_model(Campaign).pk == old_type.pk
    assert not ContentType.objects.filter(app_label="field_api", model="campaign").exists()
