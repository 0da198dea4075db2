"""How fast conditions evaluate: `python bench/conditions.py` prints evaluations per second
for a few typical expressions (best of five rounds), plus uncached compiles per second.

Not a test: numbers depend on the machine. A simple comparison should stay well above
a million evaluations per second.
"""

import datetime as dt
import functools
import os
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402

from orchestrations.conditions import compile_condition, render_template  # noqa: E402
from orchestrations.conditions.condition import _compile  # noqa: E402

NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)
NAMESPACES = {
    "record": {"amount": Decimal("12500.00"), "status": "open", "name": "Acme"},
    "vars": {"amount": 250, "rate": 1.5, "items": [3, 1, 2], "sent": NOW - dt.timedelta(days=5)},
    "steps": {"review": {"decision": "approve", "score": 7}},
    "run": {"status": "in_progress"},
}
WITH_USER = {**NAMESPACES, "record": User(username="ann", email="ann@example.com")}

EXPRESSIONS = [
    ("record.amount > 10000", NAMESPACES),
    ('record.amount > 10000 and steps.review.decision == "approve"', NAMESPACES),
    ("record.status in ['open', 'new'] or vars.amount >= 1000", NAMESPACES),
    ("len(vars.items) > 2 and vars.rate * 2 < 10", NAMESPACES),
    ("days_since(vars.sent) > 3", NAMESPACES),
    ("record.email == 'ann@example.com'  (a model instance)", WITH_USER),
]


def per_second(run: Callable[[], object], count: int) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(count):
            run()
        best = min(best, time.perf_counter() - started)
    return count / best


def main() -> None:
    print(f"{'expression':<64} {'evaluations/s':>14}")
    for label, namespaces in EXPRESSIONS:
        source = label.split("  (")[0]
        evaluate = compile_condition(source).evaluate
        rate = per_second(functools.partial(evaluate, namespaces, now=NOW), 200_000)
        print(f"{label:<64} {rate:>14,.0f}")

    template = "Hello {{ record.name }}, your amount is {{ vars.amount }}."
    rate = per_second(lambda: render_template(template, NAMESPACES, now=NOW), 50_000)
    print(f"{'render_template (two placeholders)':<64} {rate:>14,.0f}")

    source = 'record.amount > 10000 and steps.review.decision == "approve"'
    rate = per_second(lambda: _compile.__wrapped__(source), 2_000)
    print(f"{'compile, uncached (the expression above)':<64} {rate:>14,.0f}")


if __name__ == "__main__":
    main()
