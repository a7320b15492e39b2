"""Every request gets a database budget by its kind, and a wait past it answers 503 with Retry-After in
the caller's format, from the middleware or from Django's own error handler (backend/db_budget.py). The
waits themselves need PostgreSQL: tests/faults/test_database_budget.py."""

import json

import psycopg.errors
import pytest
from django.db import OperationalError
from django.test import RequestFactory

from backend.db_budget import EXPORT, PAGE, PULL, PUSH, is_budget_exceeded, request_kind
from backend.errors import server_error, service_busy

PATHS = {
    "/api/v1/sync/push/": PUSH,
    "/api/v1/sync/pull/": PULL,
    "/api/v1/me/": "api",
    "/api/v1/campaigns/3/export/": EXPORT,
    "/api/v1/exports/0b7c6f7e-7a53-4a3b-9a8e-2f0d6c1b9d11/": "api",
    "/communes/21025/xlsx/followups/": EXPORT,
    "/villages/21025-01/xlsx/": EXPORT,
    "/setup/imports/0b7c6f7e-7a53-4a3b-9a8e-2f0d6c1b9d11/passwords.xlsx": EXPORT,
    "/maps/commune/21025/": PAGE,
    "/admin/": PAGE,
    "/static/app.css": None,
    "/app/i18n/vi.json": None,
}


@pytest.mark.parametrize(("path", "kind"), sorted(PATHS.items()))
def test_each_request_gets_its_kinds_budget(path, kind):
    assert request_kind(RequestFactory().get(path)) == kind


def _timed_out(sqlstate_error: type[Exception]) -> OperationalError:
    error = OperationalError("canceling statement")
    error.__cause__ = sqlstate_error("canceling statement")
    return error


@pytest.mark.parametrize("cause", [psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled])
@pytest.mark.parametrize("path", ["/api/v1/sync/push/", "/villages/21025-01/"])
def test_a_wait_past_the_budget_answers_503_from_djangos_handler_too(db, settings, cause, path):
    """A budget spent outside a view (a middleware's own query) reaches handler500: still a 503."""
    request = RequestFactory().get(path)
    try:
        raise _timed_out(cause)
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.DB_BUSY_RETRY_AFTER_SECONDS)
    text = response.content.decode()
    assert "Máy chủ đang bận" in text
    assert response["Content-Type"].startswith(
        "application/json" if path.startswith("/api/") else "text/html"
    )


def test_other_database_errors_stay_500(db):
    error = OperationalError("connection refused")
    assert not is_budget_exceeded(error)
    try:
        raise error
    except OperationalError:
        assert server_error(RequestFactory().get("/api/v1/me/")).status_code == 500


def test_the_busy_answer_says_when_to_come_back(db):
    response = service_busy(RequestFactory().get("/api/v1/sync/pull/"), retry_after=7)
    assert response.status_code == 503
    assert response["Retry-After"] == "7"
    assert "7" in json.loads(response.content)["detail"]
