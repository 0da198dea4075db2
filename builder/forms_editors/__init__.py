"""The side-panel editors' forms: a step with every setting of the format, a stage
with its decision. Conditions, expressions and templates are checked on save against
the whole version (what activation checks) and live, as typed, by `condition_check`."""

from .conditions import check_errors, live_check
from .stage import (
    END,
    OutcomeForm,
    OutcomeFormSet,
    StageForm,
    apply_row_action,
    outcome_rows,
    row_action_focus,
)
from .step import StepForm, waiting_circle
from .values import input_text, input_value

__all__ = [
    "END",
    "OutcomeForm",
    "OutcomeFormSet",
    "StageForm",
    "StepForm",
    "apply_row_action",
    "check_errors",
    "input_text",
    "input_value",
    "live_check",
    "outcome_rows",
    "row_action_focus",
    "waiting_circle",
]
