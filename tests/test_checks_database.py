"""`manage.py check --deploy --database default` warns when the database lets a session from outside the
application sit idle inside a transaction (off, or longer than DB_IDLE_IN_TRANSACTION_LIMIT_SECONDS):
such a session holds every phone's pull back (backend/checks.py)."""

import psycopg
import pytest
from django.core import checks
from django.db import connection

from tests.real_services import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _set_database_wide(value: str | None) -> None:
    name = connection.settings_dict["NAME"]
    with psycopg.connect(database_url(), autocommit=True) as admin:
        if value is None:
            admin.execute(f'ALTER DATABASE "{name}" RESET idle_in_transaction_session_timeout')
        else:
            admin.execute(f"ALTER DATABASE \"{name}\" SET idle_in_transaction_session_timeout = '{value}'")


def _ids(**kwargs) -> set[str]:
    return {message.id for message in checks.run_checks(include_deployment_checks=True, **kwargs)}


@pytest.mark.parametrize(
    ("value", "warned"),
    [(None, True), ("0", True), ("10min", True), ("301s", True), ("300s", False), ("60s", False)],
)
def test_the_database_wide_setting_is_checked(value, warned):
    _set_database_wide(value)
    try:
        found = _ids(databases=["default"], tags=[checks.Tags.database])
    finally:
        _set_database_wide(None)
    assert ("backend.W001" in found) is warned
    assert "backend.W002" not in found


def test_the_applications_own_setting_does_not_hide_the_databases():
    """The application's sessions end idle transactions after 60 s (settings' connection options); the
    check reads what a session opened without them gets, so the warning stands (None = server default 0)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW idle_in_transaction_session_timeout")
        assert cursor.fetchone()[0] == "1min"
    assert "backend.W001" in _ids(databases=["default"], tags=[checks.Tags.database])


def test_without_a_database_the_check_stays_quiet():
    assert not {"backend.W001", "backend.W002"} & _ids(databases=None)
