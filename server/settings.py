"""Every setting Sightline reads from the environment, in one place.

With no environment at all Sightline runs in *embedded* mode: SQLite under ./var, events written to the
database inside the request, no Redis and no worker. Setting DATABASE_URL and REDIS_URL selects the
production stack (PostgreSQL + Redis stream + Celery worker and beat); see docs/configuration.md.
"""

from __future__ import annotations

import os
import secrets
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
    "consent",
    "analytics",
    "ingest",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
CELERY_TASK_ROUTES = {"consent.*": {"queue": "maintenance"}, "analytics.*": {"queue": "maintenance"}}
CELERY_BEAT_SCHEDULE = {
    # Salts must exist before midnight UTC and vanish 48 h later; hourly keeps both within an hour.
    "rotate-visitor-salts": {"task": "consent.rotate_visitor_salts", "schedule": 3600.0},
    "ensure-event-partitions": {"task": "analytics.ensure_event_partitions", "schedule": 6 * 3600.0},
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
# Stream entries (each one request's events) read per round; thousands of events per COPY.
INGEST_CONSUMER_BATCH = _env_int("INGEST_CONSUMER_BATCH", 500)
# A pending entry idle this long belonged to a consumer that died; another one takes it over.
INGEST_CONSUMER_CLAIM_IDLE_MS = _env_int("INGEST_CONSUMER_CLAIM_IDLE_MS", 30000)
# The Celery worker runs the stream consumer in a thread when this is on (docker-compose's worker service).
INGEST_RUN_CONSUMER_IN_WORKER = _env_bool("INGEST_RUN_CONSUMER_IN_WORKER", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's request logger prints the path and client address of failing requests; the address is personal data.
    "loggers": {"django.request": {"level": "ERROR"}, "django.server": {"level": "WARNING"}},
}

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "server.errors.api_exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
}
