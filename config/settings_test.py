"""Settings for the test suite: `config.settings` plus a few test-only shortcuts.

A module rather than environment variables set in `tests/conftest.py`, because pytest-django
imports the settings before it loads any conftest. Each value can still be overridden from
the environment (the CI pass sets DATABASE_URL and CELERY_BROKER_URL).
"""

import os
from pathlib import Path

# Its own data dir, so a test run never shares the SQLite file or the filesystem broker's
# queue folders with a `make run` in the same checkout.
os.environ.setdefault(
    "HANDOFF_DATA_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test")
)
# Playwright's sync API runs an event loop in the test thread; without this every ORM call
# from a browser test raises SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
# live_server and the test client speak plain HTTP: no redirect to HTTPS, no Secure cookies.
os.environ.setdefault("HANDOFF_HTTPS", "false")
# The manifest storage needs `collectstatic`; tests (and live_server) serve the source files.
os.environ.setdefault(
    "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
)
# Tests that run threads or processes open connections of their own, and the test database
# must be droppable at the end: no connection outlives its request.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")

from .settings import *  # noqa: F403
from .settings import DATA_DIR, DATABASES

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One test database per pytest process: two runs in one checkout (two terminals, or an
    # editor's test runner) would otherwise delete each other's file mid-run.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}

# PBKDF2 costs ~0.3 s per password and tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
