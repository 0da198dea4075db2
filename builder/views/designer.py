"""The form designer: a version's forms, and one form's fields with a live preview
rendered exactly as the inbox renders the form.

Field changes answer htmx with the changed fragment and the events `form-changed`
(the preview reloads) and `definition-changed`; without JavaScript every change
redirects back to the form's page. Deleting asks first (a confirmation page, or
hx-confirm). Only drafts change (409 otherwise).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from inbox.forms import initial_values
from orchestrations.fields import build_form_class, field_def
from orchestrations.models import Form, FormField, Step, Version

from ..access import (
    HtmxRequest,
    designer_required,
    get_version,
    refuse_unless_draft,
    version_context,
)
from ..forms_designer import FormFieldForm, FormForm
from ..ordering import renumber, reordered
from .editors import definition_changed, save_in_draft

FORM_CHANGED = "form-changed"
FIELD_ROW = "builder/partials/_form_field_row.html"
FIELD_EDIT = "builder/partials/_form_field_edit.html"
FIELD_ADD = "builder/partials/_form_field_add.html"
FIELD_LIST = "builder/partials/_form_field_list.html"


@designer_required
@require_GET
def form_list(request: HtmxRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    return _list_page(request, version, FormForm(version=version))


@designer_required
@require_POST
def form_add(request: HtmxRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    if refused := refuse_unless_draft(request, version):
        return refused
    form = FormForm(request.POST, version=version)
    if not form.is_valid():
        return _list_page(request, version, form)
    if refused := save_in_draft(request, version, form.save):
        return refused
    messages.success(request, f"Form “{form.instance.name}” created: add its fields.")
    return redirect("builder:form-edit", form.instance.pk)


@designer_required
def form_edit(request: HtmxRequest, pk: int) -> HttpResponse:
    """The form's page; a POST renames it (name and key)."""
    designed = _get_form(pk)
    version = designed.version
    if request.method != "POST":
        return _edit_page(request, designed, settings=FormForm(instance=designed, version=version))
    if refused := refuse_unless_draft(request, version):
        return refused
    settings = FormForm(request.POST, instance=designed, version=version)
    if settings.is_valid():
        if refused := save_in_draft(request, version, settings.save):
            return refused
        if not request.htmx:
            messages.success(request, "Saved.")
            return redirect("builder:form-edit", pk)
        settings = FormForm(instance=designed, version=version)
        context = {"form_obj": designed, "settings": settings, "saved": True, "editable": True}
        return _changed(render(request, "builder/form_edit.html#form-settings", context))
    if request.htmx:
        context = {"form_obj": designed, "settings": settings, "editable": True}
        return render(request, "builder/form_edit.html#form-settings", context)
    return _edit_page(request, designed, settings=settings)


@designer_required
def form_delete(request: HtmxRequest, pk: int) -> HttpResponse:
    """GET asks first (and says which steps use the form: it can't go then); POST deletes."""
    designed = _get_form(pk)
    version = designed.version
    used_by = list(designed.step_set.order_by("stage__position", "position"))
    if request.method != "POST":
        context = version_context(version, "forms", **_delete_context(designed, used_by))
        return render(request, "builder/partials/_editor_confirm.html", context)
    if refused := refuse_unless_draft(request, version):
        return refused
    if used_by:
        names = ", ".join(f"“{step.name}”" for step in used_by)
        messages.error(
            request, f"“{designed.name}” is used by {names}: choose another form there first."
        )
    elif not save_in_draft(request, version, designed.delete):
        messages.success(request, f"Form “{designed.name}” deleted.")
    return redirect("builder:form-list", version.pk)


@designer_required
@require_GET
def form_preview(request: HtmxRequest, pk: int) -> HttpResponse:
    designed = _get_form(pk)
    context = {"form_obj": designed, "preview": _preview(designed)}
    return render(request, "builder/partials/_form_preview.html", context)


@designer_required
@require_POST
def field_add(request: HtmxRequest, pk: int) -> HttpResponse:
    designed = _get_form(pk)
    version = designed.version
    if refused := refuse_unless_draft(request, version):
        return refused
    siblings = designed.fields.all()
    add = FormFieldForm(request.POST, instance=FormField(form=designed), siblings=siblings)
    if add.is_valid():
        if refused := save_in_draft(request, version, add.save):
            return refused
        if not request.htmx:
            return redirect("builder:form-edit", pk)
        fresh = FormFieldForm(siblings=siblings)
        context = {
            **_field_context(designed),
            "add_form": fresh,
            "oob_list": True,
            "added": add.instance,
        }
        return _changed(render(request, FIELD_ADD, context))
    if request.htmx:
        return render(request, FIELD_ADD, {**_field_context(designed), "add_form": add})
    return _edit_page(request, designed, add_form=add)


@designer_required
def field_edit(request: HtmxRequest, pk: int) -> HttpResponse:
    """GET: the field as an inline form (htmx; `?cancel=1` gives the row back), or the
    form's page with it open. POST: save it."""
    spec = get_object_or_404(
        FormField.objects.select_related("form__version__orchestration"), pk=pk
    )
    designed, version = spec.form, spec.form.version
    siblings = designed.fields.all()
    if request.method != "POST":
        if request.htmx and request.GET.get("cancel"):
            return render(request, FIELD_ROW, {**_field_context(designed), "spec": spec})
        edit = FormFieldForm(instance=spec, siblings=siblings)
    elif refused := refuse_unless_draft(request, version):
        return refused
    else:
        edit = FormFieldForm(request.POST, instance=spec, siblings=siblings)
        if edit.is_valid():
            if refused := save_in_draft(request, version, edit.save):
                return refused
            if not request.htmx:
                return redirect("builder:form-edit", designed.pk)
            context = {**_field_context(designed), "spec": spec, "saved": True}
            return _changed(render(request, FIELD_ROW, context))
    if request.htmx:
        return render(
            request, FIELD_EDIT, {**_field_context(designed), "spec": spec, "edit_form": edit}
        )
    return _edit_page(request, designed, editing=spec.pk, edit_form=edit)


@designer_required
def field_delete(request: HtmxRequest, pk: int) -> HttpResponse:
    spec = get_object_or_404(
        FormField.objects.select_related("form__version__orchestration"), pk=pk
    )
    designed, version = spec.form, spec.form.version
    if request.method != "POST":
        context = version_context(version, "forms", **_field_delete_context(spec))
        return render(request, "builder/partials/_editor_confirm.html", context)
    if refused := refuse_unless_draft(request, version):
        return refused
    if refused := save_in_draft(request, version, spec.delete):
        return refused
    return _list_answer(request, designed)


@designer_required
@require_POST
def field_reorder(request: HtmxRequest, pk: int) -> HttpResponse:
    """Put the fields in the posted `order` (ids, comma-separated: a drag), or move the
    field `move` one place `to` up or down (the buttons)."""
    designed = _get_form(pk)
    if refused := refuse_unless_draft(request, designed.version):
        return refused
    fields = list(designed.fields.all())
    ordered = reordered(fields, request.POST)
    if ordered is None:
        return HttpResponse("Not a field of this form.", status=400)
    if refused := save_in_draft(request, designed.version, lambda: renumber(ordered)):
        return refused
    return _list_answer(request, designed)


def _get_form(pk: int) -> Form:
    return get_object_or_404(Form.objects.select_related("version__orchestration"), pk=pk)


def _list_page(request: HtmxRequest, version: Version, add_form: FormForm) -> HttpResponse:
    steps = Step.objects.order_by("stage__position", "position")
    forms = (
        version.forms.annotate(field_count=Count("fields"))
        .prefetch_related(Prefetch("step_set", queryset=steps, to_attr="used_by"))
        .order_by("name")
    )
    context = version_context(
        version, "forms", forms=forms, add_form=add_form, editable=version.is_editable
    )
    return render(request, "builder/forms.html", context)


def _edit_page(request: HtmxRequest, designed: Form, **context: Any) -> HttpResponse:
    version = designed.version
    context.setdefault("settings", FormForm(instance=designed, version=version))
    context.setdefault("add_form", FormFieldForm(siblings=designed.fields.all()))
    page = version_context(
        version, "forms", **_field_context(designed), preview=_preview(designed),
        used_by=designed.step_set.order_by("stage__position", "position"), **context,
    )  # fmt: skip
    return render(request, "builder/form_edit.html", page)


def _field_context(designed: Form) -> dict[str, Any]:
    """What the field list, rows and forms need (see _form_field_list.html)."""
    return {
        "form_obj": designed,
        "fields": designed.fields.prefetch_related("visibility_groups"),
        "kind": "field",
        "editable": designed.version.is_editable,
        "list_id": f"field-list-{designed.pk}",
        "add_url": reverse("builder:field-add", args=[designed.pk]),
        "move_url": reverse("builder:field-reorder", args=[designed.pk]),
    }


def _list_answer(request: HtmxRequest, designed: Form) -> HttpResponse:
    if not request.htmx:
        return redirect("builder:form-edit", designed.pk)
    return _changed(render(request, FIELD_LIST, _field_context(designed)))


def _preview(designed: Form) -> Any:
    """The form as the inbox builds it: same fields, widgets and initial defaults."""
    specs = [field_def(spec) for spec in designed.fields.all()]
    form_class = build_form_class(specs, name="PreviewForm")
    return form_class(initial=initial_values(specs, None), auto_id="preview_%s")


def _delete_context(designed: Form, used_by: list[Step]) -> dict[str, Any]:
    return {
        "title": f"Delete the form “{designed.name}”?",
        "blocked_by": used_by,
        "blocked_note": "Steps show this form: choose another form for them first.",
        "consequence": "Its fields go with it.",
        "action": reverse("builder:form-delete", args=[designed.pk]),
        "back": reverse("builder:form-list", args=[designed.version_id]),
    }


def _field_delete_context(spec: FormField) -> dict[str, Any]:
    return {
        "title": f"Delete the field “{spec.label}” from “{spec.form.name}”?",
        "consequence": f"Conditions that read steps.<step>.{spec.key} will show an error.",
        "action": reverse("builder:field-delete", args=[spec.pk]),
        "back": reverse("builder:form-edit", args=[spec.form_id]),
    }


def _changed(response: HttpResponse) -> HttpResponse:
    return definition_changed(trigger_client_event(response, FORM_CHANGED))
