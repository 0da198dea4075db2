"""Fuzzing the condition language with a fixed budget: whatever a designer types, compiling
and evaluating end in a value or a `ConditionError` meant for them, quickly, without
calling anything on the records or building anything large. The generators and checks
live in `condition_fuzzing.py`; `bench/conditions_fuzz.py` runs them for longer."""

import tracemalloc
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings

from orchestrations.conditions import (
    ConditionError,
    ConditionRuntimeError,
    compile_condition,
    render_template,
)
from tests.orchestrations.condition_fuzzing import (
    CALLS,
    ESCAPES,
    NAMESPACES,
    NOW,
    arbitrary_sources,
    assert_no_side_effects,
    check_condition,
    check_template_text,
    expressions,
    template_texts,
    wrapped_expressions,
)

# Deterministic, so CI sees the same cases every time; the whole file stays well under a
# minute on a busy two-core machine.
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,  # each case checks its own CPU time (see CPU_SECONDS_PER_CASE)
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Memory one evaluation may use at its peak, far above what any legitimate one needs.
PEAK_BYTES = 16 * 2**20


@settings(FUZZ, max_examples=1000)
@given(arbitrary_sources)
def test_any_text_compiles_and_evaluates_safely(source):
    check_condition(source)


def test_expressions_of_the_language_evaluate_safely():
    outcomes: Counter[str] = Counter()

    @settings(FUZZ, max_examples=800)
    @given(expressions | wrapped_expressions)
    def fuzz(source):
        outcomes[check_condition(source)] += 1

    fuzz()
    # Guards the property against testing only refusals: most of what the generator
    # writes compiles, and a good part of it gives a value.
    assert outcomes["refused"] < 250, outcomes
    assert outcomes["evaluated"] > 150, outcomes


def test_templates_render_safely():
    outcomes: Counter[str] = Counter()

    @settings(FUZZ, max_examples=400)
    @given(template_texts)
    def fuzz(text):
        outcomes[check_template_text(text)] += 1

    fuzz()
    assert outcomes["rendered"] > 80, outcomes


def peak_memory(function, *args, **kwargs):
    """(the exception `function` raised or None, the peak bytes it allocated)."""
    tracemalloc.start()
    try:
        function(*args, **kwargs)
    except ConditionError as error:
        return error, tracemalloc.get_traced_memory()[1]
    else:
        return None, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def compile_and_evaluate(source):
    return compile_condition(source).evaluate(NAMESPACES[0], now=NOW)


@pytest.mark.parametrize("source", ESCAPES)
def test_escape_attempts_are_refused_and_touch_nothing(source):
    check_condition(source)
    for namespaces in NAMESPACES:
        tracemalloc.start()
        try:
            with pytest.raises(ConditionError):
                compile_condition(source).evaluate(namespaces, now=NOW)
            assert tracemalloc.get_traced_memory()[1] < PEAK_BYTES
        finally:
            tracemalloc.stop()
    assert not CALLS
    assert_no_side_effects(source)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("(" * 10_000 + "1" + ")" * 10_000, "the expression is too long"),
        ("(" * 2000 + "1" + ")" * 2000, "nested too deeply"),
        ("[" * 2500 + "]" * 2500, "nested too deeply"),
        ("{'a': " * 500 + "1" + "}" * 500, "nested too deeply"),
        ("not " * 1249 + "True", "nested too deeply"),
        ("-" * 4999 + "1", "nested too deeply"),
        ("- " * 2499 + "1", "nested too deeply"),
        ("+" * 4999 + "1", "nested too deeply"),
        ("record" + ".owner" * 800, "nested too deeply"),
        ("vars.many" + "[0]" * 1000, "nested too deeply"),
        (" * ".join(["vars.seats"] * 300), "nested too deeply"),
        ("1 if True else " * 300 + "1", "nested too deeply"),
        ("len(" * 600 + "vars.tags" + ")" * 600, "nested too deeply"),
        ("9" * 100_000, "the expression is too long"),
        ("9" * 4999, "too large"),
        ("9" * 1300, "too large"),
        ("0x" + "f" * 1100, "too large"),
        ("1e99999", None),  # a float: inf
        ("'\ud800'", "cannot be used"),
        ("record.amount > 1 \ud800", "cannot be used"),
        ("'\\ud800'", "cannot be used"),
        ("'a\\x00b'", "cannot be used"),
        ("record.amount > 1  # big deals\nand record.stage == 'won'", "comments"),
    ],
)
def test_hostile_texts_are_refused_with_a_clear_message(source, message):
    error, peak = peak_memory(compile_and_evaluate, source)
    check_condition(source)
    assert peak < PEAK_BYTES
    if message is None:
        assert error is None
    else:
        assert isinstance(error, ConditionError)
        assert message in error.message


@pytest.mark.parametrize(
    ("source", "refused"),
    [
        # Each result may be large; together they must stay bounded.
        ("[" + ", ".join(["vars.many + vars.many"] * 200) + "]", True),
        ("[" + ", ".join(["vars.long + vars.long"] * 200) + "]", True),
        ("[" + ", ".join(["upper(vars.long)"] * 250) + "]", True),
        ("str([" + ", ".join(["vars.many"] * 400) + "])", True),
        ("len(str([" + ", ".join(["vars.many"] * 400) + "]))", True),
        ("[" + ", ".join(["str(vars.many)"] * 300) + "]", True),
        (" and ".join(["2 in vars.many"] * 250), True),
        (" or ".join(["'y' in vars.long"] * 250), True),
        (" and ".join(["vars.many == vars.many"] * 170), True),
        ("[" + ", ".join(["max(vars.many)"] * 300) + "]", True),
        ("(((vars.long + vars.long) + (vars.long + vars.long)) + vars.long) + vars.long", True),
        # Handing back what is already there costs nothing, however often.
        ("[" + ", ".join(["vars.many"] * 450) + "]", False),
        ("[" + ", ".join(["vars.long"] * 450) + "]", False),
        ("len(vars.many + vars.many) + len(upper(vars.long))", False),
    ],
)
def test_evaluation_is_bounded_in_memory_and_time(source, refused):
    namespaces = {"vars": {"many": list(range(50_000)), "long": "x" * 50_000}}
    condition = compile_condition(source)
    error, peak = peak_memory(condition.evaluate, namespaces)
    assert peak < PEAK_BYTES, f"{peak / 2**20:.0f} MiB"
    if refused:
        assert isinstance(error, ConditionRuntimeError)
        assert any(words in error.message for words in ("too much", "too large", "longer than"))
    else:
        assert error is None


@pytest.mark.parametrize(
    "text",
    [
        '{{ "{0.__class__}".format(record) }}',
        "{{ record.__class__ }}",
        "{{ record.save() }}",
        "{{ record.owner.password }}",
        "{{ '%s' % record }}",
        "{{ f'{record}' }}",
        "{{ lambda: 1 }}",
        "{{ 'a' * 10**9 }}",
        "{0.__class__} {{ record.__init__.__globals__ }}",
    ],
)
def test_template_escape_attempts_are_refused(text):
    check_template_text(text)
    with pytest.raises(ConditionError):
        render_template(text, NAMESPACES[0], now=NOW)
    assert not CALLS


def test_format_syntax_outside_placeholders_is_plain_text():
    text = "{0.__class__} {record.__class__} %(x)s {{ record.name }}"
    assert render_template(text, NAMESPACES[0]) == "{0.__class__} {record.__class__} %(x)s Acme Ltd"


@pytest.mark.parametrize(
    "text",
    [
        "{{ vars.long }}" * 1000,
        "{{ str(vars.many) }}" * 200,
        "{{ [vars.many, vars.many, vars.many] }}" * 100,
        "x" * 2_000_000,
    ],
)
def test_rendering_is_bounded_in_memory(text):
    namespaces = {"vars": {"many": list(range(50_000)), "long": "x" * 50_000}}
    error, peak = peak_memory(render_template, text, namespaces)
    assert peak < 4 * PEAK_BYTES, f"{peak / 2**20:.0f} MiB"
    assert error is not None
    assert "too long" in error.message or "longer than" in error.message
