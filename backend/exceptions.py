"""One error shape for the whole API: ``{"detail": "...", "errors": {field: [messages]}}``."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """A business rule said no. Carries a message for people and optional per-field errors."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, errors: dict | None = None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        if status_code:
            self.status_code = status_code


def body_too_large_message(limit: int | None = None) -> str:
    """413: the body is over ``limit`` bytes (by default DATA_UPLOAD_MAX_MEMORY_SIZE, every body's cap)."""
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit
    return _("Nội dung gửi lên quá lớn (tối đa %(megabytes)s MB).") % {
        "megabytes": f"{limit / 1024 / 1024:.3g}"
    }


def not_authenticated_message(scheme: str | None) -> str:
    """401 without credentials: say which header to send (``scheme`` is the view's, e.g. "Token")."""
    if not scheme:
        return _("Chưa đăng nhập.")
    return _("Chưa đăng nhập: gửi kèm tiêu đề Authorization: %(scheme)s <…>.") % {"scheme": scheme}


def token_refused_message() -> str:
    """401 for a phone token that is unknown, expired or revoked (knox says it only in English)."""
    return _("Token không hợp lệ hoặc đã hết hạn: hãy đăng nhập lại.")


def _as_field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {key: value if isinstance(value, list | dict) else [value] for key, value in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {}


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response({"detail": exc.message, "errors": exc.errors}, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": body_too_large_message(), "errors": {}}, status=413)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": _("Dữ liệu gửi lên không hợp lệ."), "errors": _as_field_errors(exc.detail)}
    elif isinstance(exc, exceptions.NotAuthenticated):
        # DRF's own words are English; the scheme is the one its WWW-Authenticate header names.
        response.data = {"detail": not_authenticated_message(response.get("WWW-Authenticate")), "errors": {}}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"]), "errors": {}}
    else:
        response.data = {"detail": str(exc), "errors": _as_field_errors(response.data)}
    return response


def error_response(detail: str, *, status: int, errors: dict | None = None) -> JsonResponse:
    """The one error shape, for answers made outside DRF views (URL errors, middleware, handlers)."""
    return JsonResponse(
        {"detail": str(detail), "errors": errors or {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
