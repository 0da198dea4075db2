"""The orchestrations list: search, create (name → key → a v1 draft), archive."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Case, Count, IntegerField, Max, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from orchestrations.models import Orchestration, Run, Version
from orchestrations.status import RunStatus, VersionStatus

from ..access import HtmxRequest, designer_required
from ..forms_canvas import OrchestrationCreateForm

PAGE = "builder/orchestration_list.html"


def orchestration_rows(*, search: str = "", archived: bool = False) -> QuerySet[Orchestration]:
    """Orchestrations with what the list shows, in one query: the version to open
    (the draft, else the active, else the latest), the trigger of the active (else the
    latest) version, active and draft numbers, runs in progress, and when it last changed."""
    versions = Version.objects.filter(orchestration=OuterRef("pk"))
    active = versions.filter(status=VersionStatus.ACTIVE)
    draft = versions.filter(status=VersionStatus.DRAFT).order_by("-number")
    latest = versions.order_by("-number")
    active_first = Case(
        When(status=VersionStatus.ACTIVE, then=0), default=1, output_field=IntegerField()
    )
    shown = versions.order_by(active_first, "-number")
    per_orchestration = versions.order_by().values("orchestration")
    runs = Run.objects.filter(orchestration=OuterRef("pk"), status=RunStatus.IN_PROGRESS)
    rows = Orchestration.objects.annotate(
        active_pk=Subquery(active.values("pk")[:1]),
        active_number=Subquery(active.values("number")[:1]),
        draft_pk=Subquery(draft.values("pk")[:1]),
        draft_number=Subquery(draft.values("number")[:1]),
        open_pk=Coalesce(Subquery(draft.values("pk")[:1]), Subquery(shown.values("pk")[:1])),
        latest_number=Subquery(latest.values("number")[:1]),
        trigger_type=Subquery(shown.values("trigger_type")[:1]),
        trigger_model=Subquery(shown.values("trigger_model")[:1]),
        trigger_on=Subquery(shown.values("trigger_on")[:1]),
        runs_in_progress=Coalesce(
            Subquery(
                runs.order_by().values("orchestration").annotate(n=Count("pk")).values("n")[:1]
            ),
            0,
        ),
        last_edited=Greatest(
            "updated_at",
            Coalesce(
                Subquery(per_orchestration.annotate(at=Max("created_at")).values("at")[:1]),
                "updated_at",
            ),
            Coalesce(
                Subquery(per_orchestration.annotate(at=Max("activated_at")).values("at")[:1]),
                "updated_at",
            ),
        ),
    ).order_by("name", "pk")
    if search:
        rows = rows.filter(name__icontains=search)
    if not archived:
        rows = rows.filter(archived=False)
    return rows


def _list_page(request: HtmxRequest, form: OrchestrationCreateForm, **extra: Any) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    archived = request.GET.get("archived") == "1"
    context = {
        "nav": "builder",
        "orchestrations": orchestration_rows(search=search, archived=archived),
        "search": search,
        "show_archived": archived,
        "form": form,
        **extra,
    }
    if request.htmx and request.htmx.target == "orchestration-table":
        return render(request, f"{PAGE}#table", context)
    return render(request, PAGE, context)


@designer_required
def orchestration_list(request: HtmxRequest) -> HttpResponse:
    return _list_page(request, OrchestrationCreateForm())


@designer_required
@require_http_methods(["GET", "POST"])
def orchestration_create(request: HtmxRequest) -> HttpResponse:
    if request.method == "GET":
        return _list_page(request, OrchestrationCreateForm(), open_create=True)
    form = OrchestrationCreateForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return render(request, f"{PAGE}#create-form", {"form": form})
        return _list_page(request, form, open_create=True)
    version = form.save(by=request.user)
    url = reverse("builder:version", args=[version.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@designer_required
def orchestration_detail(request: HtmxRequest, pk: int) -> HttpResponse:
    """The canvas of the draft, else of the active version, else of the latest."""
    row = get_object_or_404(orchestration_rows(archived=True), pk=pk)
    open_pk: int | None = row.open_pk  # type: ignore[attr-defined]
    if open_pk is None:
        messages.error(request, f"“{row.name}” has no versions yet: import a definition for it.")
        return redirect("builder:orchestration-list")
    return redirect("builder:version", open_pk)


@designer_required
@require_http_methods(["GET", "POST"])
def orchestration_archive(request: HtmxRequest, pk: int) -> HttpResponse:
    """GET: the confirmation (the page without JavaScript). POST: archive, or with
    `archived=0` bring it back."""
    orchestration = get_object_or_404(Orchestration, pk=pk)
    if request.method == "GET":
        return _list_page(request, OrchestrationCreateForm(), confirm_archive=orchestration)
    orchestration.archived = request.POST.get("archived", "1") != "0"
    orchestration.save(update_fields=["archived", "updated_at"])
    if request.htmx:
        row = orchestration_rows(archived=True).get(pk=pk)
        return render(request, f"{PAGE}#row", {"row": row})
    verb = "archived" if orchestration.archived else "brought back"
    messages.success(request, f"“{orchestration.name}” {verb}.")
    return redirect("builder:orchestration-list")
