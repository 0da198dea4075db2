"""The action registry.

    @action("crm.create_account",
            inputs={"name": "string", "tier": ActionInput("string", required=False)},
            outputs=["account_id"])
    def create_account(ctx: ActionContext, name: str, tier: str = "basic") -> dict:
        return {"account_id": crm.create(name, tier)}

A function receives an `ActionContext` and its inputs (already resolved from the
step's input mapping) and returns its outputs as a dict, an `ActionResult`, or
None. Raising an exception fails the attempt; the step's retry policy decides
what happens next.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

INPUT_TYPES = ("string", "number", "boolean", "object", "list", "datetime", "any")


class UnknownActionError(LookupError):
    pass


@dataclass(frozen=True)
class ActionInput:
    type: str = "any"
    required: bool = True
    help: str = ""


@dataclass(frozen=True)
class Action:
    name: str
    func: Callable[..., Any]
    inputs: Mapping[str, ActionInput]
    outputs: tuple[str, ...] | None  # None: not declared, any output may appear
    description: str = ""
    # The input naming who reads the others (email addresses): the other inputs are
    # rendered as those readers may see the run's answers (`orchestrations.visibility`).
    readers: str | None = None


@dataclass
class ActionContext:
    """What an action may look at: the run, its record and the condition namespaces.

    `idempotency_key` names this attempt: pass it to the service you call (e.g. as an
    `Idempotency-Key` header) so that it can recognise the same request made again. It
    stays the same when the attempt runs again because its worker was lost after the
    call, and changes for a retry after a failure. `attempt` counts the step's attempts.
    """

    run: Any
    step_run: Any
    record: Any
    namespaces: Mapping[str, Any]
    attempt: int
    idempotency_key: str = ""


@dataclass
class ActionResult:
    """Outputs plus effects the engine applies when it records the step's completion,
    in the same transaction: fields of the run's record, run variables, emails, or a
    wait."""

    outputs: dict[str, Any] = field(default_factory=dict)
    record_updates: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    wait_until: datetime | None = None
    # {"to": [addresses], "subject": …, "body": …}: sent through the outbox once the
    # completion commits, so exactly once even if the body runs again.
    emails: list[dict[str, Any]] = field(default_factory=list)


_REGISTRY: dict[str, Action] = {}


def action(
    name: str,
    *,
    inputs: Mapping[str, str | ActionInput] | None = None,
    outputs: list[str] | tuple[str, ...] | None = None,
    description: str = "",
    readers: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function as the action `name`, with its declared inputs."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        declared = {
            key: spec if isinstance(spec, ActionInput) else ActionInput(spec)
            for key, spec in (inputs or {}).items()
        }
        for key, spec in declared.items():
            if spec.type not in INPUT_TYPES:
                raise ValueError(f"Action {name}: input {key} has unknown type {spec.type!r}")
        _REGISTRY[name] = Action(
            name=name,
            func=func,
            inputs=declared,
            outputs=tuple(outputs) if outputs is not None else None,
            description=description or (func.__doc__ or "").strip().split("\n")[0],
            readers=readers,
        )
        return func

    return register


def get_action(name: str) -> Action:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownActionError(f"There is no action named '{name}'.") from None


def registered_actions() -> dict[str, Action]:
    return dict(sorted(_REGISTRY.items()))


def unregister(name: str) -> None:
    """For tests that register throwaway actions."""
    _REGISTRY.pop(name, None)
