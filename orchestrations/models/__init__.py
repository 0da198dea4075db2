from .choices import FieldType, Visibility
from .definitions import DecisionOutcome, Orchestration, Stage, Step, Version
from .events import RunEvent
from .forms import Form, FormField, InputVariable
from .outbox import OutboxKind, OutboxMessage, Pulse
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
    "OutboxKind",
    "OutboxMessage",
    "Pulse",
    "Run",
    "RunEvent",
    "Stage",
    "StageRun",
    "Step",
    "StepRun",
    "Version",
    "Visibility",
    "WorkItem",
]
