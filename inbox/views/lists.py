"""My work, team queues, completed, my requests and the nav counts; claim and release.

Each list is a page (`templates/inbox/<page>.html`) around one fragment
(`templates/inbox/partials/_<list>_table.html`). An htmx request (a filter, a page
link, the 30-second poll) gets the fragment alone, so the fragment's root carries
the current URL to poll.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group, User
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from orchestrations import engine, visibility
from orchestrations.engine import NotAllowed, TransitionRefused
from orchestrations.models import Delegation, StageRun, StepRun, WorkItem
from orchestrations.models.choices import StepKind
from orchestrations.status import StageRunStatus, StepRunStatus, WorkItemStatus

from .. import access, people
from ..counts import capped, nav_counts, queue_tabs
from ..filters import (
    DUE_ORDER,
    ITEM_ROW_RELATED,
    MY_WORK_ROW_RELATED,
    QUEUE_ROW_RELATED,
    CompletedFilters,
    RequestFilters,
    WorkItemFilters,
)
from ..htmx import HtmxRequest, work_changed
from ..pagination import in_order, paginate

HELD_SHOWN = 10  # "Being worked on" in a team queue: the latest claims
LAST_QUEUE = "inbox:last-queue"  # session key: the team queue /queues/ opens


@login_required
def my_work(request: HtmxRequest) -> HttpResponse:
    user = request.user
    items = access.my_work(user)
    filters = WorkItemFilters(request.GET, items=items)
    rows = filters.apply(items).order_by(*DUE_ORDER)
    # Lazy: only the full page reads them, never the polled fragment.
    today_delegations = Delegation.objects.active_on(access.today())
    page = paginate(request, rows, shown=WorkItem.objects.select_related(*MY_WORK_ROW_RELATED))
    context: dict[str, Any] = {
        "nav": "my-work",
        "filters": filters,
        "page": page,
        "covering": today_delegations.filter(delegate=user).select_related("user"),
        "away": today_delegations.filter(user=user).select_related("delegate"),
    }
    if not filters.active:  # the nav's My work count is this list's length: count once
        context["inbox_counts"] = SimpleLazyObject(
            lambda: nav_counts(user, my_work_count=page.paginator.count)
        )
    return render_list(request, "inbox/my_work.html", "inbox/partials/_work_table.html", context)


@login_required
def queues(request: HtmxRequest) -> HttpResponse:
    tabs = queue_tabs(request.user)
    groups = [group for group, _ in tabs]
    last = request.session.get(LAST_QUEUE)
    group = next((g for g in groups if g.pk == last), groups[0] if groups else None)
    return queue_page(request, group, tabs)


@login_required
def queue(request: HtmxRequest, group_id: int) -> HttpResponse:
    tabs = queue_tabs(request.user)
    group = next((g for g, _ in tabs if g.pk == group_id), None)
    if group is None:
        raise Http404("No such team queue.")
    if request.session.get(LAST_QUEUE) != group.pk:
        request.session[LAST_QUEUE] = group.pk
    return queue_page(request, group, tabs)


def queue_page(
    request: HtmxRequest, group: Group | None, tabs: list[tuple[Group, int]]
) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {"nav": "queues", "group": group, "tabs": tabs}
    if group is not None:
        waiting = access.team_queue(user, group)
        filters = WorkItemFilters(request.GET, items=waiting)
        rows = filters.apply(waiting).order_by(*DUE_ORDER)
        held = filters.apply(access.team_held(user, group))
        latest = held.order_by("-claimed_at", "-pk").values_list("pk", flat=True)[:HELD_SHOWN]
        shown = WorkItem.objects.select_related(*QUEUE_ROW_RELATED)
        context |= {
            "filters": filters,
            "page": paginate(request, rows, shown=shown),
            "held": in_order(shown, list(latest)),
            "held_count": capped(held),
        }
    return render_list(request, "inbox/queues.html", "inbox/partials/_queue_table.html", context)


@login_required
def completed(request: HtmxRequest) -> HttpResponse:
    user = request.user
    # Items one completed, or that were done on one's behalf, are always one's to see.
    items = WorkItem.objects.filter(
        Q(completed_by=user) | Q(on_behalf_of=user), status=WorkItemStatus.COMPLETED
    )
    filters = CompletedFilters(request.GET)
    rows = filters.apply(items).order_by("-completed_at", "-pk")
    shown = WorkItem.objects.select_related(*ITEM_ROW_RELATED)
    context = {"nav": "completed", "filters": filters, "page": paginate(request, rows, shown=shown)}
    return render_list(
        request, "inbox/completed.html", "inbox/partials/_completed_table.html", context
    )


@login_required
def my_requests(request: HtmxRequest) -> HttpResponse:
    filters = RequestFilters(request.GET)
    viewer = visibility.viewer_of(request.user)
    # An outside participant sees the staff by their teams: read them with the page.
    where = WHERE_IS_IT_NOW_BY_TEAM if viewer.is_outside else WHERE_IS_IT_NOW
    runs = (
        filters.apply(access.my_requests(request.user))
        .select_related("orchestration")
        .prefetch_related(*where)
        .order_by("-started_at", "-pk")
    )
    page = paginate(request, runs)
    for run in page.object_list:
        for item in run.open_items:
            item.shown_holder = people.holder(item, viewer, item.step_run.step)
    context = {
        "nav": "my-requests",
        "filters": filters,
        "page": page,
        "viewer": viewer,
        "startable": access.startable_orchestrations(request.user),
    }
    return render_list(
        request, "inbox/my_requests.html", "inbox/partials/_requests_table.html", context
    )


# Who holds the ball in each run of My requests, read for a whole page at once.
OPEN_ITEMS = (
    WorkItem.objects.open()
    .select_related("assignee_user", "assignee_group", "claimed_by", "step_run__step")
    .order_by(*DUE_ORDER)
)
WHERE_IS_IT_NOW = (
    Prefetch("work_items", queryset=OPEN_ITEMS, to_attr="open_items"),
    Prefetch(
        "step_runs",
        queryset=StepRun.objects.filter(
            status=StepRunStatus.IN_PROGRESS, step__kind=StepKind.BACKGROUND
        ).select_related("step"),
        to_attr="running_background",
    ),
    Prefetch(
        "stage_runs",
        queryset=StageRun.objects.filter(
            status__in=(StageRunStatus.IN_PROGRESS, StageRunStatus.SUSPENDED, StageRunStatus.ERROR)
        ).select_related("stage"),
        to_attr="current_stages",
    ),
)
WHERE_IS_IT_NOW_BY_TEAM = (
    Prefetch(
        "work_items",
        queryset=OPEN_ITEMS.prefetch_related("assignee_user__groups", "claimed_by__groups"),
        to_attr="open_items",
    ),
    *WHERE_IS_IT_NOW[1:],
)


@login_required
@require_GET
def counts(request: HtmxRequest) -> HttpResponse:
    """The two nav counts as out-of-band swaps (the nav polls this)."""
    return render(request, "inbox/partials/_counts.html", nav_counts(request.user))


@login_required
@require_POST
def claim(request: HtmxRequest, pk: int) -> HttpResponse:
    item = access.work_item_for(request.user, pk)
    try:
        engine.work_item_claim(item, by=request.user)
    except (TransitionRefused, NotAllowed) as refusal:  # AlreadyClaimed, WorkItemClosed too
        back = queue_url_of(request.user, item) or item_url(item.pk)
        return answer_action(request, item.pk, error=str(refusal), fallback=back)
    done = "Claimed — it is in My work now."
    return answer_action(request, item.pk, done=done, fallback=item_url(item.pk))


@login_required
@require_POST
def release(request: HtmxRequest, pk: int) -> HttpResponse:
    item = access.work_item_for(request.user, pk, WorkItem.objects.select_related("assignee_group"))
    try:
        engine.work_item_release(item, by=request.user)
    except (TransitionRefused, NotAllowed) as refusal:
        return answer_action(request, item.pk, error=str(refusal), fallback=item_url(item.pk))
    group = item.assignee_group
    done = f"Released back to the {group.name} queue." if group else "Released."
    return answer_action(request, item.pk, done=done, fallback=reverse("inbox:my-work"))


def answer_action(
    request: HtmxRequest, pk: int, *, fallback: str, done: str = "", error: str = ""
) -> HttpResponse:
    """htmx: the item's queue row as it is now, with the outcome in it. Otherwise a
    message and a redirect to `next` (when it is a page of this site) or `fallback`."""
    next_url = safe_next(request)
    if request.htmx:
        item = WorkItem.objects.select_related(*ITEM_ROW_RELATED).get(pk=pk)
        context = {
            "item": item,
            "answered": True,
            "notice": done,
            "error": error,
            "next_url": next_url,
            "tabs": queue_tabs(request.user),
        }
        return work_changed(render(request, "inbox/partials/_list_row_answer.html", context))
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(next_url or fallback)


def render_list(
    request: HtmxRequest, page_template: str, fragment: str, context: dict[str, Any]
) -> HttpResponse:
    htmx = request.htmx
    template = fragment if htmx and not htmx.history_restore_request else page_template
    # Rows post back here after a claim or release; the fragment polls this URL.
    context["next_url"] = request.get_full_path()
    return render(request, template, context)


def safe_next(request: HtmxRequest) -> str:
    url = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else ""


def item_url(pk: int) -> str:
    return reverse("inbox:work-item", args=[pk])


def queue_url_of(user: User, item: WorkItem) -> str:
    """The team queue the item belongs to, if `user` is in that team."""
    group_id = item.assignee_group_id
    if group_id is None or not user.groups.filter(pk=group_id).exists():
        return ""
    return reverse("inbox:queue", args=[item.assignee_group_id])
