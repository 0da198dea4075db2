"""Trigger & inputs of a version: the trigger (with the record model and the run's
label), the orchestration's name, the input variables.

The trigger form and the input variables follow the editors' rules: htmx gets the
changed fragment and `definition-changed`, other requests a redirect; only drafts
change (409). Input variables use the form designer's field editor.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from orchestrations.models import InputVariable, Version

from ..access import (
    HtmxRequest,
    designer_required,
    get_version,
    refuse_unless_draft,
    version_context,
)
from ..forms_designer import InputVariableForm
from ..forms_settings import OrchestrationNameForm, TriggerForm
from ..ordering import renumber, reordered
from .editors import definition_changed, save_in_draft

INPUT_ROW = "builder/partials/_form_field_row.html"
INPUT_EDIT = "builder/partials/_form_field_edit.html"
INPUT_ADD = "builder/partials/_form_field_add.html"
INPUT_LIST = "builder/partials/_form_field_list.html"


@designer_required
def trigger_edit(request: HtmxRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    if request.method != "POST":
        return _page(request, version, TriggerForm(instance=version, editable=version.is_editable))
    if refused := refuse_unless_draft(request, version):
        return refused
    form = TriggerForm(request.POST, instance=version)
    if form.is_valid():
        if refused := save_in_draft(request, version, form.save):
            return refused
        if not request.htmx:
            messages.success(request, "Saved.")
            return redirect("builder:trigger-edit", pk)
        context = {"trigger_form": TriggerForm(instance=version), "saved": True}
        return definition_changed(_trigger_fragment(request, version, context))
    if request.htmx:
        return _trigger_fragment(request, version, {"trigger_form": form})
    return _page(request, version, form)


@designer_required
@require_POST
def orchestration_rename(request: HtmxRequest, pk: int) -> HttpResponse:
    """Rename the orchestration (from the settings page of one of its versions)."""
    version = get_version(pk)
    form = OrchestrationNameForm(request.POST, instance=version.orchestration)
    if form.is_valid():
        form.save()
        messages.success(request, f"Renamed to “{form.instance.name}”.")
        return redirect("builder:trigger-edit", pk)
    version.orchestration.refresh_from_db()  # the header keeps the stored name
    return _page(request, version, TriggerForm(instance=version), name_form=form)


@designer_required
@require_POST
def input_add(request: HtmxRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    if refused := refuse_unless_draft(request, version):
        return refused
    siblings = version.inputs.all()
    add = InputVariableForm(
        request.POST, instance=InputVariable(version=version), siblings=siblings
    )
    if add.is_valid():
        if refused := save_in_draft(request, version, add.save):
            return refused
        if not request.htmx:
            return redirect("builder:trigger-edit", pk)
        fresh = InputVariableForm(siblings=siblings)
        context = {**_inputs(version), "add_form": fresh, "oob_list": True, "added": add.instance}
        return definition_changed(render(request, INPUT_ADD, context))
    if request.htmx:
        return render(request, INPUT_ADD, {**_inputs(version), "add_form": add})
    return _page(request, version, TriggerForm(instance=version), add_form=add)


@designer_required
def input_edit(request: HtmxRequest, pk: int) -> HttpResponse:
    """GET: the input as an inline form (htmx; `?cancel=1` gives the row back), or the
    page with it open. POST: save it, or with `move` and `to`, move it up or down."""
    spec = get_object_or_404(InputVariable.objects.select_related("version__orchestration"), pk=pk)
    version, siblings = spec.version, spec.version.inputs.all()
    if request.method != "POST":
        if request.htmx and request.GET.get("cancel"):
            return render(request, INPUT_ROW, {**_inputs(version), "spec": spec})
        edit = InputVariableForm(instance=spec, siblings=siblings)
    elif refused := refuse_unless_draft(request, version):
        return refused
    elif "move" in request.POST:
        return _move(request, version)
    else:
        edit = InputVariableForm(request.POST, instance=spec, siblings=siblings)
        if edit.is_valid():
            if refused := save_in_draft(request, version, edit.save):
                return refused
            if not request.htmx:
                return redirect("builder:trigger-edit", version.pk)
            context = {**_inputs(version), "spec": spec, "saved": True}
            return definition_changed(render(request, INPUT_ROW, context))
    if request.htmx:
        return render(request, INPUT_EDIT, {**_inputs(version), "spec": spec, "edit_form": edit})
    trigger = TriggerForm(instance=version, editable=version.is_editable)
    return _page(request, version, trigger, editing=spec.pk, edit_form=edit)


@designer_required
def input_delete(request: HtmxRequest, pk: int) -> HttpResponse:
    spec = get_object_or_404(InputVariable.objects.select_related("version__orchestration"), pk=pk)
    version = spec.version
    if request.method != "POST":
        context = version_context(
            version, "trigger", title=f"Delete the input variable “{spec.label}”?",
            consequence=f"Conditions that read vars.{spec.key} will show an error.",
            action=reverse("builder:input-delete", args=[pk]),
            back=reverse("builder:trigger-edit", args=[version.pk]),
        )  # fmt: skip
        return render(request, "builder/partials/_editor_confirm.html", context)
    if refused := refuse_unless_draft(request, version):
        return refused
    if refused := save_in_draft(request, version, spec.delete):
        return refused
    return _list_answer(request, version)


def _move(request: HtmxRequest, version: Version) -> HttpResponse:
    ordered = reordered(list(version.inputs.all()), request.POST)
    if ordered is None:
        return HttpResponse("Not an input of this version.", status=400)
    if refused := save_in_draft(request, version, lambda: renumber(ordered)):
        return refused
    return _list_answer(request, version)


def _inputs(version: Version) -> dict[str, Any]:
    """What the input list, rows and forms need (see _form_field_list.html)."""
    return {
        "fields": version.inputs.all(),
        "kind": "input",
        "editable": version.is_editable,
        "list_id": f"input-list-{version.pk}",
        "add_url": reverse("builder:input-add", args=[version.pk]),
    }


def _list_answer(request: HtmxRequest, version: Version) -> HttpResponse:
    if not request.htmx:
        return redirect("builder:trigger-edit", version.pk)
    return definition_changed(render(request, INPUT_LIST, _inputs(version)))


def _trigger_fragment(
    request: HtmxRequest, version: Version, context: dict[str, Any]
) -> HttpResponse:
    context = {"version": version, "editable": True, **context}
    return render(request, "builder/trigger.html#trigger-form", context)


def _page(
    request: HtmxRequest, version: Version, trigger_form: TriggerForm, **context: Any
) -> HttpResponse:
    context.setdefault("add_form", InputVariableForm(siblings=version.inputs.all()))
    context.setdefault("name_form", OrchestrationNameForm(instance=version.orchestration))
    inputs = _inputs(version) | {"fields": list(version.inputs.all())}  # read once, used twice
    page = version_context(
        version, "trigger", trigger_form=trigger_form, **inputs,
        required_without_default=[s for s in inputs["fields"] if s.required and s.default is None],
        start_url=reverse("builder:run-start", args=[version.orchestration_id]), **context,
    )  # fmt: skip
    return render(request, "builder/trigger.html", page)
