"""A long fuzzing run of the condition language: the generators and checks of
`tests/orchestrations/test_conditions_fuzz.py` with a much larger budget, random each time.

    python bench/conditions_fuzz.py --minutes 5           # about five minutes in all
    python bench/conditions_fuzz.py --examples 200000     # that many cases in all
    python bench/conditions_fuzz.py --minutes 1 --only templates --seed 7

It prints cases per second for each generator, the slowest case, and every kind of
broken promise it found with the shortest input that showed it (no shrinking: a long run
wants breadth). Exits with 1 when it found something. Not a test: CI runs the fixed budget.
"""

import argparse
import collections
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.orchestrations.condition_fuzzing import (  # noqa: E402
    ESCAPES,
    Broken,
    arbitrary_sources,
    check_condition,
    check_template_text,
    expressions,
    template_texts,
    wrapped_expressions,
)

GENERATORS = {
    "text": (arbitrary_sources | st.sampled_from(ESCAPES), check_condition),
    "expressions": (expressions | wrapped_expressions, check_condition),
    "templates": (template_texts, check_template_text),
}
CHUNK = 500  # cases per hypothesis run; each run draws from a new seed


@dataclass
class Tally:
    cases: int = 0
    seconds: float = 0.0
    slowest: tuple[float, str] = (0.0, "")
    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)
    found: dict[str, Broken] = field(default_factory=dict)

    def note(self, broken: Broken) -> None:
        known = self.found.get(broken.kind)
        if known is None or len(broken.text) < len(known.text):
            self.found[broken.kind] = broken


def run_chunk(name: str, tally: Tally, cases: int, chunk_seed: int) -> None:
    strategy, check = GENERATORS[name]

    @seed(chunk_seed)
    @settings(
        max_examples=cases,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def fuzz(text: str) -> None:
        started = time.process_time()
        try:
            tally.outcomes[check(text)] += 1
        except Broken as broken:
            tally.note(broken)
            tally.outcomes["broken"] += 1
        spent = time.process_time() - started
        tally.cases += 1
        if spent > tally.slowest[0]:
            tally.slowest = (spent, text)

    started = time.perf_counter()
    fuzz()
    tally.seconds += time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--examples", type=int, help="cases in all (default 20000)")
    budget.add_argument("--minutes", type=float, help="run for about this long")
    parser.add_argument("--only", choices=sorted(GENERATORS), action="append")
    parser.add_argument("--seed", type=int, default=None)
    arguments = parser.parse_args()

    names = arguments.only or list(GENERATORS)
    randomness = random.Random(arguments.seed)
    tallies = {name: Tally() for name in names}
    examples = arguments.examples or (None if arguments.minutes else 20_000)
    deadline = time.monotonic() + 60 * (arguments.minutes or 0)
    print(f"fuzzing {', '.join(names)}: " + (f"{examples} cases" if examples else
          f"{arguments.minutes} minutes"), flush=True)  # fmt: skip
    while True:
        done = sum(tally.cases for tally in tallies.values())
        if examples is not None and done >= examples:
            break
        if examples is None and time.monotonic() >= deadline:
            break
        for name in names:
            cases = (
                CHUNK if examples is None else min(CHUNK, max(1, (examples - done) // len(names)))
            )
            run_chunk(name, tallies[name], cases, randomness.getrandbits(32))
        print(f"  {sum(t.cases for t in tallies.values()):>8} cases", flush=True)

    found = 0
    for name, tally in tallies.items():
        rate = tally.cases / tally.seconds if tally.seconds else 0.0
        spent, text = tally.slowest
        print(f"\n{name}: {tally.cases} cases in {tally.seconds:.0f}s, {rate:,.0f} cases/s")
        print(f"  outcomes: {', '.join(f'{k} {n}' for k, n in tally.outcomes.most_common())}")
        print(f"  slowest case (all its checks): {spent * 1000:.0f} ms of CPU for {text!r:.100}")
        for _, broken in sorted(tally.found.items()):
            found += 1
            print(f"  FOUND {broken!s:.600}")
        if not tally.found:
            print("  found nothing")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
