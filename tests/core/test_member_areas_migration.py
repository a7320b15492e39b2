"""Migration 0015 gives members whose areas disagree the areas their narrowest one says, then adds the
constraints: on a database that already holds such members, as production's may."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("field_api", "0014_outbox_to_platform")]
AFTER = [("field_api", "0015_member_areas_agree")]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


def test_disagreeing_members_are_fixed_from_their_narrowest_area_then_held_to_it():
    executor = _migrate(BEFORE)
    model = executor.loader.project_state(BEFORE).apps.get_model
    provinces = {
        code: model("field_api", "Province").objects.create(code=code, name=code, full_name=f"Tỉnh {code}")
        for code in ("51", "52")
    }
    communes = {
        code: model("field_api", "Commune").objects.create(
            code=f"{code}001", province=provinces[code], name="Xã", full_name="Xã", unit_type="Xã"
        )
        for code in ("51", "52")
    }
    team = model("field_api", "Team").objects.create(commune=communes["51"], name="Tổ 1")
    User = model("field_api", "User")
    rows = {
        # username: (role, team, commune, province) as written before the rule
        "tv": ("volunteer", team, communes["52"], provinces["52"]),
        "tt-no-commune": ("team_leader", team, None, None),
        "xa": ("commune_leader", team, communes["52"], provinces["51"]),
        "xa-team-only": ("commune_leader", team, None, None),
        "tinh": ("province_officer", team, communes["51"], provinces["52"]),
        "qt": ("admin", team, communes["51"], provinces["51"]),
        "ok": ("volunteer", team, communes["51"], provinces["51"]),
    }
    for username, (role, in_team, commune, province) in rows.items():
        User.objects.create(username=username, role=role, team=in_team, commune=commune, province=province)
    try:
        _migrate(AFTER)
        from core.models import User as Member

        stored = {
            username: (team_id, commune_id, province_id)
            for username, team_id, commune_id, province_id in Member.objects.values_list(
                "username", "team_id", "commune_id", "province_id"
            )
        }
        assert stored == {
            "tv": (team.pk, "51001", "51"),
            "tt-no-commune": (team.pk, "51001", "51"),
            "xa": (None, "52001", "52"),
            "xa-team-only": (None, "51001", "51"),
            "tinh": (None, None, "52"),
            "qt": (None, None, None),
            "ok": (team.pk, "51001", "51"),
        }
        with pytest.raises(IntegrityError), transaction.atomic():
            Member.objects.filter(username="tinh").update(commune_id="52001")
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
