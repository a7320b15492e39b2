"""Request checks made before any URL is resolved or any view runs.

- A NUL character in the path or query string is never meaningful and breaks PostgreSQL text
  parameters deep inside views (a 500): refused here with a 400, whatever the URL.
- Under /api/, a body declared larger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused with a JSON 413
  before it is read (DRF reads the request stream itself, so Django's own check never fires for it).
- Under /api/, a path without its trailing slash is resolved as if it had one. Django's APPEND_SLASH
  answers with a redirect, and clients repeat a redirected POST as a GET without its body.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.urls import is_valid_path
from django.utils.translation import gettext as _

from backend.errors import bad_request, is_api
from field_api.exceptions import body_too_large_message, error_response


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or "%00" in query or "\x00" in query:
            if is_api(request):
                return error_response(_("Địa chỉ hoặc tham số chứa ký tự không hợp lệ."), status=400)
            return bad_request(request)
        if is_api(request):
            if _declared_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                return error_response(body_too_large_message(), status=413)
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
