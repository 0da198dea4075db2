from .choices import FieldType
from .definitions import DecisionOutcome, Orchestration, Stage, Step, Version
from .events import RunEvent
from .forms import Form, FormField, InputVariable
from .people import Comment, Delegation
from .runs import Run, StageRun, StepRun
from .work_items import WorkItem

__all__ = [
    "Comment",
    "DecisionOutcome",
    "Delegation",
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
