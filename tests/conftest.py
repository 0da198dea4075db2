"""Fixtures for every test: Playwright driving Debian's chromium, and screenshots.

Test-only settings live in `config/settings_test.py` (pytest-django loads them before any
conftest runs).
"""

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

SCREENSHOTS_DIR = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_report_header(config: pytest.Config) -> str:
    """Say which stack this run is on: CI runs the suite on SQLite and on PostgreSQL + Redis."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
    return (
        f"handoff: database {engine} ({database.get('HOST') or database['NAME']}), broker {broker}"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that drives a browser, so `-m "not browser"` gives a quick run."""
    for item in items:
        if {"page", "browser"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _fresh_engine_caches() -> Iterator[None]:
    """Tests reuse primary keys: no cached definition or watched model may leak between them."""
    from orchestrations import outbox
    from orchestrations.engine.definition import clear_definition_cache
    from orchestrations.engine.watch import forget_watched_models

    clear_definition_cache()
    forget_watched_models()
    outbox.forget_broker_down()
    yield
    clear_definition_cache()
    forget_watched_models()
    outbox.forget_broker_down()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's chromium instead of a browser downloaded by `playwright install`."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not on PATH; `make test` installs it (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def screenshot(page: Page, browser_screenshots: Callable[..., Path]) -> Callable[[str], Path]:
    """Save numbered screenshots of the page to tests/screenshots/<test name>/NN-<label>.png.

    Call it at each step a reviewer should see: `screenshot("admin index")`.
    """
    return lambda label: browser_screenshots(page, label)


@pytest.fixture
def browser_screenshots(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """Like `screenshot`, for tests with several pages (one per user): `shoot(page, label)`."""
    # Every browser test is parametrized with the browser; only chromium runs, so drop it.
    test_name = re.sub(r"(?<=[\[-])chromium(?=[\]-])", "", request.node.name)
    folder = SCREENSHOTS_DIR / _safe_name(test_name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    taken: list[Path] = []

    def take(page: Page, label: str) -> Path:
        path = folder / f"{len(taken) + 1:02d}-{_safe_name(label)}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
        return path

    return take


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-").lower()[:80] or "unnamed"
