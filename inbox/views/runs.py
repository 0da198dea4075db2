"""The run page: where a request is now, its stage path, every step, the answers, the
timeline, comments. An outside participant sees the stage path, who has the ball, the
answers and comments shared with them, and nothing of the staff's work (no steps
table, diagram or timeline): `orchestrations.visibility`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from orchestrations import visibility
from orchestrations.engine.definition import version_definition
from orchestrations.models import Run

from .. import access, answers, people, run_context, services
from ..forms import CommentForm
from ..htmx import HtmxRequest
from .work_item import comments_context, render_comments

COMMENT_ADDED = "comment-added"


def get_run(request: HtmxRequest, pk: int) -> Run:
    runs = Run.objects.select_related("orchestration", "version", "started_by")
    return access.run_for(request.user, pk, runs)


@login_required
@require_GET
def detail(request: HtmxRequest, pk: int) -> HttpResponse:
    run = get_run(request, pk)
    return render_page(request, run)


@login_required
@require_POST
def comment(request: HtmxRequest, pk: int) -> HttpResponse:
    run = get_run(request, pk)
    form = CommentForm(request.POST, author=request.user)
    added = form.is_valid()
    if added:
        services.comment_add(
            run,
            author=request.user,
            body=form.cleaned_data["body"],
            shared=form.cleaned_data.get("shared", False),
        )
        if not request.htmx:
            return redirect(reverse("inbox:run-detail", args=[pk]) + "#comments")
        form = CommentForm(author=request.user)
    if request.htmx:
        response = render_comments(request, run, form, reverse("inbox:run-comment", args=[pk]))
        # The timeline lists comments too: it reloads itself on this event.
        return trigger_client_event(response, COMMENT_ADDED) if added else response
    return render_page(request, run, comment_form=form)


def render_page(
    request: HtmxRequest, run: Run, *, comment_form: Form | None = None
) -> HttpResponse:
    user = request.user
    definition = version_definition(run.version)
    viewer = visibility.viewer_of(user, run)
    visible = set(access.work_items_for(user).filter(run=run).values_list("pk", flat=True))
    parts = run_context.run_parts(run, definition, visible, viewer)
    show_all = request.GET.get("all") == "1"
    context: dict[str, Any] = {
        "nav": "my-requests",
        "run": run,
        "viewer": viewer,
        "started_by": people.starter(viewer, run),
        "record_url": run_context.record_url(run, user),
        "stage_path": run_context.stage_path(run, definition, parts.stage_runs),
        "visits": parts.visits,
        "open_steps": parts.open_steps,
        "outputs": answers.answer_blocks(parts, definition, viewer),
        "show_all": show_all,
        **comments_context(
            request, run, comment_form, reverse("inbox:run-comment", args=[run.pk]), viewer
        ),
    }
    if not viewer.is_outside:  # the staff's own record of the work
        context["timeline"] = run_context.timeline(run, definition, parts, show_all=show_all)
    return render(request, "inbox/run_detail.html", context)
