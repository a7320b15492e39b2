from backend.settings.base import *  # noqa: F403
from backend.settings.base import env

DEBUG = False
# No defaults: a production deploy without these must fail to start.
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# base.py builds DATABASES (with its connection options) from the same variable; here it must be set.
env("DATABASE_URL")
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = False
REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "backend.cache.DegradingRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": REDIS_CACHE_OPTIONS,  # noqa: F405
    }
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
