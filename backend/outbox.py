"""The transactional outbox: work for the Celery worker, recorded in the database, published after commit.

Why: a push must be answered from the database alone. Calling the broker from the request (``delay()``
in ``on_commit``) made an unreachable Redis a 500 after the data had committed, or a long hang; and work
handed to a process that died before publishing was lost. Instead a service calls ``outbox_enqueue``
inside its own transaction: the OutboxMessage row (task name, JSON kwargs) commits with the data or not
at all.

Who publishes (``outbox_drain``):

- after commit, a daemon thread of the same process, woken by the commit: never the request's thread;
- beat's ``platform.outbox_drain`` every OUTBOX_DRAIN_SECONDS, and every later commit, pick up what an
  earlier drain could not publish (broker away, process gone);
- on the embedded default (eager Celery, no broker) the drain runs inline after commit, so the task runs
  in the request as it always did there; its failure is logged and its row kept, never a 500 for data
  that has committed. The exceptions are the long jobs whose progress a page polls
  (``settings.OUTBOX_BACKGROUND_TASKS``, e.g. a 20,000-row sheet's check): they run on the daemon
  thread, so the request answers at once and the bar moves. The two drains take disjoint rows.

A drain claims rows with SELECT … FOR UPDATE SKIP LOCKED (plain SELECT on SQLite, whose writers are
serialised anyway) and leases them by moving ``available_at`` OUTBOX_LEASE_SECONDS ahead, in a short
transaction; it then publishes each and deletes a row only once the broker has it. Two drainers never
claim the same row. A drainer that dies between publishing and deleting leaves its row to be published
again when the lease ends: delivery is at least once, so every task is a recomputation or checks its own
state first (export jobs).

Tasks are looked up by name in the Celery app's registry and sent with ``apply_async``, which honours
eager mode (``send_task`` would not): field_api can name maps' tasks without importing maps.
"""

import atexit
import datetime as dt
import enum
import logging
import os
import threading
import time

from celery import current_app
from celery.exceptions import NotRegistered
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from backend.models import OutboxMessage

logger = logging.getLogger(__name__)

# What an unreachable broker raises from a publish (kombu wraps most; socket errors are OSError).
BROKER_ERRORS = (OperationalError, OSError)
DRAIN_BATCH = 100
# A task that raised (eager mode) or is unknown waits this long, doubling per failure, up to an hour.
FAILED_TASK_RETRY_SECONDS = 60
BROKER_LOG_GAP_SECONDS = 60


def outbox_enqueue(*, task: str, kwargs: dict) -> OutboxMessage:
    """Record work for the worker in the caller's transaction; it is published once that commits."""
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs)
    transaction.on_commit(_after_commit)
    return message


def outbox_pending(*, task: str, kwargs: dict) -> bool:
    """Whether this exact work is still waiting to be published."""
    return OutboxMessage.objects.filter(task=task, kwargs=kwargs).exists()


class Lane(enum.Enum):
    """Which rows a drain takes. With a worker every drain takes them all; with none (eager), the
    request's drain takes the short tasks and the daemon thread the long ones."""

    ALL = "all"
    INLINE = "inline"
    BACKGROUND = "background"


def outbox_drain(*, limit: int = DRAIN_BATCH, lane: Lane = Lane.ALL) -> int:
    """Publish every row that is due, oldest first; the number published.

    Stops at the first broker failure (the rest would fail the same way; the next drain tries again).
    A task that fails in eager mode is kept with a growing delay, and the drain goes on with the others.
    """
    eager = current_app.conf.task_always_eager
    published = 0
    while True:
        batch = _claim(limit=limit, lane=lane)
        for index, message in enumerate(batch):
            try:
                _publish(message, eager=eager)
            except Exception as error:
                if not eager and isinstance(error, BROKER_ERRORS):
                    _log_broker_failure(error)
                    _release(batch[index:])
                    return published
                logger.exception(
                    "Outbox task %s #%s failed; kept for a later drain", message.task, message.pk
                )
                _back_off(message)
                continue
            OutboxMessage.objects.filter(pk=message.pk).delete()
            published += 1
        if len(batch) < limit:
            return published


def _claim(*, limit: int, lane: Lane) -> list[OutboxMessage]:
    now = timezone.now()
    due = OutboxMessage.objects.select_for_update(skip_locked=True).filter(available_at__lte=now)
    if lane is Lane.INLINE:
        due = due.exclude(task__in=settings.OUTBOX_BACKGROUND_TASKS)
    elif lane is Lane.BACKGROUND:
        due = due.filter(task__in=settings.OUTBOX_BACKGROUND_TASKS)
    with transaction.atomic():
        batch = list(due.order_by("pk")[:limit])
        if batch:
            lease = now + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
            OutboxMessage.objects.filter(pk__in=[message.pk for message in batch]).update(available_at=lease)
    return batch


def _release(messages: list[OutboxMessage]) -> None:
    """Unpublished rows are due again at once: the broker being away is no reason to wait longer."""
    OutboxMessage.objects.filter(pk__in=[message.pk for message in messages]).update(
        available_at=timezone.now()
    )


def _back_off(message: OutboxMessage) -> None:
    attempts = message.attempts + 1
    delay = min(FAILED_TASK_RETRY_SECONDS * 2 ** (attempts - 1), 3600)
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=attempts, available_at=timezone.now() + dt.timedelta(seconds=delay)
    )


def _publish(message: OutboxMessage, *, eager: bool) -> None:
    app = current_app
    try:
        task = app.tasks[message.task]
    except NotRegistered:
        # A web process imports task modules only when something imports them: load them all once.
        app.loader.import_default_modules()
        task = app.tasks[message.task]
    # No publish retry loop here: a failed publish leaves the row for the next drain.
    result = task.apply_async(kwargs=message.kwargs, retry=False)
    if eager and result.failed():  # when eager tasks do not propagate their exceptions
        raise result.result


_last_broker_log = 0.0


def _log_broker_failure(error: Exception) -> None:
    """Once per outage (failures less than a minute apart), not once per push."""
    global _last_broker_log
    now = time.monotonic()
    if now - _last_broker_log > BROKER_LOG_GAP_SECONDS:
        logger.warning("Celery broker unreachable; work stays in the outbox: %s", error)
    _last_broker_log = now


def _after_commit() -> None:
    try:
        if current_app.conf.task_always_eager:
            outbox_drain(lane=Lane.INLINE)
            if settings.OUTBOX_BACKGROUND_TASKS:
                dispatcher.wake()
        else:
            dispatcher.wake()
    except Exception:  # the data has committed: the phone gets its answer, beat publishes later
        logger.exception("Outbox drain after commit failed; beat will publish later")


class _Dispatcher:
    """One daemon thread per process drains the outbox after commits, so no request waits on the broker.

    Started on first use in each process: after gunicorn forks its workers (with --preload too: the
    master never commits, and a thread does not survive a fork anyway). Woken by an Event, so the many
    commits that arrive while it drains cost one more drain, not one each. Idle for IDLE_SECONDS, it
    hands its database connection back.
    """

    IDLE_SECONDS = 10
    EXIT_WAIT_SECONDS = 10

    def __init__(self):
        self._reset()

    def _reset(self) -> None:
        self._pid: int | None = None
        self._event: threading.Event | None = None
        self._lock = threading.Lock()
        self._draining = threading.Lock()

    def wake(self) -> None:
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._event = threading.Event()
                    threading.Thread(
                        target=self._run, args=(self._event,), name="outbox-dispatcher", daemon=True
                    ).start()
                    self._pid = os.getpid()
        self._event.set()

    def _run(self, event: threading.Event) -> None:
        while True:
            if not event.wait(timeout=self.IDLE_SECONDS):
                connections.close_all()
                continue
            event.clear()
            with self._draining:
                try:
                    close_old_connections()
                    eager = current_app.conf.task_always_eager
                    outbox_drain(lane=Lane.BACKGROUND if eager else Lane.ALL)
                except Exception:  # e.g. the database is away: the next commit or beat drains again
                    logger.exception("Outbox dispatcher could not drain")

    def finish(self) -> None:
        """At exit, let a drain in progress end (daemon threads are stopped mid-step otherwise, leaving its
        rows leased for OUTBOX_LEASE_SECONDS) and start no other."""
        if self._pid == os.getpid():
            self._draining.acquire(timeout=self.EXIT_WAIT_SECONDS)


dispatcher = _Dispatcher()
atexit.register(dispatcher.finish)
# A child forked while the parent's dispatcher held its lock would otherwise inherit it held.
os.register_at_fork(after_in_child=dispatcher._reset)
