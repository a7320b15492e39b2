"""What a Celery worker process does besides running tasks (connected in backend/celery.py).

- **A lost task comes back in minutes.** With ``acks_late`` a message stays in Redis's ``unacked`` set
  until its task ends; if the whole worker dies (its main process killed, the machine lost), Redis hands
  the message to another worker only after ``visibility_timeout``. A short timeout alone would hand a
  long task (an export, a nightly rollup: up to ``CELERY_TASK_TIME_LIMIT``) to a second worker while the
  first still runs it. So the timeout is short (``CELERY_VISIBILITY_TIMEOUT``, 2 minutes) and the
  worker's main process renews the messages it holds (the score kombu keeps for each in
  ``unacked_index``) every ``CELERY_TASK_HEARTBEAT_SECONDS`` (a quarter of it): a running task stays with
  its worker; when the main process dies, renewals stop with it and the message is handed out again
  after at most the timeout plus one restore sweep (10 s). A pool process killed under a living main
  process is ``task_reject_on_worker_lost``'s case: the message goes back at once. A renewal
  missed (Redis away longer than the timeout) can only make a task run twice, which tasks allow (they
  recompute; export jobs check their own state).
- **Database budget**: every connection a worker opens gets the ``task`` lock and statement timeouts
  (backend/db_budget.py), so a held lock stalls a task for a bounded time, never a worker for good.
"""

import logging
import threading
import time

import redis
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

from backend.db_budget import TASK, budget_for, set_budget

logger = logging.getLogger(__name__)


class _Process:
    in_worker = False


def enter_worker() -> None:
    """Called in each process that runs tasks (the solo main process, every prefork pool process)."""
    _Process.in_worker = True


def budget_new_connection(connection: BaseDatabaseWrapper) -> None:
    """``connection_created``: a worker's connection gets the task budget once, for all its tasks."""
    if not _Process.in_worker or connection.vendor != "postgresql":
        return
    budget = budget_for(TASK)
    set_budget(connection, lock_ms=budget.lock_ms, statement_ms=budget.total_ms)


def start_heartbeat() -> None:
    """``worker_ready``, in the worker's main process: it holds every message this worker took."""
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        threading.Thread(target=_heartbeat, name="celery-task-heartbeat", daemon=True).start()


def _held_tags() -> list[str]:
    """Delivery tags of the messages this worker holds: running, or taken and waiting for a process."""
    from celery.worker import state  # noqa: PLC0415 - only a worker has this state

    for _attempt in range(3):
        try:  # the consumer changes the set while we read it: read it again
            return [request.message.delivery_tag for request in list(state.reserved_requests)]
        except RuntimeError:
            continue
    return []


def _index_key() -> str:
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    return options.get("global_keyprefix", "") + options.get("unacked_index_key", "unacked_index")


def renew(tags: list[str], *, client: redis.Redis) -> int:
    """Mark these messages as just delivered; a message already acknowledged is left alone (XX)."""
    if not tags:
        return 0
    return client.zadd(_index_key(), dict.fromkeys(tags, time.time()), xx=True, ch=True)


def _heartbeat() -> None:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=5, socket_connect_timeout=2)
    while True:
        time.sleep(settings.TASK_HEARTBEAT_SECONDS)
        try:
            renew(_held_tags(), client=client)
        except redis.RedisError:
            # The next beat tries again; a task handed out meanwhile runs twice, which tasks allow.
            logger.warning("Could not renew running tasks' messages in Redis", exc_info=True)
        except Exception:
            # Whatever it was, the thread must live on: without it every long task would run twice.
            logger.exception("Renewing running tasks' messages failed")
