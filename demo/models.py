"""Sample records the demo orchestrations are about. Any Django model can be a
run's record; these exist to show record-triggered runs."""

from django.conf import settings
from django.db import models

USER = settings.AUTH_USER_MODEL


class Account(models.Model):
    class Stage(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        NEGOTIATION = "negotiation", "Negotiation"
        CLOSED_WON = "closed_won", "Closed won"
        CLOSED_LOST = "closed_lost", "Closed lost"

    name = models.CharField(max_length=200)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.PROSPECT)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    tier = models.CharField(max_length=20, default="standard")
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    csm = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    go_live_ready = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Employee(models.Model):
    # The hiring manager follows the onboarding of their new hire.
    handoff_owner_field = "manager"

    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    department = models.CharField(max_length=100, blank=True)
    start_date = models.DateField(null=True, blank=True)
    manager = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    needs_laptop = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LoanApplication(models.Model):
    # The applicant follows their application.
    handoff_owner_field = "applicant"

    applicant_name = models.CharField(max_length=200)
    applicant = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    purpose = models.CharField(max_length=200, blank=True)
    officer = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, default="submitted")

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"Loan for {self.applicant_name} (${self.amount:,.0f})"


class Patient(models.Model):
    # The referring provider follows the intake.
    handoff_owner_field = "provider"

    name = models.CharField(max_length=200)
    date_of_birth = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    provider = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    triage_level = models.PositiveSmallIntegerField(default=3)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
