"""The shapes of a diagram, placed (x, y, width, height in SVG pixels): the boxes of
stages and steps, the arrows between them, their text; and the sizes they are laid
out with."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

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
