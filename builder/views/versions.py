"""Versions of one orchestration: the list, activating a draft, a new draft, the diff
of two versions, export and import of definition files, and the diagram."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from orchestrations import versions as lifecycle
from orchestrations.definition import (
    DefinitionError,
    errors_of,
    export_definition,
    import_definition,
    validate_definition,
)
from orchestrations.exceptions import TransitionRefused
from orchestrations.models import Orchestration, Version
from orchestrations.status import OPEN_RUN_STATUSES, VersionStatus
from orchestrations.versions import runs_left_on, version_problems

from ..access import HtmxRequest, designer_required, get_version, version_context
from ..diff import diff_definitions
from ..forms_io import ImportForm
from ..problems import Places


@designer_required
def version_list(request: HttpRequest, pk: int) -> HttpResponse:
    orchestration = get_object_or_404(Orchestration, pk=pk)
    return render(request, "builder/version_list.html", _list_context(orchestration))


def _list_context(orchestration: Orchestration, **extra: Any) -> dict[str, Any]:
    versions = list(
        orchestration.versions.select_related("created_by", "activated_by")
        .annotate(
            runs_total=Count("runs"),
            runs_open=Count("runs", filter=Q(runs__status__in=OPEN_RUN_STATUSES)),
        )
        .order_by("-number")
    )
    active = next((v for v in versions if v.status == VersionStatus.ACTIVE), None)
    draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
    a, b = _default_pair(versions, active, draft)
    return {"orchestration": orchestration, "versions": versions, "active": active,
            "draft": draft, "a": a, "b": b, "nav": "builder", **extra}  # fmt: skip


def _default_pair(
    versions: Sequence[Version], active: Version | None, draft: Version | None
) -> tuple[Version | None, Version | None]:
    """Active vs the latest draft; else the two latest versions."""
    b = draft or (versions[0] if versions else None)
    a = active if active is not None and active != b else None
    if a is None:
        a = next((v for v in versions if b is not None and v.number < b.number), b)
    return a, b


@designer_required
def version_activate(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    current = version.orchestration.active_version
    if request.method == "POST":
        left = runs_left_on(current) if current else 0
        try:
            lifecycle.version_activate(version, by=request.user)
        except TransitionRefused as refused:
            messages.error(request, str(refused))
            return redirect("builder:version-list", version.orchestration_id)
        except DefinitionError as error:
            context = _activate_context(version, current, problems=error.problems)
            return render(request, "builder/version_activate.html", context, status=422)
        messages.success(request, _activated_message(version, current, left))
        return redirect("builder:version-list", version.orchestration_id)
    return render(request, "builder/version_activate.html", _activate_context(version, current))


def _activate_context(
    version: Version, current: Version | None, problems: list[Any] | None = None
) -> dict[str, Any]:
    if problems is None:
        problems = version_problems(version) if version.is_editable else []
    # Named and linked as on the canvas's validation panel, not by their JSON paths.
    places = Places(version)
    errors = [places.place(p) for p in errors_of(problems)]
    warnings = [places.place(p) for p in problems if not p.is_error]
    left = runs_left_on(current) if current else 0
    return version_context(version, "versions", current=current, runs_left=left, errors=errors,
                           warnings=warnings)  # fmt: skip


def _activated_message(version: Version, old: Version | None, left: int) -> str:
    message = f"v{version.number} of {version.orchestration.name} is active: new runs start on it."
    if old is not None:
        runs = f"{left} run{'' if left == 1 else 's'} in progress"
        message += f" v{old.number} is obsolete; {runs} finish{'es' if left == 1 else ''} on it."
    return message


@designer_required
@require_POST
def version_new_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft copied from `pk`. One draft at a time, unless the admin confirms: a
    second draft is allowed (to start again from an older version), never by surprise."""
    version = get_version(pk)
    existing = (
        version.orchestration.versions.filter(status=VersionStatus.DRAFT)
        .order_by("-number")
        .first()
    )
    if existing is not None and request.POST.get("another") != "yes":
        context = _list_context(version.orchestration, copy_from=version, existing_draft=existing)
        return render(request, "builder/version_list.html", context, status=409)
    draft = lifecycle.version_new_draft(version, by=request.user)
    messages.success(request, f"v{draft.number} is a new draft, copied from v{version.number}.")
    return redirect("builder:version", draft.pk)


@designer_required
def version_diff(request: HtmxRequest, pk: int) -> HttpResponse:
    orchestration = get_object_or_404(Orchestration, pk=pk)
    context = _list_context(orchestration)
    versions = {str(v.pk): v for v in context["versions"]}
    for side in ("a", "b"):
        chosen = request.GET.get(side)
        if chosen:
            if chosen not in versions:
                raise Http404("No such version of this orchestration.")
            context[side] = versions[chosen]
    a, b = context["a"], context["b"]
    if a is not None and b is not None:
        context["diff"] = diff_definitions(export_definition(a), export_definition(b))
    template = "builder/version_diff.html" + ("#diff" if request.htmx else "")
    return render(request, template, context)


@designer_required
def version_export(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    body = json.dumps(export_definition(version), indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"{version.orchestration.key}-v{version.number}.json"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@designer_required
def orchestration_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "nav": "builder"}
    if request.method == "POST" and form.is_valid():
        data = form.definition()
        context["target"] = _import_target(data)
        if request.POST.get("action") == "check":
            context["problems"] = validate_definition(data)
            context["checked"] = True
            return render(request, "builder/import.html", context)
        try:
            version = import_definition(data, user=request.user)
        except DefinitionError as error:
            context["problems"] = error.problems
            return render(request, "builder/import.html", context, status=422)
        messages.success(request, _imported_message(version, context["target"]))
        return redirect("builder:version", version.pk)
    return render(request, "builder/import.html", context, status=422 if form.errors else 200)


def _import_target(data: Any) -> dict[str, Any] | None:
    """Where a definition would go: a new orchestration, or the next draft of one."""
    key = data.get("key") if isinstance(data, dict) else None
    if not isinstance(key, str) or not key:
        return None
    existing = Orchestration.objects.filter(key=key).first()
    if existing is None:
        return {"new": True, "key": key, "name": data.get("name")}
    latest = existing.versions.order_by("-number").values_list("number", flat=True).first()
    return {"new": False, "orchestration": existing, "number": (latest or 0) + 1,
            "file_name": data.get("name")}  # fmt: skip


def _imported_message(version: Version, target: dict[str, Any] | None) -> str:
    name = version.orchestration.name
    if target is None or target["new"]:
        return f"Imported “{name}” as a new orchestration: draft v{version.number}."
    return f"Imported as draft v{version.number} of “{name}”."


@designer_required
def version_diagram(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    return render(request, "builder/diagram.html", version_context(version, "diagram"))
