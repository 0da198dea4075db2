"""Side-panel editors (a step, a stage) and the live check of conditions.

GET answers the editor: the fragment for the canvas's side panel (htmx), or a page of
its own with the version header (without JavaScript). A valid POST saves and answers
the editor again with a "Saved" note, the card or column out of band and the
`definition-changed` event (htmx), or redirects back to the editor page. Invalid input
comes back next to its field with everything typed kept. Only drafts change: the
editor of an active or obsolete version is read-only and a POST is refused (409).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from orchestrations.exceptions import VersionLockedError
from orchestrations.models import DecisionOutcome, Stage, Step, Version
from orchestrations.models.choices import StartWhen

from .. import scopes
from ..access import (
    HtmxRequest,
    designer_required,
    get_version,
    locked_answer,
    refuse_unless_draft,
    version_context,
)
from ..canvas import canvas_stages, canvas_steps, columns_naming, draft_change
from ..forms_editors import (
    END,
    OutcomeFormSet,
    StageForm,
    StepForm,
    apply_row_action,
    check_errors,
    outcome_rows,
    row_action_focus,
)

DEFINITION_CHANGED = "definition-changed"


STEP_EDITOR = "builder/partials/_step_editor.html"
EMAIL_FIELDS = ("email_subject", "email_body")  # read by participants, maybe: sharing checked
STAGE_EDITOR = "builder/partials/_stage_editor.html"


@designer_required
def step_edit(request: HtmxRequest, pk: int) -> HttpResponse:
    step = get_object_or_404(Step.objects.select_related("version__orchestration", "stage"), pk=pk)
    version = step.version
    if request.method == "POST":
        if refused := refuse_unless_draft(request, version):
            return refused
        form = StepForm(request.POST, instance=step)
        if form.is_valid():
            if refused := save_in_draft(request, version, form.save):
                return refused
            if not request.htmx:
                return _saved_redirect(request, "builder:step-edit", pk)
            step = _card_step(pk)
            # The steps that wait for it name it on their cards: they change too.
            cards = [step, *canvas_steps().filter(start_after=step).exclude(pk=pk)]
            form, context = StepForm(instance=step), {"saved": True, "cards": cards}
            return definition_changed(
                _editor(request, STEP_EDITOR, version, form=form, step=step, **context)
            )
    else:
        form = StepForm(instance=step, editable=version.is_editable)
    return _editor(request, STEP_EDITOR, version, form=form, step=step)


@designer_required
def stage_edit(request: HtmxRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage.objects.select_related("version__orchestration"), pk=pk)
    version, editable = stage.version, stage.version.is_editable
    if request.method == "GET":
        form, outcomes = StageForm(instance=stage, editable=editable), _outcomes(stage, editable)
    elif refused := refuse_unless_draft(request, version):
        return refused
    elif row_action := request.POST.get("row_action"):
        # Add, remove or move an outcome row: show the rows again, nothing saved yet.
        rows = apply_row_action(outcome_rows(request.POST), row_action)
        form = StageForm(instance=stage, initial=request.POST.dict())
        outcomes = _outcomes(stage, editable, rows=rows)
        focus_row, focus_tool = row_action_focus(row_action, len(rows))
        if focus_tool == "condition":
            outcomes.forms[focus_row].fields["condition"].widget.attrs["autofocus"] = True
        return _editor(request, STAGE_EDITOR, version, form=form, outcomes=outcomes,
                       stage=stage, focus_row=focus_row, focus_tool=focus_tool)  # fmt: skip
    else:
        form, outcomes = (
            StageForm(request.POST, instance=stage),
            _outcomes(stage, editable, request.POST),
        )
        if _stage_valid(form, outcomes):
            if refused := save_in_draft(request, version, lambda: _stage_save(form, outcomes)):
                return refused
            if not request.htmx:
                return _saved_redirect(request, "builder:stage-edit", pk)
            # Other columns name this stage in where their runs go: they are shown again.
            stages = canvas_stages(version)
            stage = next(s for s in stages if s.pk == pk)
            form, outcomes = StageForm(instance=stage), _outcomes(stage, editable)
            context = {"saved": True, "columns": columns_naming(stages, pk)}
            return definition_changed(
                _editor(
                    request,
                    STAGE_EDITOR,
                    version,
                    form=form,
                    outcomes=outcomes,
                    stage=stage,
                    **context,
                )
            )
    return _editor(request, STAGE_EDITOR, version, form=form, outcomes=outcomes, stage=stage)


@designer_required
@require_POST
def condition_check(request: HtmxRequest, pk: int) -> HttpResponse:
    """What a condition, expression or template typed in an editor means at its place:
    "ok", or its problems pointed at in the text; with `names`, the names one may use
    there. Reads only: the editors of active versions use it too."""
    version = get_version(pk)
    data = request.POST
    kind = data.get("check_kind")
    kind = kind if kind in scopes.KINDS else scopes.CONDITION
    arguments = _place_arguments(version, data)
    place = scopes.place_for(version, **arguments)
    if data.get("check_names"):
        return render(request, "builder/partials/_condition_result.html#names", {"place": place})
    field_name = data.get("check_field") or "check_text"
    text = data.get(field_name, data.get("check_text", ""))
    findings = scopes.check_text(text, kind, place) if text.strip() else []
    step = arguments["step"]
    if not findings and step is not None and field_name in EMAIL_FIELDS:
        findings = scopes.sharing_findings(text, place, step.key)
    context = {"findings": findings, "text": text, "kind": kind}
    html = render_to_string("builder/partials/_condition_result.html", context, request=request)
    return HttpResponse(html.strip())  # nothing at all when there is nothing to say


def _place_arguments(version: Version, data: Any) -> dict[str, Any]:
    """The place a check is about, from the values the editor sends along."""
    setting = data.get("check_setting")
    setting = setting if setting in scopes.SETTINGS else scopes.STAGE
    step = stage = None
    if data.get("check_step", "").isdigit():
        steps = Step.objects.select_related("stage").filter(version=version)
        step = steps.filter(pk=data["check_step"]).first()
    if data.get("check_stage", "").isdigit():
        stage = Stage.objects.filter(pk=data["check_stage"], version=version).first()
    after = None
    if step is not None and "start_when" in data:
        chosen = data.getlist("start_after") if data["start_when"] == StartWhen.AFTER else []
        waited = Step.objects.filter(
            stage_id=step.stage_id, pk__in=[p for p in chosen if p.isdigit()]
        )
        after = list(waited.values_list("key", flat=True))
    trigger = None
    if setting in (scopes.TRIGGER, scopes.LABEL) and "trigger_type" in data:
        trigger = {"type": data["trigger_type"], "model": data.get("trigger_model", "")}
    return {"setting": setting, "step": step, "stage": stage, "after": after, "trigger": trigger}


def _outcomes(stage: Stage, editable: bool, data: Any = None, rows: list[Any] | None = None) -> Any:
    if rows is None and data is None:
        rows = [
            {"label": o.label, "condition": o.condition, "target": str(o.target_id or END)}
            for o in stage.outcomes.all()
        ]
    kwargs = {"stage": stage, "stages": list(stage.version.stages.all()), "editable": editable}
    return OutcomeFormSet(
        data, initial=rows, prefix="outcomes", form_kwargs=kwargs, auto_id=f"stage{stage.pk}_%s"
    )


def _stage_valid(form: StageForm, outcomes: Any) -> bool:
    valid = form.is_valid()
    outcomes_valid = outcomes.is_valid()
    scope = getattr(form, "scope", None) or scopes.full_scope(form.version)
    for outcome in outcomes:
        if "condition" in outcome.cleaned_data:
            check_errors(outcome, "condition", scopes.CONDITION, scope)
    return valid and outcomes_valid and not any(o.errors for o in outcomes)


def save_in_draft(request: HtmxRequest, version: Version, save: Any) -> HttpResponse | None:
    """Save under the lock activation takes: an edit racing an activation lands
    before it or is refused (409), never after."""
    try:
        with draft_change(version):
            save()
    except VersionLockedError:
        return locked_answer(request, version)
    return None


def _stage_save(form: StageForm, outcomes: Any) -> None:
    stage = form.save()
    stage.outcomes.all().delete()
    targets = {str(s.pk): s for s in form.stages}
    DecisionOutcome.objects.bulk_create(
        DecisionOutcome(
            stage=stage,
            position=position,
            label=outcome.cleaned_data["label"],
            condition=outcome.cleaned_data["condition"],
            target=targets.get(outcome.cleaned_data["target"]),
        )
        for position, outcome in enumerate(o for o in outcomes if o.cleaned_data)
    )


def _card_step(pk: int) -> Step:
    """The step as the canvas card shows it (its partial reads these relations)."""
    return canvas_steps().select_related("version__orchestration", "stage").get(pk=pk)


def _editor(request: HtmxRequest, template: str, version: Version, **context: Any) -> HttpResponse:
    """The editor alone for htmx, else on a page with the version header."""
    context["editable"] = version.is_editable
    if request.htmx:
        return render(request, template, {**context, "version": version, "fragment": True})
    page = version_context(version, "canvas", editor_template=template, **context)
    return render(request, "builder/partials/_editor_page.html", page)


def definition_changed(response: HttpResponse) -> HttpResponse:
    return trigger_client_event(response, DEFINITION_CHANGED)


def _saved_redirect(request: HtmxRequest, url_name: str, pk: int) -> HttpResponse:
    messages.success(request, "Saved.")
    return redirect(url_name, pk)
