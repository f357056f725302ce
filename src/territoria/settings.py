"""Settings of Territoria, read from the environment with embedded defaults.

With no configuration at all the platform runs on SQLite (WAL) in a local data folder.
Every variable read here is documented in docs/configuration.md; a test fails when one
is not (tests/core/test_configuration_documented.py).
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from territoria.datadir import data_dir, read_secret_key

PACKAGE_DIR = Path(__file__).resolve().parent
# The source checkout (holds node_modules, where `territoria vendor_assets` copies from).
PROJECT_DIR = PACKAGE_DIR.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def origins_of(*urls: str) -> list[str]:
    """scheme://host[:port] of each URL given (empty ones skipped), for the CSP."""
    origins = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            # Leaflet's "{s}.tiles.example.fr" (sub-domains): any sub-domain of that host.
            origins.append(f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}")
    return origins


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# Reading only: the folder and its secret key are created by an explicit step
# (territoria/datadir.py, called by `territoria migrate`, `serve`, `setup`…), never here.
DATA_DIR = data_dir()
MEDIA_ROOT = DATA_DIR / "media"

SECRET_KEY = env("TERRITORIA_SECRET_KEY") or read_secret_key(DATA_DIR)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        f"Aucune clé secrète : le dossier de données {DATA_DIR} n'est pas préparé. Lancez "
        "`territoria setup` (ou `territoria migrate`), ou définissez TERRITORIA_SECRET_KEY."
    )
DEBUG = env_bool("TERRITORIA_DEBUG", False)
ALLOWED_HOSTS = env_list("TERRITORIA_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("TERRITORIA_CSRF_TRUSTED_ORIGINS")
SITE_NAME = env("TERRITORIA_SITE_NAME", "Territoria")
SITE_URL = env("TERRITORIA_SITE_URL", "http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Redoc served from our static files: /api/docs/ works offline
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "axes",
    "territoria.core",
    "territoria.search",
    "territoria.registre",
    "territoria.assistant",
    "territoria.opendata",
    "territoria.gouvernance",
    "territoria.catalogue",
    "territoria.culture",
    "territoria.eau",
    "territoria.mobilite",
    "territoria.plantabilite",
    "territoria.redaction",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "territoria.core.body_limits.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "territoria.core.middleware.CurrentActorMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "territoria.urls"
WSGI_APPLICATION = "territoria.wsgi.application"

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
                "territoria.core.context_processors.platform",
            ],
        },
    },
]

# --- Database: SQLite (WAL) by default, PostgreSQL when DATABASE_URL says so. ---
SQLITE_OPTIONS = {
    # WAL lets readers go on while one writer writes; IMMEDIATE avoids "database is locked"
    # upgrades in the middle of a transaction.
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
    ),
    "transaction_mode": "IMMEDIATE",
}
DATABASES = {
    "default": dj_database_url.parse(
        # DATABASE_URL: the name hosting platforms set, read when ours is not.
        env("TERRITORIA_DATABASE_URL")
        or env("DATABASE_URL")
        or f"sqlite:///{DATA_DIR / 'territoria.sqlite3'}",
        conn_max_age=env_int("TERRITORIA_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users, roles and login ---
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Password policy (docs/configuration.md): Django's validators, messages in French.
PASSWORD_MIN_LENGTH = env_int("TERRITORIA_PASSWORD_MIN_LENGTH", 12)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks every login (site and /admin/) first: after LOGIN_FAILURE_LIMIT wrong
# passwords for one username from one address, that pair is locked out for the cool-off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("TERRITORIA_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("TERRITORIA_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The same address rule as every other per-address limit (behind TERRITORIA_NUM_PROXIES).
AXES_CLIENT_IP_CALLABLE = "territoria.core.client_address.client_address"
# Bad API tokens, counted per client address (core/api/failed_tokens.py): past this many
# within the window, every token from that address is refused until it ends.
API_AUTH_FAILURE_LIMIT = env_int("TERRITORIA_API_AUTH_FAILURE_LIMIT", 20)
API_AUTH_FAILURE_WINDOW_S = env_int("TERRITORIA_API_AUTH_FAILURE_WINDOW_S", 900)

# OIDC (ProConnect, the public agents' identity provider, or any OIDC provider).
OIDC_RP_CLIENT_ID = env("TERRITORIA_OIDC_RP_CLIENT_ID")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if OIDC_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("territoria.core.oidc.TerritoriaOIDCBackend")
    OIDC_RP_CLIENT_SECRET = env("TERRITORIA_OIDC_RP_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = env("TERRITORIA_OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_SCOPES = env("TERRITORIA_OIDC_RP_SCOPES", "openid email given_name usual_name siret")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env("TERRITORIA_OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env("TERRITORIA_OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env("TERRITORIA_OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = env("TERRITORIA_OIDC_OP_JWKS_ENDPOINT")
    OIDC_OP_LOGOUT_ENDPOINT = env("TERRITORIA_OIDC_OP_LOGOUT_ENDPOINT")
    OIDC_DEFAULT_ROLE = env("TERRITORIA_OIDC_DEFAULT_ROLE", "agent")
    OIDC_ENDPOINTS = [OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_LOGOUT_ENDPOINT]
else:
    OIDC_ENDPOINTS = []

# --- Internationalisation: the UI is in French. ---
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = env("TERRITORIA_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

# --- Static files: served by the platform (WhiteNoise). The front-end npm packages are copied
# into core/static/vendor/ at install time (`territoria vendor_assets`, ADR 8), so they are found
# like any app's static files, in a checkout as in a pip-installed package. ---
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Uploads ---
TERRITORIA_MAX_UPLOAD_MB = env_int("TERRITORIA_MAX_UPLOAD_MB", 50)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Large uploads are spooled here (not /tmp) so that job recovery can remove what a killed
# web worker left behind.
# (created with the data folder: territoria/datadir.py).
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "tmp" / "uploads")

# --- Background jobs: a database-backed queue (worker: `territoria db_worker`). ---
TASKS = {
    "default": {
        "BACKEND": env("TERRITORIA_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# A job whose worker has shown no sign of life for this long (seconds) is recovered; files
# not written for this long in work folders are removed (docs/architecture.md, ADR 11).
JOB_LEASE_S = env_int("TERRITORIA_JOB_LEASE_S", 300)
# A page tells its user why their work waits: no worker alive for this long…
JOB_WAIT_NOTICE_S = env_int("TERRITORIA_JOB_WAIT_NOTICE_S", 60)
# … or a queue that has not drained for this long although a worker is alive.
JOB_STALLED_NOTICE_S = env_int("TERRITORIA_JOB_STALLED_NOTICE_S", 900)
# How often the scheduler of periodic tasks wakes up (seconds).
SCHEDULER_TICK_S = env_int("TERRITORIA_SCHEDULER_TICK_S", 30)

# --- REST API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "territoria.core.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "territoria.core.api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "territoria.core.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "territoria.core.api.errors.api_exception_handler",
    # Trusted proxies that append to X-Forwarded-For (1 behind nginx/Caddy). 0: the socket's
    # address; without it DRF's throttles would trust any X-Forwarded-For a client writes.
    "NUM_PROXIES": env_int("TERRITORIA_NUM_PROXIES", 0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API Territoria",
    "DESCRIPTION": "API de la plateforme Territoria : registre des systèmes d'IA, assistant, "
    "données ouvertes.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Offline: Redoc from drf-spectacular-sidecar's static files, not from a CDN.
    "REDOC_DIST": "SIDECAR",
    # Several models have a `status` choice set: name each enum explicitly.
    "ENUM_NAME_OVERRIDES": {
        "ErrorReportStatusEnum": "territoria.registre.models.ErrorReport.Status"
    },
}

# --- Register ---
# A published record not reviewed for this many days is flagged and its owners reminded.
REGISTRE_REVIEW_MAX_DAYS = env_int("TERRITORIA_REVIEW_MAX_DAYS", 365)
# What one register import may expand to (a few kilobytes of XLSX can hold a million rows).
TERRITORIA_IMPORT_MAX_ROWS = env_int("TERRITORIA_IMPORT_MAX_ROWS", 20_000)
TERRITORIA_IMPORT_MAX_XLSX_MB = env_int("TERRITORIA_IMPORT_MAX_XLSX_MB", 100)
# Map background tiles (e.g. a local tile server "https://tuiles.example.fr/{z}/{x}/{y}.png");
# empty: no tiles, an offline outline of France is drawn instead (nothing fetched from elsewhere).
TERRITORIA_MAP_TILE_URL = env("TERRITORIA_MAP_TILE_URL")
TERRITORIA_MAP_TILE_ATTRIBUTION = env("TERRITORIA_MAP_TILE_ATTRIBUTION")
# Password of the accounts created by `territoria load_demo` (demo only, never in production).
DEMO_PASSWORD_DEFAULT = "demo-territoria-2025"
DEMO_PASSWORD = env("TERRITORIA_DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)

# --- Open data portal (docs/opendata.md) ---
OPENDATA_DIR = DATA_DIR / "opendata"
OPENDATA_MAX_FILE_MB = env_int("TERRITORIA_OPENDATA_MAX_FILE_MB", 2048)
OPENDATA_QUERY_ENGINE = env(
    "TERRITORIA_OPENDATA_QUERY_ENGINE", "territoria.opendata.query.duckdb_engine.DuckDBEngine"
)
OPENDATA_DUCKDB_THREADS = env_int("TERRITORIA_OPENDATA_DUCKDB_THREADS", 2)
OPENDATA_DUCKDB_MEMORY_LIMIT = env("TERRITORIA_OPENDATA_DUCKDB_MEMORY_LIMIT", "1GB")
# Conversions stream: their memory stays under this whatever the size of the file.
OPENDATA_CONVERSION_MEMORY_LIMIT = env("TERRITORIA_OPENDATA_CONVERSION_MEMORY_LIMIT", "512MB")
OPENDATA_QUERY_TIMEOUT_S = float(env("TERRITORIA_OPENDATA_QUERY_TIMEOUT_S", "10"))
OPENDATA_SQL_MAX_ROWS = env_int("TERRITORIA_OPENDATA_SQL_MAX_ROWS", 5000)
# A workbook is refused past this expanded size or row count (a small XLSX can hold 1M rows).
OPENDATA_XLSX_MAX_UNCOMPRESSED_MB = float(
    env("TERRITORIA_OPENDATA_XLSX_MAX_UNCOMPRESSED_MB", "100")
)
OPENDATA_XLSX_MAX_ROWS = env_int("TERRITORIA_OPENDATA_XLSX_MAX_ROWS", 200_000)
# User SQL: result cut past this size (as JSON), queries at once per process, wait for a slot.
OPENDATA_SQL_MAX_RESULT_MB = float(env("TERRITORIA_OPENDATA_SQL_MAX_RESULT_MB", "5"))
OPENDATA_SQL_CONCURRENCY = env_int("TERRITORIA_OPENDATA_SQL_CONCURRENCY", 2)
OPENDATA_SQL_QUEUE_WAIT_S = float(env("TERRITORIA_OPENDATA_SQL_QUEUE_WAIT_S", "2"))
# Each user SQL query runs in a forked child capped at this much new memory (DuckDB inside it
# gets half, threads=1) and may write at most OPENDATA_SQL_MAX_TEMP of spill files.
OPENDATA_SQL_PROCESS_MEMORY_MB = env_int("TERRITORIA_OPENDATA_SQL_PROCESS_MEMORY_MB", 512)
OPENDATA_SQL_MAX_TEMP = env("TERRITORIA_OPENDATA_SQL_MAX_TEMP", "1GB")
# Requests per minute: anonymous (per IP address) and default for a new API key.
OPENDATA_ANON_RATE = env("TERRITORIA_OPENDATA_ANON_RATE", "120/min")
# "Publish from an address": the hosts the platform may fetch from ("fichiers.ville.fr", or
# ".ville.fr" for its sub-domains); empty turns the feature off. Private, loopback and
# link-local addresses are refused unless their network is listed (an intranet: "10.12.0.0/16").
OPENDATA_FETCH_ALLOWED_HOSTS = env_list("TERRITORIA_OPENDATA_FETCH_ALLOWED_HOSTS")
OPENDATA_FETCH_ALLOWED_NETWORKS = env_list("TERRITORIA_OPENDATA_FETCH_ALLOWED_NETWORKS")
OPENDATA_FETCH_TIMEOUT_S = float(env("TERRITORIA_OPENDATA_FETCH_TIMEOUT_S", "600"))
OPENDATA_MAP_TILE_URL = env("TERRITORIA_MAP_TILE_URL")  # empty: no external tiles, list instead
# Rate-limit counters must be shared by all gunicorn workers: a file cache in the data folder
# (a local-memory cache would count per process).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "ratelimit"),
    },
}

# --- Assistant: an OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp); empty = extractive. ---
LLM_BASE_URL = env("TERRITORIA_LLM_BASE_URL")
LLM_MODEL = env("TERRITORIA_LLM_MODEL")
LLM_API_KEY = env("TERRITORIA_LLM_API_KEY")
LLM_TIMEOUT_S = env_int("TERRITORIA_LLM_TIMEOUT_S", 60)
ASSISTANT_MAX_FILE_MB = env_int("TERRITORIA_ASSISTANT_MAX_FILE_MB", 100)
# One request of the collection page (a folder at once); refused before its body is read.
ASSISTANT_MAX_UPLOAD_MB = env_int("TERRITORIA_ASSISTANT_MAX_UPLOAD_MB", 500)

# Request bodies refused from their Content-Length before anything reads them
# (core/body_limits.py): anonymous visitors; logged-in users and API clients per route
# prefix (longest prefix wins; None: no limit there, the route checks), else the default.
ANONYMOUS_MAX_BODY_MB = float(env("TERRITORIA_ANONYMOUS_MAX_BODY_MB", "5"))
DEFAULT_MAX_BODY_MB = float(
    env("TERRITORIA_DEFAULT_MAX_BODY_MB", str(TERRITORIA_MAX_UPLOAD_MB + 5))
)
REQUEST_BODY_LIMITS_MB = {
    # An open-data file plus the multipart envelope and the form's other fields.
    "/donnees/": OPENDATA_MAX_FILE_MB + 5,
    "/api/opendata/": OPENDATA_MAX_FILE_MB + 5,
    # The assistant's uploads (documents, folders) are checked by its own routes.
    "/assistant/": None,
    "/api/assistant/": None,
    "/admin/": None,
}
ASSISTANT_MAX_PAGES = env_int("TERRITORIA_ASSISTANT_MAX_PAGES", 3000)
ASSISTANT_CHUNK_WORDS = env_int("TERRITORIA_ASSISTANT_CHUNK_WORDS", 200)
ASSISTANT_EMBED_MAX_WORDS = env_int("TERRITORIA_ASSISTANT_EMBED_MAX_WORDS", 120)
ASSISTANT_LOG_RETENTION_DAYS = env_int("TERRITORIA_ASSISTANT_LOG_RETENTION_DAYS", 180)
# Anonymous visitors, per IP address (pages and API together): questions, hand-off requests.
ASSISTANT_ANON_QUESTION_RATE = env("TERRITORIA_ASSISTANT_ANON_QUESTION_RATE", "20/min")
ASSISTANT_ANON_HANDOFF_RATE = env("TERRITORIA_ASSISTANT_ANON_HANDOFF_RATE", "10/hour")
ASSISTANT_WATTS_PER_CORE = float(env("TERRITORIA_ASSISTANT_WATTS_PER_CORE", "12"))

# --- E-mail (reminders, error reports): written to files unless an SMTP host is set. ---
EMAIL_HOST = env("TERRITORIA_EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("TERRITORIA_EMAIL_PORT", 25)
elif env("TERRITORIA_EMAIL_BACKEND") == "console":  # development: mails shown in the terminal
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mails")
DEFAULT_FROM_EMAIL = env("TERRITORIA_FROM_EMAIL", "territoria@localhost")
# Where people write about the platform (the accessibility statement must give a contact).
CONTACT_EMAIL = env("TERRITORIA_CONTACT_EMAIL", DEFAULT_FROM_EMAIL)

# --- Security of the deployment (docs/configuration.md, "Production") ---
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Served over HTTPS (directly or behind a reverse proxy): cookies only over HTTPS, plain
# HTTP redirected, and browsers told to come back over HTTPS only (HSTS).
TERRITORIA_HTTPS = env_bool("TERRITORIA_HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = TERRITORIA_HTTPS
SECURE_SSL_REDIRECT = TERRITORIA_HTTPS
SECURE_HSTS_SECONDS = env_int("TERRITORIA_HSTS_SECONDS", 31_536_000 if TERRITORIA_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("TERRITORIA_HSTS_INCLUDE_SUBDOMAINS", TERRITORIA_HTTPS)
SECURE_HSTS_PRELOAD = env_bool("TERRITORIA_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Preloading commits the whole domain of the collectivité to HTTPS in browsers' built-in
    # lists: the collectivité's choice (TERRITORIA_HSTS_PRELOAD), not a defect to report.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Behind a reverse proxy that terminates TLS: trust its X-Forwarded-Proto header. Only
# when the proxy sets it on every request (otherwise a client could claim HTTPS itself).
if env_bool("TERRITORIA_BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = env_bool("TERRITORIA_USE_X_FORWARDED_HOST", False)

# Content Security Policy (django-csp): everything from the platform itself, no inline
# script; a configured tile server is the one other origin the maps may load images from.
# Inline styles stay allowed: progress bars set their width in a style attribute and
# htmx injects its indicator style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", *origins_of(env("TERRITORIA_MAP_TILE_URL"))],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        # The login form may redirect to the identity provider (OIDC logout and login).
        "form-action": [SELF, *origins_of(*OIDC_ENDPOINTS)],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("TERRITORIA_LOG_LEVEL", "WARNING")},
}
