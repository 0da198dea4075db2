from tests.inbox.conftest import item_of


def test_the_run_waits_for_avas_kickoff(run, people):
    item = item_of(run, "kickoff")
    assert item.assignee_user == people.ava
    assert item.status == "open"
