"""My work, team queues, completed, my requests; claim and release. (Being built.)"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    return render(request, "inbox/my_work.html")


queues = queue = completed = my_requests = counts = claim = release = my_work
