from backend.settings.base import *  # noqa: F403
from backend.settings.base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests pick their broker explicitly: eager unless a test targets the real worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MAP_TILES_URL = ""
MEDIA_ROOT = env.path("MEDIA_ROOT", default="/tmp/cnscd-test-media")  # noqa: S108
