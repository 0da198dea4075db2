"""Sample records the demo orchestrations are about. Any Django model can be a
run's record; these exist to show record-triggered runs."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
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
    class Purpose(models.TextChoices):
        HOME_PURCHASE = "Home purchase", "Home purchase"
        REFINANCE = "Refinance", "Refinance"
        HOME_IMPROVEMENT = "Home improvement", "Home improvement"
        VEHICLE = "Vehicle", "Vehicle"
        SMALL_BUSINESS = "Small business", "Small business"

    # The applicant follows their application. A loan officer finds one on the Start
    # page by the applicant's name, username or email, or enters a new one there.
    handoff_owner_field = "applicant"
    handoff_search_fields = (
        "applicant_name", "purpose", "applicant__username", "applicant__email"
    )  # fmt: skip
    handoff_create_fields = ("applicant", "amount", "purpose")

    applicant_name = models.CharField(max_length=200, help_text="Filled in from the applicant.")
    # Required in forms (the applicant completes the application); null once their
    # account is deleted.
    applicant = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("1000"))]
    )
    purpose = models.CharField(max_length=200, blank=True, choices=Purpose.choices)
    officer = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, default="submitted")

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"Loan for {self.applicant_name} (${self.amount:,.0f})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.applicant_name and self.applicant is not None:
            self.applicant_name = self.applicant.get_full_name() or self.applicant.get_username()
        super().save(*args, **kwargs)


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
