from .choices import FieldType
from .definitions import DecisionOutcome, Orchestration, Stage, Step, Version
from .events import RunEvent
from .forms import Form, FormField, InputVariable
from .runs import Run, StageRun, StepRun
from .work_items import WorkItem

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
