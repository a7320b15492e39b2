"""Text a person stored is data on every map, never template source (issue 19, section 1).

folium and branca compile what they render as Jinja2 templates; a household label like ``{{7*7}}`` once
came back as 49 on the commune map, a tag answered 500 and ``{{ cycler.__init__.__globals__ }}``
reached Python's globals. Here Hypothesis writes hostile text (template delimiters and tags of Jinja,
Django, ``${}``/``#{}``/ERB, ``str.format`` and ``%`` fields, markup and script closers, quotes,
backslashes, control characters, bidi overrides, very long strings) through the paths people use: a
phone's push (household label), the commune leader's set-up forms (village and team names), the
national catalogue (service name), and, for names that come from imports, the stored rows (commune,
campaign). Then every map page, the leader's commune page that embeds the map, the coverage API and
the pre-render task render it, and each must hold:

- no answer is a 5xx; input refused is a 4xx (or the push's per-item rejection) naming the field;
- what was stored comes back exactly, as data, in the page's JSON data block or the API's JSON;
- the part of a page folium rendered holds none of it (so nothing a person typed was ever compiled);
- no markup from it reaches the HTML, and nothing evaluated (Python objects' reprs) appears.
"""

import datetime as dt
import json
import re
import uuid

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backend.text import clean_text
from campaigns.models import Campaign, CampaignTarget
from core.models import Commune, Household, Role, Service, Team, Village
from core.scope import Scope
from coverage.cache import is_cached
from maps import pages
from maps.tasks import prerender_maps
from tests.conftest import token_client
from tests.field_api.sync_helpers import household

PIECES = [
    "{{7*7}}",
    "{{ 7*7 }}",
    "{{7*'7'}}",
    "{% if 1 %}yes{% endif %}",
    "{%",
    "%}",
    "{{",
    "}}",
    "{#",
    "#}",
    "{# note #}",
    "{% raw %}",
    "{% endraw %}",
    "{% endmacro %}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ self.__init__.__globals__.__builtins__ }}",
    "{{ this._parent }}",
    "{{ config }}",
    "{% for x in range(3) %}{{ x }}{% endfor %}",
    "{% include 'base.html' %}",
    "{% load static %}{% static 'x' %}",
    "{{ request.user }}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
    "{0.__class__}",
    "{name}",
    "%(name)s",
    "%s",
    "<script>alert(1)</script>",
    "</script>",
    "<!--",
    "-->",
    "<img src=x onerror=alert(1)>",
    "]]>",
    "'",
    '"',
    "\\",
    "\\u003c",
    "`",
    "&lt;",
    "&amp;",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2069",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\u2029",
    "\x00",
    "\x07",
    "\x1b",
    "\t",
    "\r\n",
    "\x7f",
    "\x85",
    "Thôn Đồng Xoài",
    "😀",
]
piece = st.one_of(st.sampled_from(PIECES), st.text(max_size=12))
hostile = st.one_of(
    st.lists(piece, min_size=1, max_size=8).map("".join),
    # longer than any field takes: refused with the field named, or cut by nothing
    st.builds(lambda text, times: text * times, st.sampled_from(PIECES[:30]), st.integers(20, 300)),
)
# Each field's text starts with its own marker, so the tests can tell where a stored text went.
MARKERS = {"label": "HHQX", "village": "VVQX", "team": "TTQX", "service": "SSQX", "commune": "CCQX"}

DATA_BLOCK = re.compile(r'<script[^>]*type="application/json" id="(map_[0-9a-f]+)-data">(.*?)</script>', re.S)
# What an evaluated expression would print (a Python object's repr); stored "<" never reaches HTML raw.
EVALUATED = ("<module ", "<built-in", "<function ", "<bound method", "<class ", "<jinja2.", "<django.")


class Rollback(Exception):
    """Every example starts from the same world."""


def data_block(html: str) -> dict:
    (match,) = DATA_BLOCK.findall(html)
    return json.loads(match[1])


def folium_part(html: str) -> str:
    """The page without its data block: what folium rendered."""
    return DATA_BLOCK.sub("", html)


def area_names(data: dict) -> list[str]:
    return [feature["properties"]["name"] for feature in data["areas"]["features"]]


def refused_naming(response, field: str) -> bool:
    return 400 <= response.status_code < 500 and field in response.content.decode()


@pytest.fixture
def scene(world):
    """The commune 51001 with its village drawn on the map, and a running campaign with the commune."""
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    square = [[108.79, 15.11], [108.81, 15.11], [108.81, 15.13], [108.79, 15.13], [108.79, 15.11]]
    for area in (world.a.village, world.a.commune):
        area.geometry = area.geometry_simplified = {"type": "Polygon", "coordinates": [square]}
        area.save()
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Chiến dịch",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=5),
        ends_on=today + dt.timedelta(days=5),
    )
    campaign.communes.add(world.a.commune)
    CampaignTarget.objects.create(campaign=campaign, commune=world.a.commune, households=10)
    return {"world": world, "campaign": campaign}


def _clients(world) -> dict[str, Client]:
    made = {}
    for name, user in (
        ("leader", world.a.users[Role.COMMUNE_LEADER]),
        ("officer", world.a.users[Role.PROVINCE_OFFICER]),
        ("volunteer", world.a.users[Role.VOLUNTEER]),
        ("admin", world.admin),
    ):
        made[name] = Client()
        made[name].force_login(user)
    return made


def _store(world, clients, texts: dict) -> None:
    """Each text through the path people use; a refusal must be a 4xx naming the field."""
    village, team = world.a.village, world.a.team
    item = household(village.code, label=texts["label"], lat=15.12, lon=108.80)
    response = token_client(world.a.users[Role.VOLUNTEER]).post(
        "/api/v1/sync/push/", {"households": [item]}, format="json"
    )
    assert response.status_code == 200, response.content
    (result,) = response.json()["results"]
    if result["status"] == "rejected":
        assert "label" in result["errors"], result
    else:
        assert Household.objects.filter(pk=item["id"]).exists(), result

    prefix = f"v-{village.code}"
    response = clients["leader"].post(
        f"/setup/communes/{village.commune_id}/villages/{village.code}/",
        {
            f"{prefix}-name": texts["village"],
            f"{prefix}-declared_households": "10",
            f"{prefix}-team": team.pk,
        },
    )
    assert response.status_code == 302 or refused_naming(response, f"{prefix}-name"), response.status_code

    response = clients["leader"].post(
        f"/setup/communes/{village.commune_id}/teams/{team.pk}/", {f"t-{team.pk}-name": texts["team"]}
    )
    assert response.status_code == 302 or refused_naming(response, f"t-{team.pk}-name"), response.status_code

    service = Service.objects.get(pk="vneid_level2")
    response = clients["admin"].post(
        f"/setup/catalogue/{service.code}/",
        {
            "name": texts["service"],
            "category": service.category,
            "guide": "\n".join(service.guide),
            "followup_days": service.followup_days,
            "sort_order": service.sort_order,
            "is_active": "on",
        },
    )
    assert response.status_code == 302 or refused_naming(response, 'name="name"'), response.status_code

    # Commune names come from the units import, which keeps text by the same rule as every input.
    name = clean_text(texts["commune"])[:100]
    Commune.objects.filter(pk=world.a.commune.pk).update(name=name, full_name=name)


def _check_page(response, stored: list[str]) -> str:
    assert response.status_code == 200, (response.status_code, response.content[:300])
    html = response.content.decode()
    for text in stored:
        if "<" in text:
            # never markup: escaped in the shell, \u-escaped in data (neither writes a "<" of it)
            assert text not in html, text
    for mark in EVALUATED:
        assert mark not in html, mark
    return html


def _check_render(html: str) -> dict:
    """A page as pages.* returns it (what is cached and pre-rendered): stored text only in its data."""
    rendered = folium_part(html)
    for marker in MARKERS.values():
        assert marker not in rendered, marker
    for mark in EVALUATED:
        assert mark not in rendered, mark
    return data_block(html)


def _run(scene, texts: dict) -> None:
    world, campaign = scene["world"], scene["campaign"]
    clients = _clients(world)
    _store(world, clients, texts)
    cache.clear()

    labels = list(Household.objects.filter(village=world.a.village).values_list("label", flat=True))
    village = Village.objects.get(pk=world.a.village.pk).name
    team = Team.objects.get(pk=world.a.team.pk).name
    service = Service.objects.get(pk="vneid_level2").name
    commune = Commune.objects.get(pk=world.a.commune.pk).name
    stored = [*labels, village, team, service, commune]

    # The leader's commune map: villages, households and the services they still miss.
    data = data_block(_check_page(clients["leader"].get("/maps/commune/51001/"), stored))
    assert village in area_names(data)
    assert sorted(row[3] for row in data["households"]) == sorted(labels)
    assert service in data["texts"]["services"]
    # The same map inside the leader's page, beside the village table (team names, escaped).
    html = _check_page(clients["leader"].get("/communes/51001/"), stored)
    assert data_block(html)["texts"]["services"] == data["texts"]["services"]
    assert escape(team) in html and escape(village) in html
    # A volunteer's commune map; the province officer's (aggregates: no households).
    assert village in area_names(
        data_block(_check_page(clients["volunteer"].get("/maps/commune/51001/"), stored))
    )
    officer = data_block(_check_page(clients["officer"].get("/maps/commune/51001/"), stored))
    assert village in area_names(officer) and "households" not in officer
    # Province, national and campaign maps name the commune.
    for client, url in (
        (clients["officer"], "/maps/province/51/"),
        (clients["admin"], "/maps/national/"),
        (clients["officer"], f"/campaigns/{campaign.pk}/map/"),
    ):
        areas = data_block(_check_page(client.get(url), stored))["areas"]["features"]
        assert commune in [feature["properties"]["name"] for feature in areas], url
    # The coverage API: GeoJSON, the names as stored.
    for params, name in (
        ({"level": "village", "commune": "51001"}, village),
        ({"level": "commune", "province": "51"}, commune),
    ):
        response = clients["officer"].get("/api/v1/coverage/", params)
        assert response.status_code == 200
        assert name in [feature["properties"]["name"] for feature in response.json()["features"]]

    # The pre-render task renders into the cache what readers then get: literal there too.
    cache.clear()
    assert prerender_maps(commune_codes=["51001"], province_codes=["51"]) == 2
    leader_scope = Scope.commune_leader(commune="51001", province="51")
    officer_scope = Scope.province_officer(province="51")
    assert is_cached(
        level="commune",
        code="51001",
        flavour=f"page-{leader_scope.cache_key}-vi-{timezone.localdate().isoformat()}",
    )
    prerendered = _check_render(pages.commune_page(scope=leader_scope, commune="51001"))
    assert village in area_names(prerendered) and service in prerendered["texts"]["services"]
    assert sorted(row[3] for row in prerendered["households"]) == sorted(labels)
    assert commune in area_names(_check_render(pages.province_page(scope=officer_scope, province="51")))
    assert commune in area_names(_check_render(pages.national_page(scope=world.admin.scope)))


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(texts=st.fixed_dictionaries(dict.fromkeys(MARKERS, hostile)))
@example(
    texts={
        "label": "{{7*7}} {{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "village": "{% for x in range(3) %}{{ x }}{% endfor %} {# c #} {%",
        "team": "<script>alert(1)</script> {{ config }} '\"\\",
        "service": "${7*7} #{7*7} <%= 7*7 %> {0.__class__} %(name)s \u202etxet",
        "commune": "</script><img src=x onerror=alert(1)> {% endmacro %} {{ this._parent }}",
    }
)
@example(texts=dict.fromkeys(MARKERS, "\x00\x1b{{7*7}}\u2028"))
@example(texts=dict.fromkeys(MARKERS, "{{7*7}}" * 300))
def test_stored_text_is_shown_literally_on_every_map(scene, texts):
    texts = {field: f"{MARKERS[field]} {text}" for field, text in texts.items()}
    try:
        with transaction.atomic():
            _run(scene, texts)
            raise Rollback
    except Rollback:
        pass


def test_a_template_tag_in_a_label_is_neither_evaluated_nor_a_500(scene):
    """The reported cases, plainly: arithmetic stays as typed and a tag does not break the page."""
    world = scene["world"]
    for label in ("{{7*7}}", "{% if %}", "{{ cycler.__init__.__globals__.os.popen('id').read() }}"):
        item = household(world.a.village.code, label=f"Nhà {label}", id=str(uuid.uuid4()))
        token_client(world.a.users[Role.VOLUNTEER]).post(
            "/api/v1/sync/push/", {"households": [item]}, format="json"
        )
    cache.clear()
    clients = _clients(world)
    html = _check_page(clients["leader"].get("/maps/commune/51001/"), [])
    labels = [row[3] for row in data_block(html)["households"]]
    assert "Nhà {{7*7}}" in labels and "Nhà {% if %}" in labels
    assert "Nhà 49" not in html
