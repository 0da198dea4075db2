"""The Start run page of an orchestration, and its record type-ahead.

Who may: designers (the builder permission, who test their processes) and anyone with
`orchestrations.add_run` (the people a process is started by, e.g. loan officers), so
starting runs can be granted without the right to change processes. Others get 403.
Which records each of them may pick is `orchestrations.records`' rule.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from inbox.access import DESIGN_PERMISSION
from orchestrations.engine import DuplicateRunError, run_start
from orchestrations.exceptions import HandoffError
from orchestrations.fields import to_json
from orchestrations.models import Orchestration, Run, Version
from orchestrations.models.choices import TriggerType
from orchestrations.records import START_PERMISSION

from ..access import HtmxRequest
from ..forms_start import StartForms

PAGE = "builder/run_start.html"


@login_required
def run_start_page(request: HtmxRequest, pk: int) -> HttpResponse:
    """Start a run of a manual orchestration's active version: its record, if it names
    a record model, and its input variables. A POST with `find` is a search (the
    type-ahead without JavaScript): the page again, with everything typed.
    Record-triggered orchestrations and ones without an active version explain why
    there is nothing to start here."""
    orchestration = _orchestration(request, pk)
    version = orchestration.active_version
    context: dict[str, Any] = {"orchestration": orchestration, "version": version}
    context |= {"nav": "builder", "is_designer": request.user.has_perm(DESIGN_PERMISSION)}
    if version is None or not _startable(orchestration, version):
        return render(request, PAGE, context)
    if request.method == "POST" and "find" not in request.POST:
        start = StartForms(version, request.user, data=request.POST)
        if start.is_valid() and (run := _start(request, orchestration, start)):
            messages.success(request, f"“{run}” started.")
            return redirect("inbox:run-detail", run.pk)
    else:
        start = StartForms(version, request.user, shown=request.POST or request.GET)
    return render(request, PAGE, {**context, "start": start, "form": start.inputs})


@login_required
def run_start_records(request: HtmxRequest, pk: int) -> HttpResponse:
    """The type-ahead's answer: the records matching `record_q` that this person may
    pick (at most 20), keeping the one already chosen (`record`)."""
    orchestration = _orchestration(request, pk)
    version = orchestration.active_version
    if version is None or not _startable(orchestration, version) or not version.trigger_model:
        raise Http404("This orchestration's runs are not about a record.")
    start = StartForms(version, request.user, shown=request.GET)
    context = {"orchestration": orchestration, "version": version, "start": start}
    return render(request, "builder/partials/_record_picker.html#record-results", context)


def _orchestration(request: HtmxRequest, pk: int) -> Orchestration:
    user = request.user
    if not (user.has_perm(DESIGN_PERMISSION) or user.has_perm(START_PERMISSION)):
        raise PermissionDenied
    return get_object_or_404(Orchestration, pk=pk)


def _startable(orchestration: Orchestration, version: Version) -> bool:
    """Whether a person may start the version here (else the page says why not)."""
    return version.trigger_type == TriggerType.MANUAL and not orchestration.archived


def _start(request: HtmxRequest, orchestration: Orchestration, start: StartForms) -> Run | None:
    variables = {s.key: to_json(s.type, start.inputs.cleaned_data.get(s.key)) for s in start.specs}
    try:
        # A record created here goes with a start that is refused.
        with transaction.atomic():
            return run_start(
                orchestration, record=start.record(), variables=variables, started_by=request.user
            )
    except ValidationError as error:
        start.add_errors(error.message_dict)
    except DuplicateRunError as error:
        start.add_errors({"record": [str(error)]})
    except HandoffError as error:
        start.inputs.add_error(None, str(error))
    return None
