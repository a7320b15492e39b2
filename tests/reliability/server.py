"""A real gunicorn on the PostgreSQL test database, as production runs it, for tests that talk HTTP.

The server is a subprocess: its workers see only what the test has committed (so these tests use a
transactional database), and a worker can be killed like any process. Celery work after a push is
published to a Redis queue nobody consumes (the two cores serve pushes), emptied afterwards; the cache
is Redis too, as in production.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent.parent


def redis_base() -> str:
    return os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]


def database_url(settings_dict: dict) -> str:
    # These harnesses write, kill and flush: never anywhere but a test database.
    if not settings_dict["NAME"].startswith("test_"):
        raise RuntimeError(f"not a test database: {settings_dict['NAME']}")
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    return f"postgres://{settings_dict['USER']}{password}@{host}:{port}/{settings_dict['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in (Path("/proc") / str(pid) / "fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def _inode_of_local_port(port: int) -> str | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if int(parts[1].rsplit(":", 1)[1], 16) == port:
                return parts[9]
    return None


class Gunicorn:
    def __init__(self, *, database: str, workers: int = 2, timeout: int = 60, env: dict | None = None):
        self.port = free_port()
        self.broker = f"{redis_base()}/14"
        self.cache = f"{redis_base()}/15"
        for url in (self.broker, self.cache):
            redis.Redis.from_url(url).flushdb()
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "DJANGO_SETTINGS_MODULE": "backend.settings.base",
            "DJANGO_DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "CELERY_BROKER_URL": self.broker,
            "REDIS_URL": self.cache,
            **(env or {}),
        }
        # The server's own log (a cut upload is logged as a bad request) goes to a file, read on failure.
        self.log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "backend.wsgi:application",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                str(timeout),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.workers = workers

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request("GET", "/api/v1/services/")
                connection.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        self.warm_up()

    def warm_up(self) -> None:
        """A fresh worker imports the URLconf (and map code) on its first request: take that cost now,
        in every worker, by keeping them all busy at once."""

        def fetch():
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            connection.request("GET", "/api/schema/")
            connection.getresponse().read()

        threads = [threading.Thread(target=fetch) for _i in range(self.workers * 3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])

    def worker_pids(self) -> list[int]:
        return _children(self.process.pid)

    def worker_with_database_port(self, client_port: int) -> int | None:
        """The worker whose PostgreSQL connection leaves from this local port."""
        inode = _inode_of_local_port(client_port)
        if inode is None:
            return None
        for pid in self.worker_pids():
            if inode in _socket_inodes(pid):
                return pid
        return None

    def wait_for_workers(self, count: int, seconds: float = 30) -> list[int]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) >= count:
                return pids
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn has {len(self.worker_pids())} workers, expected {count}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for url in (self.broker, self.cache):
            redis.Redis.from_url(url).flushdb()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
