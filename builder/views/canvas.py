"""The canvas of one version: stages as columns, steps as cards; add, reorder, move
and delete them; and the validation panel.

An htmx change answers with the fragments that changed, each swapped out of band
by its stable id (`stage-<pk>`, `step-<pk>`, `add-step-<pk>`), plus the
`definition-changed` event the validation panel listens for. Without JavaScript
the same forms post normally and get a redirect back to the canvas. GET on a
delete or move URL gives the confirmation (or the choice of stage) in the side
panel: as a fragment for htmx, on the canvas page otherwise.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import trigger_client_event

from orchestrations.exceptions import VersionLockedError
from orchestrations.models import Stage, Step, Version

from .. import canvas
from ..access import (
    HtmxRequest,
    designer_required,
    get_version,
    locked_answer,
    refuse_unless_draft,
    version_context,
)
from ..forms_canvas import StageAddForm, StepAddForm
from ..problems import problems_report
from .editors import definition_changed

PARTIALS = "builder/partials/"
GET_POST = require_http_methods(["GET", "POST"])


def _canvas_page(request: HtmxRequest, version: Version, **extra: Any) -> HttpResponse:
    stages = canvas.canvas_stages(version)
    bound = extra.pop("add_step_form", None)
    for stage in stages:
        if bound is not None and bound.stage.pk == stage.pk:
            stage.canvas_add_form = bound  # type: ignore[attr-defined]
    context = version_context(
        version, "canvas", stages=stages, no_stages=not stages, editable=version.is_editable
    )
    return render(request, "builder/version_canvas.html", {**context, **extra})


def _canvas_url(version_pk: int, anchor: str = "") -> str:
    return reverse("builder:version", args=[version_pk]) + (f"#{anchor}" if anchor else "")


def _fragment(request: HtmxRequest, name: str, **context: Any) -> str:
    return render_to_string(PARTIALS + name, {"oob": True, **context}, request=request)


def _columns(request: HtmxRequest, version: Version, stage_pks: set[int], **context: Any) -> str:
    """The columns of these stages, re-rendered out of band."""
    return "".join(
        _fragment(request, "_stage_column.html", stage=stage, editable=True, **context)
        for stage in canvas.canvas_stages(version, only=stage_pks)
    )


def _changed(html: str, *, focus: str = "") -> HttpResponse:
    """An htmx answer to a change: the fragments, and the events the page listens for."""
    response = definition_changed(HttpResponse(html))
    if focus:
        trigger_client_event(response, "canvas-focus", {"selector": focus}, after="settle")
    return response


def _posted_ids(request: HtmxRequest, name: str) -> list[int] | None:
    """`name` as a list of pks: repeated values or one comma-separated value."""
    values = [v for raw in request.POST.getlist(name) for v in raw.split(",") if v.strip()]
    try:
        return [int(v) for v in values] or None
    except ValueError:
        return None


@designer_required
def version_canvas(request: HtmxRequest, pk: int) -> HttpResponse:
    return _canvas_page(request, get_version(pk))


@designer_required
def version_problems(request: HtmxRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    report = problems_report(version)
    if not request.htmx:
        return _canvas_page(request, version, report=report)
    return render(request, PARTIALS + "_problems.html", {"version": version, "report": report})


@designer_required
@GET_POST
def stage_add(request: HtmxRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    if request.method == "GET":
        return redirect(_canvas_url(pk, "add-stage"))
    if refused := refuse_unless_draft(request, version):
        return refused
    form = StageAddForm(request.POST, version=version)
    if not form.is_valid():
        if request.htmx:
            return HttpResponse(
                _fragment(request, "_canvas_add_stage.html", version=version, form=form)
            )
        return _canvas_page(request, version, add_stage_form=form)
    try:
        with canvas.draft_change(version):
            stage = form.save()
    except VersionLockedError:
        return locked_answer(request, version)
    if not request.htmx:
        return redirect(_canvas_url(pk, f"stage-{stage.pk}"))
    # The new column goes at the end; the one before it now leads to it.
    before = version.stages.filter(position__lt=stage.position).order_by("-position")
    new_column = _columns(request, version, {stage.pk}, oob=False)
    html = f'<div hx-swap-oob="beforeend:#stage-list">{new_column}</div>'
    html += _columns(request, version, set(before.values_list("pk", flat=True)[:1]))
    html += _fragment(request, "_canvas_add_stage.html", version=version)
    return _changed(html, focus="#add-stage-name")


@designer_required
@GET_POST
def stage_reorder(request: HtmxRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    if request.method == "GET":
        return redirect(_canvas_url(pk))
    if refused := refuse_unless_draft(request, version):
        return refused
    ids, focus = _posted_ids(request, "stages"), ""
    moving = request.POST.get("move", "")
    try:
        with canvas.draft_change(version):
            if moving:
                if request.POST.get("to") not in ("left", "right"):
                    raise ValueError
                stage = get_object_or_404(Stage, pk=moving, version=version)
                canvas.stage_move(stage, request.POST.get("to", ""))
                focus = _move_focus(f"#stage-{stage.pk}", request.POST["to"], "h2 a")
            elif ids is not None:
                canvas.stages_reorder(version, ids)
            else:
                raise ValueError
    except ValueError:
        return HttpResponseBadRequest("Send the stages of this version in their new order.")
    except VersionLockedError:
        return locked_answer(request, version)
    if not request.htmx:
        return redirect(_canvas_url(pk, f"stage-{moving}" if moving else ""))
    stages = canvas.canvas_stages(version)
    html = _fragment(
        request, "_canvas_stage_list.html", version=version, stages=stages, editable=True
    )
    return _changed(html, focus=focus)


@designer_required
@GET_POST
def stage_delete(request: HtmxRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage.objects.select_related("version__orchestration"), pk=pk)
    version = stage.version
    blockers = canvas.stage_references(stage)
    if request.method == "GET":
        return _side_panel(request, version, "_canvas_confirm_delete.html", stage=stage,
                           blockers=blockers, steps=stage.steps.count())  # fmt: skip
    if refused := refuse_unless_draft(request, version):
        return refused
    if blockers:
        error = f"“{stage.name}” can't be deleted: {'; '.join(blockers)}. Change that first."
        if not request.htmx:
            messages.error(request, error)
            return redirect(_canvas_url(version.pk, f"stage-{pk}"))
        return _changed(_columns(request, version, {pk}, error=error))
    before = version.stages.filter(position__lt=stage.position).order_by("-position").first()
    try:
        with canvas.draft_change(version):
            stage.delete()
    except VersionLockedError:
        return locked_answer(request, version)
    if not request.htmx:
        messages.success(request, f"Stage “{stage.name}” deleted.")
        return redirect(_canvas_url(version.pk))
    html = f'<section id="stage-{pk}" hx-swap-oob="delete"></section>'
    html += _columns(request, version, {before.pk}) if before else ""
    return _changed(html + _fragment(request, "_canvas_side_panel.html"))


@designer_required
@GET_POST
def step_add(request: HtmxRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage.objects.select_related("version__orchestration"), pk=pk)
    if request.method == "GET":
        return redirect(_canvas_url(stage.version_id, f"add-step-{pk}"))
    if refused := refuse_unless_draft(request, stage.version):
        return refused
    form = StepAddForm(request.POST, stage=stage)
    if not form.is_valid():
        if request.htmx:
            return HttpResponse(_fragment(request, "_canvas_add_step.html", stage=stage, form=form))
        return _canvas_page(request, stage.version, add_step_form=form)
    try:
        with canvas.draft_change(stage.version):
            step = form.save()
    except VersionLockedError:
        return locked_answer(request, stage.version)
    if not request.htmx:
        return redirect(_canvas_url(stage.version_id, f"step-{step.pk}"))
    return _changed(_columns(request, stage.version, {pk}), focus=f"#add-step-{pk}-name")


@designer_required
@GET_POST
def step_reorder(request: HtmxRequest, pk: int) -> HttpResponse:
    """POST `steps`: this stage's steps in order (steps from other stages move here);
    or `move` (a step) and `to`: "up", "down", or "here" (the end of this stage).
    GET `?step=`: the choice of stage to move that step to."""
    stage = get_object_or_404(Stage.objects.select_related("version__orchestration"), pk=pk)
    version = stage.version
    if request.method == "GET":
        step = get_object_or_404(Step, pk=request.GET.get("step") or 0, version=version)
        stages = version.stages.order_by("position", "pk")
        return _side_panel(request, version, "_canvas_move_step.html", step=step, stages=stages)
    if refused := refuse_unless_draft(request, version):
        return refused
    ids, to = _posted_ids(request, "steps"), request.POST.get("to", "")
    moving = Step.objects.filter(pk=request.POST.get("move") or 0, version=version).first()
    try:
        with canvas.draft_change(version):
            changed, focus = _reorder_steps(stage, ids, moving, to)
    except ValueError:
        return HttpResponseBadRequest("Send the steps of this stage in their new order.")
    except VersionLockedError:
        return locked_answer(request, version)
    if not request.htmx:
        return redirect(_canvas_url(version.pk, f"step-{moving.pk}" if moving else f"stage-{pk}"))
    html = _columns(request, version, changed)
    if to == "here":
        html += _fragment(request, "_canvas_side_panel.html")
    return _changed(html, focus=focus)


OPPOSITE = {"left": "right", "right": "left", "up": "down", "down": "up"}


def _move_focus(card: str, to: str, last: str) -> str:
    """Where focus goes after a move button: the same button, unless the move made it
    the first or last (the button is hidden then), so the other one, or the name.
    The page focuses the first of these selectors that is visible."""
    return f"{card} .move-{to}, {card} .move-{OPPOSITE[to]}, {card} {last}"


def _reorder_steps(
    stage: Stage, ids: list[int] | None, moving: Step | None, to: str
) -> tuple[set[int], str]:
    """Apply a step reorder; the stages whose columns changed and what to focus."""
    if moving is not None and to in ("up", "down") and moving.stage_id == stage.pk:
        canvas.step_move(moving, to)
        return {stage.pk}, _move_focus(f"#step-{moving.pk}", to, ".step-name")
    if moving is not None and to == "here":
        return {stage.pk, canvas.step_move_to_stage(moving, stage)}, f"#step-{moving.pk} .step-name"
    if moving is None and ids is not None:
        return {stage.pk} | canvas.steps_reorder(stage, ids), ""
    raise ValueError


@designer_required
@GET_POST
def step_delete(request: HtmxRequest, pk: int) -> HttpResponse:
    step = get_object_or_404(Step.objects.select_related("version__orchestration", "stage"), pk=pk)
    version = step.version
    waiting = canvas.step_waiting(step)
    if request.method == "GET":
        return _side_panel(request, version, "_canvas_confirm_delete.html", step=step,
                           waiting=waiting)  # fmt: skip
    if refused := refuse_unless_draft(request, version):
        return refused
    if waiting:
        names = ", ".join(f"“{s.name}”" for s in waiting)
        verb = "waits" if len(waiting) == 1 else "wait"
        error = (
            f"“{step.name}” can't be deleted: {names} {verb} for it. Change when they start first."
        )
        if not request.htmx:
            messages.error(request, error)
            return redirect(_canvas_url(version.pk, f"step-{pk}"))
        return _changed(_columns(request, version, {step.stage_id}, error=error))
    try:
        with canvas.draft_change(version):
            step.delete()
    except VersionLockedError:
        return locked_answer(request, version)
    if not request.htmx:
        messages.success(request, f"Step “{step.name}” deleted.")
        return redirect(_canvas_url(version.pk, f"stage-{step.stage_id}"))
    html = _columns(request, version, {step.stage_id}) + _fragment(
        request, "_canvas_side_panel.html"
    )
    return _changed(html)


def _side_panel(request: HtmxRequest, version: Version, name: str, **context: Any) -> HttpResponse:
    """A panel for the side of the canvas: the fragment for htmx, else the canvas with it."""
    if request.htmx:
        context = {"version": version, "editable": version.is_editable, **context}
        return render(request, PARTIALS + name, context)
    return _canvas_page(request, version, side_panel=PARTIALS + name, **context)
