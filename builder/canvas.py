"""The canvas of one version: its stages and steps loaded in a fixed number of
queries, and the changes made on it (reorder, move, delete rules).

Every change runs inside `draft_change`: it locks the orchestration row (the lock
`version_activate` takes), re-reads the version and refuses unless it is still a
draft, so an edit racing an activation either lands before it or not at all.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Manager, Max, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from orchestrations.models import DecisionOutcome, Orchestration, Stage, Step, Version

from .ordering import moved, renumber

# Set on each stage by `canvas_stages`: the stage after it (None for the last one),
# so a column needs no query to say where its run goes next.
NEXT_STAGE = "canvas_next_stage"


def canvas_steps() -> QuerySet[Step]:
    """Steps with everything a card shows."""
    return (
        Step.objects.select_related("form", "assignee_user", "assignee_group")
        .prefetch_related(Prefetch("start_after", queryset=Step.objects.order_by("position", "pk")))
        .order_by("position", "pk")
    )


def canvas_stages(version: Version, only: Collection[int] | None = None) -> list[Stage]:
    """The stages of `version` in order (or those in `only`), with their steps and
    decisions, in five queries however many there are."""
    stages = list(
        version.stages.select_related("default_target", "fault_target").order_by("position", "pk")
    )
    for i, stage in enumerate(stages):
        setattr(stage, NEXT_STAGE, stages[i + 1] if i + 1 < len(stages) else None)
    if only is not None:
        stages = [s for s in stages if s.pk in only]
    outcomes = DecisionOutcome.objects.select_related("target").order_by("position", "pk")
    prefetch_related_objects(
        stages, Prefetch("steps", queryset=canvas_steps()), Prefetch("outcomes", queryset=outcomes)
    )
    return stages


def columns_naming(stages: list[Stage], pk: int) -> list[Stage]:
    """Of `stages` (from `canvas_stages`), the columns that show stage `pk` or its name:
    its own, the one before it (its run goes on to the next stage) and those whose
    decision, default or fault path lead to it."""
    return [
        s
        for s in stages
        if pk in (s.pk, s.default_target_id, s.fault_target_id)
        or getattr(getattr(s, NEXT_STAGE, None), "pk", None) == pk
        or any(o.target_id == pk for o in s.outcomes.all())
    ]


def next_stage(stage: Stage) -> Stage | None:
    """The stage after `stage` in order (read from `canvas_stages` when it loaded it)."""
    if hasattr(stage, NEXT_STAGE):
        return getattr(stage, NEXT_STAGE)
    later = Q(position__gt=stage.position) | Q(position=stage.position, pk__gt=stage.pk)
    return (
        Stage.objects.filter(later, version_id=stage.version_id).order_by("position", "pk").first()
    )


def is_loop(stage: Stage, target: Stage | None) -> bool:
    """Whether going from `stage` to `target` goes back (to it or an earlier stage)."""
    return target is not None and (target.position, target.pk) <= (stage.position, stage.pk)


@dataclass
class Route:
    """One way out of a stage, in words: `to` is a stage name or None for the end."""

    to: str | None
    loop: bool = False
    label: str = ""
    condition: str = ""


@dataclass
class Flow:
    """Where a run goes after a stage: ordered outcomes, what happens otherwise, and
    the fault path."""

    outcomes: list[Route] = field(default_factory=list)
    otherwise: Route = field(default_factory=lambda: Route(None))
    otherwise_is_next: bool = True
    fault: Stage | None = None


def flow_of(stage: Stage) -> Flow:
    outcomes = [
        Route(o.target.name if o.target else None, is_loop(stage, o.target), o.label, o.condition)
        for o in stage.outcomes.all()
    ]
    if stage.default_ends_run:
        otherwise, is_next = Route(None), False
    elif stage.default_target is not None:
        target = stage.default_target
        otherwise, is_next = Route(target.name, is_loop(stage, target)), False
    else:
        following = next_stage(stage)
        otherwise, is_next = Route(following.name if following else None), True
    return Flow(outcomes, otherwise, is_next, stage.fault_target)


@contextmanager
def draft_change(version: Version) -> Iterator[Version]:
    """A transaction in which `version` may change: the orchestration row is locked
    (and its `updated_at` set, the list's "last edited"), the version re-read, and
    `VersionLockedError` raised unless it is still a draft."""
    with transaction.atomic():
        Orchestration.objects.select_for_update().filter(pk=version.orchestration_id).update(
            updated_at=timezone.now()
        )
        fresh = Version.objects.select_related("orchestration").get(pk=version.pk)
        fresh.check_editable()
        yield fresh


def next_position(items: QuerySet[Any] | Manager[Any]) -> int:
    """The position after the last one of a queryset of stages or steps."""
    highest = items.aggregate(highest=Max("position"))["highest"]
    return 0 if highest is None else highest + 1


def stages_reorder(version: Version, ids: list[int]) -> None:
    """Put the stages of `version` in the order of `ids` (stages left out keep their
    order, after those given). ValueError if an id is not a stage of the version."""
    stages = {s.pk: s for s in version.stages.order_by("position", "pk")}
    if not set(ids) <= stages.keys():
        raise ValueError("Not a stage of this version.")
    ordered = [stages[pk] for pk in dict.fromkeys(ids)]
    ordered += [s for pk, s in stages.items() if pk not in ids]
    if ordered:
        renumber(ordered)


def stage_move(stage: Stage, direction: str) -> None:
    stages = list(Stage.objects.filter(version_id=stage.version_id).order_by("position", "pk"))
    renumber(moved(stages, next(s for s in stages if s.pk == stage.pk), direction))


def steps_reorder(stage: Stage, ids: list[int]) -> set[int]:
    """Put the steps `ids` in this order at the top of `stage`, moving in those from
    other stages of the version; the pks of the stages they came from. ValueError if
    an id is not a step of the version."""
    ids = list(dict.fromkeys(ids))
    given = {s.pk: s for s in Step.objects.filter(version_id=stage.version_id, pk__in=ids)}
    if len(given) != len(ids):
        raise ValueError("Not a step of this version.")
    sources = {s.stage_id for s in given.values()} - {stage.pk}
    rest = list(stage.steps.exclude(pk__in=ids).order_by("position", "pk"))
    ordered = [given[pk] for pk in ids] + rest
    for step in ordered:
        step.stage = stage
    if ordered:
        renumber(ordered, "stage")
    return sources


def step_move(step: Step, direction: str) -> None:
    steps = list(Step.objects.filter(stage_id=step.stage_id).order_by("position", "pk"))
    renumber(moved(steps, next(s for s in steps if s.pk == step.pk), direction))


def step_move_to_stage(step: Step, stage: Stage) -> int:
    """Move `step` to the end of `stage`; the pk of the stage it left."""
    source = step.stage_id
    if source != stage.pk:
        Step.objects.filter(pk=step.pk).update(stage=stage, position=next_position(stage.steps))
    return source


def step_waiting(step: Step) -> list[Step]:
    """The other steps that wait for `step` (which deleting it would break)."""
    return list(Step.objects.filter(start_after=step).exclude(pk=step.pk).order_by("name"))


def stage_references(stage: Stage) -> list[str]:
    """How other stages lead to `stage`, in words: what deleting it would break."""
    found = []
    outcomes = DecisionOutcome.objects.filter(target=stage).exclude(stage=stage)
    for outcome in outcomes.select_related("stage").order_by("stage__position", "position"):
        named = f" (“{outcome.label}”)" if outcome.label else ""
        found.append(f"the decision of “{outcome.stage.name}”{named} goes to it")
    others = Stage.objects.filter(version_id=stage.version_id).exclude(pk=stage.pk)
    for other in others.filter(default_target=stage).order_by("position"):
        found.append(f"“{other.name}” goes to it by default")
    for other in others.filter(fault_target=stage).order_by("position"):
        found.append(f"“{other.name}” sends its errors to it")
    return found
