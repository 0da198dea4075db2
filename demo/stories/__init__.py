"""Sample records and the runs they start, left at different points of each process."""

from __future__ import annotations

from .accounts import load_accounts
from .driver import DemoError, Driver, run_background_work
from .employees import load_employees
from .loans import load_loans
from .office import load_office_life
from .patients import load_patients


def load_stories(driver: Driver) -> None:
    load_accounts(driver)
    load_employees(driver)
    load_loans(driver)
    load_patients(driver)
    run_background_work()
    load_office_life(driver)


__all__ = ["DemoError", "Driver", "load_stories", "run_background_work"]
