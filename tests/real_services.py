"""Starting the real parts production runs (a Celery worker, gunicorn) against the PostgreSQL test database
and the Redis named by TEST_CELERY_BROKER_URL, for the tests marked ``postgres``."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import kombu.pools
import psycopg
import redis
from django.db import connection

from backend.celery import app

ROOT = Path(__file__).resolve().parent.parent
# Nothing listens on port 1: connections are refused at once, as when Redis is down.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def redis_base() -> str:
    return os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]


def fresh_redis_urls() -> tuple[str, str]:
    """A broker and a cache database of the test Redis, emptied."""
    base = redis_base()
    broker_url, cache_url = f"{base}/11", f"{base}/12"
    for url in (broker_url, cache_url):
        redis.Redis.from_url(url).flushdb()
    return broker_url, cache_url


def redis_cache(url: str) -> dict:
    return {"default": {"BACKEND": "backend.cache.DegradingRedisCache", "LOCATION": url}}


def database_url() -> str:
    database = connection.settings_dict
    host = database["HOST"] or "127.0.0.1"
    return f"postgres://{database['USER']}@{host}:{database['PORT'] or 5432}/{database['NAME']}"


class TableLock:
    """Holds an exclusive lock on a table from another connection, as a long transaction would."""

    def __init__(self, table: str):
        self.connection = psycopg.connect(database_url())
        self.connection.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        self.table = table

    def tasks_waiting(self) -> int:
        """Connections of this database waiting on a lock while running SQL that names the table."""
        with psycopg.connect(database_url(), autocommit=True) as probe:
            return probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query ILIKE %s",
                [f"%{self.table}%"],
            ).fetchone()[0]

    @staticmethod
    def waiting_in_database() -> int:
        """Connections of this database waiting on any lock."""
        with psycopg.connect(database_url(), autocommit=True) as probe:
            return probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            ).fetchone()[0]

    def release(self):
        self.connection.rollback()
        self.connection.close()


def forget_broker_connections() -> None:
    """Celery keeps producers in kombu's global pools (eager tasks acquire one too, for the serializer):
    close and forget them all so the next publish uses the broker now configured."""
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_publishing_to(broker_url: str):
    """This test process publishes for real (not eagerly) to ``broker_url``."""
    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    forget_broker_connections()
    try:
        yield
    finally:
        app.conf.update(**previous)
        forget_broker_connections()


def service_env(**overrides) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings.base",
        "DATABASE_URL": database_url(),
        **overrides,
    }


def start_worker(*, broker_url: str, cache_url: str, pool: str = "solo", **env) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "backend", "worker", "-Q", "celery,maps"]
    command += ["--pool", pool, "--concurrency", "1", "--loglevel", "WARNING"]
    return subprocess.Popen(  # noqa: S603 - our interpreter running our own Celery app
        command, cwd=ROOT, env=service_env(CELERY_BROKER_URL=broker_url, REDIS_URL=cache_url, **env)
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(*, port: int, **env) -> subprocess.Popen:
    """gunicorn as production runs it (--preload: the app is imported once, then forked)."""
    command = [sys.executable, "-m", "gunicorn", "backend.wsgi:application", "--preload"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=service_env(**env))  # noqa: S603
    if not wait_for(lambda: _listening(port), seconds=60):
        stop(server)
        raise RuntimeError("gunicorn did not start")
    return server


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


def wait_for(check, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False
