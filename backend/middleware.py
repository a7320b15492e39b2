"""Request checks made before any URL is resolved or any view runs.

- A NUL character in the path or query string is never meaningful and breaks PostgreSQL text
  parameters deep inside views (a 500): refused here with a 400, whatever the URL.
- Every request body is capped before anything reads it: DATA_UPLOAD_MAX_MEMORY_SIZE, or the larger
  limit a view that takes an upload declares with ``body_limit``. Django's own limits do not do this:
  DATA_UPLOAD_MAX_MEMORY_SIZE covers only form fields that are not files, FILE_UPLOAD_MAX_MEMORY_SIZE
  only decides when an upload is spooled to disk, and DRF reads the stream itself. A body declared
  larger (Content-Length) is refused unread; a chunked body (no length) is read up to the limit and
  refused past it. The answer is a 413: JSON under /api/, the Vietnamese page elsewhere.
- Under /api/, a path without its trailing slash is resolved as if it had one. Django's APPEND_SLASH
  answers with a redirect, and clients repeat a redirected POST as a GET without its body.
"""

import io
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.wsgi import LimitedStream
from django.shortcuts import render
from django.urls import Resolver404, is_valid_path, resolve
from django.utils.translation import gettext as _

from backend.errors import bad_request, is_api
from backend.exceptions import body_too_large_message, error_response

CHUNK = 64 * 1024


def body_limit(max_bytes: int) -> Callable:
    """Marks a view that takes an upload: bodies up to ``max_bytes`` reach it (the cap of every other
    request is DATA_UPLOAD_MAX_MEMORY_SIZE). The attribute survives ``functools.wraps`` decorators."""

    def mark(view):
        view.body_max_bytes = max_bytes
        return view

    return mark


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _chunked(request) -> bool:
    return "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()


def _body_limit(request) -> int:
    try:
        view = resolve(request.path_info, getattr(request, "urlconf", None)).func
    except Resolver404:
        view = None
    return getattr(view, "body_max_bytes", settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def _too_large(request, limit: int):
    message = body_too_large_message(limit)
    if is_api(request):
        return error_response(message, status=413)
    return render(request, "413.html", {"message": message}, status=413)


def _read_chunked(request, limit: int) -> bool:
    """A body sent without a length, read up to ``limit`` bytes and handed to Django as one of known
    length (Django reads none of a body without Content-Length); False when it is longer."""
    stream = request.META["wsgi.input"]
    body = io.BytesIO()
    while chunk := stream.read(min(CHUNK, limit + 1 - body.tell())):
        body.write(chunk)
        if body.tell() > limit:
            return False
    size = body.tell()
    body.seek(0)
    request._stream = LimitedStream(body, size)
    request.META["CONTENT_LENGTH"] = str(size)
    return True


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or "%00" in query or "\x00" in query:
            if is_api(request):
                return error_response(_("Địa chỉ hoặc tham số chứa ký tự không hợp lệ."), status=400)
            return bad_request(request)
        declared, chunked = _declared_length(request), _chunked(request)
        if declared or chunked:
            limit = _body_limit(request)
            if declared > limit:
                return _too_large(request, limit)
            # Only servers that end the stream where the body ends (gunicorn) can be read to its end.
            if not declared and request.META.get("wsgi.input_terminated"):
                try:
                    if not _read_chunked(request, limit):
                        return _too_large(request, limit)
                except Exception:  # noqa: BLE001 - the server's own parse error of a malformed chunked body
                    if is_api(request):
                        return error_response(_("Nội dung gửi lên không đọc được."), status=400)
                    return bad_request(request)
        if is_api(request):
            self._append_slash(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_api(request) and isinstance(exception, RequestDataTooBig):
            return error_response(body_too_large_message(), status=413)
        return None

    @staticmethod
    def _append_slash(request) -> None:
        path = request.path_info
        if path.endswith("/"):
            return
        urlconf = getattr(request, "urlconf", None)
        if not is_valid_path(path, urlconf) and is_valid_path(f"{path}/", urlconf):
            request.path_info = f"{path}/"
            request.path = f"{request.path}/"
