"""New hires: creating the employee record starts employee onboarding."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from demo.models import Employee
from orchestrations.models import Run

from .driver import Driver, run_for

KEY = "employee_onboarding"


@dataclass(frozen=True)
class Hire:
    username: str
    department: str
    manager: str
    starts_in_days: int
    needs_laptop: bool = True
    waiting_at: tuple[str, ...] = ()  # steps left open; empty: the run completes
    claimed_by: str | None = None
    overdue_by: timedelta | None = None


HIRES = [
    Hire("grace", "Engineering", "mark", starts_in_days=-9),
    Hire("newt", "Engineering", "mark", starts_in_days=4, waiting_at=("laptop",),
         claimed_by="isaac"),
    Hire("priya", "Sales", "sam", starts_in_days=1, needs_laptop=False,
         waiting_at=("first_week_plan", "new_hire_checklist")),
    Hire("omar", "Finance", "mark", starts_in_days=12, waiting_at=("hr_paperwork",),
         overdue_by=timedelta(hours=5)),
]  # fmt: skip


def load_employees(driver: Driver) -> None:
    for hire in HIRES:
        user = driver.users[hire.username]
        # Creating the record is what starts the run (the trigger fires on commit).
        employee = Employee.objects.create(
            name=user.get_full_name(),
            email=f"{user.first_name}.{user.last_name}@personal.example".lower(),
            department=hire.department,
            start_date=date.today() + timedelta(days=hire.starts_in_days),
            manager=driver.users[hire.manager],
            user=user,
            needs_laptop=hire.needs_laptop,
        )
        onboard(driver, employee, hire)


def onboard(driver: Driver, employee: Employee, hire: Hire) -> None:
    run = run_for(employee, KEY)
    for step_key, submit in _steps(driver, run, employee, hire):
        if step_key in hire.waiting_at:
            if hire.claimed_by:
                driver.claim(run, step_key, hire.claimed_by)
            if hire.overdue_by:
                driver.make_overdue(run, step_key, hire.overdue_by)
            if step_key == hire.waiting_at[-1]:
                return
            continue
        submit()


def _steps(
    driver: Driver, run: Run, employee: Employee, hire: Hire
) -> list[tuple[str, Callable[[], None]]]:
    """The interactive steps in the order the demo completes them."""
    user = driver.users[hire.username]
    work_email = user.email
    steps = [
        ("personal_details", lambda: driver.complete(
            run, "personal_details", hire.username,
            preferred_name=user.first_name,
            emergency_contact="Sam Okafor (partner)" if hire.username == "newt"
            else "Jordan Lee (sibling)",
            emergency_phone="+1 415 555 0142",
            tshirt_size="M",
        )),
        ("hr_paperwork", lambda: driver.complete(
            run, "hr_paperwork", "hana",
            contract_signed="yes", work_email=work_email, payroll_set_up="yes",
            benefits_enrolled=["Health", "Dental", "Pension"],
        )),
        ("it_accounts", lambda: driver.complete(
            run, "it_accounts", "ian",
            mailbox_created="yes",
            systems=["Google Workspace", "Slack", "Jira"]
            + (["GitHub", "VPN"] if employee.department == "Engineering" else ["Salesforce"]),
        )),
    ]  # fmt: skip
    if employee.needs_laptop:
        steps.append(
            ("laptop", lambda: driver.complete(
                run, "laptop", "isaac",
                model='MacBook Pro 14"', asset_tag=f"MC-{4100 + employee.pk}",
                delivery="Collected at the office",
            ))
        )  # fmt: skip
    steps += [
        ("first_week_plan", lambda: driver.complete(
            run, "first_week_plan", hire.manager,
            buddy="Iris Nakamura",
            first_week_goals="Set up the development environment, ship a small fix, "
            "meet the product and support leads.",
            thirty_day_goals="Own one feature end to end.",
            welcome_lunch=employee.start_date,
        )),
        ("new_hire_checklist", lambda: driver.complete(
            run, "new_hire_checklist", hire.username,
            handbook_read="yes", security_training="yes", met_buddy="yes",
            feedback="Smooth start: my laptop and accounts were ready on day one.",
        )),
    ]  # fmt: skip
    return steps
