"""Background operations a step can run: built-ins plus functions the host project
registers with `@action`."""

from .registry import (
    Action,
    ActionContext,
    ActionInput,
    ActionResult,
    UnknownActionError,
    action,
    get_action,
    registered_actions,
)

__all__ = [
    "Action",
    "ActionContext",
    "ActionInput",
    "ActionResult",
    "UnknownActionError",
    "action",
    "get_action",
    "registered_actions",
]
