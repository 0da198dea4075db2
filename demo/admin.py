"""The demo records in the admin, so support staff and designers can edit them,
e.g. win an account (stage: Closed won) to start customer onboarding."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from orchestrations.models import Run, StageRun
from orchestrations.status import OPEN_RUN_STATUSES, StageRunStatus

from .models import Account, Employee, LoanApplication, Patient


class RecordAdmin(admin.ModelAdmin):
    """Shows where each record's open run is, e.g. "Customer onboarding: Setup"."""

    @admin.display(description="Open run")
    def open_run(self, obj: models.Model) -> str:
        run = (
            Run.objects.for_record(obj)
            .filter(status__in=OPEN_RUN_STATUSES)
            .select_related("orchestration")
            .first()
        )
        if run is None:
            return "—"
        stage = (
            StageRun.objects.filter(run=run, status__in=[StageRunStatus.IN_PROGRESS,
                                                       StageRunStatus.SUSPENDED,
                                                       StageRunStatus.ERROR])
            .select_related("stage")
            .order_by("-started_at", "-pk")
            .first()
        )  # fmt: skip
        where = f": {stage}" if stage else ""
        status = "" if run.status == "in_progress" else f" ({run.get_status_display().lower()})"
        return f"{run.orchestration.name}{where}{status}"


@admin.register(Account)
class AccountAdmin(RecordAdmin):
    list_display = ["name", "stage", "amount", "tier", "owner", "csm", "go_live_ready", "open_run"]
    list_filter = ["stage", "tier", "go_live_ready"]
    search_fields = ["name"]


@admin.register(Employee)
class EmployeeAdmin(RecordAdmin):
    list_display = ["name", "department", "start_date", "manager", "user", "needs_laptop",
                    "open_run"]  # fmt: skip
    list_filter = ["department", "needs_laptop"]
    search_fields = ["name", "email", "department"]


@admin.register(LoanApplication)
class LoanApplicationAdmin(RecordAdmin):
    list_display = ["applicant_name", "amount", "purpose", "officer", "status", "open_run"]
    list_filter = ["status", "purpose"]
    search_fields = ["applicant_name", "purpose"]


@admin.register(Patient)
class PatientAdmin(RecordAdmin):
    list_display = ["name", "date_of_birth", "reason", "provider", "triage_level", "open_run"]
    list_filter = ["triage_level"]
    search_fields = ["name", "reason"]
