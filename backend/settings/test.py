from backend.settings.base import *  # noqa: F403
from backend.settings.base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests pick their broker explicitly: eager unless a test targets the real worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# Eager tasks finish before the request answers, so a test reads their result at once; the test of the
# embedded default's background jobs sets the production value (tests/core/test_outbox.py).
OUTBOX_BACKGROUND_TASKS = ()
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MAP_TILES_URL = ""
MEDIA_ROOT = env.path("MEDIA_ROOT", default="/tmp/cnscd-test-media")  # noqa: S108
