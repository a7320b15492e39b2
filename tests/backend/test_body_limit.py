"""Every request body is capped before it is read (backend/middleware.py): a 300 MB body to the sign-in
page, declared by Content-Length or sent chunked, is a 413 after at most the limit has been read; the
API answers in JSON, pages in Vietnamese; upload pages have their own, larger limit; bodies under the
limit, chunked or not, reach their view whole. Proved with Django's test client (a stream that counts
what is read) and against the compose file's own gunicorn command line."""

import io
import json
import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.middleware import CHUNK
from core.models import Role
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
HUGE = 300 * 1024 * 1024

pytestmark = pytest.mark.django_db


class CountingStream:
    """A request body of ``size`` bytes that is never held: it counts what the server reads."""

    def __init__(self, size: int, content: bytes = b"a"):
        self.left, self.read_bytes, self.content = size, 0, content

    def read(self, size: int = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        self.left -= size
        self.read_bytes += size
        return (self.content * (size // len(self.content) + 1))[:size]

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def _post(
    client, path: str, stream, *, declared: int | None, content_type="application/x-www-form-urlencoded"
):
    extra = {"wsgi.input": stream, "CONTENT_TYPE": content_type}
    if declared is None:
        extra.update({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True})
    else:
        extra["CONTENT_LENGTH"] = str(declared)
    return client.generic("POST", path, **extra)


@pytest.mark.parametrize("declared", [HUGE, None], ids=["content-length", "chunked"])
def test_300_mb_to_the_sign_in_page_is_413_without_reading_it(client, settings, declared):
    stream = CountingStream(HUGE)
    response = _post(client, "/accounts/login/", stream, declared=declared)
    assert response.status_code == 413
    page = response.content.decode()
    assert "Nội dung gửi lên quá lớn (tối đa 8 MB)." in page and "<html" in page
    assert stream.read_bytes <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE + CHUNK


@pytest.mark.parametrize("declared", [HUGE, None], ids=["content-length", "chunked"])
@pytest.mark.parametrize("path", ["/api/v1/auth/login/", "/api/v1/sync/push/", "/api/v1/nowhere/"])
def test_over_the_limit_under_api_is_json_413(client, settings, declared, path):
    stream = CountingStream(HUGE)
    response = _post(client, path, stream, declared=declared, content_type="application/json")
    assert response.status_code == 413 and response["Content-Type"].startswith("application/json")
    assert "quá lớn" in response.json()["detail"]
    assert stream.read_bytes <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE + CHUNK


def test_a_chunked_body_under_the_limit_reaches_the_view_whole(client):
    factories.UserFactory(username="tv-1", role=Role.VOLUNTEER, password="mat-khau-dai-12")
    body = json.dumps({"username": "tv-1", "password": "mat-khau-dai-12"}).encode()
    response = _post(
        client, "/api/v1/auth/login/", io.BytesIO(body), declared=None, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["token"]


def test_upload_pages_have_their_own_larger_limit(client, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    sheet = b"a,b\n" * (600 * 1024)  # 2.4 MB: over the general limit, under the sheet page's 10 MB
    response = client.post("/setup/imports/members/new/", {"file": SimpleUploadedFile("ds.csv", sheet)})
    assert response.status_code == 400 and "quá 20000 dòng" in response.content.decode()  # read, then refused
    assert client.post("/accounts/login/", {"username": "x" * 2 * 1024 * 1024}).status_code == 413
    stream = CountingStream(HUGE)
    response = _post(client, "/setup/imports/members/new/", stream, declared=None)
    assert response.status_code == 413 and "tối đa 10.1 MB" in response.content.decode()
    assert stream.read_bytes <= 10 * 1024 * 1024 + 64 * 1024 + CHUNK


def _gunicorn_args() -> list[str]:
    """The compose file's web command line for gunicorn, bound to a free local port, one worker."""
    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["command"][-1]
    args = shlex.split(command.split("&&")[-1])
    assert args[0] == "gunicorn"
    kept, skip = [], False
    for arg in args[1:]:
        if skip:
            skip = False
            continue
        if arg in ("--bind", "--workers", "--access-logfile", "--access-logformat"):
            skip = True
            continue
        kept.append(arg)
    return kept


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONPATH": str(ROOT),
    }
    server = subprocess.Popen(  # noqa: S603 - our own interpreter running gunicorn
        [
            sys.executable,
            "-m",
            "gunicorn",
            *_gunicorn_args(),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _status(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1])


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_the_compose_gunicorn_refuses_300_mb_to_the_sign_in_page_unread(gunicorn, chunked):
    """A real server and socket: the 413 comes back while the client is still sending, long before
    300 MB have gone (at most the limit, plus what the kernel's buffers take)."""
    head = "POST /accounts/login/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {HUGE}\r\n\r\n"
    chunk = b"a" * CHUNK
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk
    sent = 0
    with socket.create_connection(("127.0.0.1", gunicorn), timeout=30) as connection:
        connection.sendall(head.encode())
        connection.setblocking(False)
        reply, pending = b"", memoryview(frame)
        while sent < HUGE and not reply:
            try:
                reply = connection.recv(65536)
            except BlockingIOError:
                pass
            try:
                written = connection.send(pending)
            except BlockingIOError:
                time.sleep(0.01)
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += written
            pending = pending[written:] or memoryview(frame)
        connection.setblocking(True)
        while b"\r\n\r\n" not in reply:
            more = connection.recv(65536)
            if not more:
                break
            reply += more
    assert _status(reply) == 413, reply[:500]
    assert sent < 64 * 1024 * 1024, sent


class BrokenStream:
    """What the server raises reading a chunked body whose framing is wrong."""

    def read(self, size: int = -1) -> bytes:
        raise OSError("invalid chunk size")

    readline = read


@pytest.mark.parametrize(
    ("path", "kind"), [("/accounts/login/", "text/html"), ("/api/v1/auth/login/", "application/json")]
)
def test_a_malformed_chunked_body_is_400_not_500(client, path, kind):
    response = _post(client, path, BrokenStream(), declared=None)
    assert response.status_code == 400 and response["Content-Type"].startswith(kind)
