"""Every setting Sightline reads from the environment, in one place.

With no environment at all Sightline runs in *embedded* mode: SQLite under ./var, events written to the
database inside the request, no Redis and no worker. Setting DATABASE_URL and REDIS_URL selects the
production stack (PostgreSQL + Redis stream + Celery worker and beat); see docs/configuration.md.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext

# Lets admin and queryset classes be subscripted for the type checker (ModelAdmin[Site]) at run time too.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


# Where embedded mode keeps its database and generated secrets; a volume in docker-compose.
DATA_DIR = Path(os.environ.get("SIGHTLINE_DATA_DIR", BASE_DIR / "var"))


def _secret_key() -> str:
    """An explicit SECRET_KEY wins; otherwise one generated once and kept in DATA_DIR, so restarts keep sessions."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "consent",
    "analytics",
    "access",
    "ingest",
    "gpu_worker",
    # The admin web console (docs/console.md) and its login lockout.
    "console",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before common: the console's language comes from the switch's cookie or the browser.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Console pages get a strict Content-Security-Policy (console/security.py).
    "console.security.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "server.urls"
# The collect endpoints are answered in front of Django's middleware (docs/decisions/0001-fast-collect-path.md).
WSGI_APPLICATION = "server.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'sightline.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the console read while a request writes; the timeout rides out short write locks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LANGUAGE_CODE = "en"
# The console's languages; LocaleMiddleware picks one from the browser, the header's switch overrides it.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

# --- Redis and Celery ------------------------------------------------------------------------------
# No REDIS_URL means embedded mode: events are written inside the request and tasks run in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")
EMBEDDED = not REDIS_URL
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = EMBEDDED
CELERY_TASK_ACKS_LATE = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ROUTES = {
    "consent.*": {"queue": "maintenance"},
    "analytics.*": {"queue": "maintenance"},
    # Image generation runs only in the GPU worker process (`celery -A server worker -Q gpu`, docs/gpu-worker.md).
    "gpu_worker.generate": {"queue": "gpu"},
    "gpu_worker.*": {"queue": "maintenance"},
}
CELERY_BEAT_SCHEDULE = {
    # Salts must exist before midnight UTC and vanish 48 h later; hourly keeps both within an hour.
    "rotate-visitor-salts": {"task": "consent.rotate_visitor_salts", "schedule": 3600.0},
    "ensure-event-partitions": {"task": "analytics.ensure_event_partitions", "schedule": 6 * 3600.0},
    # Dashboards read hourly rollups; a minute keeps them at most a minute (plus one hour of raw events) behind.
    "refresh-rollups": {"task": "analytics.refresh_rollups", "schedule": 60.0},
    # Each site's retention_days is counted in days; once an hour keeps the oldest event at most an hour late.
    "enforce-retention": {"task": "analytics.enforce_retention", "schedule": 3600.0},
    # Generated images older than GPU_IMAGE_RETENTION_HOURS go within ten minutes; stuck jobs are failed too.
    "expire-generated-images": {"task": "gpu_worker.expire_images", "schedule": 600.0},
}

# --- Ingest ----------------------------------------------------------------------------------------
# Beyond this a request is refused with 413 before its body is parsed.
INGEST_MAX_BODY_BYTES = _env_int("INGEST_MAX_BODY_BYTES", 5 * 1024 * 1024)
# Amplitude's and our own batch limit; larger batches are refused with 413.
INGEST_MAX_EVENTS_PER_REQUEST = _env_int("INGEST_MAX_EVENTS_PER_REQUEST", 2000)
# One event's JSON may not exceed this; it keeps a single huge property from filling the store.
INGEST_MAX_EVENT_BYTES = _env_int("INGEST_MAX_EVENT_BYTES", 32 * 1024)
# Events a site may send per second to one web process (token bucket); 0 turns the limit off.
INGEST_RATE_LIMIT_PER_SITE = _env_int("INGEST_RATE_LIMIT_PER_SITE", 20000)
# Reverse proxies in front of Sightline whose X-Forwarded-For entries are trusted (0: use the socket address).
INGEST_TRUSTED_PROXY_HOPS = _env_int("INGEST_TRUSTED_PROXY_HOPS", 0)
# How long a web process trusts its cached copy of a site's keys, origins and aliases.
INGEST_SITE_CACHE_SECONDS = _env_int("INGEST_SITE_CACHE_SECONDS", 10)
# Redis stream the web processes append to and the consumer drains.
INGEST_STREAM = os.environ.get("INGEST_STREAM", "sightline:events")
INGEST_CONSUMER_GROUP = os.environ.get("INGEST_CONSUMER_GROUP", "writers")
# Requests a web process answers at the same time share one XADD when together they hold at most this many
# events (a group commit: one round trip and one command; docs/decisions/0007). A request this large or larger
# writes alone, at once. 0 turns grouping off: one XADD per request, concurrently.
INGEST_GROUP_COMMIT_ROWS = _env_int("INGEST_GROUP_COMMIT_ROWS", 100)
# Stream entries (one request's events, or a group's) read per round; thousands of events per COPY.
INGEST_CONSUMER_BATCH = _env_int("INGEST_CONSUMER_BATCH", 500)
# A pending entry idle this long belonged to a consumer that died; another one takes it over.
INGEST_CONSUMER_CLAIM_IDLE_MS = _env_int("INGEST_CONSUMER_CLAIM_IDLE_MS", 30000)
# The Celery worker runs the stream consumer in a thread when this is on (docker-compose's worker service).
INGEST_RUN_CONSUMER_IN_WORKER = _env_bool("INGEST_RUN_CONSUMER_IN_WORKER", True)
# Consumer threads per worker (or per `manage.py consume_events`), each with its own database session: a
# round spends most of its time waiting for PostgreSQL, so two keep two backends busy (docs/decisions/0005).
INGEST_CONSUMERS = _env_int("INGEST_CONSUMERS", 2)

# --- Browser client and consent (consent app, frontend/) ------------------------------------------
# The beacon's URL path. Ad-blocker lists target well-known names (matomo.js, hm.js, gtag/js); a site can
# move the beacon to a name of its own. The snippet printed by createsite follows this setting.
SIGHTLINE_BEACON_PATH = "/" + os.environ.get("SIGHTLINE_BEACON_PATH", "/s.js").lstrip("/")
# Seconds browsers may reuse the beacon, banner script and styles before revalidating (ETag, so a 304).
SIGHTLINE_CLIENT_MAX_AGE = _env_int("SIGHTLINE_CLIENT_MAX_AGE", 3600)
# Seconds browsers may reuse a site's consent settings: the beacon asks once per visit, not per page, and
# a change in the admin reaches visitors within this time.
CONSENT_CONFIG_MAX_AGE = _env_int("CONSENT_CONFIG_MAX_AGE", 300)
# consent may not import analytics (docs/architecture.md); this names the function that finds a site by
# its public key, imported by name (docs/decisions/0003-consent-finds-sites-by-setting.md).
CONSENT_SITE_LOOKUP = "analytics.facade.site_snapshot_by_public_key"
# The built browser files (npm run build → frontend/dist/) are static files under the "sightline/" prefix;
# consent.views.assets serves them at their short paths.
STATICFILES_DIRS = [("sightline", BASE_DIR / "frontend" / "dist")]

# --- Analytics queries (docs/queries.md) -------------------------------------------------------------
# A session ends after this much inactivity (GA's and Matomo's 30 minutes).
ANALYTICS_SESSION_TIMEOUT_MINUTES = _env_int("ANALYTICS_SESSION_TIMEOUT_MINUTES", 30)
# Events that count as page views for sessions (pages per session, bounces): ours and PostHog's name.
ANALYTICS_PAGEVIEW_EVENTS = ("page_view", "$pageview")
# Numeric event properties holding engagement time in ms (beacon, PostHog-style, GA4); the first set one counts.
ANALYTICS_ENGAGEMENT_PROPERTIES = ("engagement_ms", "$engagement_ms", "engagement_time_msec")
# A one-page session shorter than this is a bounce (GA4's engaged-session threshold).
ANALYTICS_BOUNCE_SECONDS = _env_int("ANALYTICS_BOUNCE_SECONDS", 10)
# Trends read hourly rollups when they can answer exactly; off forces raw events (for checking).
ANALYTICS_USE_ROLLUPS = _env_bool("ANALYTICS_USE_ROLLUPS", True)
# Each refresh also rescans events received this long before the last watermark: rows the stream consumer
# commits late (received_at is when the server got them, not when they landed) are still counted.
ANALYTICS_ROLLUP_LOOKBACK_SECONDS = _env_int("ANALYTICS_ROLLUP_LOOKBACK_SECONDS", 600)
# PostgreSQL's JIT for insight statements. Off: it spends 0.25-0.3 s compiling each funnel or retention
# statement afresh, a quarter of the 1 s budget, and the row-at-a-time work it speeds up is not where they
# spend their time (docs/queries.md, "Performance design"). Applied with SET LOCAL, so other queries keep it.
ANALYTICS_QUERY_JIT = _env_bool("ANALYTICS_QUERY_JIT", False)
# Funnels and retention over person events run as two statements, one per half of the persons, on two
# connections at once: PostgreSQL never runs their window functions in parallel workers, so without this one
# core works. Costs one extra connection per such query while it runs (docs/queries.md, "Person halves").
ANALYTICS_CONCURRENT_HALVES = _env_bool("ANALYTICS_CONCURRENT_HALVES", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's request logger prints the path and client address of failing requests; the address is personal data.
    "loggers": {"django.request": {"level": "ERROR"}, "django.server": {"level": "WARNING"}},
}

# --- REST API (docs/api/rest.md) ------------------------------------------------------------------
# Shared by the web processes so a rate limit holds across them; each process's memory in embedded mode.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "sightline"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Requests one API token (or one console user) may make; generous for dashboards, a brake on runaway scripts.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "1200/min")
# Exports stream whole tables, so they get a tighter budget of their own on top of API_RATE_LIMIT.
API_EXPORT_RATE_LIMIT = os.environ.get("API_EXPORT_RATE_LIMIT", "60/hour")
# Rows fetched from the database and written to the client per chunk of an export; memory stays at one chunk.
API_EXPORT_CHUNK_ROWS = _env_int("API_EXPORT_CHUNK_ROWS", 2000)

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "server.errors.api_exception_handler",
    # Token first: its WWW-Authenticate header makes a request without credentials a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "access.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["access.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # `?format=csv|json|ndjson` selects an export format, not a DRF renderer.
    "URL_FORMAT_OVERRIDE": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sightline REST API",
    "DESCRIPTION": "Sites, custom dimensions, aliases, cohorts, insights and exports. See docs/api/rest.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Console: login, sessions, lockout (docs/console.md) ------------------------------------------
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "console:login"
# Secure (HTTPS-only) cookies unless told otherwise or every allowed host is this machine: `make run` serves
# plain HTTP on 127.0.0.1, where a Secure cookie would never come back and nobody could log in.
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
SECURE_COOKIES = _env_bool("SECURE_COOKIES", not DEBUG and not set(ALLOWED_HOSTS) <= _LOOPBACK_HOSTS)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
# Scripts never read these cookies: the console's script takes the CSRF token from the page.
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = LANGUAGE_COOKIE_HTTPONLY = True
# Lax: the cookie is sent when following a link to the console, never on another site's POST.
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = LANGUAGE_COOKIE_SAMESITE = "Lax"
# A console login lasts a working day, then asks again; closing the browser does not end it.
SESSION_COOKIE_AGE = _env_int("SESSION_COOKIE_AGE", 12 * 3600)
# Logins go through django-axes first, so a locked-out username+IP is refused before its password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Failed logins of one username from one IP before that pair is locked out (another IP may still try).
AXES_FAILURE_LIMIT = _env_int("AXES_FAILURE_LIMIT", 5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A lockout ends by itself after this long; `manage.py axes_reset_ip_username IP USERNAME` ends it at once.
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("AXES_COOLOFF_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
# Failure counts live in the cache under a SHA-256 of username+IP: no IP address is written to the database.
# In embedded mode that is the single process's memory (its check warns about that; one process is all there is).
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
SILENCED_SYSTEM_CHECKS = ["axes.W001"] if EMBEDDED else []
# Axes' log lines name the client; ours names the username only, never the IP (console/lockout.py).
AXES_CLIENT_STR_CALLABLE = "console.lockout.client_description"
AXES_LOCKOUT_CALLABLE = "console.lockout.lockout_response"
AXES_ENABLE_ADMIN = False
# The IP is the socket's unless proxies are trusted: a forged X-Forwarded-For must not dodge the lockout.
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if INGEST_TRUSTED_PROXY_HOPS else ("REMOTE_ADDR",)
)
AXES_IPWARE_PROXY_COUNT = INGEST_TRUSTED_PROXY_HOPS or None

# --- GPU worker: image generation (docs/gpu-worker.md) ----------------------------------------------
# The diffusers pipeline directory (model_index.json at its top). Empty: generation is off and
# POST /api/v1/generate answers 503; nothing is ever downloaded, so it must be a local directory.
GPU_MODEL_DIR = os.environ.get("GPU_MODEL_DIR", "")
# Where generated images and uploaded inpaint inputs are kept, one file per job; a volume in docker-compose.
GPU_IMAGE_DIR = Path(os.environ.get("GPU_IMAGE_DIR", DATA_DIR / "generated"))
# Images (and their inputs) are deleted this long after the job finished: they are the users' content.
GPU_IMAGE_RETENTION_HOURS = _env_int("GPU_IMAGE_RETENTION_HOURS", 24)
# Same-shape jobs waiting together run as one pipeline call of at most this many images (GPU memory bound).
GPU_MAX_BATCH = _env_int("GPU_MAX_BATCH", 4)
# A generation is stopped after the soft limit (checked between denoising steps, and by Celery's signal) and
# reported failed; its process is killed after the hard one (soft < hard). The GPU worker's own values apply,
# whatever the web process's are.
GPU_SOFT_TIME_LIMIT = _env_int("GPU_SOFT_TIME_LIMIT", 300)
GPU_HARD_TIME_LIMIT = _env_int("GPU_HARD_TIME_LIMIT", 360)
# A job still queued after this long is failed: no GPU worker is taking jobs (it is down, or the queue lost it).
GPU_MAX_QUEUE_SECONDS = _env_int("GPU_MAX_QUEUE_SECONDS", 3600)
# Longer prompts are refused (400): Qwen-Image reads at most 512 tokens of them anyway.
GPU_MAX_PROMPT_CHARS = _env_int("GPU_MAX_PROMPT_CHARS", 1000)
# Uploaded inpaint/outpaint images and masks (PNG) larger than this are refused before they are decoded.
GPU_MAX_UPLOAD_BYTES = _env_int("GPU_MAX_UPLOAD_BYTES", 8 * 1024 * 1024)
# "auto" picks CUDA when torch sees a GPU, else the CPU; "cpu" or "cuda" force one.
GPU_DEVICE = os.environ.get("GPU_DEVICE", "auto")
# torch.compile the denoiser on CUDA: slower first image, faster after; off by default (docs/gpu-worker.md).
GPU_TORCH_COMPILE = _env_bool("GPU_TORCH_COMPILE", False)
# Which sites may generate (and their quota and rate limit) is per-site data: gpu_worker's GenerationSettings.
# The web process and the worker report each site's generation_* events through the Python SDK with the site's
# public key, to this Sightline's own URL as they reach it. Empty: no events.
GPU_TRACKING_URL = os.environ.get("GPU_TRACKING_URL", "http://127.0.0.1:8000")
# The key of the keyed hash (HMAC-SHA256) of prompts for sites whose prompt policy is "hashed"; by default
# derived from SECRET_KEY, so equal prompts hash equally across restarts but cannot be guessed from outside.
GPU_PROMPT_HASH_KEY = os.environ.get("GPU_PROMPT_HASH_KEY", "") or f"gpu-prompt-hash:{SECRET_KEY}"
# Scrubbed prompts ("scrubbed" policy) are cut to this many characters after PII scrubbing.
GPU_PROMPT_SCRUBBED_CHARS = _env_int("GPU_PROMPT_SCRUBBED_CHARS", 200)
