"""The phone app's built files (``make setup`` builds ../phone into phone/dist) and its UI strings.

Thin on purpose: the app is a client of field_api like any other and holds no server-side state. What
matters here is how the files travel: the service worker at /app/sw.js so its scope covers /app/, never
cached by the browser (so updates are seen) while the content-hashed assets are cached for good, gzip
copies made at build time for slow links, and the product's Content-Security-Policy on every answer.
"""

import hashlib
import json
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

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
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".json": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
IMMUTABLE = "public, max-age=31536000, immutable"  # file names carry a content hash
REVALIDATE = "no-cache"


def _secure(response: HttpResponse) -> HttpResponse:
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _built_file(relative: str) -> Path:
    root = Path(settings.PHONE_APP_DIR).resolve()
    parts = PurePosixPath(relative).parts
    if not parts or any(part.startswith(".") for part in parts) or relative.endswith(".gz"):
        raise Http404
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        raise Http404
    if candidate.suffix not in CONTENT_TYPES:
        raise Http404
    return candidate


@require_safe
def app_file(request, path: str = "index.html"):
    if not (Path(settings.PHONE_APP_DIR) / "index.html").is_file():
        message = _("Ứng dụng điện thoại chưa được build: chạy make setup.")
        return _secure(HttpResponse(message, status=503, content_type="text/plain; charset=utf-8"))
    source = _built_file(path)
    compressed = source.with_name(f"{source.name}.gz")
    gzip = "gzip" in request.headers.get("Accept-Encoding", "") and compressed.is_file()
    served = compressed if gzip else source
    stat = served.stat()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}{"-gz" if gzip else ""}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = FileResponse(served.open("rb"), content_type=CONTENT_TYPES[source.suffix])
        if gzip:
            response["Content-Encoding"] = "gzip"
        del response["Content-Disposition"]  # FileResponse names the file; these are pages and scripts
    response["ETag"] = etag
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = IMMUTABLE if path.startswith("assets/") else REVALIDATE
    if path == "sw.js":
        response["Service-Worker-Allowed"] = "/app/"
    return _secure(response)


@require_safe
def catalogue(request, lang: str):
    """The app's strings in one language, from the same gettext catalogues as every page."""
    if lang not in dict(settings.LANGUAGES):
        raise Http404
    with translation.override(lang):
        strings = {key: str(text) for key, text in STRINGS.items()}
    body = json.dumps({"lang": lang, "strings": strings}, ensure_ascii=False, sort_keys=True).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = REVALIDATE
    return _secure(response)
