"""Deciding, separate from doing: what must start or end next in a stage.

The planner sees a snapshot (the stage's definition and the status of each of
its steps) and a function that evaluates a condition; it touches no database.
The engine applies the plan, then asks again until there is nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..conditions import ConditionError
from ..models.choices import StartWhen
from ..status import StepRunStatus
from .definition import END, StageDef, VersionDef

Evaluate = Callable[[str], bool]


@dataclass
class StagePlan:
    complete: list[str] = field(default_factory=list)  # steps whose exit condition holds
    start: list[str] = field(default_factory=list)
    exit_stage: bool = False
    failed_step: str = ""  # a step whose condition could not be evaluated
    error: str = ""  # why the stage cannot go on

    @property
    def is_empty(self) -> bool:
        return not (self.complete or self.start or self.exit_stage or self.error)


def plan_stage(stage: StageDef, statuses: Mapping[str, str], evaluate: Evaluate) -> StagePlan:
    """What to do in a running stage whose steps have `statuses` (step key → status)."""
    plan = StagePlan()
    after = dict(statuses)
    current = ""
    try:
        for step in stage.steps:
            current = step.key
            running = after[step.key] == StepRunStatus.IN_PROGRESS
            if running and step.exit_condition and evaluate(step.exit_condition):
                plan.complete.append(step.key)
                after[step.key] = StepRunStatus.COMPLETED
        for step in stage.steps:
            current = step.key
            if after[step.key] != StepRunStatus.NOT_STARTED:
                continue
            if step.start_when == StartWhen.AFTER:
                ready = all(after.get(k) == StepRunStatus.COMPLETED for k in step.start_after)
            elif step.start_when == StartWhen.CONDITION:
                ready = evaluate(step.start_condition)
            else:
                ready = True
            if ready:
                plan.start.append(step.key)
        current = ""
        plan.exit_stage = _exits(stage, after, plan, evaluate)
    except ConditionError as error:
        return StagePlan(failed_step=current, error=_describe(error, stage, current))
    return plan


def _exits(
    stage: StageDef, statuses: Mapping[str, str], plan: StagePlan, evaluate: Evaluate
) -> bool:
    """Whether the stage ends now (docs/definition-format.md, "How a stage ends")."""
    if all(statuses[s.key] == StepRunStatus.COMPLETED for s in stage.steps):
        return True
    if stage.exit_condition:
        # The designer said what ends the stage, so it waits for that: a step that
        # starts on a condition (a record edit, say) keeps waiting instead of being skipped.
        return evaluate(stage.exit_condition)
    return _settled(stage, statuses, plan)


def _settled(stage: StageDef, statuses: Mapping[str, str], plan: StagePlan) -> bool:
    """Nothing is running and nothing can start: every step is complete, or waits on
    a condition that does not hold (it is then skipped, i.e. discontinued)."""
    if plan.start:
        return False
    done = (StepRunStatus.COMPLETED, StepRunStatus.NOT_STARTED)
    return all(statuses[s.key] in done for s in stage.steps)


@dataclass(frozen=True)
class Decision:
    target: str  # a stage key, or END
    reason: str  # shown in the timeline: which outcome, the default, or the next stage


def decide(definition: VersionDef, stage: StageDef, evaluate: Evaluate) -> Decision:
    """Where the run goes when `stage` exits. Raises `ConditionError`."""
    for number, outcome in enumerate(stage.outcomes, start=1):
        if evaluate(outcome.condition):
            label = outcome.label or f"outcome {number}"
            return Decision(outcome.target, f"{label} ({outcome.condition})")
    if stage.default_target:
        return Decision(stage.default_target, "default" if stage.outcomes else "configured next")
    following = definition.next_stage(stage.key)
    if following is None:
        return Decision(END, "last stage")
    return Decision(following.key, "next stage")


def _describe(error: ConditionError, stage: StageDef, step_key: str) -> str:
    where = f"step '{step_key}'" if step_key else f"stage '{stage.key}'"
    return f"A condition of {where} could not be evaluated: {error}"


__all__ = ["END", "Decision", "StagePlan", "decide", "plan_stage"]
