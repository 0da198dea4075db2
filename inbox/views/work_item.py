"""The work-item page: the step's form in the run's context; submit, save a draft,
reassign, comment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from orchestrations import engine, visibility
from orchestrations.engine.definition import StepDef, version_definition
from orchestrations.models import WorkItem
from orchestrations.status import RunStatus, StepRunStatus, WorkItemStatus

from .. import access, answers, people, run_context, services
from ..forms import CommentForm, ReassignForm, step_form, typed_values
from ..htmx import HtmxRequest, work_changed

SEEN_SALT = "inbox.work-item.seen"
SEEN_MAX_AGE = 14 * 24 * 3600

ITEM_RELATED = (
    "run__orchestration",
    "run__version",
    "run__started_by",
    "step_run",
    "assignee_user",
    "assignee_group",
    "claimed_by",
    "completed_by",
    "on_behalf_of",
)


def get_item(request: HtmxRequest, pk: int) -> WorkItem:
    return access.work_item_for(request.user, pk, WorkItem.objects.select_related(*ITEM_RELATED))


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: HtmxRequest, pk: int) -> HttpResponse:
    if request.method == "GET":
        return render_page(request, get_item(request, pk))
    try:
        item = get_item(request, pk)
    except Http404:
        # Taken away while the page was open (reassigned, a delegation ended): the
        # person the page was shown to is told where it went, and keeps what they typed.
        if not saw_page(request, pk):
            raise
        item = get_object_or_404(WorkItem.objects.select_related(*ITEM_RELATED), pk=pk)
        viewer = visibility.viewer_of(request.user, item.run)
        now_with = people.holder(item, viewer, step_of(item))
        return refuse_stale(request, item, f"This item is now with {now_with}.")
    step = step_of(item)
    acting_for = access.acting_for(request.user, item)
    try:
        done = engine.work_item_complete(
            item, by=request.user, data=request.POST, on_behalf_of=acting_for
        )
    except ValidationError:
        form = step_form(step.fields, data=request.POST)
        form.is_valid()  # the same form the engine validated with: the same messages
        return render_page(request, item, form=form)
    except (engine.TransitionRefused, engine.NotAllowed) as refusal:
        fresh = WorkItem.objects.select_related(*ITEM_RELATED).get(pk=pk)
        return refuse_stale(request, fresh, str(refusal))
    messages.success(request, completed_message(done, step))
    return work_changed(redirect(next_item_url(request.user)))


@login_required
@require_POST
def save_draft(request: HtmxRequest, pk: int) -> HttpResponse:
    item = get_item(request, pk)
    try:
        services.work_item_save_draft(item, by=request.user, data=request.POST)
    except engine.NotAllowed as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    except engine.TransitionRefused as refusal:
        if request.htmx:
            return render_draft_status(request, item, error=str(refusal))
        messages.error(request, str(refusal))
        return redirect("inbox:work-item", pk=pk)
    if request.htmx:
        return render_draft_status(request, item, saved_at=timezone.now())
    messages.success(request, "Draft saved. Your values are kept until you submit.")
    return redirect("inbox:work-item", pk=pk)


@login_required
@require_POST
def reassign(request: HtmxRequest, pk: int) -> HttpResponse:
    item = get_item(request, pk)
    if not engine.can_reassign(request.user, item):
        raise PermissionDenied("You may not reassign this item.")
    form = ReassignForm(request.POST, item=item)
    if form.is_valid():
        try:
            engine.work_item_reassign(item, by=request.user, **form.engine_arguments())
        except (engine.TransitionRefused, engine.NotAllowed) as refusal:
            # The item closed meanwhile: the page, reloaded, shows how and why.
            messages.error(request, str(refusal))
            return htmx_aware_redirect(request, reverse("inbox:work-item", args=[pk]))
        messages.success(request, f"Reassigned to {run_context.person(form.target)}.")
        still_visible = access.work_items_for(request.user).filter(pk=pk).exists()
        url = reverse("inbox:work-item", args=[pk]) if still_visible else reverse("inbox:my-work")
        return work_changed(htmx_aware_redirect(request, url))
    if request.htmx:
        context = {"item": item, "reassign_form": form}
        return render(request, "inbox/partials/_wi_reassign.html", context)
    return render_page(request, item, reassign_form=form)


@login_required
@require_POST
def comment(request: HtmxRequest, pk: int) -> HttpResponse:
    item = get_item(request, pk)
    form = CommentForm(request.POST, author=request.user)
    if form.is_valid():
        services.comment_add(
            item.run,
            author=request.user,
            body=form.cleaned_data["body"],
            work_item=item,
            shared=form.cleaned_data.get("shared", False),
        )
        if not request.htmx:
            return redirect(reverse("inbox:work-item", args=[pk]) + "#comments")
        form = CommentForm(author=request.user)
    if request.htmx:
        return render_comments(
            request, item.run, form, reverse("inbox:work-item-comment", args=[pk])
        )
    return render_page(request, item, comment_form=form)


# Rendering ---------------------------------------------------------------------------


def render_page(
    request: HtmxRequest,
    item: WorkItem,
    *,
    form: Form | None = None,
    form_values: dict[str, Any] | None = None,
    reassign_form: ReassignForm | None = None,
    comment_form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The whole page. `form`: a submit that failed validation; `form_values`: what was
    typed on a page that went stale, shown again so nothing is lost."""
    user, run = request.user, item.run
    definition = version_definition(run.version)
    step = definition.step_by_id[item.step_run.step_id]
    viewer = visibility.viewer_of(user, run)
    acting_for = access.acting_for(user, item)
    can_act = engine.can_act_on(user, item) or acting_for is not None
    held_by_other = item.status == WorkItemStatus.CLAIMED and item.claimed_by_id != user.pk
    can_submit = (
        can_act
        and item.is_open
        and not held_by_other
        and run.status in (RunStatus.IN_PROGRESS, RunStatus.SUSPENDED)
        and item.step_run.status == StepRunStatus.IN_PROGRESS
    )
    # Sent back round a loop: the answers of the last round, to change rather than retype.
    last_round = previous_round(item) if can_act and form is None and not form_values else None
    if form is None and (item.is_open or form_values):
        # The last round's answers, as far as this person may see them.
        earlier = answers.visible_item_data(viewer, step, last_round) if last_round else None
        values = form_values or item.draft_data or earlier
        form = step_form(step.fields, values=values)
    context = {
        "nav": "my-work",
        "item": item,
        "run": run,
        "step": step,
        "form": form,
        "acting_for": acting_for,
        "can_submit": can_submit,
        "seen_token": seen_token(user, item),
        "last_round": last_round,
        "can_draft": can_act and item.is_open and not held_by_other,
        "can_claim": item.status == WorkItemStatus.OPEN
        and bool(item.assignee_group_id)
        and can_act,
        "can_release": item.status == WorkItemStatus.CLAIMED and item.claimed_by_id == user.pk,
        "can_reassign": item.is_open and engine.can_reassign(user, item),
        "notices": notices(item, run, can_act=can_act, held_by_other=held_by_other),
        "due": run_context.due_phrase(item),
        "viewer": viewer,
        "holder": people.holder(item, viewer, step),
        "completed_by": people.name_for(viewer, item.completed_by, step),
        "on_behalf_of": people.name_for(viewer, item.on_behalf_of, step),
        "started_by": people.starter(viewer, run),
        "submitted": answers.item_answers(viewer, step, item) if item.data else [],
        "closed_because": closed_because(item),
        "record_url": run_context.record_url(run, user),
        "stage_path": run_context.stage_path(run, definition, run_context.stage_runs_of(run)),
        "outputs": answers.earlier_outputs(
            run, definition, viewer, exclude_step_run_id=item.step_run_id, until=item.completed_at
        ),
        "reassign_form": reassign_form or ReassignForm(item=item),
        **comments_context(
            request,
            run,
            comment_form,
            reverse("inbox:work-item-comment", args=[item.pk]),
            viewer,
        ),
    }
    return render(request, "inbox/work_item.html", context, status=status)


def refuse_stale(request: HtmxRequest, item: WorkItem, message: str) -> HttpResponse:
    """The page as it is now, the refusal on top and the values typed still in place."""
    messages.error(request, message)
    values = typed_values(step_of(item).fields, request.POST)
    return render_page(request, item, form_values=values, status=409)


def seen_token(user: Any, item: WorkItem) -> str:
    """Proof, sent back with the form, that `user` was shown `item`'s page."""
    return signing.dumps([item.pk, user.pk], salt=SEEN_SALT)


def saw_page(request: HtmxRequest, pk: int) -> bool:
    try:
        seen = signing.loads(request.POST.get("_seen", ""), salt=SEEN_SALT, max_age=SEEN_MAX_AGE)
    except signing.BadSignature:
        return False
    return bool(seen == [pk, request.user.pk])


def htmx_aware_redirect(request: HtmxRequest, url: str) -> HttpResponse:
    """A redirect; for htmx, one the browser follows as a full page load."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def render_draft_status(request: HtmxRequest, item: WorkItem, **context: Any) -> HttpResponse:
    return render(request, "inbox/partials/_wi_draft_status.html", {"item": item, **context})


def render_comments(request: HtmxRequest, run: Any, form: Form, action: str) -> HttpResponse:
    """htmx's answer to a comment: the section swapped whole, the focus back in the box
    (empty for the next comment, or next to its error) rather than lost."""
    form.fields["body"].widget.attrs["autofocus"] = True
    context = {"run": run, **comments_context(request, run, form, action)}
    return render(request, "inbox/partials/_comments.html", context)


def comments_context(
    request: HtmxRequest,
    run: Any,
    form: Form | None,
    action: str,
    viewer: visibility.Viewer | None = None,
) -> dict[str, Any]:
    """The comments `request.user` (as `viewer`, when known) may read, and the form to
    add one."""
    viewer = viewer or visibility.viewer_of(request.user, run)
    return {
        "comments": run_context.comments_of(run, version_definition(run.version), viewer),
        "comment_form": form or CommentForm(author=request.user),
        "comment_action": action,
        "viewer": viewer,
    }


def notices(item: WorkItem, run: Any, *, can_act: bool, held_by_other: bool) -> list[str]:
    """Why the form cannot be submitted now, if it cannot."""
    if not item.is_open:
        return []
    if run.status == RunStatus.SUSPENDED:
        return ["The run is suspended: you can save a draft now and submit once it resumes."]
    if run.status != RunStatus.IN_PROGRESS:
        return [f"The run is {run.get_status_display().lower()}: this item can't be completed."]
    if item.step_run.status != StepRunStatus.IN_PROGRESS:
        return ["This step is no longer running: this item can't be completed."]
    if held_by_other:
        since = run_context.when(item.claimed_at)
        return [f"{run_context.person(item.claimed_by)} is working on this (claimed {since})."]
    if not can_act:
        return ["You can see this item, but it is not assigned to you or to one of your teams."]
    return []


def previous_round(item: WorkItem) -> WorkItem | None:
    """For an open item with no draft: the same step's item completed earlier in this
    run (a decision looped back to its stage), whose answers prefill the form."""
    if not item.is_open or item.draft_data:
        return None
    earlier = WorkItem.objects.filter(
        run_id=item.run_id,
        step_run__step_id=item.step_run.step_id,
        status=WorkItemStatus.COMPLETED,
    ).exclude(pk=item.pk)
    return earlier.select_related("completed_by").order_by("-completed_at", "-pk").first()


def closed_because(item: WorkItem) -> str:
    """Why a canceled item closed: the reason given when it was canceled, as a sentence."""
    if item.status != WorkItemStatus.CANCELED:
        return ""
    event = item.runevent_set.filter(kind="work_item.cancel").order_by("-pk").first()
    reason = event.message.strip() if event is not None else ""
    if reason in ("", "Canceled."):  # the engine's message when no reason was given
        return ""
    return reason if reason[-1] in ".!?" else f"{reason}."


def step_of(item: WorkItem) -> StepDef:
    return version_definition(item.run.version).step_by_id[item.step_run.step_id]


def completed_message(item: WorkItem, step: StepDef) -> str:
    run = item.run
    name = run.name
    if run.status == RunStatus.COMPLETED:
        return f"'{step.name}' completed — {name} is complete."
    return f"'{step.name}' completed — {name} moves on."


def next_item_url(user: Any) -> str:
    """The user's next open item in My-work order, or My work when none is left."""
    next_pk = (
        access.my_work(user)
        .order_by(F("due_at").asc(nulls_last=True), "assigned_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if next_pk is None:
        return reverse("inbox:my-work")
    return reverse("inbox:work-item", args=[next_pk])
