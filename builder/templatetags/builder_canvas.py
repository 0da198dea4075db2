"""`{% load builder_canvas %}`: a step card's and a stage column's facts in words.

{{ step|assignee_text }}   Team: Customer Success · User: Ava Thompson · Assignee: record.owner
{{ step|start_text }}      when the stage starts · after Kickoff call · when record.amount > 10
{{ step.due_in|due_text }} due in 3 days
{% stage_flow stage as flow %}   where the run goes after the stage (builder.canvas.Flow)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from builder.canvas import Flow, flow_of
from builder.durations import duration_words
from orchestrations.models import Stage, Step
from orchestrations.models.choices import AssigneeType, StartWhen

register = template.Library()


@register.filter
def assignee_text(step: Step) -> str:
    match step.assignee_type:
        case AssigneeType.USER if step.assignee_user is not None:
            user = step.assignee_user
            return f"User: {user.get_full_name() or user.get_username()}"
        case AssigneeType.GROUP if step.assignee_group is not None:
            return f"Team: {step.assignee_group.name}"
        case AssigneeType.EXPRESSION if step.assignee_expression:
            return f"Assignee: {step.assignee_expression}"
    return ""


@register.filter
def start_text(step: Step) -> str:
    if step.start_when == StartWhen.AFTER:
        names = [s.name for s in step.start_after.all()]
        if not names:
            return "after… (no step chosen)"
        if len(names) == 1:
            return f"after {names[0]}"
        return f"after {', '.join(names[:-1])} and {names[-1]}"
    if step.start_when == StartWhen.CONDITION:
        return f"when {step.start_condition}" if step.start_condition else "when… (no condition)"
    return "when the stage starts"


@register.filter
def due_text(due_in: timedelta | None) -> str:
    if due_in is None:
        return ""
    return "due in " + (duration_words(due_in, minutes_after_days=False) or "no time")


@register.simple_tag
def stage_flow(stage: Stage) -> Flow:
    return flow_of(stage)


@register.filter
def ago(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"
