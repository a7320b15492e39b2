"""HTTP as a phone on a bad link does it: whole requests, requests cut mid-body, requests whose answer is
never read. One connection per request (gunicorn's sync workers close after each answer anyway)."""

import http.client
import json
import socket
import time
from dataclasses import dataclass


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)


def request(
    port: int,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: bytes | None = None,
    timeout: float = 120,
) -> Answer:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    began = time.perf_counter()
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    return Answer(response.status, data, time.perf_counter() - began)


def _head(path: str, token: str, length: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Token {token}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode()


def cut_mid_body(port: int, path: str, *, token: str, body: bytes) -> None:
    """The radio drops halfway through the upload: the server gets a head promising more than arrives."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(_head(path, token, len(body)) + body[: len(body) // 2])
        sock.shutdown(socket.SHUT_WR)


def cut_after_body(port: int, path: str, *, token: str, body: bytes) -> None:
    """The whole request leaves, then the phone loses the link before the answer comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        # Closed, not reset: the request is complete on the server's side, only the answer is lost.
        sock.sendall(_head(path, token, len(body)) + body)


def push(port: int, token: str, payload: dict) -> Answer:
    return request(port, "POST", "/api/v1/sync/push/", token=token, body=json.dumps(payload).encode())


def pull_all(port: int, token: str, *, limit: int) -> list[dict]:
    """Every page from an empty cursor until has_more is false."""
    pages, cursor = [], ""
    for _page in range(10_000):
        answer = request(port, "GET", f"/api/v1/sync/pull/?limit={limit}&cursor={cursor}", token=token)
        if answer.status != 200:
            raise AssertionError(f"pull → {answer.status}: {answer.body[:500]!r}")
        page = answer.json()
        pages.append(page)
        cursor = page["cursor"]
        if not page["has_more"]:
            return pages
    raise AssertionError("pull never finished")
