"""Support staff steering runs and work items: every change goes through the engine.

Each action applies one engine function object by object (each in its own
transaction, so one refusal does not undo the others), then tells the user how many
succeeded and why the rest were refused, grouping identical reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import model_ngettext
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.text import capfirst

from ..engine import (
    HandoffError,
    TransitionRefused,
    run_cancel,
    run_resume,
    run_suspend,
    step_retry,
    work_item_reassign,
)
from ..models import Run, StepRun, WorkItem
from ..picker import SEARCH
from ..status import RunStatus, StageRunStatus, StepRunStatus
from .forms import CancelRunsForm, ReassignForm

CONFIRMED = "confirmed"
M = TypeVar("M", bound=Model)


def retry_failed_steps(run: Run, *, by: Any = None, reason: str = "") -> Run:
    """Restart the failed steps of a run in error; resume it when no step failed
    (a stage's condition, say). `step_retry` restarts every failed step of the stage."""
    if run.status != RunStatus.ERROR:
        raise TransitionRefused(
            f"{run} is {run.get_status_display().lower()}; only a run in error has failed "
            "steps to retry."
        )
    failed = (
        StepRun.objects.filter(
            run=run, status=StepRunStatus.ERROR, stage_run__status=StageRunStatus.ERROR
        )
        .order_by("pk")
        .first()
    )
    if failed is None:
        return run_resume(run, by=by, reason=reason)
    return step_retry(failed, by=by, reason=reason)


@dataclass(frozen=True)
class RunOperation:
    label: str
    done: str
    engine_function: Callable[..., Any]
    available_for: tuple[str, ...]
    recovers: bool = False  # restarts failed steps, which may fail again at once


RUN_OPERATIONS = {
    "suspend": RunOperation("Suspend", "Suspended", run_suspend, (RunStatus.IN_PROGRESS,)),
    "resume": RunOperation(
        "Resume", "Resumed", run_resume, (RunStatus.SUSPENDED, RunStatus.ERROR), recovers=True
    ),
    "retry": RunOperation(
        "Retry failed steps", "Retried", retry_failed_steps, (RunStatus.ERROR,), recovers=True
    ),
    "cancel": RunOperation(
        "Cancel",
        "Canceled",
        run_cancel,
        (RunStatus.IN_PROGRESS, RunStatus.SUSPENDED, RunStatus.ERROR),
    ),
}


def apply_each(
    objects: Iterable[M], change: Callable[[M], Any]
) -> tuple[list[M], list[tuple[M, str]]]:
    done: list[M] = []
    refused: list[tuple[M, str]] = []
    for obj in objects:
        try:
            change(obj)
        except HandoffError as error:
            refused.append((obj, str(error)))
        else:
            done.append(obj)
    return done, refused


def describe_refusals(refused: Sequence[tuple[Model, str]]) -> list[str]:
    """One sentence per distinct reason: "2 refused (A, B): The run is completed …"."""
    groups: dict[str, list[tuple[Model, str]]] = {}
    for obj, reason in refused:
        # The engine names the object in many of its reasons; without the name,
        # refusals for the same cause read the same and can be grouped.
        groups.setdefault(reason.replace(str(obj), "\0"), []).append((obj, reason))
    lines = []
    for generic, members in groups.items():
        if len(members) == 1:
            obj, reason = members[0]
            lines.append(
                f"1 refused: {reason}" if str(obj) in reason else f"1 refused ({obj}): {reason}"
            )
        else:
            names = ", ".join(str(obj) for obj, _ in members)
            noun = f"the {members[0][0]._meta.verbose_name}"
            lines.append(
                f"{len(members)} refused ({names}): {capfirst(generic.replace(chr(0), noun))}"
            )
    return lines


def report(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    done_label: str,
    done: Sequence[Model],
    refused: Sequence[tuple[Model, str]],
    *,
    failed_again: Sequence[Run] = (),
) -> None:
    """How many succeeded, why the rest were refused, and which of the runs a retry or
    resume brought back are in error again already (with the engine's message)."""
    if done:
        count = len(done)
        text = f"{done_label} {count} {model_ngettext(modeladmin.opts, count)}"
        if not failed_again:
            modeladmin.message_user(request, f"{text}.", messages.SUCCESS)
        elif count == 1:
            error = _sentence(failed_again[0].error_message)
            modeladmin.message_user(request, f"{text}; it failed again: {error}", messages.ERROR)
        else:
            modeladmin.message_user(
                request, f"{text}; {len(failed_again)} failed again:", messages.ERROR
            )
            for run in failed_again:
                error = _sentence(run.error_message)
                modeladmin.message_user(request, f"{run} failed again: {error}", messages.ERROR)
    for line in describe_refusals(refused):
        modeladmin.message_user(request, line, messages.WARNING)


def runs_failed_again(run_ids: Iterable[int]) -> list[Run]:
    """Those of the runs just resumed or retried that are in error again: a step failed
    at once (an assignee that names nobody, an action run in this process, …)."""
    runs = Run.objects.filter(pk__in=list(run_ids), status=RunStatus.ERROR)
    return list(runs.select_related("orchestration").order_by("pk"))


def _sentence(text: str) -> str:
    text = text.strip() or "no message was recorded"
    return text if text[-1] in ".!?" else f"{text}."


def steer_runs(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    runs: Iterable[Run],
    operation_name: str,
    *,
    reason: str = "",
) -> None:
    operation = RUN_OPERATIONS[operation_name]
    done, refused = apply_each(
        runs, lambda run: operation.engine_function(run, by=request.user, reason=reason)
    )
    failed_again = runs_failed_again(r.pk for r in done) if operation.recovers else []
    report(modeladmin, request, operation.done, done, refused, failed_again=failed_again)


def confirm_cancel(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    runs: Sequence[Run],
    form: CancelRunsForm,
    *,
    bulk: bool,
) -> TemplateResponse:
    title = "Cancel runs?" if len(runs) > 1 else "Cancel this run?"
    return _intermediate_page(
        modeladmin, request, "admin/orchestrations/run/cancel_confirmation.html",
        title=title, form=form, bulk=bulk, runs=runs,
    )  # fmt: skip


def render_reassign(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    items: Sequence[WorkItem],
    form: ReassignForm,
    *,
    bulk: bool,
) -> TemplateResponse:
    title = "Reassign work items" if len(items) > 1 else "Reassign this work item"
    return _intermediate_page(
        modeladmin, request, "admin/orchestrations/workitem/reassign.html",
        title=title, form=form, picker=form.picker(), bulk=bulk, items=items,
    )  # fmt: skip


def _intermediate_page(
    modeladmin: admin.ModelAdmin, request: HttpRequest, template: str, **context: Any
) -> TemplateResponse:
    """A page between choosing an action and doing it, in the admin's frame."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "confirmed": CONFIRMED,
        **context,
    }
    return TemplateResponse(request, template, context)


def reassign_items(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    items: Iterable[WorkItem],
    form: ReassignForm,
) -> None:
    targets, reason = form.engine_targets(), form.cleaned_data["reason"]
    done, refused = apply_each(
        items, lambda item: work_item_reassign(item, by=request.user, reason=reason, **targets)
    )
    report(modeladmin, request, "Reassigned", done, refused)


# Changelist actions. `permissions` hides them from users without the model
# permission; the engine still refuses what the run's state does not allow.


@admin.action(description="Cancel selected runs…", permissions=["change"])
def cancel_runs(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Run]
) -> TemplateResponse | None:
    form = CancelRunsForm(request.POST if CONFIRMED in request.POST else None)
    if form.is_valid():
        steer_runs(modeladmin, request, queryset, "cancel", reason=form.cleaned_data["reason"])
        return None
    return confirm_cancel(modeladmin, request, list(queryset), form, bulk=True)


@admin.action(description="Suspend selected runs", permissions=["change"])
def suspend_runs(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Run]
) -> None:
    steer_runs(modeladmin, request, queryset, "suspend")


@admin.action(description="Resume selected runs (suspended or in error)", permissions=["change"])
def resume_runs(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Run]
) -> None:
    steer_runs(modeladmin, request, queryset, "resume")


@admin.action(description="Retry failed steps of selected runs", permissions=["change"])
def retry_runs(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Run]) -> None:
    steer_runs(modeladmin, request, queryset, "retry")


@admin.action(description="Reassign selected work items…", permissions=["reassign"])
def reassign_work_items(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[WorkItem]
) -> TemplateResponse | None:
    form = reassign_form(request)
    if form.is_valid():
        reassign_items(modeladmin, request, queryset, form)
        return None
    return render_reassign(modeladmin, request, list(queryset), form, bulk=True)


def reassign_form(request: HttpRequest) -> ReassignForm:
    """Bound to a confirmed POST; after a search (the Search button), unbound with
    what was typed in it."""
    if SEARCH in request.POST:
        return ReassignForm.searching(request.POST, user=request.user)
    return ReassignForm(request.POST if CONFIRMED in request.POST else None, user=request.user)
