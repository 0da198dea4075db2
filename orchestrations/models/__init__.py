from .definitions import (
    DecisionOutcome,
    FieldType,
    Form,
    FormField,
    InputVariable,
    Orchestration,
    Stage,
    Step,
    Version,
)
from .runs import Run, RunEvent, StageRun, StepRun, WorkItem

__all__ = [
    "DecisionOutcome",
    "FieldType",
    "Form",
    "FormField",
    "InputVariable",
    "Orchestration",
    "Run",
    "RunEvent",
    "Stage",
    "StageRun",
    "Step",
    "StepRun",
    "Version",
    "WorkItem",
]
