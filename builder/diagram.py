"""The layout of a version's read-only diagram: where each box, arrow and label goes.

Stages are boxes from left to right; inside each, its steps in rows (steps that start
together side by side, a step that waits for others in a row below them, with arrows).
Between stages: the default flow and decision outcomes to the next stage as straight
arrows; jumps forward (and to the end) as rounded arrows below the stages; loops back
to an earlier stage as rounded arrows above them; fault paths dashed below. The
template `builder/partials/_diagram.html` draws the SVG (and escapes every name).

Built from `version_definition` (the engine's cached snapshot), so a diagram of an
active version costs no queries; a run's diagram adds one for its step runs.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from orchestrations.engine.definition import (
    END,
    StageDef,
    StepDef,
    VersionDef,
    version_definition,
)
from orchestrations.models import Run, StepRun, Version
from orchestrations.models.choices import StartWhen
from orchestrations.status import StepRunStatus

STEP_W, STEP_GAP_X, ROW_GAP = 172, 12, 30
STAGE_PAD, STAGE_MIN_W = 12, 196
NAME_CHARS, META_CHARS = 18, 26
CHAR_W = 6.4  # average width of a character at the label size (11 to 12px)
LANE, MARGIN, RADIUS = 30, 16, 10
END_W, END_H = 56, 32

# Not by colour alone: each status also has a marker and its name in the box.
STATUS_MARKERS = {
    StepRunStatus.NOT_STARTED: "○",
    StepRunStatus.IN_PROGRESS: "▶",
    StepRunStatus.COMPLETED: "✓",
    StepRunStatus.ERROR: "⚠",
    StepRunStatus.DISCONTINUED: "⊘",
    StepRunStatus.CANCELED: "✕",
}
OPEN_STAGE_STATUSES = ("in_progress", "suspended", "error")


@dataclass
class Text:
    x: float
    y: float
    text: str
    cls: str = ""


@dataclass
class StepNode:
    key: str
    name: str
    kind: str
    x: float = 0
    y: float = 0
    w: float = STEP_W
    h: float = 0
    lines: list[Text] = field(default_factory=list)
    start: str = ""  # how it starts, in words (for the list)
    status: str = ""  # a run's diagram only
    status_label: str = ""
    marker: str = ""

    @property
    def is_interactive(self) -> bool:
        return self.kind == "interactive"

    @property
    def kind_label(self) -> str:
        return "Person" if self.is_interactive else "Automatic"

    @property
    def title(self) -> str:
        status = f"; {self.status_label.lower()}" if self.status else ""
        return f"{self.name} ({self.kind_label.lower()}; starts {self.start}){status}"


@dataclass
class StageNode:
    key: str
    name: str
    index: int
    exit_condition: str
    x: float = 0
    y: float = 0
    w: float = STAGE_MIN_W
    h: float = 0
    header: list[Text] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)  # exit condition, "current stage"
    steps: list[StepNode] = field(default_factory=list)
    flows: list[str] = field(default_factory=list)  # where the run goes next, in words
    current: bool = False
    empty_text: Text | None = None


@dataclass
class Edge:
    kind: str  # flow, decision, loop, fault, after
    d: str = ""
    label: list[Text] = field(default_factory=list)
    title: str = ""


@dataclass
class Diagram:
    uid: str
    title: str
    width: float
    height: float
    stages: list[StageNode]
    edges: list[Edge]
    end: Text | None = None  # the End node's top-left corner
    is_run: bool = False
    offset_y: float = 0  # room above the stages for the loops

    @property
    def end_w(self) -> int:
        return END_W

    @property
    def end_h(self) -> int:
        return END_H

    @property
    def status_legend(self) -> list[tuple[str, str, str]]:
        return [(status.value, marker, status.label) for status, marker in STATUS_MARKERS.items()]

    @property
    def desc(self) -> str:
        names = ", ".join(stage.name for stage in self.stages)
        steps = sum(len(stage.steps) for stage in self.stages)
        loops = sum(1 for edge in self.edges if edge.kind == "loop")
        loop_text = f" {loops} loop{'s' if loops != 1 else ''} back." if loops else ""
        return (
            f"{len(self.stages)} stage{'s' if len(self.stages) != 1 else ''} from left to "
            f"right: {names}. {steps} step{'s' if steps != 1 else ''}.{loop_text}"
        )


def wrap(text: str, chars: int, lines: int) -> list[str]:
    return textwrap.wrap(text, max(chars, 4), max_lines=lines, placeholder="…") or [""]


def shorten(text: str, chars: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= chars else text[: max(chars - 1, 1)].rstrip() + "…"


def build_diagram(
    definition: VersionDef,
    *,
    uid: str,
    title: str,
    statuses: dict[int, str] | None = None,
    current_stage_id: int | None = None,
) -> Diagram:
    """Lay out `definition`. With `statuses` (step id → status of its latest step
    run), each step shows its status, and `current_stage_id` is highlighted."""
    stages = [
        _stage_node(stage, i, statuses, stage.id == current_stage_id)
        for i, stage in enumerate(definition.stages)
    ]
    diagram = Diagram(uid, title, 0, 0, stages, [], is_run=statuses is not None)
    if stages:
        _Router(definition, diagram).route()
    return diagram


# --- Inside a stage -----------------------------------------------------------------------


def step_rows(stage: StageDef) -> list[list[StepDef]]:
    """The steps of `stage` in rows: a step waiting for others goes below them."""
    by_key = {step.key: step for step in stage.steps}
    levels: dict[str, int] = {}

    def level(step: StepDef, seen: frozenset[str]) -> int:
        if step.key not in levels:
            waits = [by_key[k] for k in _waits_for(step) if k in by_key and k not in seen]
            levels[step.key] = 1 + max((level(w, seen | {step.key}) for w in waits), default=-1)
        return levels[step.key]

    rows: dict[int, list[StepDef]] = {}
    for step in stage.steps:
        rows.setdefault(level(step, frozenset({step.key})), []).append(step)
    return [rows[n] for n in sorted(rows)]


def _waits_for(step: StepDef) -> tuple[str, ...]:
    return step.start_after if step.start_when == StartWhen.AFTER else ()


def start_words(step: StepDef, names: dict[str, str]) -> str:
    if step.start_when == StartWhen.AFTER:
        waited = ", ".join(names.get(k, k) for k in step.start_after) or "(nothing)"
        return f"after {waited}"
    if step.start_when == StartWhen.CONDITION:
        return f"when {step.start_condition}"
    return "with the stage"


def _step_node(step: StepDef, names: dict[str, str], statuses: dict[int, str] | None) -> StepNode:
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


def _stage_node(
    stage: StageDef, index: int, statuses: dict[int, str] | None, current: bool
) -> StageNode:
    node = StageNode(stage.key, stage.name, index, stage.exit_condition, current=current)
    names = {step.key: step.name for step in stage.steps}
    rows = [[_step_node(step, names, statuses) for step in row] for row in step_rows(stage)]
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


# --- Between stages -----------------------------------------------------------------------


@dataclass
class _Flow:
    kind: str  # flow, decision, fault
    source: int  # stage index
    target: int  # stage index; len(stages) is the End node
    label: str
    title: str = ""

    @property
    def is_back(self) -> bool:
        return self.target <= self.source


class _Router:
    """Places the stages left to right (at y = 0; the template shifts everything
    down by `offset_y` to make room for the loops above) and draws the arrows."""

    def __init__(self, definition: VersionDef, diagram: Diagram):
        self.definition = definition
        self.diagram = diagram
        self.stages = diagram.stages
        self.index = {stage.key: i for i, stage in enumerate(definition.stages)}
        self.end = len(self.stages)

    def route(self) -> None:
        flows = [flow for i in range(len(self.stages)) for flow in self.flows_of(i)]
        straight = [f for f in flows if f.target == f.source + 1 and f.kind != "fault"]
        above = [f for f in flows if f.is_back and f.kind != "fault"]
        below = [f for f in flows if f not in straight and f not in above]
        self.place_stages(straight, needs_end=any(f.target == self.end for f in flows))
        for source in range(len(self.stages)):
            self.straight_edges([f for f in straight if f.source == source])
        lanes_above = self.curves(above, side="above")
        lanes_below = self.curves(below, side="below")
        self.after_edges()
        diagram = self.diagram
        diagram.offset_y = MARGIN + (24 + (lanes_above - 1) * LANE + 18 if lanes_above else 0)
        below_h = 22 + (lanes_below - 1) * LANE + 8 if lanes_below else 0
        diagram.height = diagram.offset_y + self.stages[0].h + below_h + MARGIN

    def target_of(self, key: str, source: int) -> int | None:
        if key == END:
            return self.end
        if key == "":
            return source + 1
        return self.index.get(key)

    def name_of(self, target: int) -> str:
        return "the end of the run" if target == self.end else self.stages[target].name

    def flows_of(self, i: int) -> list[_Flow]:
        stage = self.definition.stages[i]
        node = self.stages[i]
        flows = []
        for outcome in stage.outcomes:
            target = self.target_of(outcome.target, i)
            if target is None:
                continue
            label = outcome.label or f"if {outcome.condition}"
            flows.append(_Flow("decision", i, target, label, f"{label} (when {outcome.condition})"))
            node.flows.append(self.flow_text(f"If {label}", target, i, outcome.condition))
        target = self.target_of(stage.default_target, i)
        if target is not None:
            word = "otherwise" if stage.outcomes else ""
            flows.append(_Flow("flow", i, target, word, word or "then"))
            node.flows.append(self.flow_text("Otherwise" if word else "Then", target, i))
        fault = self.target_of(stage.fault_target, i) if stage.fault_target else None
        if fault is not None:
            flows.append(_Flow("fault", i, fault, "⚠ on error", "when a step fails"))
            node.flows.append(self.flow_text("If a step fails", fault, i))
        return flows

    def flow_text(self, when: str, target: int, source: int, condition: str = "") -> str:
        where = "the run ends" if target == self.end else f"go to {self.name_of(target)}"
        loop = " (loops back)" if target <= source else ""
        cond = f" (when {condition})" if condition and not when.endswith(condition) else ""
        return f"{when}{cond}: {where}{loop}"

    def place_stages(self, straight: list[_Flow], *, needs_end: bool) -> None:
        """Left to right, each gap as wide as the labels of the arrows in it."""
        self.gaps: list[float] = []
        for i in range(len(self.stages)):
            labels = [f.label for f in straight if f.source == i and f.label]
            longest = max((len(line) for t in labels for line in wrap(t, 22, 3)), default=0)
            self.gaps.append(min(max(longest * CHAR_W + 28, 64), 172))
        x: float = MARGIN
        height = max(stage.h for stage in self.stages)
        for stage, gap in zip(self.stages, self.gaps, strict=True):
            stage.x, stage.y, stage.h = x, 0, height
            x += stage.w + gap
        # The first arrow of every gap on one line, below the tallest label above one.
        firsts = [
            next((f for f in straight if f.source == i), None) for i in range(len(self.stages))
        ]
        self.first_y = 44 + max(
            (13 * len(wrap(f.label, 22, 3)) for f in firsts if f and f.label), default=0
        )
        last = self.stages[-1]
        right = last.x + last.w
        if needs_end:
            self.diagram.end = Text(right + self.gaps[-1], self.first_y - END_H / 2, "End")
            right += self.gaps[-1] + END_W
        self.diagram.width = right + MARGIN

    def straight_edges(self, flows: list[_Flow]) -> None:
        """Arrows to the next stage (or the End), one under the other in the gap,
        each below its label."""
        line_y = self.first_y
        for n, flow in enumerate(flows):
            lines = wrap(flow.label, 22, 3) if flow.label else []
            if n:
                line_y += 16 + 13 * len(lines) + 4
            source = self.stages[flow.source]
            x1 = source.x + source.w
            x2 = x1 + self.gaps[flow.source] - 2
            top = line_y - 4 - 13 * len(lines)
            label = [Text((x1 + x2) / 2, top + 10 + 13 * k, line) for k, line in enumerate(lines)]
            d = f"M{x1:.1f},{line_y:.1f} H{x2:.1f}"
            self.diagram.edges.append(Edge(flow.kind, d, label, self.edge_title(flow)))

    def edge_title(self, flow: _Flow) -> str:
        return f"{self.stages[flow.source].name} → {self.name_of(flow.target)}: {flow.title}"

    def curves(self, flows: list[_Flow], *, side: str) -> int:
        """Rounded arrows above (loops) or below (jumps, the end, fault paths), each
        in the lowest lane where it overlaps no other; returns the lanes used."""
        anchors = self.anchors(flows, side)
        lanes: list[list[tuple[float, float]]] = []
        for flow in sorted(flows, key=lambda f: abs(anchors[id(f)][1] - anchors[id(f)][0])):
            x1, x2 = anchors[id(flow)]
            low, high = min(x1, x2) - 12, max(x1, x2) + 12
            lane = next(
                (n for n, used in enumerate(lanes) if all(high < a or low > b for a, b in used)),
                len(lanes),
            )
            if lane == len(lanes):
                lanes.append([])
            lanes[lane].append((low, high))
            self.diagram.edges.append(self.curve(flow, x1, x2, lane, side))
        return len(lanes)

    def anchors(self, flows: list[_Flow], side: str) -> dict[int, tuple[float, float]]:
        """Where each curve leaves and meets a box: spread along the box's edge,
        ordered by where the other end is, so that curves do not cross there."""
        ends: dict[int, list[tuple[float, int, int, str]]] = {}
        for n, flow in enumerate(flows):
            ends.setdefault(flow.source, []).append((self.centre(flow.target), n, id(flow), "s"))
            ends.setdefault(flow.target, []).append((self.centre(flow.source), n, id(flow), "t"))
        found: dict[int, dict[str, float]] = {}
        for box, items in ends.items():
            items.sort()
            left, width = self.edge_span(box)
            for k, (_, _, flow_id, role) in enumerate(items):
                found.setdefault(flow_id, {})[role] = left + width * (k + 1) / (len(items) + 1)
        return {flow_id: (xs["s"], xs["t"]) for flow_id, xs in found.items()}

    def centre(self, box: int) -> float:
        left, width = self.edge_span(box)
        return left + width / 2

    def edge_span(self, box: int) -> tuple[float, float]:
        if box == self.end:
            end = self.diagram.end
            assert end is not None
            return end.x + 8, END_W - 16
        stage = self.stages[box]
        return stage.x + stage.w * 0.1, stage.w * 0.8

    def curve(self, flow: _Flow, x1: float, x2: float, lane: int, side: str) -> Edge:
        bottom = self.stages[0].h
        end = self.diagram.end
        if side == "above":
            lane_y, y1, y2, sign = -24.0 - lane * LANE, 0.0, 0.0, -1
        else:
            lane_y, y1, sign = bottom + 22.0 + lane * LANE, bottom, 1
            y2 = end.y + END_H if flow.target == self.end and end else bottom
        kind = "loop" if side == "above" else flow.kind
        r = min(RADIUS, abs(x2 - x1) / 2)
        dx = r if x2 >= x1 else -r
        d = (
            f"M{x1:.1f},{y1:.1f} V{lane_y - sign * r:.1f} Q{x1:.1f},{lane_y:.1f} "
            f"{x1 + dx:.1f},{lane_y:.1f} H{x2 - dx:.1f} Q{x2:.1f},{lane_y:.1f} "
            f"{x2:.1f},{lane_y - sign * r:.1f} V{y2 + sign * 2:.1f}"
        )
        text = f"↺ {flow.label or 'loops back'}" if kind == "loop" else flow.label
        chars = min(max(int(abs(x2 - x1) / CHAR_W), 24), 48)
        label = [Text((x1 + x2) / 2, lane_y - 5, shorten(text, chars))] if text else []
        return Edge(kind, d, label, self.edge_title(flow))

    def after_edges(self) -> None:
        """Within a stage: from each step to the steps that wait for it."""
        for stage_def, stage in zip(self.definition.stages, self.stages, strict=True):
            nodes = {node.key: node for node in stage.steps}
            for step in stage_def.steps:
                node = nodes[step.key]
                for dep in (nodes.get(key) for key in _waits_for(step)):
                    if dep is None or dep.y >= node.y:
                        continue
                    x1, y1 = stage.x + dep.x + STEP_W / 2, dep.y + dep.h
                    x2, y2 = stage.x + node.x + STEP_W / 2, node.y - 2
                    d = (
                        f"M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 + 16:.1f} "
                        f"{x2:.1f},{y2 - 16:.1f} {x2:.1f},{y2:.1f}"
                    )
                    title = f"{node.name} starts after {dep.name}"
                    self.diagram.edges.append(Edge("after", d, [], title))


# --- For a version, for a run --------------------------------------------------------------


def version_diagram(version: Version) -> Diagram:
    """The diagram of `version`: no queries for an active or obsolete version whose
    snapshot is cached (and its orchestration selected)."""
    title = f"Diagram of {version.orchestration.name}, version {version.number}"
    return build_diagram(version_definition(version), uid=f"v{version.pk}", title=title)


def run_diagram(run: Run) -> Diagram:
    """The diagram of the version `run` is on, each step coloured by the status of its
    latest step run, the stage in progress highlighted: one query for the step runs
    (plus one for the version unless it is selected with the run)."""
    statuses: dict[int, str] = {}
    open_stage_runs: dict[int, int] = {}  # stage run id → stage id
    rows = (
        StepRun.objects.filter(run_id=run.pk)
        .order_by("pk")
        .values_list(
            "step_id", "status", "stage_run_id", "stage_run__stage_id", "stage_run__status"
        )
    )
    for step_id, status, stage_run_id, stage_id, stage_status in rows:
        statuses[step_id] = status
        if stage_status in OPEN_STAGE_STATUSES:
            open_stage_runs[stage_run_id] = stage_id
    current = open_stage_runs[max(open_stage_runs)] if open_stage_runs and run.is_open else None
    return build_diagram(
        version_definition(run.version),
        uid=f"r{run.pk}",
        title=f"Run {run.pk}: where it is, each step coloured by its status",
        statuses=statuses,
        current_stage_id=current,
    )
