"""The planner decides what starts and ends; no database involved."""

from orchestrations.conditions import ConditionRuntimeError
from orchestrations.engine.definition import END, OutcomeDef, StageDef, StepDef, VersionDef
from orchestrations.engine.planner import decide, plan_stage

NS = "not_started"
RUN = "in_progress"
DONE = "completed"


def step(key, start_when="stage_start", after=(), start_condition="", exit_condition=""):
    return StepDef(
        id=hash(key) % 1000, key=key, name=key, stage_key="s", kind="interactive",
        instructions="", start_when=start_when, start_after=tuple(after),
        start_condition=start_condition, exit_condition=exit_condition, form=None,
        assignee_type="", assignee_user_id=None, assignee_group_id=None, assignee_expression="",
        due_in=None, email_subject="", email_body="", action="", action_inputs={},
        retry_max_attempts=1, retry_backoff_seconds=1,
    )  # fmt: skip


def stage(key, *steps, exit_condition="", outcomes=(), default="", fault=""):
    return StageDef(
        id=hash(key) % 1000, key=key, name=key, exit_condition=exit_condition, steps=steps,
        outcomes=tuple(outcomes), default_target=default, fault_target=fault,
    )  # fmt: skip


def truths(*true_sources):
    return lambda source: source in true_sources


def test_parallel_steps_all_start_with_the_stage():
    s = stage("setup", step("a"), step("b"), step("c"))
    plan = plan_stage(s, {"a": NS, "b": NS, "c": NS}, truths())
    assert plan.start == ["a", "b", "c"]
    assert not plan.exit_stage


def test_stage_exits_only_when_every_step_is_complete():
    s = stage("setup", step("a"), step("b"), step("c"))
    assert not plan_stage(s, {"a": DONE, "b": DONE, "c": RUN}, truths()).exit_stage
    assert plan_stage(s, {"a": DONE, "b": DONE, "c": DONE}, truths()).exit_stage


def test_sequential_step_waits_for_all_it_follows():
    s = stage("w", step("a"), step("b"), step("c", "after", after=["a", "b"]))
    assert plan_stage(s, {"a": DONE, "b": RUN, "c": NS}, truths()).start == []
    assert plan_stage(s, {"a": DONE, "b": DONE, "c": NS}, truths()).start == ["c"]


def test_condition_step_starts_when_its_condition_holds():
    s = stage("w", step("a"), step("vip", "condition", start_condition="record.tier == 'gold'"))
    assert plan_stage(s, {"a": RUN, "vip": NS}, truths()).start == []
    assert plan_stage(s, {"a": RUN, "vip": NS}, truths("record.tier == 'gold'")).start == ["vip"]


def test_exit_condition_completes_a_running_step_and_unblocks_followers():
    s = stage("w", step("a", exit_condition="x"), step("b", "after", after=["a"]))
    plan = plan_stage(s, {"a": RUN, "b": NS}, truths("x"))
    assert plan.complete == ["a"]
    assert plan.start == ["b"]


def test_stage_exit_condition_ends_the_stage_with_steps_running():
    s = stage("w", step("a"), step("b"), exit_condition="enough")
    assert plan_stage(s, {"a": RUN, "b": RUN}, truths("enough")).exit_stage


def test_a_condition_that_fails_names_the_step():
    def broken(source):
        raise ConditionRuntimeError("record has no field 'tier'", source=source, position=None)

    s = stage("w", step("a"), step("vip", "condition", start_condition="record.tier"))
    plan = plan_stage(s, {"a": RUN, "vip": NS}, broken)
    assert plan.failed_step == "vip"
    assert "step 'vip'" in plan.error
    assert "tier" in plan.error


def definition(*stages):
    return VersionDef(
        id=1, orchestration_id=1, stages=stages, inputs=(), stage_visit_limit=5,
        allow_concurrent_runs=False, stage_by_key={s.key: s for s in stages},
    )  # fmt: skip


def test_decision_takes_the_first_outcome_that_holds():
    review = stage(
        "review", step("r"),
        outcomes=[OutcomeDef("rework", "no", "intake"), OutcomeDef("more", "yes", "intake")],
    )  # fmt: skip
    d = definition(stage("intake", step("i")), review, stage("fund", step("f")))
    assert decide(d, review, truths("yes")).target == "intake"


def test_decision_falls_back_to_default_then_to_next_stage_then_to_end():
    review = stage("review", step("r"), outcomes=[OutcomeDef("", "no", "intake")], default=END)
    plain = stage("plain", step("p"))
    last = stage("last", step("l"))
    d = definition(stage("intake", step("i")), review, plain, last)
    assert decide(d, review, truths()).target == END
    assert decide(d, plain, truths()).target == "last"
    assert decide(d, last, truths()).target == END


def test_a_condition_step_that_cannot_start_is_skipped_once_nothing_else_runs():
    s = stage("w", step("a"), step("vip", "condition", start_condition="vip"))
    assert not plan_stage(s, {"a": RUN, "vip": NS}, truths()).exit_stage
    assert plan_stage(s, {"a": DONE, "vip": NS}, truths()).exit_stage
    # but it starts, and holds the stage open, if its condition holds by then
    plan = plan_stage(s, {"a": DONE, "vip": NS}, truths("vip"))
    assert plan.start == ["vip"]
    assert not plan.exit_stage


def test_with_an_exit_condition_a_condition_step_waits_instead_of_being_skipped():
    s = stage("w", step("a"), step("vip", "condition", start_condition="vip"), exit_condition="go")
    waiting = plan_stage(s, {"a": DONE, "vip": NS}, truths())
    assert waiting.is_empty  # nothing runs, and still the stage does not end
    assert plan_stage(s, {"a": DONE, "vip": NS}, truths("vip")).start == ["vip"]
    assert plan_stage(s, {"a": DONE, "vip": NS}, truths("go")).exit_stage


def test_with_an_exit_condition_a_step_after_a_waiting_step_waits_too():
    vip = step("vip", "condition", start_condition="vip")
    s = stage("w", vip, step("thanks", "after", after=["vip"]), exit_condition="go")
    assert plan_stage(s, {"vip": NS, "thanks": NS}, truths()).is_empty
    assert plan_stage(s, {"vip": DONE, "thanks": NS}, truths()).start == ["thanks"]


def test_with_an_exit_condition_the_stage_still_ends_when_every_step_is_complete():
    s = stage("w", step("a"), step("vip", "condition", start_condition="vip"), exit_condition="go")
    assert plan_stage(s, {"a": DONE, "vip": DONE}, truths()).exit_stage
    assert not plan_stage(s, {"a": DONE, "vip": RUN}, truths()).exit_stage


def test_a_stage_exit_condition_that_fails_names_the_stage():
    def broken(source):
        raise ConditionRuntimeError("no field 'ready'", source=source, position=None)

    s = stage("w", step("a"), exit_condition="record.ready")
    plan = plan_stage(s, {"a": RUN}, broken)
    assert plan.failed_step == ""
    assert "stage 'w'" in plan.error
