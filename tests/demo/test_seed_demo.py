from collections import defaultdict

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Max
from rest_framework.test import APIClient
from shapely.geometry import Point, shape

from core.models import Commune, FollowUp, HelpItem, HelpResult, Household, Role, Team, User, Village, Visit
from core.services.followups import HelpEvent, followup_episodes
from coverage.models import VillageCoverage
from coverage.numbers import CoverageFilter, compute_village_numbers
from demo.seed import DEMO_PASSWORD
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def quang_ngai(quang_ngai_boundaries):
    return quang_ngai_boundaries


def _seed(tmp_path, households=600, seed=7):
    call_command(
        "seed_demo",
        "--province",
        "51",
        "--households",
        str(households),
        "--seed",
        str(seed),
        "--logins-file",
        str(tmp_path / "logins.txt"),
        verbosity=0,
    )


def _counts():
    return tuple(m.objects.count() for m in (Village, Team, User, Household, Visit, FollowUp))


def test_demo_is_complete_and_marked(quang_ngai, tmp_path):
    _seed(tmp_path)
    assert Village.objects.filter(is_demo=False).count() == 0
    assert Household.objects.filter(is_demo=False).count() == 0
    assert Visit.objects.filter(is_demo=False).count() == 0
    assert set(Village.objects.values_list("commune_id", flat=True)) == set(
        Commune.objects.filter(province_id="51").values_list("code", flat=True)
    )
    assert all(v.team_id for v in Village.objects.all())
    assert Household.objects.count() >= 500 and Visit.objects.count() > 50
    assert FollowUp.objects.filter(closed_at__isnull=True).exists()
    for role in Role:
        assert User.objects.filter(role=role, is_demo=True).exists()
    logins = (tmp_path / "logins.txt").read_text(encoding="utf-8")
    assert DEMO_PASSWORD in logins and "tv-21025-1-1" in logins


def test_villages_are_voronoi_cells_inside_their_commune(quang_ngai, tmp_path):
    _seed(tmp_path)
    commune = Commune.objects.get(code="21025")
    commune_shape = shape(commune.geometry).buffer(1e-4)
    villages = list(Village.objects.filter(commune=commune))
    assert 4 <= len(villages) <= 8
    assert all(commune_shape.contains(shape(v.geometry)) for v in villages)
    cells = [shape(v.geometry) for v in villages]
    assert sum(c.area for c in cells) == pytest.approx(shape(commune.geometry).area, rel=0.02)
    for household in Household.objects.filter(village__commune=commune)[:50]:
        assert shape(household.village.geometry).buffer(1e-4).contains(Point(household.lon, household.lat))


def test_same_seed_twice_gives_the_same_demo(quang_ngai, tmp_path):
    _seed(tmp_path)
    first = (_counts(), sorted(Household.objects.values_list("id", "label")))
    _seed(tmp_path)
    assert (_counts(), sorted(Household.objects.values_list("id", "label"))) == first


def test_without_boundaries_communes_get_approximate_cells(tmp_path, db):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    call_command("import_units", "--province", "51", verbosity=0)
    _seed(tmp_path, households=200)
    ly_son = Commune.objects.get(code="21548")
    assert ly_son.geometry is not None and "xấp xỉ" in ly_son.boundary_source
    assert shape(ly_son.geometry).contains(Point(ly_son.lon, ly_son.lat))
    assert Village.objects.filter(commune=ly_son).exists()


def test_demo_volunteer_logs_in_and_sees_their_villages(quang_ngai, tmp_path):
    _seed(tmp_path)
    client = APIClient()
    login = client.post(
        "/api/v1/auth/login/", {"username": "tv-21025-1-1", "password": DEMO_PASSWORD}, format="json"
    )
    assert login.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['token']}")
    me = client.get("/api/v1/me/").json()
    volunteer = User.objects.get(username="tv-21025-1-1")
    assert me["role"] == "volunteer" and me["commune"] == "21025"
    assert me["villages"] and set(me["villages"]) == set(
        Village.objects.filter(team=volunteer.team).values_list("code", flat=True)
    )


def test_demo_seeds_a_running_campaign_with_targets(quang_ngai, tmp_path, client):
    from django.utils import timezone

    from campaigns.models import Campaign, CampaignTarget

    _seed(tmp_path)
    _seed(tmp_path)  # again: still one demo campaign
    (campaign,) = Campaign.objects.filter(province_id="51")
    today = timezone.localdate()
    assert campaign.starts_on <= today <= campaign.ends_on
    assert campaign.created_by.username == "tinh-51" and campaign.services.exists()
    targets = CampaignTarget.objects.filter(campaign=campaign)
    assert targets.count() == campaign.communes.count() > 50
    assert all(target.households > 0 for target in targets)
    client.force_login(User.objects.get(username="tinh-51"))
    html = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    # the dashboard is alive: campaign visits reached households, and teams show their commune
    assert "Chiến dịch mẫu" in html and "Tổ CNSCĐ số 1 – " in html


def test_demo_is_stored_by_the_writers_real_data_goes_through(quang_ngai, tmp_path):
    """Households and visits came in through the phones' push: the villages' rollup equals a recount,
    the follow-ups are the episodes their help items imply, the households' last visits follow their
    visits, and each household has the push's audit entry."""
    _seed(tmp_path, households=300)
    codes = sorted(Village.objects.values_list("code", flat=True))
    stored = {row["village_id"]: row for row in VillageCoverage.objects.filter(village_id__in=codes).values()}
    recount = compute_village_numbers(village_codes=codes, filters=CoverageFilter())
    assert set(stored) == set(codes)
    assert {code: {key: stored[code][key] for key in recount[code]} for code in codes} == recount
    assert sum(numbers["households_reached"] for numbers in recount.values()) > 50

    events = defaultdict(list)
    for household, service, result, at, visit in HelpItem.objects.filter(
        result__in=(HelpResult.PENDING, HelpResult.DONE)
    ).values_list("visit__household_id", "service_id", "result", "visit__visited_at", "visit_id"):
        events[(household, service)].append(HelpEvent(at, visit, result))
    implied = {
        (pair, episode.opened_by, episode.closed_by)
        for pair, pair_events in events.items()
        for episode in followup_episodes(pair_events)
    }
    followups = {
        ((row.household_id, row.service_id), row.opened_by_id, row.closed_by_id)
        for row in FollowUp.objects.all()
    }
    assert followups == implied and FollowUp.objects.filter(closed_at__isnull=True).exists()

    last = dict(
        Visit.objects.values("household_id").annotate(at=Max("visited_at")).values_list("household_id", "at")
    )
    households = Household.objects.select_related("created_by")
    assert {h.id: h.last_visited_at for h in households if h.last_visited_at} == last
    assert all(h.version == 1 and h.created_by.role == Role.COMMUNE_LEADER for h in households)
    audited = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Household))
    assert set(audited.values_list("object_pk", flat=True)) >= {str(h.id) for h in households}


def test_demo_never_touches_real_data(quang_ngai, tmp_path):
    commune = Commune.objects.get(code="21025")
    team = factories.TeamFactory(commune=commune, name="Tổ thật")
    village = factories.VillageFactory(commune=commune, code="21025-01", name="Thôn thật", team=team)
    home = factories.HouseholdFactory(village=village, label="Nhà thật")
    _seed(tmp_path, households=200)
    _seed(tmp_path, households=200)
    assert Household.objects.filter(pk=home.pk, is_demo=False).exists()
    assert Village.objects.get(code="21025-01").name == "Thôn thật"
    assert Team.objects.filter(pk=team.pk).exists()
    demo_codes = set(Village.objects.filter(commune=commune, is_demo=True).values_list("code", flat=True))
    assert demo_codes and "21025-01" not in demo_codes  # demo villages are numbered after the real ones
