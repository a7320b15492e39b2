"""The phone app's UI strings, and /app/ before the app is built.

Thin on purpose: the app is a client of field_api like any other and holds no server-side state. Its built
files (``make setup`` builds ../phone into phone/dist) are served by WhiteNoise (middleware.py).
"""

import hashlib
import json

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.record_spec import phone_rules
from phoneapp.catalogue import STRINGS

# The product's policy (no inline script, no eval); the app is built to run under exactly this.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
    ]
)
REVALIDATE = "no-cache"


def _secure(response: HttpResponse) -> HttpResponse:
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def app_missing(request):
    """/app/ when there is no build: the built files themselves are answered by PhoneAppFilesMiddleware."""
    message = _("Ứng dụng điện thoại chưa được build: chạy make setup.")
    return _secure(HttpResponse(message, status=503, content_type="text/plain; charset=utf-8"))


@require_safe
def catalogue(request, lang: str):
    """The app's strings in one language, from the same gettext catalogues as every page, and the push
    spec's rules (core/record_spec.phone_rules) the forms check before saving: fetched and kept with the
    strings (the service worker caches both languages), so they hold offline."""
    if lang not in dict(settings.LANGUAGES):
        raise Http404
    with translation.override(lang):
        strings = {key: str(text) for key, text in STRINGS.items()}
    data = {"lang": lang, "strings": strings, "rules": phone_rules()}
    body = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = REVALIDATE
    return _secure(response)
