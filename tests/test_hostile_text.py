"""Issue 19 §2: hostile text from every door, then every spreadsheet the product writes.

Text made of formula prefixes, every control character, bidi overrides, decomposed letters, template
delimiters and long runs is pushed from a phone, typed in the set-up and campaign forms and the
campaign API, and (for rows stored before the rule) written straight into the database. Then every
export is opened: the leader's five XLSX lists (as the commune leader and as the province officer),
the campaign CSV, XLSX and GeoJSON, and the background export job. Each must open, hold no formula
and no control or bidi-override character, and nothing may answer 5xx. What was stored is what
``clean_text`` makes of the input, or the input was refused with a 4xx naming the field.
"""

import csv
import datetime as dt
import io
import json
import uuid
from io import BytesIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from backend.spreadsheets import FORMULA_START
from backend.text import clean_text, has_unsafe_characters
from campaigns.jobs import export_job_request
from campaigns.models import Campaign, ExportJob
from campaigns.tasks import run_export
from core.models import Household, Role, Team, Village
from tests import factories
from tests.conftest import token_client

CONTROLS = "".join(map(chr, [*range(0x01, 0x20), 0x7F, *range(0x80, 0xA0)]))
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
EVERYTHING = "=" + CONTROLS + BIDI + "Nha\u0300 o\u0302ng Ba \ufffe{{ 7*7 }}"
PIECES = st.sampled_from(
    [
        "=",
        "+",
        "-",
        "@",
        "\t",
        "\r",
        "\n",
        "\x00",
        "=1+1",
        '=HYPERLINK("http://x.invalid","bấm")',
        "=cmd|' /C calc'!A0",
        "@SUM(A1)",
        "{{ 7*7 }}",
        "{% debug %}",
        "<b>x</b>",
        "e\u0301",
        "Nguye\u0302\u0303n",
        "\ufffe",
        "Nhà ông Ba",
        *CONTROLS,
        *BIDI,
    ]
)
HOSTILE = st.lists(
    PIECES | st.text(st.characters(exclude_categories=("Cs",)), max_size=6), min_size=1, max_size=10
).map("".join) | st.sampled_from(["=" + "x" * 5000, "\u202e" * 300, "-" + "e\u0301" * 190])
CHECK = settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NOW = dt.datetime(2026, 11, 20, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def assert_safe_cells(values) -> None:
    for value in values:
        if isinstance(value, str):
            assert not value.startswith(FORMULA_START), value[:40]
            assert not has_unsafe_characters(value.replace("\n", " ")), value[:40]


def xlsx_cells(body: bytes) -> list:
    book = load_workbook(BytesIO(body))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    values = [cell.value for cell in cells]
    assert_safe_cells(values)
    return values


def csv_cells(body: bytes) -> list:
    values = [value for row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")) for value in row]
    assert_safe_cells(values)
    return values


def ok(response, *statuses):
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if statuses:
        assert response.status_code in statuses, (response.status_code, response.content[:300])
    return response


@pytest.fixture
def stage(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Chiến dịch",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=20),
        ends_on=today + dt.timedelta(days=20),
    )
    campaign.communes.set([world.a.commune])
    return world, campaign


def _push(world, text: str) -> None:
    """A household (label, name, phone with consent) and a visit with notes, a pending service (a
    follow-up) and far from the household (a flag), all carrying ``text``."""
    volunteer = token_client(world.a.users[Role.VOLUNTEER])
    home_id, visit_id = str(uuid.uuid4()), str(uuid.uuid4())
    home = {
        "id": home_id,
        "village": world.a.village.code,
        "label": text,
        "head_name": text,
        "consent": True,
        "lat": 15.12,
        "lon": 108.80,
    }
    knock = {
        "id": visit_id,
        "household": home_id,
        "visited_at": (timezone.localtime() - dt.timedelta(hours=1)).isoformat(),
        "lat": 15.2,
        "lon": 108.9,
        "accuracy_m": 5,
        "outcome": "met",
        "help": [{"service": "vneid_level2", "result": "pending", "people": 1}],
        "notes": text,
    }
    response = ok(
        volunteer.post("/api/v1/sync/push/", {"households": [home], "visits": [knock]}, format="json"), 200
    )
    results = {result["id"]: result for result in response.json()["results"]}
    household = results[home_id]
    if household["status"] == "rejected":
        assert set(household["errors"]) <= {"label", "head_name"}, household
        return
    stored = Household.objects.get(pk=home_id)
    assert stored.label == clean_text(text) and stored.head_name == clean_text(text)
    assert not has_unsafe_characters(stored.label)
    if results[visit_id]["status"] == "created":
        notes = stored.visits.get().notes
        assert notes == clean_text(text, multiline=True)
        assert not has_unsafe_characters(notes.replace("\n", " "))


def _type_in_forms(world, campaign, client, text: str) -> None:
    """The commune leader renames a village and a team; the province officer renames the campaign
    through its form and creates one through the API."""
    village, team = world.a.village, world.a.team
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    response = ok(
        client.post(
            f"/setup/communes/{village.commune_id}/villages/{village.code}/",
            {f"v-{village.code}-name": text, f"v-{village.code}-team": team.pk},
        )
    )
    name = Village.objects.get(pk=village.pk).name
    if response.status_code < 400:
        assert name == " ".join(clean_text(text).split()) or name == clean_text(text)
    assert not has_unsafe_characters(name)
    ok(client.post(f"/setup/communes/{village.commune_id}/teams/{team.pk}/", {f"t-{team.pk}-name": text}))
    assert not has_unsafe_characters(Team.objects.get(pk=team.pk).name)

    officer = world.a.users[Role.PROVINCE_OFFICER]
    body = {
        "name": text,
        "province": world.a.province.code,
        "communes": [world.a.commune.code],
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(),
    }
    response = ok(token_client(officer).post("/api/v1/campaigns/", body, format="json"), 201, 400)
    if response.status_code == 400:
        assert "name" in response.json()["errors"]
    else:
        stored = Campaign.objects.get(pk=response.json()["id"]).name
        assert stored == clean_text(text) and not has_unsafe_characters(stored)


def _stored_before_the_rule(world, text: str) -> None:
    """Rows written before inputs were cleaned (NUL aside: PostgreSQL text cannot hold it)."""
    raw = text.replace("\x00", "")[:150]
    village = factories.VillageFactory(
        commune=world.a.commune, code=f"{world.a.commune.code}-{uuid.uuid4().hex[:6]}", name=raw or "x"
    )
    factories.HouseholdFactory(
        village=village, label=raw[:200] or "x", head_name=raw[:150], phone="0905111222"
    )
    factories.HouseholdFactory(village=world.a.village, label=raw[:200] or "x", head_name=raw[:150])


def _every_export(world, campaign, client) -> None:
    commune, village = world.a.commune.code, world.a.village.code
    for role in (Role.COMMUNE_LEADER, Role.PROVINCE_OFFICER):
        client.force_login(world.a.users[role])
        for kind in ("villages", "followups", "never-visited", "flagged"):
            xlsx_cells(ok(client.get(f"/communes/{commune}/xlsx/{kind}/"), 200).content)
        xlsx_cells(ok(client.get(f"/villages/{village}/xlsx/"), 200).content)
    officer = world.a.users[Role.PROVINCE_OFFICER]
    api = token_client(officer)
    for by in ("commune", "village", "team", "service", "day"):
        csv_cells(ok(api.get(f"/api/v1/campaigns/{campaign.pk}/export/?format=csv&by={by}"), 200).content)
    xlsx_cells(ok(api.get(f"/api/v1/campaigns/{campaign.pk}/export/?format=xlsx"), 200).content)
    json.loads(ok(api.get(f"/api/v1/campaigns/{campaign.pk}/export/?format=geojson"), 200).content)
    for kind in ("xlsx", "csv"):
        job = export_job_request(user=officer, campaign=campaign, format=kind)
        assert run_export(str(job.pk)) == ExportJob.Status.DONE
        job.refresh_from_db()
        with job.file.open("rb") as handle:
            body = handle.read()
        (xlsx_cells if kind == "xlsx" else csv_cells)(body)


@CHECK
@given(text=HOSTILE)
@example(text=EVERYTHING)
@example(text="=1+1")
@example(text="\x07Thôn\x1b 1\u202e")
def test_hostile_text_from_every_door_and_every_export_opens(stage, client, text):
    world, campaign = stage
    _push(world, text)
    _type_in_forms(world, campaign, client, text)
    _stored_before_the_rule(world, text)
    _every_export(world, campaign, client)


def test_a_formula_label_is_shown_as_text_in_the_leaders_list(stage, client):
    world, _campaign = stage
    _push(world, '=HYPERLINK("http://x.invalid","bấm")')
    _push(world, "\x07Nhà\u202e bà Tư\x1b")
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    values = xlsx_cells(client.get(f"/villages/{world.a.village.code}/xlsx/").content)
    assert '\'=HYPERLINK("http://x.invalid","bấm")' in values
    assert "Nhà bà Tư" in values
