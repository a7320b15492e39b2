"""The nil and max UUIDs are never ids (issue 19, tester's follow-up §4): a phone that sends
00000000-0000-0000-0000-000000000000 or ffffffff-ffff-ffff-ffff-ffffffffffff (in either case) for a
household, a visit or a group session gets that item rejected naming ``id``, and nothing is stored."""

import uuid

import pytest
from django.utils import timezone

from core.models import GroupSession, Household, Role, Visit
from tests.conftest import token_client
from tests.field_api.sync_helpers import household, visit

pytestmark = pytest.mark.django_db

PLACEHOLDERS = [
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
]


def _session(**overrides) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "village": "51001-01",
        "held_at": timezone.localtime().isoformat(),
        "services": ["online_safety"],
        "attendees": 12,
        **overrides,
    }


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
def test_a_placeholder_id_is_refused_naming_the_field(world, catalogue, placeholder):
    phone = token_client(world.a.users[Role.VOLUNTEER])
    home = household("51001-01")
    body = {
        "households": [home, household("51001-01", id=placeholder)],
        "visits": [visit(placeholder), visit(home["id"], id=placeholder)],
        "group_sessions": [_session(id=placeholder)],
    }
    response = phone.post("/api/v1/sync/push/", body, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["status"] == "created"  # a good item beside them is stored as usual
    refused = {(r["type"], tuple(r["errors"])) for r in results[1:]}
    assert refused == {
        ("household", ("id",)),
        ("visit", ("household",)),
        ("visit", ("id",)),
        ("group_session", ("id",)),
    }
    assert all(r["status"] == "rejected" and not r.get("retry") for r in results[1:])
    assert "UUID" in results[1]["errors"]["id"][0]
    assert list(Household.objects.values_list("id", flat=True)) == [uuid.UUID(home["id"])]
    assert not Visit.objects.exists() and not GroupSession.objects.exists()
