"""The phone app's built files at /app/, served by WhiteNoise like every other static file.

``make setup`` builds ../phone into phone/dist (PHONE_APP_DIR). What matters is how the files travel: the
service worker at /app/sw.js so its scope covers /app/, never cached by the browser (so updates are seen),
the content-hashed assets under /app/assets/ cached for good, the gzip copies made at build time sent to
browsers that take them, and the product's Content-Security-Policy on every answer. The index page is
also the answer for /app/ itself. Only files are answered here; the UI strings stay a view (views.py).
"""

import threading
from pathlib import Path, PurePosixPath

from django.conf import settings
from whitenoise.base import WhiteNoise
from whitenoise.middleware import WhiteNoiseMiddleware

from phoneapp.views import CONTENT_SECURITY_POLICY, REVALIDATE

PREFIX = "/app/"
INDEX = "index.html"


def _is_hashed_asset(path: str, url: str) -> bool:
    return url.startswith(f"{PREFIX}assets/")  # Vite names every file there by its content hash


def _app_headers(headers, path: str, url: str) -> None:
    headers["Content-Type"] = headers["Content-Type"].replace('"', "")  # charset=utf-8, as pages say it
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    # Answered before the clickjacking middleware, like every static file: the app's page says it itself.
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    if "Cache-Control" not in headers:  # everything but the hashed assets: asked again each time
        headers["Cache-Control"] = REVALIDATE
    if url == f"{PREFIX}sw.js":
        headers["Service-Worker-Allowed"] = PREFIX


class PhoneAppFilesMiddleware(WhiteNoise):
    """A second WhiteNoise, mounted at /app/ on PHONE_APP_DIR, with the app's own headers.

    A build put in place under a running server (``make setup`` again, or another PHONE_APP_DIR) is read
    again at the next request for the app: the index page is rewritten by every build.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        super().__init__(
            application=None,
            max_age=None,
            add_headers_function=_app_headers,
            immutable_file_test=_is_hashed_asset,
        )
        self.build: tuple | None = None
        self.served: dict = {}
        self.lock = threading.Lock()

    def __call__(self, request):
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        static_file = self._current_files().get(request.path_info)
        if static_file is None:
            return self.get_response(request)
        return WhiteNoiseMiddleware.serve(static_file, request)

    def _current_files(self) -> dict:
        root = Path(settings.PHONE_APP_DIR)
        index = root / INDEX
        build = (root, index.stat().st_mtime_ns if index.is_file() else None)
        if build != self.build:
            with self.lock:  # one thread reads the new build; the others keep answering from the old one
                if build != self.build:
                    self.files = {}
                    if build[1] is not None:  # not built: /app/ is answered by views.app_missing
                        self.add_files(root, prefix=PREFIX)
                        self.files[PREFIX] = self.files[f"{PREFIX}{INDEX}"]
                    self.served, self.build = self.files, build
        return self.served

    def add_file_to_dictionary(self, url, path, stat_cache=None):
        if any(part.startswith(".") for part in PurePosixPath(url).parts):
            return  # the build's stamp and the like are not part of the app
        super().add_file_to_dictionary(url, path, stat_cache=stat_cache)
