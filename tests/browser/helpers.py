"""Steps the browser journeys share."""

from __future__ import annotations

import re

from playwright.sync_api import Page


def nav(page: Page, label: str) -> None:
    """Follow an entry of the main navigation (its name may carry a count)."""
    main = page.get_by_role("navigation", name="Main")
    main.get_by_role("link", name=re.compile(f"^{label}")).click()
