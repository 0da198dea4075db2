"""How stages lead to one another and steps wait for one another: empty or
unreachable stages, loops that may never end, steps that wait in a circle."""

from __future__ import annotations

from typing import Any

from ..models.choices import StepKind
from .problems import WARNING, Problem, child, stage_paths, step_paths
from .schema import END


def check_graph(definition: dict[str, Any], problems: list[Problem]) -> None:
    stages = stage_paths(definition)
    if not stages:
        if any(p.path == "$.stages" for p in problems):
            return  # missing, or not a list: already reported
        problems.append(Problem("$.stages", "A definition needs at least one stage."))
        return
    for path, stage in stages:
        if not stage["steps"]:
            problems.append(Problem(child(path, "steps"), "A stage needs at least one step."))
    _unreachable_stages(stages, problems)
    if definition["max_stage_visits"] is None:
        _loops(stages, problems)
    for path, stage in stages:
        _waiting_cycles(stage, path, problems)
    for path, step, _ in step_paths(definition):
        if step["type"] == StepKind.INTERACTIVE and step["due_in"] is None:
            problems.append(
                Problem(
                    child(path, "due_in"),
                    "No due_in: the work item is never overdue, so nobody is reminded.",
                    WARNING,
                )
            )


def _targets(stage: dict[str, Any]) -> list[tuple[str, str]]:
    """(JSON path suffix, stage key) of every explicit way out of a stage's decision."""
    decision = stage["decision"]
    found = [
        (f"decision.outcomes[{i}].goto", outcome["goto"])
        for i, outcome in enumerate(decision["outcomes"])
    ]
    found.append(("decision.default", decision["default"]))
    return [(where, key) for where, key in found if key not in (None, END)]


def _unreachable_stages(stages: list[tuple[str, dict[str, Any]]], problems: list[Problem]) -> None:
    index: dict[str, int] = {}
    for i, (_, stage) in enumerate(stages):
        index.setdefault(stage["key"], i)
    reached, todo = {0}, [0]
    while todo:
        i = todo.pop()
        stage = stages[i][1]
        following = [index.get(key) for _, key in _targets(stage)]
        following.append(index.get(stage["on_error"]))
        if stage["decision"]["default"] is None and i + 1 < len(stages):
            following.append(i + 1)
        for j in following:
            if j is not None and j not in reached:
                reached.add(j)
                todo.append(j)
    for i, (path, stage) in enumerate(stages):
        if i in reached:
            continue
        before = stages[i - 1][1]
        why = "no decision or fault path leads to it"
        if before["decision"]["default"] is not None and i - 1 in reached:
            why += f", and stage '{before['key']}' before it always decides where to go"
        problems.append(Problem(path, f"Stage '{stage['key']}' is unreachable: {why}."))


def _loops(stages: list[tuple[str, dict[str, Any]]], problems: list[Problem]) -> None:
    index: dict[str, int] = {}
    for i, (_, stage) in enumerate(stages):
        index.setdefault(stage["key"], i)
    for i, (path, stage) in enumerate(stages):
        for where, key in _targets(stage):
            if key in index and index[key] <= i:
                name = stages[index[key]][1].get("name") or key
                problems.append(
                    Problem(
                        f"{path}.{where}",
                        f"Loops back to '{name}': make sure the loop can end "
                        "(or set max_stage_visits).",
                        WARNING,
                    )
                )


def _waiting_cycles(stage: dict[str, Any], path: str, problems: list[Problem]) -> None:
    positions = {step["key"]: j for j, step in enumerate(stage["steps"])}
    waits = {
        step["key"]: [
            key
            for key in (step["start"].get("after", []) if isinstance(step["start"], dict) else [])
            if key in positions and key != step["key"]
        ]
        for step in stage["steps"]
    }
    reported: set[frozenset[str]] = set()
    for cycle in _cycles(waits):
        if frozenset(cycle) in reported:
            continue
        reported.add(frozenset(cycle))
        first = min(cycle, key=positions.__getitem__)
        start = cycle.index(first)
        ordered = cycle[start:] + cycle[:start]
        where = child(child(child(path, "steps"), positions[first]), "start")
        problems.append(
            Problem(
                where,
                f"Steps wait for each other in a circle: {_circle_text(ordered)}; none can start.",
            )
        )


def _circle_text(ordered: list[str]) -> str:
    """ "a → b → a"; a long circle by its ends and its length."""
    names = [*ordered, ordered[0]]
    if len(names) <= 10:
        return " → ".join(names)
    return " → ".join([*names[:5], "…", *names[-3:]]) + f" ({len(ordered):,} steps)"


def _cycles(waits: dict[str, list[str]]) -> list[list[str]]:
    """Cycles found by a depth-first walk (each closing edge gives one cycle). The walk
    keeps its own stack: a chain of 2,000 steps must not overflow Python's."""
    cycles: list[list[str]] = []
    done: set[str] = set()
    for start in waits:
        if start in done:
            continue
        trail = [start]  # the keys being walked, each waiting for the next
        on_trail = {start: 0}  # key -> its index in trail
        unvisited = [iter(waits.get(start, []))]  # per key of the trail: what it waits for
        while unvisited:
            waited = next(unvisited[-1], None)
            if waited is None:
                done.add(trail[-1])
                del on_trail[trail.pop()]
                unvisited.pop()
            elif waited in on_trail:
                cycles.append(trail[on_trail[waited] :])
            elif waited not in done:
                on_trail[waited] = len(trail)
                trail.append(waited)
                unvisited.append(iter(waits.get(waited, [])))
    return cycles
