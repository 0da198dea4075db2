"""Out of office: delegate my incoming work to a colleague for a date range.

Only members have one: to an outside participant (in no team) these pages answer 404,
so they never list anybody (see `orchestrations.engine.handover`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orchestrations.engine import NotAllowed
from orchestrations.engine import delegation as away
from orchestrations.membership import is_member
from orchestrations.models import Delegation
from orchestrations.naming import person_name
from orchestrations.picker import SEARCH

from ..delegation_forms import DelegationForm

PAST_SHOWN = 5


@login_required
@require_http_methods(["GET", "POST"])
def delegation_list(request: HttpRequest) -> HttpResponse:
    """The page; a POST saves a new out-of-office, or (the Search button) only shows
    who matches what was typed."""
    refuse_outside_participants(request)
    today = timezone.localdate()
    if SEARCH in request.POST:
        form = DelegationForm.searching(request.POST, user=request.user, today=today)
    else:
        form = DelegationForm(request.POST or None, user=request.user, today=today)
    if form.is_bound and form.is_valid():
        try:
            delegation = away.delegation_create(user=request.user, **form.engine_arguments())
        except NotAllowed as refusal:  # teams changed since the form checked
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _created(delegation, today))
            if form.warning:
                messages.warning(request, form.warning)
            return redirect("inbox:delegations")
    context = {"form": form, "picker": form.picker(), **overview(request.user, today)}
    return render(request, "inbox/delegations.html", context)


@login_required
@require_GET
def delegate_search(request: HttpRequest) -> HttpResponse:
    """The delegate type-ahead's matches (htmx)."""
    refuse_outside_participants(request)
    form = DelegationForm.searching(request.GET, user=request.user, today=timezone.localdate())
    return render(request, "inbox/partials/_picker_results.html", {"picker": form.picker()})


def refuse_outside_participants(request: HttpRequest) -> None:
    if not is_member(request.user):
        raise Http404("No such page.")


@login_required
@require_POST
def delegation_end(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    mine = Delegation.objects.filter(user=user).select_related("delegate")
    delegation = get_object_or_404(mine, pk=pk)
    began = delegation.starts_on <= timezone.localdate()
    outcome = away.delegation_end(delegation)
    name = person_name(delegation.delegate)
    if outcome and began:
        messages.success(
            request,
            f"Welcome back: new work comes to you again. {name} keeps the items already "
            "handed over and can reassign them to you.",
        )
    elif outcome:
        when = away.range_phrase(delegation.starts_on, delegation.ends_on)
        messages.success(request, f"Canceled: {name} no longer covers for you {when}.")
    else:
        messages.info(request, "That out-of-office was already over.")
    return redirect("inbox:delegations")


def overview(user: Any, today: dt.date) -> dict[str, Any]:
    """My current and upcoming out-of-office, the last few past ones, and whom I cover for."""
    mine = Delegation.objects.filter(user=user).select_related("delegate")
    past = mine.filter(Q(ends_on__lt=today) | Q(canceled_at__isnull=False))
    covering = Delegation.objects.current_or_future(today).filter(delegate=user)
    return {
        "today": today,
        "current": with_period(mine.current_or_future(today), today),
        "past": with_period(past.order_by("-ends_on", "-pk")[:PAST_SHOWN], today),
        "covering": with_period(covering.select_related("user"), today),
    }


def with_period(delegations: Any, today: dt.date) -> list[Delegation]:
    """The delegations, each with `period`: "Mon, Dec 1 to Fri, Dec 5" (years when not this one)."""

    def day(value: dt.date) -> str:
        return date_format(value, "D, M j" if value.year == today.year else "D, M j, Y")

    found = list(delegations)
    for delegation in found:
        start, end = delegation.starts_on, delegation.ends_on
        delegation.period = day(start) if start == end else f"{day(start)} to {day(end)}"
    return found


def _created(delegation: Delegation, today: dt.date) -> str:
    name = person_name(delegation.delegate)
    when = away.range_phrase(delegation.starts_on, delegation.ends_on)
    told = f" We've emailed {name}." if delegation.delegate.email else ""
    if delegation.starts_on <= today:
        return f"You're out of office {when}: new work assigned to you goes to {name}.{told}"
    return f"Saved: {name} covers for you {when}.{told}"
