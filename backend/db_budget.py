"""How long anything may wait on PostgreSQL, per kind of work (docs/RELIABILITY.md, "Time budgets").

One row locked by another session used to hold every web worker: each request queued behind the lock
until gunicorn killed the worker and answered its own HTML 500. Here every request has a budget:

- ``lock_timeout``: how long one statement may wait for a lock (a held household row, a table lock);
- a deadline for the whole request's database time. ``statement_timeout`` starts at the budget and is
  lowered as the deadline comes near (one extra ``set_config`` at most once per second of a long
  request, none for a short one), so the request's statements together end before gunicorn's timeout.

A wait past the budget (PostgreSQL's ``LockNotAvailable`` or ``QueryCanceled``) becomes a 503 with
``Retry-After``: JSON under /api/ (the phone keeps its queue and tries again), a Vietnamese page
elsewhere. Every connection a Celery worker opens gets the ``task`` budget (backend/worker_guard.py): a lock
wait that long is a stall, not work. Management commands (migrations) keep PostgreSQL's defaults.

SQLite has no such settings (its writers wait up to the busy timeout in settings); nothing is set there.
"""

import logging
import re
import time
from contextlib import ExitStack
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse
from psycopg.pq import TransactionStatus

from backend.errors import is_api, service_busy

logger = logging.getLogger(__name__)

PUSH, PULL, API, PAGE, EXPORT, TASK = "push", "pull", "api", "page", "export", "task"
KINDS = (PUSH, PULL, API, PAGE, EXPORT, TASK)
# Files, not queries: the phone app's shell and its translations never open a connection for nothing.
_NO_DATABASE = re.compile(r"^/(static|app)/")
_EXPORTS = re.compile(r"/export/|/xlsx/|\.xlsx$")
# Lowering statement_timeout costs a round trip: done only when it would overshoot by more than this.
_SLACK_MS = 1000
_SQLSTATES = {"55P03", "57014"}  # lock_not_available, query_canceled
_TRANSACTION_CONTROL = re.compile(r"\s*(SAVEPOINT|RELEASE|ROLLBACK)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Budget:
    lock_ms: int
    total_ms: int


class BudgetExceeded(DatabaseError):
    """The request's deadline passed between two statements."""


def budget_for(kind: str) -> Budget:
    lock_seconds, total_seconds = settings.DB_TIMEOUTS[kind]
    return Budget(lock_ms=int(lock_seconds * 1000), total_ms=int(total_seconds * 1000))


def request_kind(request: HttpRequest) -> str | None:
    """Which budget a request gets; None when it reads no database."""
    path = request.path_info
    if _NO_DATABASE.match(path):
        return None
    if path.startswith("/api/v1/sync/push/"):
        return PUSH
    if path.startswith("/api/v1/sync/pull/"):
        return PULL
    if _EXPORTS.search(path):
        return EXPORT
    return API if is_api(request) else PAGE


def set_budget(connection: BaseDatabaseWrapper, *, lock_ms: int, statement_ms: int) -> None:
    """Session settings of one open PostgreSQL connection (set outside a transaction, or they end with it).

    Through the driver's own connection: the statement being run may be on a named (server-side) cursor,
    and Django's execute wrappers (the deadline below) must not see this one.
    """
    with connection.wrap_database_errors:
        connection.connection.execute(
            "SELECT set_config('lock_timeout', %s, false), set_config('statement_timeout', %s, false)",
            [f"{lock_ms}ms", f"{statement_ms}ms"],
        )


# RESET is back to the session's own value (its reset_val: the server's, the role's or the connection's
# options), with no read of pg_settings, which builds every setting's row (about 1 ms a request). Two
# statements in one simple query: one round trip, no parameters.
_RESET_SQL = "RESET lock_timeout; RESET statement_timeout"


def reset_budget(connection: BaseDatabaseWrapper) -> None:
    """Back to the connection's own settings, so nothing run outside a request (a test, a thread reusing
    the connection) inherits a request's budget."""
    raw = connection.connection
    if raw is None or connection.in_atomic_block or raw.info.transaction_status != TransactionStatus.IDLE:
        return
    try:
        with connection.wrap_database_errors:
            raw.execute(_RESET_SQL)
    except DatabaseError:
        # A broken connection is closed at the request's end anyway; the budget it keeps is bounded.
        logger.debug("Could not reset the database budget", exc_info=True)


def is_budget_exceeded(error: BaseException) -> bool:
    """A lock or statement wait that PostgreSQL cut short (or our own deadline), however Django wrapped it."""
    return isinstance(error, BudgetExceeded) or sqlstate_of(error) in _SQLSTATES


DEADLOCK = "40P01"  # a transaction PostgreSQL aborted to break a deadlock


def sqlstate_of(error: BaseException) -> str | None:
    """PostgreSQL's SQLSTATE of a database error, however Django wrapped it (None on other databases)."""
    return getattr(error, "sqlstate", None) or getattr(error.__cause__, "sqlstate", None)


class _Deadline:
    """An execute wrapper on each connection: the request's remaining time caps every statement."""

    def __init__(self, budget: Budget, *, primed: set[str]):
        self.budget = budget
        self.deadline = time.monotonic() + budget.total_ms / 1000
        self.statement_ms: dict[str, int] = dict.fromkeys(primed, budget.total_ms)

    def __call__(self, execute, sql, params, many, context):
        connection = context["connection"]
        alias = connection.alias
        remaining_ms = int((self.deadline - time.monotonic()) * 1000)
        if remaining_ms <= 0:
            if _TRANSACTION_CONTROL.match(sql):
                # Ending a savepoint is how the work already done is given back: never refused.
                return execute(sql, params, many, context)
            raise BudgetExceeded("request database budget spent")
        current = self.statement_ms.get(alias)
        lower = current is None or remaining_ms < current - _SLACK_MS
        # In a failed transaction only the rollback may run; it must not meet our set_config first.
        if lower and connection.connection.info.transaction_status != TransactionStatus.INERROR:
            lock_ms = min(self.budget.lock_ms, remaining_ms)
            set_budget(connection, lock_ms=lock_ms, statement_ms=remaining_ms)
            self.statement_ms[alias] = remaining_ms
        return execute(sql, params, many, context)


class DatabaseBudgetMiddleware:
    """Gives each request its kind's budget and turns a wait past it into a 503 (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        kind = request_kind(request)
        postgres = [alias for alias in connections if connections[alias].vendor == "postgresql"]
        if kind is None or not postgres:
            return self.get_response(request)
        budget = budget_for(kind)
        request.database_budget = kind
        try:
            # The primary at once, outside any transaction; other connections (the replica) on first use.
            primary = connections["default"]
            primary.ensure_connection()
            set_budget(primary, lock_ms=budget.lock_ms, statement_ms=budget.total_ms)
        except DatabaseError as error:
            if is_budget_exceeded(error):
                return self._busy(request, error)
            raise
        try:
            with ExitStack() as stack:
                deadline = _Deadline(budget, primed={"default"})
                for alias in postgres:
                    stack.enter_context(connections[alias].execute_wrapper(deadline))
                return self.get_response(request)
        finally:
            for alias in postgres:
                reset_budget(connections[alias])

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if getattr(request, "database_budget", None) and is_budget_exceeded(exception):
            return self._busy(request, exception)
        return None

    @staticmethod
    def _busy(request: HttpRequest, error: BaseException) -> HttpResponse:
        # No query text or parameters in the log: they may carry names and phones.
        logger.warning(
            "Database wait past the %s budget on %s %s (%s)",
            getattr(request, "database_budget", "?"),
            request.method,
            request.path_info,
            sqlstate_of(error) or type(error).__name__,
        )
        return service_busy(request, retry_after=settings.DB_BUSY_RETRY_AFTER_SECONDS)
