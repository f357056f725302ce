"""Test settings: the real settings, a throw-away data folder, jobs run inline."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("TERRITORIA_DATA_DIR", tempfile.mkdtemp(prefix="territoria-tests-"))
os.environ.setdefault(
    "TERRITORIA_SECRET_KEY", "tests-only-secret-key-not-for-production-use-0123456789"
)

from territoria.settings import *

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)

# A module that exists only to prove the module contract (tests/fixture_module/apps.py).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.fixture_module"]
