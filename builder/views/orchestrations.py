"""The orchestrations list: create, archive. (Being built.)"""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ._stub import not_built


@login_required
@permission_required("orchestrations.change_orchestration", raise_exception=True)
def orchestration_list(request: HttpRequest) -> HttpResponse:
    return render(request, "builder/orchestration_list.html")


orchestration_create = orchestration_detail = orchestration_archive = not_built
