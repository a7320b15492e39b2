"""A leader's household edit locks the household's row and nothing else: the village its query joins is
read, not locked, so pushes into that village (whose visits' key checks share-lock the village row) go
on while the edit is open."""

import threading

import psycopg
import pytest
from django.db import connection, transaction

from core.models import Role
from core.services.households import household_update
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _other_session_locks(sql: str, params: list) -> bool:
    """Whether another connection takes these row locks at once (NOWAIT)."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname=settings["NAME"]
    ) as other:
        try:
            other.execute(sql, params)
            return True
        except psycopg.errors.LockNotAvailable:
            return False


def test_an_open_household_edit_holds_its_household_not_its_village(world):
    home = factories.HouseholdFactory(village=world.a.village)
    leader = world.a.users[Role.COMMUNE_LEADER]
    edited, release = threading.Event(), threading.Event()

    def edit():
        try:
            with transaction.atomic():
                household_update(household_id=home.id, changes={"members": 7}, actor=leader)
                edited.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    editor = threading.Thread(target=edit)
    editor.start()
    try:
        assert edited.wait(timeout=30)
        village_free = _other_session_locks(
            "SELECT 1 FROM field_api_village WHERE code = %s FOR KEY SHARE NOWAIT", [world.a.village.code]
        )
        household_free = _other_session_locks(
            "SELECT 1 FROM field_api_household WHERE id = %s FOR KEY SHARE NOWAIT", [home.id]
        )
    finally:
        release.set()
        editor.join(timeout=30)
    assert village_free
    assert not household_free
