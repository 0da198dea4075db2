"""Inside a stage: its steps in rows (steps that start together side by side, a step
that waits for others in a row below them), each box sized to its text."""

from __future__ import annotations

from collections.abc import Iterator

from orchestrations.engine.definition import StageDef, StepDef
from orchestrations.models.choices import StartWhen
from orchestrations.status import StepRunStatus

from .shapes import (
    CHAR_W,
    META_CHARS,
    NAME_CHARS,
    ROW_GAP,
    STAGE_MIN_W,
    STAGE_PAD,
    STATUS_MARKERS,
    STEP_GAP_X,
    STEP_W,
    StageNode,
    StepNode,
    Text,
    shorten,
    wrap,
)


def step_rows(stage: StageDef) -> list[list[StepDef]]:
    """The steps of `stage` in rows: a step waiting for others goes below them."""
    levels = _levels(stage)
    rows: dict[int, list[StepDef]] = {}
    for step in stage.steps:
        rows.setdefault(levels[step.key], []).append(step)
    return [rows[n] for n in sorted(rows)]


def _levels(stage: StageDef) -> dict[str, int]:
    """Each step's row: one below the lowest step it waits for (0 if none). In a
    circle, the wait that closes it is left out. Walked with a stack of our own: a
    chain of 2,000 steps must not overflow Python's."""
    by_key = {step.key: step for step in stage.steps}
    levels: dict[str, int] = {}

    def waited(step: StepDef, path: set[str]) -> Iterator[StepDef]:
        return iter([by_key[k] for k in waits_for(step) if k in by_key and k not in path])

    for top in stage.steps:
        if top.key in levels:
            continue
        path = {top.key}  # the steps being walked, each waiting for the next
        walking = [(top, waited(top, path))]
        lowest = [-1]  # per step walked: the lowest row among what it waits for
        while walking:
            step, unvisited = walking[-1]
            dep = next(unvisited, None)
            if dep is None:
                walking.pop()
                path.discard(step.key)
                levels[step.key] = lowest.pop() + 1
                if lowest:
                    lowest[-1] = max(lowest[-1], levels[step.key])
            elif dep.key in levels:
                lowest[-1] = max(lowest[-1], levels[dep.key])
            else:
                path.add(dep.key)
                walking.append((dep, waited(dep, path)))
                lowest.append(-1)
    return levels


def waits_for(step: StepDef) -> tuple[str, ...]:
    return step.start_after if step.start_when == StartWhen.AFTER else ()


def start_words(step: StepDef, names: dict[str, str]) -> str:
    if step.start_when == StartWhen.AFTER:
        waited = ", ".join(names.get(k, k) for k in step.start_after) or "(nothing)"
        return f"after {waited}"
    if step.start_when == StartWhen.CONDITION:
        return f"when {step.start_condition}"
    return "with the stage"


def step_node(step: StepDef, names: dict[str, str], statuses: dict[int, str] | None) -> StepNode:
    node = StepNode(step.key, step.name, step.kind, start=start_words(step, names))
    lines = wrap(step.name, NAME_CHARS, 2)
    node.lines = [Text(28, 18 + 15 * i, line, "step-name") for i, line in enumerate(lines)]
    y: float = 18 + 15 * len(node.lines) + 1
    meta = node.kind_label if step.is_interactive else f"Automatic · {step.action or '—'}"
    node.lines.append(Text(10, y, shorten(meta, META_CHARS), "step-meta"))
    if step.start_when == StartWhen.CONDITION:
        y += 14
        condition = shorten(f"◇ if {step.start_condition}", META_CHARS)
        node.lines.append(Text(10, y, condition, "step-meta step-condition"))
    if statuses is not None:
        node.status = statuses.get(step.id, StepRunStatus.NOT_STARTED)
        node.status_label = StepRunStatus(node.status).label
        node.marker = STATUS_MARKERS[StepRunStatus(node.status)]
        y += 15
        node.lines.append(Text(10, y, f"{node.marker} {node.status_label}", "step-status"))
    node.h = y + 10
    return node


def stage_node(
    stage: StageDef, index: int, statuses: dict[int, str] | None, current: bool
) -> StageNode:
    node = StageNode(stage.key, stage.name, index, stage.exit_condition, current=current)
    names = {step.key: step.name for step in stage.steps}
    rows = [[step_node(step, names, statuses) for step in row] for row in step_rows(stage)]
    widest = max((len(row) * (STEP_W + STEP_GAP_X) - STEP_GAP_X for row in rows), default=0)
    node.w = max(STAGE_MIN_W, widest + 2 * STAGE_PAD)
    name_chars = int((node.w - 2 * STAGE_PAD) / 8.2)
    node.header = [
        Text(STAGE_PAD, 22 + 18 * i, line, "stage-name")
        for i, line in enumerate(wrap(stage.name, name_chars, 2))
    ]
    y: float = 22 + 18 * (len(node.header) - 1)
    note_chars = int((node.w - 2 * STAGE_PAD) / CHAR_W)
    if stage.exit_condition:
        y += 17
        note = shorten(f"Exits when {stage.exit_condition}", note_chars)
        node.notes.append(Text(STAGE_PAD, y, note, "stage-note"))
    if current:
        y += 17
        node.notes.append(Text(STAGE_PAD, y, "▶ Current stage", "stage-note stage-current-note"))
    y += 16
    for row in rows:
        row_w = len(row) * (STEP_W + STEP_GAP_X) - STEP_GAP_X
        x = (node.w - row_w) / 2
        row_h = max(step.h for step in row)
        for step in row:
            step.x, step.y, step.h = x, y, row_h
            x += STEP_W + STEP_GAP_X
        y += row_h + ROW_GAP
    if not rows:
        node.empty_text = Text(STAGE_PAD, y + 14, "No steps yet", "stage-note")
        y += 40
    node.h = y - (ROW_GAP if rows else 0) + STAGE_PAD
    node.steps = [step for row in rows for step in row]
    return node
