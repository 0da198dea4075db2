"""A morning at the clinic: registering a patient starts patient intake."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from demo.models import Patient
from orchestrations.models import Run

from .driver import Driver, run_for

KEY = "patient_intake"


@dataclass(frozen=True)
class Visit:
    name: str
    born: date
    reason: str
    provider: str
    triage_level: int = 4
    waiting_at: str | None = None  # the step left open; None: the visit is over
    claimed_by: str | None = None
    overdue_by: timedelta | None = None


VISITS = [
    Visit("Lucy Brennan", date(1988, 3, 14), "Annual physical", "pete", triage_level=5),
    Visit("Maria Gonzalez", date(1979, 7, 2), "Persistent cough for three weeks", "pete",
          waiting_at="registration", claimed_by="fred"),
    Visit("James O'Connor", date(1965, 11, 23), "Follow-up on blood pressure", "paula",
          waiting_at="vitals", overdue_by=timedelta(minutes=20)),
    Visit("Aisha Khan", date(1992, 1, 8), "Sprained ankle", "pete", triage_level=4,
          waiting_at="consultation"),
    Visit("Tom Hayes", date(1958, 5, 30), "Chest pain since this morning", "paula",
          triage_level=2, waiting_at="urgent_consultation"),
]  # fmt: skip


def load_patients(driver: Driver) -> None:
    for visit in VISITS:
        # Registering the patient is what starts the run (the trigger fires on commit).
        patient = Patient.objects.create(
            name=visit.name,
            date_of_birth=visit.born,
            reason=visit.reason,
            provider=driver.users[visit.provider],
        )
        run = run_for(patient, KEY)
        for step_key, submit in _steps(driver, run, visit):
            if step_key == visit.waiting_at:
                if visit.claimed_by:
                    driver.claim(run, step_key, visit.claimed_by)
                if visit.overdue_by:
                    driver.make_overdue(run, step_key, visit.overdue_by)
                break
            submit()


def _steps(driver: Driver, run: Run, visit: Visit) -> list[tuple[str, Callable[[], None]]]:
    urgent = visit.triage_level <= 2
    consultation = "urgent_consultation" if urgent else "consultation"
    seen_by = "pete" if urgent else visit.provider
    return [
        ("registration", lambda: driver.complete(
            run, "registration", "fred",
            identity_checked="yes", phone="+1 617 555 0199", consent_signed="yes",
        )),
        ("insurance", lambda: driver.complete(
            run, "insurance", "flora",
            insurer="Blue Cross Blue Shield", member_id="XBC-44120-77",
            coverage_verified="yes", copay="25.00",
        )),
        ("vitals", lambda: driver.complete(
            run, "vitals", "nina",
            temperature_c="37.1", heart_rate=104 if urgent else 72,
            blood_pressure="152/95" if urgent else "124/79", oxygen_saturation=97,
            triage_level=visit.triage_level, chief_complaint=visit.reason,
        )),
        (consultation, lambda: driver.complete(
            run, consultation, seen_by,
            assessment="Uncomplicated; no red flags on examination.",
            plan="Rest, ice and elevation; ibuprofen as needed.",
            follow_up="In 1 month",
        )),
        ("checkout", lambda: driver.complete(
            run, "checkout", "flora", copay_collected="yes", after_visit_summary="yes",
        )),
    ]  # fmt: skip
