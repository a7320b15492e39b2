"""Access matrix: role × endpoint × in / out of scope, for the phone API, the coverage API, campaigns and
their exports and export jobs, the leaders' pages and the admin.

What must hold: out of scope answers 404 (as if it did not exist), pull is for phones (province
officers and admins get 403), pages need a login, admin pages need staff, and no answer carries a
household the caller may not see (its label, name or phone) or an area outside the caller's scope.

Each test collects every wrong answer for its role before failing, so one run lists them all.
"""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from campaigns.models import Campaign, CampaignTarget, ExportJob
from core.models import Role
from tests import factories

ROLES = [Role.VOLUNTEER, Role.TEAM_LEADER, Role.COMMUNE_LEADER, Role.PROVINCE_OFFICER, Role.ADMIN]
TEAM = (Role.VOLUNTEER, Role.TEAM_LEADER)
WIDE = (Role.PROVINCE_OFFICER, Role.ADMIN)  # see every commune of the province (admin: of the country)

# Unique ASCII markers, so a leak is found by a plain substring search in any answer (JSON, HTML, CSV).
SECRETS = {
    "team": ("LBL-TEAM-A", "HEAD-TEAM-A", "0911000101"),
    "commune": ("LBL-OTHERVILLAGE-A", "HEAD-OTHERVILLAGE-A", "0911000102"),
    "province_b": ("LBL-PROVINCE-B", "HEAD-PROVINCE-B", "0911000103"),
}


@pytest.fixture
def matrix(world):
    """The shared two-province world plus households with visits on three sides of every line, three
    campaigns (whole province A, only A's other commune, province B) and export jobs."""
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    places = {"team": world.a.village, "commune": world.a.other_village, "province_b": world.b.village}
    households = {}
    for key, village in places.items():
        label, head, phone = SECRETS[key]
        household = factories.HouseholdFactory(village=village, label=label, head_name=head, phone=phone)
        volunteer = world.a.users[Role.VOLUNTEER] if key != "province_b" else world.b.users[Role.VOLUNTEER]
        factories.VisitFactory(household=household, volunteer=volunteer)
        households[key] = household
    today = timezone.localdate()
    span = {"starts_on": today - dt.timedelta(days=5), "ends_on": today + dt.timedelta(days=5)}
    campaigns = {
        "a": Campaign.objects.create(name="CAMPAIGN-A", province=world.a.province, **span),
        "a_other_commune": Campaign.objects.create(
            name="CAMPAIGN-A-OTHER", province=world.a.province, **span
        ),
        "b": Campaign.objects.create(name="CAMPAIGN-B", province=world.b.province, **span),
    }
    campaigns["a_other_commune"].communes.set([world.a.other_commune])
    CampaignTarget.objects.create(campaign=campaigns["a"], commune=world.a.commune, households=10)
    CampaignTarget.objects.create(campaign=campaigns["b"], commune=world.b.commune, households=10)
    return {"world": world, "households": households, "campaigns": campaigns}


def _user(world, role):
    return world.admin if role == Role.ADMIN else world.a.users[role]


def _token_client(user) -> APIClient:
    _instance, token = AuthToken.objects.create(user)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _done_job(campaign, user) -> ExportJob:
    job = ExportJob.objects.create(campaign=campaign, requested_by=user, format="csv")
    job.file.save(f"job-{job.pk}.csv", ContentFile(b"\xef\xbb\xbfkey,name\r\n"), save=False)
    job.status, job.progress, job.finished_at = ExportJob.Status.DONE, 100, timezone.now()
    job.save()
    return job


def _visible_households(role) -> set[str]:
    """Which households' labels a role may ever receive (pull, commune map)."""
    return {
        Role.VOLUNTEER: {"team"},
        Role.TEAM_LEADER: {"team"},
        Role.COMMUNE_LEADER: {"team", "commune"},
        Role.PROVINCE_OFFICER: set(),
        Role.ADMIN: {"team", "commune", "province_b"},
    }[role]


class Findings(list):
    def expect(self, what: str, response, status: int):
        if response.status_code != status:
            body = response.content[:200] if hasattr(response, "content") else b""
            self.append(f"{what}: expected {status}, got {response.status_code} {body!r}")

    def no_leak(self, what: str, text: str, allowed: set[str], *, names_allowed: bool = False):
        for key, (label, head, phone) in SECRETS.items():
            if key not in allowed and label in text:
                self.append(f"{what}: leaks household {label}")
            if (key not in allowed or not names_allowed) and (head in text or phone in text):
                self.append(f"{what}: leaks the name or phone of household {label}")


@pytest.fixture
def client(client):
    # A server error is one more wrong answer to list, not the end of the matrix.
    client.raise_request_exception = False
    return client


def _content(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


# --- the phone and web API -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_api_matrix(matrix, role):
    found = Findings()
    user = _user(matrix["world"], role)
    client = _token_client(user)
    _check_pull(found, matrix, role, client)
    _check_coverage(found, role, client, matrix["campaigns"])
    _check_campaigns(found, matrix, role, client)
    _check_export_jobs(found, matrix, role, client, user)
    assert not found, f"{role}: {len(found)} wrong answers:\n" + "\n".join(found)


def _check_pull(found, matrix, role, client) -> None:
    """Pull is for phones: their scope only; province officers and admins are refused."""
    pull = client.get("/api/v1/sync/pull/")
    if role in WIDE:
        found.expect("pull", pull, 403)
        return
    found.expect("pull", pull, 200)
    if pull.status_code == 200:
        ids = {h["id"] for h in pull.json()["households"]}
        wanted = {str(matrix["households"][k].id) for k in _visible_households(role)}
        if ids != wanted:
            found.append(f"pull: households {sorted(ids)} ≠ scope {sorted(wanted)}")


def _check_coverage(found, role, client, campaigns) -> None:
    """Coverage: in scope 200, out of scope 404; aggregates only, never a household."""
    admin = role == Role.ADMIN
    coverage = {
        ("commune", "province", "51"): 200,
        ("commune", "province", "52"): 200 if admin else 404,
        ("village", "commune", "51001"): 200,
        ("village", "commune", "51002"): 200 if role in WIDE else 404,
        ("village", "commune", "52001"): 200 if admin else 404,
    }
    for (level, key, code), status in coverage.items():
        response = client.get("/api/v1/coverage/", {"level": level, key: code})
        found.expect(f"coverage {level} {key}={code}", response, status)
        found.no_leak(f"coverage {level} {key}={code}", _content(response), set())
    own_communes = {
        f["properties"]["code"]
        for f in client.get("/api/v1/coverage/", {"level": "commune", "province": "51"})
        .json()
        .get("features", [])
    }
    expected_communes = {"51001", "51002"} if role in WIDE else {"51001"}
    if own_communes != expected_communes:
        found.append(
            f"coverage level=commune: areas {sorted(own_communes)} ≠ scope {sorted(expected_communes)}"
        )
    # Coverage filtered by a campaign outside the scope is as unknown as the campaign itself.
    response = client.get(
        "/api/v1/coverage/", {"level": "commune", "province": "51", "campaign": campaigns["b"].pk}
    )
    found.expect("coverage filtered by campaign b", response, 200 if admin else 404)


def _check_campaigns(found, matrix, role, client) -> None:
    """The list shows exactly the campaigns in scope; each one's pages answer 200, others 404."""
    world, campaigns, admin = matrix["world"], matrix["campaigns"], role == Role.ADMIN
    in_scope = {"a"} | ({"a_other_commune"} if role in WIDE else set()) | ({"b"} if admin else set())
    listed = {c["name"] for c in client.get("/api/v1/campaigns/").json()}
    if listed != {campaigns[k].name for k in in_scope}:
        found.append(f"campaign list: {sorted(listed)} ≠ {sorted(campaigns[k].name for k in in_scope)}")
    suffixes = ["", *(f"tally/?by={by}" for by in ("commune", "village", "team", "service", "day"))]
    suffixes += [f"export/?format={kind}" for kind in ("csv", "xlsx", "geojson")]
    for key, campaign in campaigns.items():
        status = 200 if key in in_scope else 404
        for suffix in suffixes:
            response = client.get(f"/api/v1/campaigns/{campaign.pk}/{suffix}")
            found.expect(f"campaign {key} {suffix or 'detail'}", response, status)
            if response.status_code == 200:
                found.no_leak(f"campaign {key} {suffix or 'detail'}", _content(response), set())
        found.expect(
            f"campaign {key} export job",
            client.post(f"/api/v1/campaigns/{campaign.pk}/exports/", {"format": "csv"}, format="json"),
            202 if key in in_scope else 404,
        )
    _check_campaign_rows(found, world, role, client, campaigns["a"])


def _check_campaign_rows(found, world, role, client, campaign) -> None:
    """Tally rows and exports are the caller's share of the campaign: no area outside their villages."""
    rows = client.get(f"/api/v1/campaigns/{campaign.pk}/tally/", {"by": "village"}).json().get("rows", [])
    allowed_villages = {
        Role.VOLUNTEER: {world.a.village.code},
        Role.TEAM_LEADER: {world.a.village.code},
        Role.COMMUNE_LEADER: {world.a.village.code, world.a.other_village.code},
    }.get(role)
    if allowed_villages is not None and not {row["key"] for row in rows} <= allowed_villages:
        found.append(
            f"tally by village: rows {sorted(r['key'] for r in rows)} outside {sorted(allowed_villages)}"
        )
    if role in WIDE:
        return
    for kind in ("csv", "geojson"):
        text = _content(client.get(f"/api/v1/campaigns/{campaign.pk}/export/", {"format": kind}))
        if world.a.other_commune.code in text:
            found.append(f"export {kind}: names commune {world.a.other_commune.code}, outside the scope")
    communes = {
        r["key"] for r in client.get(f"/api/v1/campaigns/{campaign.pk}/tally/").json().get("rows", [])
    }
    if not communes <= {world.a.commune.code}:
        found.append(f"tally by commune: rows {sorted(communes)} outside {world.a.commune.code}")


def _check_export_jobs(found, matrix, role, client, user) -> None:
    """Export jobs: only whoever asked sees and downloads them."""
    world, campaigns = matrix["world"], matrix["campaigns"]
    own = _done_job(campaigns["a"], user)
    someone_else = world.a.users[Role.COMMUNE_LEADER if role != Role.COMMUNE_LEADER else Role.VOLUNTEER]
    other_users = _done_job(campaigns["a"], someone_else)
    other_province = _done_job(campaigns["b"], world.b.users[Role.PROVINCE_OFFICER])
    for name, job, status in (
        ("own", own, 200),
        ("another user's", other_users, 404),
        ("another province's", other_province, 404),
    ):
        found.expect(f"{name} export job status", client.get(f"/api/v1/exports/{job.pk}/"), status)
        found.expect(f"{name} export job download", client.get(f"/api/v1/exports/{job.pk}/download/"), status)


def test_api_anonymous_is_401_everywhere(matrix):
    campaigns, found = matrix["campaigns"], Findings()
    job = _done_job(campaigns["a"], matrix["world"].a.users[Role.PROVINCE_OFFICER])
    client = APIClient(raise_request_exception=False)
    pk = campaigns["a"].pk
    for method, url in (
        ("get", "/api/v1/sync/pull/"),
        ("post", "/api/v1/sync/push/"),
        ("get", "/api/v1/me/"),
        ("get", "/api/v1/coverage/?level=commune&province=51"),
        ("get", "/api/v1/campaigns/"),
        ("post", "/api/v1/campaigns/"),
        ("get", f"/api/v1/campaigns/{pk}/"),
        ("get", f"/api/v1/campaigns/{pk}/tally/"),
        ("get", f"/api/v1/campaigns/{pk}/export/?format=csv"),
        ("post", f"/api/v1/campaigns/{pk}/exports/"),
        ("get", f"/api/v1/exports/{job.pk}/"),
        ("get", f"/api/v1/exports/{job.pk}/download/"),
    ):
        response = client.post(url, {}, format="json") if method == "post" else client.get(url)
        found.expect(f"anonymous {method.upper()} {url}", response, 401)
        found.no_leak(f"anonymous {method.upper()} {url}", _content(response), set())
    assert not found, "\n".join(found)


# --- pages for leaders ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_pages_matrix(matrix, client, role):
    world, campaigns, found = matrix["world"], matrix["campaigns"], Findings()
    client.force_login(_user(world, role))
    admin = role == Role.ADMIN
    pages = {
        "/maps/province/51/": 200,
        "/maps/province/52/": 200 if admin else 404,
        "/maps/commune/51001/": 200,
        "/maps/commune/51002/": 200 if role in WIDE else 404,
        "/maps/commune/52001/": 200 if admin else 404,
        "/maps/national/": 200 if admin else 404,
        "/campaigns/": 200,
        f"/campaigns/{campaigns['a'].pk}/": 200,
        f"/campaigns/{campaigns['a_other_commune'].pk}/": 200 if role in WIDE else 404,
        f"/campaigns/{campaigns['b'].pk}/": 200 if admin else 404,
    }
    for url, status in pages.items():
        response = client.get(url)
        found.expect(url, response, status)
        if response.status_code == 200:
            # Labels show on the commune map for those who may see the households; names and phones
            # never show on a page.
            allowed = _visible_households(role) if url.startswith("/maps/commune/") else set()
            found.no_leak(url, _content(response), allowed)
    listing = _content(client.get("/campaigns/"))
    in_scope = {"a"} | ({"a_other_commune"} if role in WIDE else set()) | ({"b"} if admin else set())
    for key, campaign in campaigns.items():
        if (campaign.name in listing) != (key in in_scope):
            found.append(f"campaign list page: {campaign.name} {'missing' if key in in_scope else 'shown'}")
    assert not found, f"{role}: {len(found)} wrong answers:\n" + "\n".join(found)


def test_pages_need_a_login(matrix, client):
    campaign = matrix["campaigns"]["a"]
    found = Findings()
    for url in (
        "/",
        "/maps/province/51/",
        "/maps/commune/51001/",
        "/maps/national/",
        "/campaigns/",
        f"/campaigns/{campaign.pk}/",
    ):
        response = client.get(url)
        if response.status_code != 302 or not response["Location"].startswith("/accounts/login/"):
            found.append(f"{url}: {response.status_code} {response.get('Location')}")
    assert not found, "\n".join(found)


def test_a_cached_map_is_never_served_to_a_narrower_scope(matrix, client):
    """The commune map is cached per scope: whoever opens it first must not decide what others see."""
    world, found = matrix["world"], Findings()
    order = [Role.ADMIN, Role.COMMUNE_LEADER, Role.VOLUNTEER, Role.PROVINCE_OFFICER, Role.TEAM_LEADER]
    for role in order:
        client.force_login(_user(world, role))
        response = client.get("/maps/commune/51001/")
        found.expect(f"{role} commune map", response, 200)
        found.no_leak(f"{role} commune map after others", _content(response), _visible_households(role))
    assert not found, "\n".join(found)


# --- admin pages --------------------------------------------------------------------------------------


def _admin_urls(matrix) -> list[str]:
    world, households = matrix["world"], matrix["households"]
    visit = households["team"].visits.first()
    return [
        "/admin/",
        "/admin/field_api/household/",
        f"/admin/field_api/household/{households['team'].pk}/change/",
        "/admin/field_api/visit/",
        f"/admin/field_api/visit/{visit.pk}/change/",
        "/admin/field_api/village/",
        f"/admin/field_api/village/{world.a.village.pk}/change/",
        "/admin/field_api/user/",
        f"/admin/field_api/user/{world.a.users[Role.VOLUNTEER].pk}/change/",
    ]


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_admin_pages_are_for_staff_only(matrix, client, role):
    found = Findings()
    if role != "anonymous":
        client.force_login(_user(matrix["world"], role))
    for url in _admin_urls(matrix):
        response = client.get(url)
        refused = response.status_code in (403, 404) or (
            response.status_code == 302 and response["Location"].startswith("/admin/login/")
        )
        if not refused:
            found.append(f"{role} {url}: {response.status_code}")
        found.no_leak(f"{role} {url}", _content(response), set())
    assert not found, "\n".join(found)


def test_admin_pages_open_for_a_superuser_and_refuse_staff_of_a_province(matrix, client):
    """The admin shows every province: staff of one province may not enter, even with permissions."""
    from django.contrib.auth.models import Permission

    found = Findings()
    superuser = factories.UserFactory(username="superuser", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(superuser)
    for url in _admin_urls(matrix):
        found.expect(f"superuser {url}", client.get(url), 200)
    staff = factories.UserFactory(
        username="staff-of-a-province",
        role=Role.PROVINCE_OFFICER,
        province=matrix["world"].a.province,
        is_staff=True,
    )
    staff.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(staff)
    for url in _admin_urls(matrix):
        response = client.get(url)
        if not (response.status_code == 302 and response["Location"].startswith("/admin/login/")):
            found.append(f"staff of a province {url}: {response.status_code}")
        found.no_leak(f"staff of a province {url}", _content(response), set())
    assert not found, "\n".join(found)
