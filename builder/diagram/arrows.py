"""Between stages: the stages placed left to right, the default flow and decision
outcomes to the next stage as straight arrows, jumps forward (and to the end) as
rounded arrows below the stages, loops back as rounded arrows above them, fault paths
dashed below; and within a stage, arrows from a step to those that wait for it."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrations.engine.definition import END, VersionDef

from .shapes import (
    CHAR_W,
    END_H,
    END_W,
    LANE,
    MARGIN,
    RADIUS,
    STEP_W,
    Diagram,
    Edge,
    Text,
    shorten,
    wrap,
)
from .stages import waits_for


@dataclass
class Flow:
    kind: str  # flow, decision, fault
    source: int  # stage index
    target: int  # stage index; len(stages) is the End node
    label: str
    title: str = ""

    @property
    def is_back(self) -> bool:
        return self.target <= self.source


class Router:
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

    def flows_of(self, i: int) -> list[Flow]:
        stage = self.definition.stages[i]
        node = self.stages[i]
        flows = []
        for outcome in stage.outcomes:
            target = self.target_of(outcome.target, i)
            if target is None:
                continue
            label = outcome.label or f"if {outcome.condition}"
            flows.append(Flow("decision", i, target, label, f"{label} (when {outcome.condition})"))
            node.flows.append(self.flow_text(f"If {label}", target, i, outcome.condition))
        target = self.target_of(stage.default_target, i)
        if target is not None:
            word = "otherwise" if stage.outcomes else ""
            flows.append(Flow("flow", i, target, word, word or "then"))
            node.flows.append(self.flow_text("Otherwise" if word else "Then", target, i))
        fault = self.target_of(stage.fault_target, i) if stage.fault_target else None
        if fault is not None:
            flows.append(Flow("fault", i, fault, "⚠ on error", "when a step fails"))
            node.flows.append(self.flow_text("If a step fails", fault, i))
        return flows

    def flow_text(self, when: str, target: int, source: int, condition: str = "") -> str:
        where = "the run ends" if target == self.end else f"go to {self.name_of(target)}"
        loop = " (loops back)" if target <= source else ""
        cond = f" (when {condition})" if condition and not when.endswith(condition) else ""
        return f"{when}{cond}: {where}{loop}"

    def place_stages(self, straight: list[Flow], *, needs_end: bool) -> None:
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

    def straight_edges(self, flows: list[Flow]) -> None:
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

    def edge_title(self, flow: Flow) -> str:
        return f"{self.stages[flow.source].name} → {self.name_of(flow.target)}: {flow.title}"

    def curves(self, flows: list[Flow], *, side: str) -> int:
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

    def anchors(self, flows: list[Flow], side: str) -> dict[int, tuple[float, float]]:
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

    def curve(self, flow: Flow, x1: float, x2: float, lane: int, side: str) -> Edge:
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
                for dep in (nodes.get(key) for key in waits_for(step)):
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
