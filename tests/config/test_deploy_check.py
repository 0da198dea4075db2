"""`manage.py check --deploy` under the README's production environment ("Running the
production stack"), in a process of its own: the real settings module, nothing from the
test settings. SQLite stands in for PostgreSQL; nothing connects to Redis or SMTP."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = "https://handoff.example.com"


def production_environment(data_dir: Path, **changes: str) -> dict[str, str]:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(data_dir)),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "HANDOFF_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'handoff.sqlite3'}",
        "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "handoff.example.com",
        "CSRF_TRUSTED_ORIGINS": SITE,
        "HANDOFF_SITE_URL": SITE,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.internal",
    }
    return environment | changes


def check_deploy(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_the_production_environment(tmp_path):
    result = check_deploy(production_environment(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("changes", "warning"),
    [
        ({"SECRET_KEY": "short"}, "security.W009"),
        ({"HANDOFF_HTTPS": "false"}, "security.W004"),  # no HSTS, cookies over HTTP
        ({"HANDOFF_SSL_REDIRECT": "false"}, "security.W008"),
    ],
)
def test_check_deploy_notices_what_production_must_not_miss(tmp_path, changes, warning):
    """The check is a real one: each of these fails it."""
    result = check_deploy(production_environment(tmp_path, **changes))

    assert result.returncode != 0
    assert warning in result.stdout + result.stderr
