"""The field history partitioned by province (core/history_partitions.py).

On PostgreSQL: each province has its partitions, rows land in their province's, and the reads of a push,
a commune's pages and a campaign name the province so that only its partitions are read (their plans
say so). On both databases: ids stay unique across provinces, and the answers are the same (the rest of
the suite runs on both).
"""

import datetime as dt
import re
import uuid

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.rollup import campaign_rollup_refresh
from campaigns.selectors import campaign_window
from core.history_partitions import (
    _help_item_key_add,
    help_item_key_on_parents,
    help_item_keys_by_partition,
    history_is_partitioned,
    history_partitions_describe,
    history_partitions_ensure,
    partition_name,
)
from core.models import HelpItem, Role, Visit, VisitKey
from core.scope import Scope
from core.selectors import visits_for
from coverage.numbers import CoverageFilter, compute_village_numbers
from leaders.dashboard import LeaderFilter, flagged_visits
from tests import factories
from tests.field_api.sync_helpers import by_id, household, visit

pytestmark = pytest.mark.usefixtures("catalogue")

PUSH = "/api/v1/sync/push/"
PARTITION = re.compile(r"field_api_(?:visit|helpitem)_(p[0-9a-z]+|default)")


def _push(client, **body):
    return client.post(PUSH, {"device_id": "phone-1", **body}, format="json")


def _partitions_read(sql: str, params=()) -> set[str]:
    """The history partitions a statement's plan reads."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return set(PARTITION.findall(plan))


def _stored_in(table: str, column: str, ids) -> set[str]:
    """The partitions holding these rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT tableoid::regclass::text FROM {table} WHERE {column} = ANY(%s)",  # noqa: S608
            [list(ids)],
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.postgres
def test_each_province_has_its_partitions_and_rows_land_in_their_own(volunteer, world):
    assert history_is_partitioned()
    names = {name for name, _bound, _rows in history_partitions_describe()}
    for table in ("field_api_visit", "field_api_helpitem"):
        assert {
            partition_name(table=table, province_code="51"),
            partition_name(table=table, province_code="52"),
        } <= names
        assert f"{table}_default" in names

    home = household("51001-01")
    knocks = [visit(home["id"], minutes_ago=90), visit(home["id"], minutes_ago=30)]
    assert _push(volunteer, households=[home], visits=knocks).status_code == 200

    ids = [uuid.UUID(k["id"]) for k in knocks]
    assert _stored_in("field_api_visit", "id", ids) == {"field_api_visit_p51"}
    assert _stored_in("field_api_helpitem", "visit_id", ids) == {"field_api_helpitem_p51"}
    assert set(Visit.objects.filter(id__in=ids).values_list("province_id", flat=True)) == {"51"}
    assert set(HelpItem.objects.filter(visit_id__in=ids).values_list("province_id", flat=True)) == {"51"}


@pytest.mark.postgres
def test_a_new_province_gets_its_partitions_in_the_transaction_that_creates_it(db):
    factories.ProvinceFactory(code="77", name="Tỉnh Mới", full_name="Tỉnh Mới")
    names = {name for name, _bound, _rows in history_partitions_describe()}
    assert {"field_api_visit_p77", "field_api_helpitem_p77"} <= names
    # Asking again makes nothing (the loader asks after its bulk insert, which sends no signal).
    assert history_partitions_ensure(province_codes=["77"]) == []


def _history_reads(function) -> list[str]:
    """The statements reading visits or help items that ``function`` sends."""
    with CaptureQueriesContext(connection) as queries:
        function()
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT")
        and re.search(r'"?field_api_(visit|helpitem)"?\b', q["sql"])
    ]


@pytest.fixture
def province_a_history(volunteer, world, client):
    """Province A's history with a running campaign, and what reads it: a push (duplicates, flags,
    follow-ups, the coverage and campaign rollups), recounts with every filter, the leader's pages."""
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="30 ngày đêm",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=5),
        ends_on=today + dt.timedelta(days=20),
    )
    home = household("51001-01")
    first = [visit(home["id"], minutes_ago=300)]
    assert _push(volunteer, households=[home], visits=first).status_code == 200
    factories.VisitFactory(household__village=world.b.village)  # province B has history too
    leader = world.a.users[Role.COMMUNE_LEADER]
    client.force_login(leader)
    villages = ["51001-01", "51001-02"]

    def push():
        response = _push(volunteer, visits=[visit(home["id"], minutes_ago=30), first[0]])
        assert [r["status"] for r in response.json()["results"]] == ["created", "duplicate"]

    def recount(**filters):
        return lambda: compute_village_numbers(village_codes=villages, filters=CoverageFilter(**filters))

    def page(url):
        return lambda: client.get(url).status_code == 200 or pytest.fail(url)

    return {
        "push": push,
        "coverage recount": recount(),
        "coverage by service": recount(service="vneid_level2"),
        "coverage by campaign": recount(
            campaign=campaign_window(campaign), date_from=today - dt.timedelta(days=2)
        ),
        "campaign recount": lambda: campaign_rollup_refresh(campaign=campaign),
        "flagged visits": lambda: flagged_visits(scope=leader.scope, commune="51001", filters=LeaderFilter()),
        "commune page": page("/communes/51001/"),
    }


READS = [
    "push",
    "coverage recount",
    "coverage by service",
    "coverage by campaign",
    "campaign recount",
    "flagged visits",
    "commune page",
]


@pytest.mark.postgres
@pytest.mark.parametrize("reader", READS)
def test_every_history_read_stays_in_its_province(province_a_history, reader):
    """The class: whatever reads visits and help items for a province's villages names the province
    (on both sides of a join), so PostgreSQL plans only that province's partitions."""
    reads = _history_reads(province_a_history[reader])
    for sql in reads:
        read = _partitions_read(sql)
        assert read <= {"p51"}, f"{read} read by: {sql[:400]}"
    if reader != "commune page":  # the page may answer from its rollups alone
        assert reads, "nothing read history: the test would prove nothing"


@pytest.mark.postgres
def test_a_leaders_visit_pages_read_only_their_province(world):
    for role in (Role.COMMUNE_LEADER, Role.VOLUNTEER, Role.PROVINCE_OFFICER):
        visits = visits_for(scope=Scope.of(world.a.users[role])).filter(is_flagged=True)
        sql, params = visits.query.sql_with_params()
        assert _partitions_read(sql, params) == {"p51"}, role
    national = visits_for(scope=Scope.of(world.admin))
    sql, params = national.query.sql_with_params()
    assert {"p51", "p52", "default"} <= _partitions_read(sql, params)


def test_a_visit_id_is_stored_once_across_provinces(volunteer, world, client_for):
    """Partitions keep a visit's key unique only within a province; ``VisitKey`` keeps it unique."""
    home_a = household("51001-01")
    taken = visit(home_a["id"])
    assert _push(volunteer, households=[home_a], visits=[taken]).status_code == 200

    other_side = client_for(world.b.users[Role.VOLUNTEER])
    home_b = household("52001-01")
    reused = visit(home_b["id"], id=taken["id"])  # the same id, claimed in another province
    response = _push(other_side, households=[home_b], visits=[reused])
    assert response.status_code == 200
    assert by_id(response)[taken["id"]]["status"] == "conflict"
    assert list(Visit.objects.filter(id=taken["id"]).values_list("province_id", flat=True)) == ["51"]
    assert VisitKey.objects.filter(id=taken["id"]).count() == 1

    # And the same content resent in province B is not taken for a duplicate of A's visit either.
    copy = visit(home_b["id"], **{k: taken[k] for k in ("id", "visited_at", "lat", "lon", "help")})
    response = _push(other_side, visits=[copy])
    assert by_id(response)[taken["id"]]["status"] == "conflict"


def test_every_stored_visit_has_its_key_and_its_province(volunteer, world):
    home = household("51001-01")
    assert (
        _push(volunteer, households=[home], visits=[visit(home["id"]) for _ in range(3)]).status_code == 200
    )
    factories.VisitFactory(household__village=world.b.village)  # one visit at a time: save() fills them
    assert Visit.objects.count() == 4
    assert set(Visit.objects.values_list("id", flat=True)) <= set(
        VisitKey.objects.values_list("id", flat=True)
    )
    for province, village in Visit.objects.values_list("province_id", "village__commune__province_id"):
        assert province == village
    for item_province, visit_province in HelpItem.objects.values_list("province_id", "visit__province_id"):
        assert item_province == visit_province


def _help_item_key_rows() -> list[tuple[str, str, bool]]:
    """Each help-item table's key to visits: (help-item table, the visit table it references, validated)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, confrelid::regclass::text, convalidated FROM pg_constraint "
            "WHERE contype = 'f' AND conparentid = 0 AND confrelid::regclass::text LIKE 'field_api_visit%%' "
            "AND conrelid::regclass::text LIKE 'field_api_helpitem%%'"
        )
        return cursor.fetchall()


def _help_item_keys() -> dict[str, str]:
    """{help-item table: the visit table its key references}."""
    return {table: visits for table, visits, _validated in _help_item_key_rows()}


@pytest.mark.postgres
def test_each_provinces_help_items_are_held_to_its_own_visits(db):
    """The help item's key to its visit is declared per province's pair of partitions (new provinces too),
    never on the partitioned tables, and it still refuses what one key on the parents refused: a help
    item with no visit, a help item of a visit stored under another province, a visit deleted under its
    help items."""
    factories.ProvinceFactory(code="77", name="Tỉnh Mới", full_name="Tỉnh Mới")
    keys = _help_item_keys()
    help_item_tables = {name for name, _bound, _rows in history_partitions_describe() if "helpitem" in name}
    assert keys == {table: table.replace("helpitem", "visit") for table in help_item_tables}
    assert "field_api_helpitem_p77" in keys

    home = factories.HouseholdFactory(village=factories.VillageFactory(commune__province__code="51"))
    stored = factories.VisitFactory(household=home, village=home.village)
    for visit_id, province in [
        (uuid.uuid4(), "51"),  # no such visit
        (stored.id, "77"),  # the visit is province 51's
    ]:
        with pytest.raises(IntegrityError):
            _checked_at_once(
                lambda visit_id=visit_id, province=province: HelpItem.objects.create(
                    visit_id=visit_id, province_id=province, service_id="vneid_level2", result="done"
                )
            )
    HelpItem.objects.create(visit=stored, province_id="51", service_id="vneid_level2", result="done")
    with pytest.raises(IntegrityError):
        _checked_at_once(lambda: Visit.objects.filter(id=stored.id)._raw_delete(connection.alias))
    assert Visit.objects.filter(id=stored.id).exists()


def _checked_at_once(write) -> None:
    """``write`` in a savepoint with the deferred keys checked at its end, as a commit would."""
    with transaction.atomic():
        write()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_keys_migration_validates_what_a_stopped_run_left_and_can_run_again():
    """Migration 0022 runs statement by statement (pushes go on while stored rows are checked): a run
    stopped after adding a key ``NOT VALID``, with the parents' key still there, is finished by running
    it again, and a finished run changes nothing when run once more."""
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    home = factories.HouseholdFactory(village=factories.VillageFactory(commune__province__code="51"))
    stored = factories.VisitFactory(household=home, village=home.village)
    HelpItem.objects.create(visit=stored, province_id="51", service_id="vneid_level2", result="done")
    p51 = "field_api_helpitem_p51"
    with connection.cursor() as cursor:
        help_item_key_on_parents(cursor)  # as before the migration
        _help_item_key_add(cursor, help_item_partition=p51, not_valid=True)  # where a run stopped
        for _run in range(2):
            help_item_keys_by_partition(cursor)
            keys = {table: validated for table, _visits, validated in _help_item_key_rows()}
            assert keys[p51] is True and "field_api_helpitem" not in keys
            assert all(keys.values())
    assert set(_help_item_keys()) == {
        name for name, _bound, _rows in history_partitions_describe() if "helpitem" in name
    }
