"""Items handed to the team leader (POST/GET /api/v1/handoffs/, the leaders' review page)."""

import uuid

import pytest
from django.utils import timezone

from core.models import Handoff, Role
from core.services import handoffs as handoff_service
from tests import factories
from tests.clock import TEST_NOW

pytestmark = pytest.mark.time_machine(TEST_NOW)

HANDOFFS = "/api/v1/handoffs/"


def _note(**overrides) -> dict:
    note = {
        "id": str(uuid.uuid4()),
        "household": str(uuid.uuid4()),
        "household_label": "Nhà bà Năm, xóm Giữa",
        "kind": "visit",
        "recorded_at": timezone.localtime().isoformat(),
        "outcome": "met",
        "note": "Hộ đã chuyển sang tổ 3; đã hướng dẫn cài VNeID.\n<b>không phải HTML</b>",
        "reason": "outside",
        "reason_text": "Hộ không thuộc các thôn của bạn.",
    }
    note.update(overrides)
    return note


def test_a_note_is_stored_once_however_often_it_is_sent(volunteer, world):
    note = _note()
    first = volunteer.post(HANDOFFS, note, format="json")
    assert first.status_code == 201, first.json()
    again = volunteer.post(HANDOFFS, note, format="json")
    assert again.status_code == 200 and again.json() == first.json()
    stored = Handoff.objects.get()
    assert stored.team == world.a.team and stored.commune == world.a.commune
    assert stored.volunteer == world.a.users[Role.VOLUNTEER] and stored.note.endswith("</b>")
    # The same id with other words: refused, nothing changed.
    other = volunteer.post(HANDOFFS, {**note, "note": "khác"}, format="json")
    assert other.status_code == 409 and "id" in other.json()["errors"]
    assert Handoff.objects.get().note == note["note"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"household_label": ""}, "household_label"),
        ({"kind": "farm"}, "kind"),
        ({"reason": "bored"}, "reason"),
        ({"recorded_at": "hôm qua"}, "recorded_at"),
        ({"note": "x" * 1001}, "note"),
        ({"note": "CCCD 0790 9500 1234 của chủ hộ"}, "note"),
        ({"household_label": "Nhà 079095001234"}, "household_label"),
        ({"id": "không phải uuid"}, "id"),
        ({"outcome": "danced"}, "outcome"),
    ],
)
def test_bad_notes_are_refused_naming_the_field(volunteer, change, field):
    answer = volunteer.post(HANDOFFS, _note(**change), format="json")
    assert answer.status_code == 400 and field in answer.json()["errors"]
    assert not Handoff.objects.exists()


def test_a_phone_number_is_not_mistaken_for_a_citizen_id(volunteer):
    answer = volunteer.post(HANDOFFS, _note(note="Gọi 0905 123 456 trước khi đến"), format="json")
    assert answer.status_code == 201


def test_who_may_hand_over_and_who_sees(world, client_for):
    a, b = world.a.users, world.b.users
    assert client_for(a[Role.COMMUNE_LEADER]).post(HANDOFFS, _note(), format="json").status_code == 403
    assert client_for(a[Role.PROVINCE_OFFICER]).post(HANDOFFS, _note(), format="json").status_code == 403
    mine = _note()
    assert client_for(a[Role.VOLUNTEER]).post(HANDOFFS, mine, format="json").status_code == 201
    teammate = factories.UserFactory(username="A-tv2", role=Role.VOLUNTEER, team=world.a.team)
    theirs = _note()
    assert client_for(teammate).post(HANDOFFS, theirs, format="json").status_code == 201

    def seen(user) -> set[str]:
        answer = client_for(user).get(HANDOFFS)
        assert answer.status_code == 200
        return {note["id"] for note in answer.json()}

    assert seen(a[Role.VOLUNTEER]) == {mine["id"]}
    assert seen(a[Role.TEAM_LEADER]) == seen(a[Role.COMMUNE_LEADER]) == {mine["id"], theirs["id"]}
    assert (
        seen(a[Role.PROVINCE_OFFICER]) == seen(b[Role.TEAM_LEADER]) == seen(b[Role.COMMUNE_LEADER]) == set()
    )
    # Someone else's id is not a way to read or overwrite their note.
    stolen = client_for(b[Role.VOLUNTEER]).post(HANDOFFS, mine, format="json")
    assert stolen.status_code == 409


def test_a_volunteer_hands_over_at_most_the_daily_limit(volunteer, monkeypatch):
    monkeypatch.setattr(handoff_service, "DAILY_LIMIT", 2)
    assert [volunteer.post(HANDOFFS, _note(), format="json").status_code for _ in range(3)] == [201, 201, 429]


def test_leaders_see_and_handle_notes_on_the_review_page(volunteer, world, client):
    note = _note(household_label="Nhà <script>alert(1)</script>")
    volunteer.post(HANDOFFS, note, format="json")
    page = f"/communes/{world.a.commune.code}/review/"
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    html = client.get(page).content.decode()
    assert 'id="handoff-table"' in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert client.post(page, {"handoff": note["id"]}).status_code == 302
    assert Handoff.objects.get().handled_by == world.a.users[Role.COMMUNE_LEADER]
    # Another commune's leader: that note is not theirs to see or handle.
    client.force_login(world.b.users[Role.COMMUNE_LEADER])
    assert (
        client.post(f"/communes/{world.b.commune.code}/review/", {"handoff": note["id"]}).status_code == 404
    )
    assert client.post(page, {"handoff": note["id"]}).status_code == 404
    # The province sees aggregates only: no household labels.
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    assert 'id="handoff-table"' not in client.get(page).content.decode()


def _handled(note_id: str) -> str:
    return f"{HANDOFFS}{note_id}/handled/"


def test_the_team_leader_marks_a_note_handled_once_within_their_team(
    volunteer, world, client_for, time_machine
):
    a, b = world.a.users, world.b.users
    note = _note()
    assert volunteer.post(HANDOFFS, note, format="json").status_code == 201
    listed = client_for(a[Role.TEAM_LEADER]).get(HANDOFFS).json()
    assert [(n["volunteer_name"], n["handled_at"]) for n in listed] == [
        (a[Role.VOLUNTEER].full_name or a[Role.VOLUNTEER].username, None)
    ]
    # Out of scope: another team's leader, another commune's leader, the province: 404, nothing marked.
    for outsider in (b[Role.TEAM_LEADER], b[Role.COMMUNE_LEADER], a[Role.PROVINCE_OFFICER]):
        assert client_for(outsider).post(_handled(note["id"])).status_code == 404
    assert client_for(a[Role.TEAM_LEADER]).post(_handled(str(uuid.uuid4()))).status_code == 404
    # The member who handed it over sees it but does not handle it.
    assert volunteer.post(_handled(note["id"])).status_code == 403
    assert Handoff.objects.get().handled_at is None

    leader = client_for(a[Role.TEAM_LEADER])
    first = leader.post(_handled(note["id"]))
    assert first.status_code == 200 and first.json()["handled_at"] is not None
    stored = Handoff.objects.get()
    assert stored.handled_by == a[Role.TEAM_LEADER]
    # Again, later, or by the commune leader: the first mark stays.
    time_machine.shift(3600)
    again = leader.post(_handled(note["id"]))
    assert again.status_code == 200 and again.json() == first.json()
    assert client_for(a[Role.COMMUNE_LEADER]).post(_handled(note["id"])).json() == first.json()
    assert Handoff.objects.get().handled_by == a[Role.TEAM_LEADER]


def test_a_commune_leader_marks_their_communes_notes_handled(volunteer, world, client_for):
    note = _note()
    volunteer.post(HANDOFFS, note, format="json")
    answer = client_for(world.a.users[Role.COMMUNE_LEADER]).post(_handled(note["id"]))
    assert answer.status_code == 200
    assert Handoff.objects.get().handled_by == world.a.users[Role.COMMUNE_LEADER]
