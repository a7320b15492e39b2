"""The WSGI app gunicorn serves. Without DJANGO_SETTINGS_MODULE it runs production settings (as
cookiecutter-django does): a deploy that forgets the variable fails on missing secrets instead of
serving DEBUG pages with the demo key. ``manage.py`` keeps the embedded demo default for local use."""

import gc
import importlib
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.production")
application = get_wsgi_application()


def _warm_up() -> None:
    # Load the URLconf and the map code once, here: gunicorn runs with --preload, so every worker it
    # forks later (after a crash or max-requests) inherits them instead of spending seconds importing
    # geopandas and folium on its first request.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - evaluating it imports every view module
    importlib.import_module("maps.pages")


_warm_up()
# Everything loaded by now lives as long as the process. Left to the cyclic collector, its full passes
# walk these ~130,000 objects again and again: about 45 ms each, one every ten or so pushes, 4.4 ms of
# a push's 38 ms of CPU (bench/sync_ingest.py). Frozen, they are left out of every pass; and the workers
# gunicorn forks from this process (--preload) keep sharing their memory pages, which the collector's
# passes would otherwise copy into each worker. (The Python docs' advice for servers that fork.)
gc.freeze()
