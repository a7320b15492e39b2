"""Settings shared by every environment; everything that differs comes from the environment.

The embedded default (no environment at all) is a single-machine demo: SQLite file, Celery tasks run
eagerly in-process, local-memory cache. Production sets DATABASE_URL, CELERY_BROKER_URL and REDIS_URL.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from backend.env import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Only the embedded demo may fall back to a fixed key; production.py demands one from the environment.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-demo-key-only-for-local-runs")  # noqa: S105
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "backend.admin_site.NationalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "csp",
    "axes",
    # Bottom to top (docs/ARCHITECTURE.md): the platform (the outbox's table), the domain core, the rollups, campaigns, the maps, then the
    # faces: the phone's API, the leaders' pages, onboarding, the IOC feed, the phone app, the demo.
    "backend",
    "core",
    "coverage",
    "campaigns",
    "maps",
    "field_api",
    "leaders",
    "onboarding",
    "ioc",
    "phoneapp",
    "demo",
]

# What follows every write of households, visits or group sessions, in this order, inside the writer's
# transaction, after the villages' rollup locks are taken (core.projections.field_records_project).
FIELD_RECORD_PROJECTIONS = [
    "coverage.projections.coverage_project",  # the coverage rollup
    "campaigns.projections.campaigns_project",  # running campaigns' rollups, and recounts asked
    "coverage.projections.pages_forget",  # after the commit: cached pages of those areas
]
# What follows a village handed to another team, after the commit (core.projections).
AREA_PROJECTIONS = ["coverage.projections.pages_forget_reassigned"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The phone app's built files at /app/: a second WhiteNoise with the app's headers (phoneapp/middleware.py).
    "phoneapp.middleware.PhoneAppFilesMiddleware",
    "csp.middleware.CSPMiddleware",
    "backend.middleware.RequestGuardMiddleware",
    # Each request's lock and statement budget; a wait past it is a 503 (backend/db_budget.py).
    "backend.db_budget.DatabaseBudgetMiddleware",
    # Read-only pages and APIs read the replica when one is set (backend/replica.py).
    "backend.replica.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A handed-out password is changed before anything else (onboarding/middleware.py).
    "onboarding.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records who made each change to audited models (core/audit.py).
    "auditlog.middleware.AuditlogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backend.logins.BrowserLoginThrottleMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during authentication into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backend.urls"
CSRF_FAILURE_VIEW = "backend.errors.csrf_failure"
# Every request body, on every route, is capped at this before anything reads it (backend/middleware.py),
# except on the views that take an upload, which declare their own larger limit with ``body_limit``
# (member and village sheets 10 MB, village boundaries 20 MB, each plus 64 KB of form). The largest other
# body is a push of 500 items (API.md): its worst case, 500 visits with 2,000-character notes sent as
# \uXXXX escapes (~13 KB each), is about 6.5 MB. Larger bodies get a 413. The reverse proxy's
# client_max_body_size is the largest upload's limit (README).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=8 * 1024 * 1024)
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
                "backend.context_processors.shell",
            ],
        },
    },
]

DB_IDLE_IN_TRANSACTION_TIMEOUT = env.int("DB_IDLE_IN_TRANSACTION_TIMEOUT", default=60)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel separately from the SQL: a push's JSON document is not quoted into the text.
    # A session idle inside a transaction holds every phone's pull back (services/changes.py): end it.
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "options": f"-c idle_in_transaction_session_timeout={DB_IDLE_IN_TRANSACTION_TIMEOUT}s",
    }
    # Connection pooling, two ways (docs/SCALING.md):
    # - DB_POOL_MAX_SIZE > 0: psycopg's pool in each process (web worker, Celery worker), so a burst of
    #   requests reuses a few connections instead of opening one each; Django then keeps none itself.
    # - behind PgBouncer in transaction mode: set DB_PREPARE_THRESHOLD=none. Server-side binding sends
    #   unnamed statements, which PgBouncer passes through; only psycopg's named prepared statements
    #   (after 5 runs of one query) would land on another server connection.
    if DB_POOL_MAX_SIZE := env.int("DB_POOL_MAX_SIZE", default=0):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": min(2, DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": env.int("DB_POOL_TIMEOUT", default=10),
        }
    if env("DB_PREPARE_THRESHOLD", default="5").lower() == "none":
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None


def _timeouts(kind: str, default: str) -> tuple[float, float]:
    lock, total = env(f"DB_TIMEOUTS_{kind.upper()}", default=default).split("/")
    return float(lock), float(total)


# (lock wait, database time) in seconds per kind of work, on PostgreSQL (backend/db_budget.py). A request's
# database time is a deadline for all its statements together: each web kind ends under gunicorn's
# timeout (30 s) with room to answer. For tasks the second number bounds each statement. The table and
# the reasons: docs/RELIABILITY.md, "Time budgets".
DB_TIMEOUTS = {
    "push": _timeouts("push", "5/20"),
    "pull": _timeouts("pull", "2/15"),
    "api": _timeouts("api", "3/15"),
    "page": _timeouts("page", "3/20"),
    "export": _timeouts("export", "3/25"),
    "task": _timeouts("task", "60/1200"),
}
DB_BUSY_RETRY_AFTER_SECONDS = env.int("DB_BUSY_RETRY_AFTER_SECONDS", default=10)
# `check --deploy --database default` warns when sessions from outside the application may sit idle in
# a transaction longer than this (services/changes.py: such a session holds every phone's pull back).
DB_IDLE_IN_TRANSACTION_LIMIT_SECONDS = 300
# Reads off the primary (backend/replica.py): maps, tallies and exports from a streaming replica of the
# same cluster, once it has replayed what had committed when they were asked for.
if DATABASE_REPLICA_URL := env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        **{key: DATABASES["default"][key] for key in ("ATOMIC_REQUESTS", "CONN_MAX_AGE")},
        "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
    }
    DATABASE_ROUTERS = ["backend.replica.ReplicaRouter"]
REPLICA_WAIT_MS = env.int("REPLICA_WAIT_MS", default=200)
REPLICA_READ_PATHS = [
    "/maps/",
    "/campaigns/",
    "/communes/",
    "/villages/",
    "/api/v1/coverage/",
    "/api/v1/campaigns/",
    "/api/v1/ioc/",
]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets map pages read while a push writes; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "field_api.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out (account, address) before any hashing
    "django.contrib.auth.backends.ModelBackend",
]

# How many reverse proxies in front of the app append to X-Forwarded-For (docker-compose: set it to 1
# behind one nginx or load balancer). 0 = use REMOTE_ADDR and ignore X-Forwarded-For, which a client
# can write itself. See backend/logins.py.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Logins: lock out an (account, address) pair after repeated failures (django-axes, database handler,
# no Redis needed), and cap attempts per address across all login forms (LOGIN_THROTTLE_RATE).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "backend.logins.client_ip"
AXES_LOCKOUT_CALLABLE = "backend.logins.lockout_response"
# Failures are what the lockout needs; a row per successful login would only pile up addresses.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner on every command
# The default first; the light one-time hasher second (onboarding/hashers.py: random one-time passwords,
# re-hashed with the default at the first login).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "onboarding.hashers.OneTimePasswordHasher",
]
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
# Typed dates are day first or ISO in both languages (05/11/2026 is 5 November): backend/locale_formats/.
FORMAT_MODULE_PATH = ["backend.locale_formats"]
# The language switch (templates/base.html → Django's set_language) remembers the choice for a year.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
# Numbers in templates as people read them: 1.234 in Vietnamese, 1,234 in English (backend/formats.py
# for Python code). Vietnamese formats name no grouping: three, as everywhere.
USE_THOUSAND_SEPARATOR = True
NUMBER_GROUPING = 3
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
# The volunteer's phone app, built from phone/ by `make setup` and served at /app/ (phoneapp/middleware.py).
PHONE_APP_DIR = env.path("PHONE_APP_DIR", default=BASE_DIR / "phone" / "dist")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"

REDIS_URL = env("REDIS_URL", default="")
# Redis speeds token lookups, throttles and maps up but is never needed to answer: an unreachable Redis is a
# cache miss after at most REDIS_TIMEOUT_SECONDS, then skipped for a few seconds (backend/cache.py).
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=0.5)
REDIS_CACHE_OPTIONS = {
    "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT_SECONDS,
    # Reads carry whole map pages: a slow big read is not an outage.
    "SOCKET_TIMEOUT": 4 * REDIS_TIMEOUT_SECONDS,
    "RETRY_AFTER_SECONDS": 5,
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "backend.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "field_api.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "field_api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "backend.exceptions.api_exception_handler",
    # JSON only, as API.md says: the schema then declares JSON only, and generated clients send it.
    "DEFAULT_PARSER_CLASSES": ["field_api.parsers.JSONParser"],
    # Per address, against floods; generous, as a whole training session may sign in behind one router.
    "DEFAULT_THROTTLE_RATES": {
        "login": env("LOGIN_THROTTLE_RATE", default="60/min"),
        # Per IOC feed key (ioc/authentication.py): an operations centre polling its dashboards.
        "ioc_feed": env("IOC_FEED_THROTTLE_RATE", default="120/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
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
        "OutcomeEnum": "core.models.Outcome",
        "HelpResultEnum": "core.models.HelpResult",
        "RoleEnum": "core.models.Role",
        "ItemKindEnum": ["household", "visit", "group_session"],  # push results, handoffs
        # GeoJSON's fixed "type" members (ioc/apis.py).
        "GeoJsonFeatureTypeEnum": ["Feature"],
        "GeoJsonFeatureCollectionTypeEnum": ["FeatureCollection"],
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    # No validator badge: it would load an image from validator.swagger.io (and tell it our schema URL).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Audit trail (core/audit.py): changes as JSON; the request's address is not personal data we need.
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_DISABLE_REMOTE_ADDR = True

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
# A worker process killed mid-task (OOM, deploy) puts its message back instead of losing it: tasks are
# recomputations, safe to run again (export jobs check their own state first).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker that is away fails a publish within seconds; the outbox (backend/outbox.py) keeps the
# work and publishes it later, so nothing waits long on Redis and nothing retries for long.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis hands an unacknowledged message to another worker after VISIBILITY_TIMEOUT; each worker process
# renews the messages of the tasks it runs every TASK_HEARTBEAT_SECONDS, so a long task stays
# with its worker and the task of a worker that died comes back within the timeout plus one restore sweep
# (backend/worker_guard.py).
# (Not CELERY_-named settings: Celery reads every such name as one of its own.)
VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=120)
TASK_HEARTBEAT_SECONDS = env.int("CELERY_TASK_HEARTBEAT_SECONDS", default=max(1, VISIBILITY_TIMEOUT // 4))
# A task whose database wait passed the task budget is tried again this much later, this many times
# (backend/celery.py); the countdown must stay under VISIBILITY_TIMEOUT.
TASK_BUDGET_RETRY_SECONDS = env.int("TASK_BUDGET_RETRY_SECONDS", default=30)
TASK_BUDGET_RETRIES = 5
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": VISIBILITY_TIMEOUT,
    # How often a worker looks for messages whose worker stopped renewing them (every 10 s × 1 here).
    "unacked_restore_interval": min(10, VISIBILITY_TIMEOUT),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # Establishing the connection for a publish: one quick retry, not kombu's default of seconds.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_TASK_ROUTES = {pattern: {"queue": "maps"} for pattern in ("maps.*", "coverage.*", "campaigns.*")}
# The outbox: how often beat publishes what web processes could not, and how long a claimed row is left
# to the drainer that claimed it before another may publish it again.
OUTBOX_DRAIN_SECONDS = env.int("OUTBOX_DRAIN_SECONDS", default=30)
OUTBOX_LEASE_SECONDS = 120
# With no worker (the embedded default runs tasks in-process), the tasks whose progress a page shows
# run on the outbox's thread instead of in the request that asked for them: the person sees the bar
# move instead of a page that hangs until the job is over.
OUTBOX_BACKGROUND_TASKS = env.tuple(
    "OUTBOX_BACKGROUND_TASKS",
    default=("onboarding.check_sheet", "onboarding.import_sheet", "onboarding.store_province_boundaries"),
)
# Export jobs: queued or running without progress this long → published again; failed (with a message
# for the person waiting) after this many runs or this age.
EXPORT_JOB_STALE_SECONDS = env.int("EXPORT_JOB_STALE_SECONDS", default=300)
EXPORT_JOB_MAX_ATTEMPTS = env.int("EXPORT_JOB_MAX_ATTEMPTS", default=3)
EXPORT_JOB_MAX_AGE_SECONDS = env.int("EXPORT_JOB_MAX_AGE_SECONDS", default=3600)
MAP_PRERENDER_SECONDS = env.int("MAP_PRERENDER_SECONDS", default=300)
CELERY_BEAT_SCHEDULE = {
    "outbox-drain": {
        "task": "platform.outbox_drain",
        "schedule": OUTBOX_DRAIN_SECONDS,
        "options": {"queue": "celery", "expires": OUTBOX_DRAIN_SECONDS},
    },
    "export-jobs-recover": {
        "task": "campaigns.export_jobs_recover",
        "schedule": 60,
        # On the light queue: long exports on the maps queue must not delay their own rescue.
        "options": {"queue": "celery", "expires": 60},
    },
    # Dashboards read precomputed figures: recompute running campaigns every night (Vietnam time).
    "campaigns-nightly-rollup": {
        "task": "campaigns.nightly_rollup",
        "schedule": crontab(hour=1, minute=30),
        "options": {"queue": "maps"},
    },
    # Pages follow readers, not writers: what changed is rendered once per interval, never by a push.
    "maps-prerender": {
        "task": "maps.tasks.prerender_maps",
        "schedule": MAP_PRERENDER_SECONDS,
        "options": {"queue": "maps", "expires": MAP_PRERENDER_SECONDS},
    },
    "coverage-nightly-refresh": {
        "task": "coverage.tasks.refresh_all_coverage",
        "schedule": crontab(hour=1, minute=0),
        "options": {"queue": "maps"},
    },
    # Sheets uploaded and never stored hold names and phones: emptied after IMPORT_JOB_KEEP_HOURS.
    "import-jobs-purge": {
        "task": "onboarding.purge_jobs",
        "schedule": crontab(minute=15),
        "options": {"queue": "celery"},
    },
}
IMPORT_JOB_KEEP_HOURS = env.int("IMPORT_JOB_KEEP_HOURS", default=24)

# Basemap tiles: online in production, none in tests and on offline machines.
MAP_TILES_URL = env("MAP_TILES_URL", default="")
MAP_TILES_ATTRIBUTION = env("MAP_TILES_ATTRIBUTION", default="© OpenStreetMap")


def _tile_source(url: str) -> list[str]:
    """The CSP source for a tile URL template: https://{s}.tile.example.org/{z}/… → https://*.tile.example.org"""
    if not url:
        return []
    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"]


# Content-Security-Policy on every response (django-csp). Scripts come from our own origin; the few
# inline ones a page needs (folium's map set-up) carry this request's nonce. Styles may be inline
# (folium and the admin write style attributes); images may be data: URLs (Leaflet, Swagger UI) and
# basemap tiles. Stored text never becomes markup anyway: this is the second lock on the door.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", *_tile_source(MAP_TILES_URL)],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # axes writes a line per login at INFO (usernames masked): keep warnings, not every sign-in.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
