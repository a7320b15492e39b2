"""Settings shared by every environment; everything that differs comes from the environment.

The embedded default (no environment at all) is a single-machine demo: SQLite file, Celery tasks run
eagerly in-process, local-memory cache. Production sets DATABASE_URL, CELERY_BROKER_URL and REDIS_URL.
"""

from datetime import timedelta

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from backend.env import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Only the embedded demo may fall back to a fixed key; production.py demands one from the environment.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-demo-key-only-for-local-runs")  # noqa: S105
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "field_api",
    "maps",
    "phoneapp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel separately from the SQL: a push's JSON document is not quoted into the text.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets map pages read while a push writes; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "field_api.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "maps:login"
LOGIN_REDIRECT_URL = "maps:home"
LOGOUT_REDIRECT_URL = "maps:login"

# Vietnamese first; English through the same catalogues.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("Tiếng Anh"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Leaflet and its plugins, installed from npm by `make setup` (DESIGN.md, "Maps without a CDN").
# Leaflet and its plugins, installed from npm by `make setup` (DESIGN.md, "Maps without a CDN").
MAP_VENDOR_DIR = BASE_DIR / "maps" / "node_modules"
STATICFILES_DIRS = [
    ("vendor/leaflet", MAP_VENDOR_DIR / "leaflet" / "dist"),
    ("vendor/leaflet.markercluster", MAP_VENDOR_DIR / "leaflet.markercluster" / "dist"),
    ("vendor/d3", MAP_VENDOR_DIR / "d3"),
]
# The volunteer's phone app, built from phone/ by `make setup` and served at /app/ (phoneapp/views.py).
PHONE_APP_DIR = env.path("PHONE_APP_DIR", default=BASE_DIR / "phone" / "dist")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "field_api.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "field_api.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": env("LOGIN_THROTTLE_RATE", default="10/min")},
    "UNAUTHENTICATED_USER": None,
    # API.md gives exports as ?format=csv|xlsx|geojson: the parameter is ours, not DRF's renderer switch.
    "URL_FORMAT_OVERRIDE": None,
}

REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("TOKEN_TTL_DAYS", default=30)),
    "AUTO_REFRESH": True,
    # Refreshing the expiry is a write; once a minute per token is plenty.
    "MIN_REFRESH_INTERVAL": 60,
    "TOKEN_LIMIT_PER_USER": None,
    "USER_SERIALIZER": "field_api.apis.auth.MeSerializer",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CNSCĐ field API",
    "DESCRIPTION": "API cho tổ công nghệ số cộng đồng: đồng bộ ngoại tuyến, bản đồ độ phủ, chiến dịch.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the sidecar package: no CDN, works on offline machines.
    "ENUM_NAME_OVERRIDES": {
        "OutcomeEnum": "field_api.models.Outcome",
        "HelpResultEnum": "field_api.models.HelpResult",
        "RoleEnum": "field_api.models.Role",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: a real broker when configured, otherwise tasks run in-process (the embedded demo).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if not CELERY_BROKER_URL:
    # Eager tasks still take a producer (for its serializer): keep it in memory, never amqp://localhost.
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ROUTES = {"maps.*": {"queue": "maps"}}
CELERY_BEAT_SCHEDULE = {
    # Dashboards read precomputed figures: recompute running campaigns every night (Vietnam time).
    "campaigns-nightly-rollup": {
        "task": "maps.campaigns.nightly_rollup",
        "schedule": crontab(hour=1, minute=30),
        "options": {"queue": "maps"},
    },
    "coverage-nightly-refresh": {
        "task": "maps.tasks.refresh_all_coverage",
        "schedule": crontab(hour=1, minute=0),
        "options": {"queue": "maps"},
    },
}

# Basemap tiles: online in production, none in tests and on offline machines.
MAP_TILES_URL = env("MAP_TILES_URL", default="")
MAP_TILES_ATTRIBUTION = env("MAP_TILES_ATTRIBUTION", default="© OpenStreetMap")

# Where the real administrative data lives (never copied into the project).
SHARED_DATA_DIR = env.path("SHARED_DATA_DIR", default=BASE_DIR.parent / "shared" / "data")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
