"""Medians of bench/onboarding.py --json files, as Markdown tables (for the README, and to
put a before and an after side by side).

    python bench/onboarding_table.py bench/results/onboarding-*.json

Files are grouped by commit, database, variant and number of runs; each figure is the
median of its group (of two runs, their mean). Needs nothing but the standard library.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

WORKLOAD = [
    ("wall s (start + tasks)", lambda d: d["wall_seconds"]["total"], "{:.0f}".format),
    ("human tasks/s", lambda d: d["human_tasks_per_second"], "{:.1f}".format),
    ("start p50 / p95 ms", lambda d: _p(d["requests"]["start"]), None),
    ("claim p50 / p95 ms", lambda d: _p(d["requests"]["claim"]), None),
    ("complete p50 / p95 ms", lambda d: _p(d["requests"]["complete"]), None),
    ("SQL per human task (w/o tx control)", lambda d: _sql(d["per_human_task"]), None),
    ("SQL per start (w/o tx control)", lambda d: _sql(d["per_run_start"]), None),
    ("CPU ms per human task (process + db)", lambda d: _cpu(d["per_human_task"]), None),
    ("CPU ms per start (process + db)", lambda d: _cpu(d["per_run_start"]), None),
]


def _p(request: dict) -> tuple[float, float]:
    return request["p50_ms"], request["p95_ms"]


def _sql(figures: dict) -> tuple[float, float]:
    return figures["statements"], figures["without_tx_control"]


def _cpu(figures: dict) -> tuple[float, float, float | None]:
    return figures["cpu_ms"], figures["client_cpu_ms"], figures["backend_cpu_ms"]


def median(values: list[Any]) -> Any:
    """The median of numbers, or of tuples part by part (None stays None)."""
    if not isinstance(values[0], tuple):
        return statistics.median(values)
    parts = zip(*values, strict=True)
    return tuple(None if None in part else statistics.median(part) for part in parts)


def show(value: Any, name: str, fmt: Callable[[Any], str] | None) -> str:
    if fmt:
        return fmt(value)
    if name.startswith("CPU"):
        total, process, database = value
        return (
            f"{total:.1f}" if database is None else f"{total:.1f} ({process:.1f} + {database:.1f})"
        )
    if name.startswith("SQL"):
        return f"{value[0]:.1f} ({value[1]:.1f})"
    return f"{value[0]:.1f} / {value[1]:.1f}"


def main(paths: list[str]) -> None:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for path in paths:
        data = json.loads(Path(path).read_text())
        key = (data["variant"], data["database"], data["runs"], data["commit"])
        groups[key].append(data)
    workloads = sorted(k for k in groups if k[0] == "workload")
    if workloads:
        header = [f"{key[1].split()[0]}, N={key[2]}, {key[3]} ({len(groups[key])} runs)"
                  for key in workloads]  # fmt: skip
        print("| figure | " + " | ".join(header) + " |")
        print("| --- |" + " ---: |" * len(header))
        for name, get, fmt in WORKLOAD:
            cells = [show(median([get(d) for d in groups[key]]), name, fmt) for key in workloads]
            print(f"| {name} | " + " | ".join(cells) + " |")
    for key in sorted(k for k in groups if k[0] == "contended"):
        runs = groups[key]
        print(f"\nContended, {key[1]}, {key[2]} runs, {key[3]} ({len(runs)} runs, median):")
        for step in ("all", "configure", "provision"):
            p50 = median([d["latency"][step]["p50_ms"] for d in runs])
            p95 = median([d["latency"][step]["p95_ms"] for d in runs])
            print(f"  {step:<10} p50 {p50:.0f} ms, p95 {p95:.0f} ms")
        problems = sum(len(d["problems"]) for d in runs)
        print(f"  joins: {'every one fired once' if not problems else f'{problems} problems'}")


if __name__ == "__main__":
    main(sys.argv[1:])
