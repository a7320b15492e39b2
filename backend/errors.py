"""What Django itself answers when no view does (unknown URL, refused request, crash).

Under /api/ the answer is JSON in the API's one error shape, so a phone never has to parse an HTML
page; elsewhere it is a Vietnamese page in the site's shell.
"""

import sys

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from backend.exceptions import error_response


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _answer(request, *, status: int, message: str, template: str):
    if is_api(request):
        return error_response(message, status=status)
    return render(request, template, {"message": message}, status=status)


def bad_request(request, exception=None):
    return _answer(request, status=400, message=_("Yêu cầu không hợp lệ."), template="400.html")


def permission_denied(request, exception=None):
    return _answer(
        request, status=403, message=_("Bạn không có quyền thực hiện thao tác này."), template="403.html"
    )


def csrf_failure(request, reason=""):
    return _answer(
        request,
        status=403,
        message=_("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại."),
        template="403.html",
    )


def page_not_found(request, exception=None):
    return _answer(
        request, status=404, message=_("Không tìm thấy trang hoặc dữ liệu này."), template="404.html"
    )


def service_busy(request, *, retry_after: int) -> HttpResponse:
    """The database could not answer within the request's budget (backend/db_budget.py): try again soon."""
    message = _("Máy chủ đang bận, chưa xử lý được yêu cầu. Vui lòng thử lại sau %(seconds)s giây.") % {
        "seconds": retry_after
    }
    if is_api(request):
        response = error_response(message, status=503)
    else:
        # No request context, as for a 500: the shell's context processors would query the busy database.
        response = HttpResponse(loader.get_template("503.html").render({"message": message}), status=503)
    response["Retry-After"] = str(retry_after)
    return response


def server_error(request):
    # A budget spent outside a view (a middleware's own query) reaches Django's handler, not ours.
    from backend.db_budget import is_budget_exceeded  # noqa: PLC0415 - db_budget imports this module

    error = sys.exc_info()[1]
    if error is not None and is_budget_exceeded(error):
        return service_busy(request, retry_after=settings.DB_BUSY_RETRY_AFTER_SECONDS)
    message = _("Máy chủ gặp lỗi. Vui lòng thử lại sau ít phút.")
    if is_api(request):
        return error_response(message, status=500)
    # No request context: whatever broke the view may break context processors too.
    return HttpResponse(loader.get_template("500.html").render({"message": message}), status=500)
