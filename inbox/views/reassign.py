"""Reassigning a work item from its page: the panel's form, its type-ahead and the
refusals. Who may reassign is the engine's rule book (`engine.abilities`), to whom its
`engine.handover`; the type-ahead searches only whom the latter allows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from orchestrations import engine
from orchestrations.models import WorkItem
from orchestrations.picker import SEARCH

from .. import access, run_context
from ..forms import ReassignForm
from ..htmx import HtmxRequest, work_changed
from .work_item import get_item, htmx_aware_redirect, reassign_context, render_page


@login_required
@require_POST
def reassign(request: HtmxRequest, pk: int) -> HttpResponse:
    """Reassign, or (the Search button) only show who matches what was typed."""
    item = get_item(request, pk)
    refusal = engine.work_item_abilities(request.user, item).why_not.get("reassign")
    if refusal is not None and refusal.why == engine.Why.CLOSED:
        return closed_meanwhile(request, item, refusal.message)
    if refusal is not None:
        raise PermissionDenied(refusal.message)
    if SEARCH in request.POST:
        form = ReassignForm.searching(request.POST, item=item, user=request.user)
        return render_reassign(request, item, form)
    form = ReassignForm(request.POST, item=item, user=request.user)
    if form.is_valid():
        try:
            engine.work_item_reassign(item, by=request.user, **form.engine_arguments())
        except engine.WorkItemClosedError as closed:
            return closed_meanwhile(request, item, str(closed))
        except engine.HandoffError as refused:
            # Changed meanwhile: the refusal above the form, nothing typed lost.
            form.add_error(None, str(refused))
            return render_reassign(request, item, form, status=409)
        messages.success(request, f"Reassigned to {run_context.person(form.target)}.")
        still_visible = access.work_items_for(request.user).filter(pk=pk).exists()
        url = reverse("inbox:work-item", args=[pk]) if still_visible else reverse("inbox:my-work")
        return work_changed(htmx_aware_redirect(request, url))
    return render_reassign(request, item, form)


@login_required
@require_GET
def reassign_search(request: HtmxRequest, pk: int) -> HttpResponse:
    """The type-ahead's matches (htmx). 404 for anybody who may not reassign the item,
    so that an outside participant never lists anybody."""
    item = get_item(request, pk)
    refuse_unless_reassigner(request, item, Http404)
    form = ReassignForm.searching(request.GET, item=item, user=request.user)
    return render(request, "inbox/partials/_picker_results.html", {"picker": form.picker()})


def closed_meanwhile(request: HtmxRequest, item: WorkItem, message: str) -> HttpResponse:
    """The item closed while its page was open: the page, reloaded, shows how and why."""
    messages.error(request, message)
    return htmx_aware_redirect(request, reverse("inbox:work-item", args=[item.pk]))


def refuse_unless_reassigner(request: HtmxRequest, item: WorkItem, error: type[Exception]) -> None:
    refusal = engine.work_item_abilities(request.user, item).why_not.get("reassign")
    if refusal is not None:
        raise error(refusal.message)


def render_reassign(
    request: HtmxRequest, item: WorkItem, form: ReassignForm, *, status: int = 200
) -> HttpResponse:
    """The reassign panel again (htmx), or the page with it open: errors and what was
    typed in place."""
    if not request.htmx:
        return render_page(request, item, reassign_form=form, status=status)
    context = {"item": item, **reassign_context(item, form, user=request.user, open_panel=True)}
    return render(request, "inbox/partials/_wi_reassign.html", context, status=status)
