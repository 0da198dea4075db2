"""Steps the browser journeys share."""

from __future__ import annotations

import re

from playwright.sync_api import Page


def nav(page: Page, label: str) -> None:
    """Follow an entry of the main navigation (its name may carry a count)."""
    main = page.get_by_role("navigation", name="Main")
    # Wait for the new page: a check run right after the click could read the old one, or
    # none at all while the browser swaps them.
    with page.expect_navigation(wait_until="domcontentloaded"):
        main.get_by_role("link", name=re.compile(f"^{label}")).click()
