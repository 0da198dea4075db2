"""The work-item page: the step's form in the run's context; submit, save a draft,
comment (reassigning is `reassign.py`'s). What the page offers is what the engine's rule
book (`engine.work_item_abilities`) allows."""

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
from orchestrations.fields import typed_values
from orchestrations.models import WorkItem
from orchestrations.status import RunStatus, WorkItemStatus

from .. import access, answers, people, run_context, services
from ..forms import CommentForm, ReassignForm, step_form
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
    try:
        done = engine.work_item_complete(item, by=request.user, data=request.POST)
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
        engine.work_item_save_draft(item, by=request.user, data=request.POST)
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
def comment(request: HtmxRequest, pk: int) -> HttpResponse:
    item = get_item(request, pk)
    refusal = engine.work_item_abilities(request.user, item).why_not.get("comment")
    if refusal is not None:
        raise PermissionDenied(refusal.message)
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
    abilities = engine.work_item_abilities(user, item)
    viewer = visibility.viewer_of(user, run)
    # Sent back round a loop: the answers of the last round, to change rather than retype.
    fresh_form = form is None and not form_values
    last_round = previous_round(item) if abilities.works_on and fresh_form else None
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
        "abilities": abilities,
        "seen_token": seen_token(user, item),
        "last_round": last_round,
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
        **reassign_context(item, reassign_form, user=user, abilities=abilities),
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


def reassign_context(
    item: WorkItem,
    form: ReassignForm | None,
    *,
    user: Any,
    abilities: engine.Abilities | None = None,
    open_panel: bool = False,
) -> dict[str, Any]:
    """The reassign panel's form and matches, for those who may reassign the item."""
    abilities = abilities or engine.work_item_abilities(user, item)
    if not abilities.can_reassign:
        return {}
    form = form or ReassignForm(item=item, user=user)
    return {
        "reassign_form": form,
        "reassign_picker": form.picker(),
        "reassign_open": open_panel or form.is_bound or bool(form["find"].value()),
    }


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
