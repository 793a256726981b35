"""Lantern settings: one file, every value from the environment.

Every setting has a working default for a laptop, except the secrets a production deployment
must provide; `LANTERN_ENV=production` refuses to start without them.
See `.env.example` for the full list.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LANTERN_VAR_DIR") or BASE_DIR / "var")

env = environ.Env()


def secret(name: str, default: str | None = None) -> str | None:
    """Read a secret from NAME, or from the file named by NAME_FILE (Docker/K8s secrets)."""
    file_name = env.str(f"{name}_FILE", default="")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    value: str | None = env.str(name, default=default)  # type: ignore[arg-type]
    return value


LANTERN_ENV = env.str("LANTERN_ENV", default="development")
if LANTERN_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured("LANTERN_ENV must be development, production or test")
PRODUCTION = LANTERN_ENV == "production"

DEBUG = env.bool("DEBUG", default=False)
# Demo mode: demo data, the outbox page and `make code` are available. Never in production.
DEMO_MODE = env.bool("LANTERN_DEMO", default=False)

if PRODUCTION and (DEBUG or DEMO_MODE):
    raise ImproperlyConfigured("DEBUG and LANTERN_DEMO must be off when LANTERN_ENV=production")

_secret_key = secret("SECRET_KEY")
if not _secret_key:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set when LANTERN_ENV=production"
        )
    # Development: a random key kept under var/ so sessions survive a restart.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    _secret_key = key_file.read_text(encoding="utf-8").strip()
SECRET_KEY: str = _secret_key

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The force that runs this Lantern: shown in the header of every page.
LANTERN_FORCE_NAME = env.str("LANTERN_FORCE_NAME", default="Northshire Police")
LANTERN_BASE_URL = env.str("LANTERN_BASE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "lantern.core",
    "lantern.accounts",
    "lantern.ledger",
    "lantern.notifications",
    "lantern.casework",
    "lantern.uploads",
    "lantern.evidence",
    "lantern.statements",
    "lantern.reports",
    "lantern.intelligence",
    "lantern.collisions",
    "lantern.devices",
    "lantern.insights",
    "lantern.videocalls",
    "lantern.redaction",
    "lantern.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "lantern.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lantern.accounts.middleware.MembershipMiddleware",
    "lantern.devices.middleware.DeviceMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "lantern.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lantern.core.middleware.LinkRateMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "lantern.core.context_processors.lantern",
            ],
        },
    },
]

# Database: SQLite under var/ by default; DATABASE_URL=postgres://... for PostgreSQL.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'lantern.sqlite3'}")
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions: concurrent web and worker processes without
    # "database is locked" on lock upgrade (STACK-NOTES).
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            ),
        }
    )
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    if LANTERN_ENV == "test":
        # Tests use a file, as production does, not Django's default in-memory database: for
        # an in-memory database the live test server hands its one connection to every
        # request thread, so a page's JavaScript autosave and its form post interleave on it.
        # With a file each thread has its own connection and SQLite's locks, as in production.
        _db["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _db["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": env.cache_url("CACHE_URL", default="locmemcache://lantern"),
}

# Storage: local files under var/ by default, S3-compatible object storage when configured.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
_default_storage: dict[str, object]
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "access_key": secret("S3_ACCESS_KEY_ID"),
            "secret_key": secret("S3_SECRET_ACCESS_KEY"),
            "region_name": env.str("S3_REGION", default="") or None,
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="path"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            # Larger objects spool to a temporary file when read, not into memory.
            "max_memory_size": 8 * 1024 * 1024,
        },
    }
elif STORAGE_BACKEND == "local":
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
else:
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'local' or 's3'")
# Encryption at rest of evidence files (lantern/evidence/encryption.py): off unless
# EVIDENCE_MASTER_KEYS is set: "id:base64key,..." (32-byte keys; the first is the current one,
# the others are kept to read files until `manage.py evidence_keys_rotate` has run).
EVIDENCE_MASTER_KEYS = [
    key for key in (secret("EVIDENCE_MASTER_KEYS", default="") or "").split(",") if key.strip()
]
# Evidence files, signed statements (front and restricted rear pages), profile pictures.
EVIDENCE_ENCRYPTED_PREFIXES = ("evidence/", "statements/", "intelligence/")
if PRODUCTION and not EVIDENCE_MASTER_KEYS and not env.bool("EVIDENCE_ENCRYPTION_OFF", False):
    raise ImproperlyConfigured(
        "EVIDENCE_MASTER_KEYS (or EVIDENCE_MASTER_KEYS_FILE) must be set when "
        "LANTERN_ENV=production, so that evidence is encrypted at rest (docs/operations.md). "
        "To run without it, for example where every disk and bucket is encrypted by the "
        "platform, set EVIDENCE_ENCRYPTION_OFF=true."
    )
if EVIDENCE_MASTER_KEYS:
    _default_storage = {
        **_default_storage,
        "BACKEND": {
            "local": "lantern.evidence.encryption.EncryptedFileSystemStorage",
            "s3": "lantern.evidence.encrypted_s3.EncryptedS3Storage",
        }[STORAGE_BACKEND],
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or LANTERN_ENV == "test"
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Background tasks: Django's tasks API (backport) with the database worker.
TASKS = {
    "default": {
        # The test suite runs tasks at once (the worker itself is tested by test_serve).
        "BACKEND": env.str(
            "TASKS_BACKEND",
            default="django_tasks.backends.immediate.ImmediateBackend"
            if LANTERN_ENV == "test"
            else "django_tasks_db.DatabaseBackend",
        ),
    }
}
# A task whose worker stops renewing its lease for this long is run again (core/task_leases.py).
TASK_LEASE_SECONDS = env.int("TASK_LEASE_SECONDS", default=60)
TASK_MAX_ATTEMPTS = env.int("TASK_MAX_ATTEMPTS", default=3)

# Authentication.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if LANTERN_ENV == "test":
    # Argon2 is slow by design; the suite creates hundreds of users. A test checks that
    # every other environment hashes with Argon2.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "lantern.accounts.validators.BreachedPasswordValidator"},
]
# k-anonymity range API (Pwned Passwords protocol). Empty: only the offline common list.
PWNED_PASSWORDS_URL = env.str("PWNED_PASSWORDS_URL", default="")

# Lockout: 5 failures for one username from one address lock it for 15 minutes. The same
# message is shown whether or not the account exists.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "lantern.accounts.views.lockout_response"
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# The ledger's checkpoint-signing key (see lantern/ledger/keys.py).
LEDGER_SIGNING_KEY = secret("LEDGER_SIGNING_KEY", default="") or ""
if PRODUCTION and not LEDGER_SIGNING_KEY:
    # Without it each host would generate its own key under var/ and sign checkpoints with it.
    raise ImproperlyConfigured(
        "LEDGER_SIGNING_KEY (or LEDGER_SIGNING_KEY_FILE) must be set when LANTERN_ENV=production:"
        " every host signs ledger checkpoints with the same key"
    )
LEDGER_KEY_PATH = env.str("LEDGER_KEY_PATH", default=str(VAR_DIR / "ledger_ed25519.key"))
# Triggers that refuse edits and deletes of ledger rows (off only for the test suite, whose
# table flushes delete rows; tests install them where they test them).
LEDGER_DB_GUARDS = env.bool("LEDGER_DB_GUARDS", default=LANTERN_ENV != "test")
# Who gives new entries their place in the tree after each commit: "inline" (the request
# that committed, before it answers) or "background" (a thread in each process, one pass for
# many commits; lantern/ledger/sequencer.py). Background by default on PostgreSQL outside the
# test suite; SQLite has one writer at a time, so inline there.
LEDGER_SEQUENCER = env.str(
    "LEDGER_SEQUENCER",
    default=(
        "background"
        if _db["ENGINE"] != "django.db.backends.sqlite3" and LANTERN_ENV != "test"
        else "inline"
    ),
)
if LEDGER_SEQUENCER not in ("inline", "background"):
    raise ImproperlyConfigured("LEDGER_SEQUENCER must be inline or background")
# Seconds between checkpoints published by the scheduler (`manage.py scheduler`).
LEDGER_CHECKPOINT_SECONDS = env.int("LEDGER_CHECKPOINT_SECONDS", default=300)

OTP_TOTP_ISSUER = LANTERN_FORCE_NAME + " Lantern"

# Sessions: police roles sign out after a short idle time; everyone after 12 hours.
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LANTERN_IDLE_TIMEOUT_POLICE = env.int("IDLE_TIMEOUT_POLICE_MINUTES", default=15)
LANTERN_IDLE_TIMEOUT_PARTNER = env.int("IDLE_TIMEOUT_PARTNER_MINUTES", default=60)
LANTERN_REAUTH_MINUTES = env.int("REAUTH_MINUTES", default=5)

# Security headers.
_secure_cookies = env.bool("SECURE_COOKIES", default=not (DEBUG or DEMO_MODE))
SESSION_COOKIE_SECURE = _secure_cookies
CSRF_COOKIE_SECURE = _secure_cookies
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Email and SMS: stored in the outbox (and echoed to the console) unless configured.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND", default="lantern.notifications.backends.OutboxEmailBackend"
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = secret("EMAIL_HOST_PASSWORD", default="") or ""
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=PRODUCTION)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="lantern@northshire.police.example")
SMS_BACKEND = env.str("SMS_BACKEND", default="lantern.notifications.sms.OutboxSmsBackend")

if PRODUCTION and EMAIL_BACKEND.startswith("lantern.notifications"):
    raise ImproperlyConfigured("Configure a real EMAIL_BACKEND when LANTERN_ENV=production")
if PRODUCTION and SMS_BACKEND.endswith(("OutboxSmsBackend", "ConsoleSmsBackend")):
    raise ImproperlyConfigured("Configure a real SMS_BACKEND when LANTERN_ENV=production")

# Evidence requests and uploads.
LANTERN_REQUEST_LINK_DAYS = env.int("REQUEST_LINK_DAYS", default=10)
LANTERN_DEFAULT_CCTV_RETENTION_DAYS = env.int("DEFAULT_CCTV_RETENTION_DAYS", default=30)
LANTERN_EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024**3)
LANTERN_UPLOAD_MAX_BYTES = LANTERN_EVIDENCE_MAX_BYTES
# The video-call app layers its call principals over the evidence app's (which it calls).
LANTERN_UPLOAD_PRINCIPAL = "lantern.videocalls.principals.principal"
LANTERN_UPLOAD_CREATE_POLICY = "lantern.videocalls.principals.create_policy"
# Video calls (lantern/videocalls). STUN/TURN for the browsers: none by default (enough on
# loopback and one network); production names a TURN server (docs/deploy.md: coturn).
LANTERN_VIDEO_LINK_HOURS = env.int("VIDEO_LINK_HOURS", default=24)
LANTERN_VIDEO_POLL_SECONDS = env.float("VIDEO_POLL_SECONDS", default=10.0)
# Long polls that may wait at once for one side of one call (each holds a web thread).
LANTERN_VIDEO_POLLS_PER_SIDE = env.int("VIDEO_POLLS_PER_SIDE", default=3)
LANTERN_VIDEO_STUN_URLS = env.list("VIDEO_STUN_URLS", default=[])
LANTERN_VIDEO_TURN_URLS = env.list("VIDEO_TURN_URLS", default=[])
LANTERN_VIDEO_TURN_SECRET = secret("VIDEO_TURN_SECRET", default="") or ""
LANTERN_VIDEO_TURN_TTL_SECONDS = env.int("VIDEO_TURN_TTL_SECONDS", default=6 * 3600)
LANTERN_VIDEO_TURN_USERNAME = env.str("VIDEO_TURN_USERNAME", default="")
LANTERN_VIDEO_TURN_PASSWORD = secret("VIDEO_TURN_PASSWORD", default="") or ""
# With STORAGE_BACKEND=s3, tus uploads go up by multipart upload in parts of this size.
LANTERN_UPLOAD_S3_PART_BYTES = env.int("UPLOAD_S3_PART_BYTES", default=16 * 1024**2)
# Seconds between re-hashing every stored original and derived file (fixity).
LANTERN_FIXITY_SECONDS = env.int("FIXITY_SECONDS", default=86400)
# clamd for virus scanning: "host:port" or a Unix socket path. Empty: no scan.
CLAMD_ADDRESS = env.str("CLAMD_ADDRESS", default="")
# Plain-form (no JavaScript) uploads stream to temporary files above this size.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Remote witness statements (MG11).
LANTERN_STATEMENT_LINK_DAYS = env.int("STATEMENT_LINK_DAYS", default=14)
# Victims of these offences give statements face to face (lantern.statements.models.Offence).
LANTERN_SERIOUS_OFFENCES = env.list(
    "SERIOUS_OFFENCES",
    default=[
        "sexual",
        "domestic",
        "serious_violence",
        "hate",
        "modern_slavery",
        "stalking",
        "homicide",
    ],
)
# The force's document-signing certificate (PEM); unset: a development CA under var/.
STATEMENT_SIGNING_KEY_FILE = env.str("STATEMENT_SIGNING_KEY_FILE", default="")
STATEMENT_SIGNING_CERT_FILE = env.str("STATEMENT_SIGNING_CERT_FILE", default="")
STATEMENT_SIGNING_CHAIN_FILES = env.list("STATEMENT_SIGNING_CHAIN_FILES", default=[])
STATEMENT_TRUST_ROOT_FILES = env.list("STATEMENT_TRUST_ROOT_FILES", default=[])
STATEMENT_SIGNING_PASSPHRASE = secret("STATEMENT_SIGNING_PASSPHRASE", default="") or ""
STATEMENT_TSA_URL = env.str("STATEMENT_TSA_URL", default="")
if PRODUCTION and not (STATEMENT_SIGNING_KEY_FILE and STATEMENT_TSA_URL):
    raise ImproperlyConfigured(
        "Production needs STATEMENT_SIGNING_KEY_FILE (and _CERT_FILE, _CHAIN_FILES) and "
        "STATEMENT_TSA_URL to seal witness statements"
    )

# Intelligence sharing: defaults for forces without their own rules (lantern.intelligence).
LANTERN_INTEL_THRESHOLD_INCIDENTS = env.int("INTEL_THRESHOLD_INCIDENTS", default=2)
LANTERN_INTEL_THRESHOLD_MONTHS = env.int("INTEL_THRESHOLD_MONTHS", default=6)
LANTERN_INTEL_EXPIRY_MONTHS = env.int("INTEL_EXPIRY_MONTHS", default=12)

# Public online reporting (lantern.collisions; see .env.example).
PUBLIC_REPORT_FORCE = env.str("PUBLIC_REPORT_FORCE", default="")
PUBLIC_REPORT_INJURY_IN_PERSON = env.bool("PUBLIC_REPORT_INJURY_IN_PERSON", default=True)
PUBLIC_REPORT_LINK_DAYS = env.int("PUBLIC_REPORT_LINK_DAYS", default=30)
PUBLIC_REPORT_SUBMIT_RATE = env.str("PUBLIC_REPORT_SUBMIT_RATE", default="5/h")
PUBLIC_REPORT_ANSWER_RATE = env.str("PUBLIC_REPORT_ANSWER_RATE", default="300/h")
# API requests allowed per token (or per address where no token is needed): "count/unit".
API_RATE = env.str("API_RATE", default="600/m")
# Requests per client address to the pages opened without an account (link tokens, the
# reference check, the statement checker, invitations): lantern/core/middleware.py.
LINK_RATE = env.str("LINK_RATE", default="60/m")
for _name, _rate in (("API_RATE", API_RATE), ("LINK_RATE", LINK_RATE)):
    if not re.fullmatch(r"[0-9]+/[smhd]", _rate):
        raise ImproperlyConfigured(f'{_name} must look like "60/m" (a count per s, m, h or d)')
PUBLIC_REPORT_POW_BITS = env.int("PUBLIC_REPORT_POW_BITS", default=16)
PUBLIC_REPORT_NOJS_WAIT_SECONDS = env.int("PUBLIC_REPORT_NOJS_WAIT_SECONDS", default=30)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
