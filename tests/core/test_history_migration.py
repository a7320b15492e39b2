"""Migration 0012 rebuilds visits and help items (partitioned on PostgreSQL) without losing a row, and
back: on a database that already holds a history, as production's does."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.history_partitions import history_is_partitioned
from core.models import FollowUp, HelpItem, Service, Visit, VisitKey

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("field_api", "0011_campaigns_to_campaigns_app")]
AFTER = [("field_api", "0012_partitioned_history")]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


def _history_before_partitioning(apps) -> dict:
    """Two provinces' visits, help items and a follow-up, written as the 0011 schema stores them."""
    model = apps.get_model
    model("field_api", "Service").objects.get_or_create(
        code="vneid_level2", defaults={"name": "VNeID mức 2", "followup_days": 7}
    )
    visits = {}
    for code in ("51", "52"):
        province = model("field_api", "Province").objects.create(
            code=code, name=f"T{code}", full_name=f"Tỉnh {code}"
        )
        commune = model("field_api", "Commune").objects.create(
            code=f"{code}001", province=province, name="Xã", full_name="Xã", unit_type="Xã"
        )
        team = model("field_api", "Team").objects.create(commune=commune, name="Tổ 1")
        village = model("field_api", "Village").objects.create(
            code=f"{code}001-01", commune=commune, name="Thôn 1", team=team
        )
        volunteer = model("field_api", "User").objects.create(
            username=f"tv-{code}", role="volunteer", team=team, commune=commune, province=province
        )
        home = model("field_api", "Household").objects.create(
            id=uuid.uuid4(), village=village, label="Nhà 1", head_name="Chủ hộ", members=4, working_age=2
        )
        for k in range(3):
            visit = model("field_api", "Visit").objects.create(
                id=uuid.uuid4(),
                household=home,
                village=village,
                volunteer=volunteer,
                team=team,
                visited_at=timezone.now() - dt.timedelta(hours=k + 1),
                outcome="met",
                content_hash=uuid.uuid4().hex,
            )
            item = model("field_api", "HelpItem").objects.create(
                visit=visit, service_id="vneid_level2", result="pending" if k == 0 else "done", people=2
            )
            visits[visit.id] = (code, item.id)
        model("field_api", "FollowUp").objects.create(
            household=home,
            service_id="vneid_level2",
            team=team,
            opened_by=visit,
            since=timezone.now(),
            due=timezone.localdate(),
        )
    return visits


def test_every_row_goes_through_partitioning_and_back():
    executor = _migrate(BEFORE)
    written = _history_before_partitioning(executor.loader.project_state(BEFORE).apps)
    try:
        _migrate(AFTER)
        assert history_is_partitioned() == (connection.vendor == "postgresql")
        # Columns, not model instances: later migrations add columns this state does not have yet.
        stored = dict(Visit.objects.values_list("id", "province_id"))
        assert stored == {visit_id: province for visit_id, (province, _item) in written.items()}
        assert set(VisitKey.objects.values_list("id", flat=True)) == set(written)
        items = dict(HelpItem.objects.values_list("visit_id", "id"))
        assert items == {visit_id: item for visit_id, (_province, item) in written.items()}
        assert all(
            HelpItem.objects.filter(visit_id=v, province_id=p).exists() for v, (p, _i) in written.items()
        )
        assert FollowUp.objects.count() == 2
        # New help items take ids after the old ones: the id sequence went along.
        visit_id = Visit.objects.filter(province_id="52").values_list("id", flat=True).first()
        Service.objects.get_or_create(code="online_safety", defaults={"name": "An toàn trên mạng"})
        later = HelpItem.objects.create(
            visit_id=visit_id, province_id="52", service_id="online_safety", result="done", people=1
        )
        assert later.id > max(item for _p, item in written.values())
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT tableoid::regclass::text, count(*) FROM field_api_visit GROUP BY 1 ORDER BY 1"
                )
                assert cursor.fetchall() == [("field_api_visit_p51", 3), ("field_api_visit_p52", 3)]

        _migrate(BEFORE)  # and back: plain tables, every row kept
        assert not history_is_partitioned()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM field_api_visit")
            assert cursor.fetchone()[0] == 6
            cursor.execute("SELECT count(*) FROM field_api_helpitem")
            assert cursor.fetchone()[0] == 7  # the six and the later one
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert history_is_partitioned() == (connection.vendor == "postgresql")
    assert Visit.objects.count() == 6
